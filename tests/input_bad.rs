//! Bad input of every kind: each case checks the exact count per reason, where the message
//! points, and that every record written is either returned or counted as dropped.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use reprint::input::{read_all, InputOptions};
use reprint::{Document, Messages, Reason};
use util::{gz, read, zst};

fn read_dir(dir: &Path) -> (Vec<Document>, Messages) {
    read(&[dir.to_path_buf()], &InputOptions::default())
}

fn counts(msgs: &Messages) -> BTreeMap<Reason, u64> {
    msgs.counts()
}

fn expect(pairs: &[(Reason, u64)]) -> BTreeMap<Reason, u64> {
    pairs.iter().copied().collect()
}

/// Asserts that one message mentions all of `parts`.
fn assert_message(msgs: &Messages, parts: &[&str]) {
    let examples = msgs.examples();
    assert!(examples.iter().any(|e| parts.iter().all(|p| e.contains(p))), "no message with {parts:?} in {examples:#?}");
}

fn jsonl_lines(n: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..n {
        // Varied text so that compression does not shrink the file to nothing.
        let words: String = (0..20).map(|w| format!(" w{}", (i * 31 + w * 7919) % 100_003)).collect();
        writeln!(data, r#"{{"id":"d{i}","text":"doc{words}"}}"#).unwrap();
    }
    data
}

#[test]
fn malformed_json_line_is_skipped_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"id":"1","text":"one"}"#,
        r#"{"id":"2","text":"two"}"#,
        r#"{"id":"3","text":"thr"#,
        r#"["not", "an", "object"]"#,
        r#"{"id":"5","text":"five"}"#,
    ];
    fs::write(dir.path().join("a.jsonl"), lines.join("\n")).unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 3);
    assert_eq!(counts(&msgs), expect(&[(Reason::MalformedJson, 2)]));
    assert_message(&msgs, &["a.jsonl:3: ", "EOF"]);
    assert_message(&msgs, &["a.jsonl:4: ", "object"]);
    assert_eq!(docs.len() as u64 + msgs.dropped(), 5);
}

#[test]
fn missing_text_or_id_field_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = concat!(
        "{\"id\":\"1\",\"text\":\"ok\"}\n",
        "{\"id\":\"2\",\"body\":\"wrong key\"}\n",
        "{\"text\":\"no id\"}\n",
        "{\"id\":null,\"text\":\"null id\"}\n",
    );
    fs::write(dir.path().join("a.jsonl"), jsonl).unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 1);
    assert_eq!(counts(&msgs), expect(&[(Reason::MissingField, 3)]));
    assert_message(&msgs, &["a.jsonl:2: ", "\"text\""]);
    assert_message(&msgs, &["a.jsonl:3: ", "\"id\""]);
    assert_eq!(docs.len() as u64 + msgs.dropped(), 4);
}

#[test]
fn csv_without_text_column_counts_every_row() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.csv"), "id,body\n1,x\n2,y\n3,z\n").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert!(docs.is_empty());
    assert_eq!(counts(&msgs), expect(&[(Reason::MissingField, 3)]));
    assert_message(&msgs, &["a.csv: record 2", "\"text\"", "id, body"]);
}

#[test]
fn malformed_csv_row_is_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.csv"), "id,text\n1,one\n2,two,extra\n3,three\n").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["1", "3"]);
    assert_eq!(counts(&msgs), expect(&[(Reason::MalformedCsv, 1)]));
    assert_message(&msgs, &["a.csv: record 2", "line 3"]);
    assert_eq!(docs.len() as u64 + msgs.dropped(), 3);
}

#[test]
fn invalid_utf8_is_kept_and_warned_once_per_record() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl"), b"{\"id\":\"j\",\"text\":\"caf\xe9\"}\n{\"id\":\"k\",\"text\":\"fine\"}\n")
        .unwrap();
    fs::write(dir.path().join("b.csv"), b"id,text,title\nc,na\xefve,t\xff\n").unwrap();
    fs::write(dir.path().join("c.txt"), b"Body with \xc3 broken byte\n").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 4);
    assert_eq!(docs[0].text, "caf\u{fffd}");
    assert_eq!(docs[2].text, "na\u{fffd}ve");
    assert_eq!(docs[2].title, "t\u{fffd}");
    assert_eq!(docs[3].text, "Body with \u{fffd} broken byte\n");
    assert_eq!(counts(&msgs), expect(&[(Reason::InvalidUtf8, 3)]));
    assert_eq!(msgs.dropped(), 0);
    assert_message(&msgs, &["a.jsonl:1: warning"]);
    assert_message(&msgs, &["c.txt: byte 10"]);
}

#[test]
fn empty_documents_are_skipped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), " \n\t\n").unwrap();
    fs::write(dir.path().join("b.md"), "---\ntitle: Only a title\n---\n\n").unwrap();
    fs::write(dir.path().join("c.txt"), "").unwrap();
    fs::write(
        dir.path().join("d.jsonl"),
        "{\"id\":\"1\",\"text\":\"\"}\n{\"id\":\"2\",\"text\":\" \\n \"}\n{\"id\":\"3\",\"text\":\"ok\"}\n",
    )
    .unwrap();
    fs::write(dir.path().join("e.csv"), "id,text\n1,\n2,\"  \"\n3,ok\n").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 2);
    assert_eq!(counts(&msgs), expect(&[(Reason::EmptyText, 7)]));
    assert_eq!(docs.len() as u64 + msgs.dropped(), 9);
}

/// Writes `n` JSON lines compressed with `compress`, cut to half, and checks that a prefix of
/// the records is kept and the damage reported once.
fn check_truncated(name: &str, compress: fn(&[u8]) -> Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let n = 3000;
    let full = compress(&jsonl_lines(n));
    fs::write(dir.path().join(name), &full[..full.len() / 2]).unwrap();
    fs::write(dir.path().join("z.jsonl"), "{\"id\":\"after\",\"text\":\"next file\"}\n").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(counts(&msgs), expect(&[(Reason::TruncatedStream, 1)]));
    let kept = docs.len() - 1;
    assert!(kept > 100 && kept < n, "kept {kept} of {n}");
    for (i, d) in docs[..kept].iter().enumerate() {
        assert_eq!(d.id, format!("d{i}"));
    }
    assert_eq!(docs[kept].id, "after");
    let line = format!("{name}:{}: ", kept + 1);
    assert_message(&msgs, &[&line, "truncated or corrupt", "uncompressed bytes"]);
}

#[test]
fn truncated_gzip_keeps_records_before_the_damage() {
    check_truncated("a.jsonl.gz", gz);
}

#[test]
fn truncated_zstd_keeps_records_before_the_damage() {
    check_truncated("a.jsonl.zst", zst);
}

#[test]
fn truncated_compressed_text_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..5000).map(|i| format!("word{} ", i * 7919 % 10007)).collect();
    let full = gz(text.as_bytes());
    fs::write(dir.path().join("a.txt.gz"), &full[..full.len() / 2]).unwrap();
    let mut csv = b"id,text\n".to_vec();
    // Enough rows for several zstd blocks (128 KiB each): a cut block yields nothing.
    for i in 0..20_000 {
        writeln!(csv, "r{i},\"text {} {}\"", i * 7919 % 10007, i * 104_729 % 7_919).unwrap();
    }
    let full = zst(&csv);
    fs::write(dir.path().join("b.csv.zst"), &full[..full.len() / 2]).unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(counts(&msgs), expect(&[(Reason::TruncatedStream, 2)]));
    assert!(docs.len() > 1000 && docs.len() < 20_000, "{}", docs.len());
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d.id, format!("r{i}"));
    }
    assert_message(&msgs, &["a.txt.gz: byte "]);
    assert_message(&msgs, &["b.csv.zst: record "]);
}

#[test]
fn corrupt_gzip_header_is_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl.gz"), b"this is not gzip at all\n").unwrap();
    fs::write(dir.path().join("b.txt"), "good").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 1);
    assert_eq!(counts(&msgs), expect(&[(Reason::TruncatedStream, 1)]));
}

#[test]
fn binary_files_in_a_folder_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), b"looks like text\0\x01\x02").unwrap();
    let mut bin = b"{\"id\":\"1\",\"text\":\"x\"}\n".to_vec();
    bin.extend([0u8; 64]);
    fs::write(dir.path().join("b.jsonl"), &bin).unwrap();
    fs::write(dir.path().join("c.csv.gz"), gz(b"id,text\n\0\0\0")).unwrap();
    fs::write(dir.path().join("d.txt"), "real text").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].id, "d.txt");
    assert_eq!(counts(&msgs), expect(&[(Reason::BinaryFile, 3)]));
    assert_message(&msgs, &["a.txt: skipped", "NUL"]);
}

#[test]
fn too_large_records_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let opts = InputOptions { max_doc_bytes: 100, ..InputOptions::default() };
    let long = "x".repeat(200);
    fs::write(dir.path().join("a.txt"), &long).unwrap();
    fs::write(dir.path().join("b.txt.gz"), gz(long.as_bytes())).unwrap();
    fs::write(dir.path().join("c.txt"), "short enough").unwrap();
    fs::write(
        dir.path().join("d.jsonl"),
        format!("{{\"id\":\"1\",\"text\":\"ok\"}}\n{{\"id\":\"2\",\"text\":\"{long}\"}}\n{{\"id\":\"3\",\"text\":\"ok\"}}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("e.csv"), format!("id,text\n1,{long}\n2,ok\n")).unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &opts);
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["c.txt", "1", "3", "2"]);
    assert_eq!(counts(&msgs), expect(&[(Reason::TooLarge, 4)]));
    assert_message(&msgs, &["d.jsonl:2: "]);
    assert_eq!(docs.len() as u64 + msgs.dropped(), 8);
}

#[test]
fn a_huge_line_is_skipped_while_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let opts = InputOptions { max_doc_bytes: 64 * 1024, ..InputOptions::default() };
    let mut data = b"{\"id\":\"1\",\"text\":\"before\"}\n".to_vec();
    // 5 MiB on one line: larger than both the limit and a chunk.
    data.extend(b"{\"id\":\"2\",\"text\":\"");
    data.extend(std::iter::repeat_n(b'y', 5 << 20));
    data.extend(b"\"}\n{\"id\":\"3\",\"text\":\"after\"}\n{bad\n");
    fs::write(dir.path().join("a.jsonl"), &data).unwrap();
    fs::write(dir.path().join("b.jsonl.gz"), gz(&data)).unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &opts);
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["1", "3", "1", "3"]);
    assert_eq!(counts(&msgs), expect(&[(Reason::TooLarge, 2), (Reason::MalformedJson, 2)]));
    assert_message(&msgs, &["a.jsonl:2: "]);
    assert_message(&msgs, &["b.jsonl.gz:4: "]);
}

#[test]
fn a_line_without_end_that_is_too_long_is_skipped_at_eof() {
    let dir = tempfile::tempdir().unwrap();
    let opts = InputOptions { max_doc_bytes: 1000, ..InputOptions::default() };
    let mut data = b"{\"id\":\"1\",\"text\":\"ok\"}\n".to_vec();
    data.extend(std::iter::repeat_n(b'z', 300_000));
    fs::write(dir.path().join("a.jsonl"), &data).unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &opts);
    assert_eq!(docs.len(), 1);
    assert_eq!(counts(&msgs), expect(&[(Reason::TooLarge, 1)]));
    assert_message(&msgs, &["a.jsonl:2: "]);
}

#[cfg(unix)]
#[test]
fn broken_symlink_in_a_folder_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("a.txt")).unwrap();
    fs::write(dir.path().join("b.txt"), "fine").unwrap();
    let (docs, msgs) = read_dir(dir.path());
    assert_eq!(docs.len(), 1);
    assert_eq!(counts(&msgs), expect(&[(Reason::UnreadableFile, 1)]));
    assert_message(&msgs, &["a.txt: skipped"]);
    assert_eq!(docs.len() as u64 + msgs.dropped(), 2);
}

#[cfg(unix)]
#[test]
fn file_without_read_permission_is_unreadable_unless_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("a.jsonl");
    fs::write(&locked, "{\"id\":\"1\",\"text\":\"secret\"}\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads the file anyway; then it must simply be read.
    let blocked = fs::File::open(&locked).is_err();
    let (docs, msgs) = read_dir(dir.path());
    if blocked {
        assert!(docs.is_empty());
        assert_eq!(counts(&msgs), expect(&[(Reason::UnreadableFile, 1)]));
        assert_message(&msgs, &["a.jsonl: skipped", "cannot open"]);
    } else {
        assert_eq!(docs.len(), 1);
        assert!(!msgs.has_problems());
    }
}

#[cfg(unix)]
#[test]
fn broken_symlink_given_on_the_command_line_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("a.txt");
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), &link).unwrap();
    let msgs = Messages::silent();
    let err = read_all(&[link], &InputOptions::default(), &msgs).unwrap_err();
    assert!(err.to_string().contains("a.txt"), "{err}");
}

#[test]
fn every_record_is_accounted_for_in_a_mixed_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join("sub")).unwrap();
    // 6 JSON records: 3 good, 1 malformed, 1 missing text, 1 empty; plus 2 blank lines.
    fs::write(
        root.join("sub/a.jsonl"),
        "{\"id\":1,\"text\":\"a\"}\n\n{\"id\":2,\"text\":\"b\"}\n{oops\n{\"id\":4}\n{\"id\":5,\"text\":\"\"}\n\n{\"id\":6,\"text\":\"c\"}\n",
    )
    .unwrap();
    // 3 CSV rows: 1 good, 1 malformed, 1 empty.
    fs::write(root.join("b.csv"), "id,text\n1,x\n2\n3,\n").unwrap();
    // 4 text files: 1 good, 1 empty, 1 binary, 1 good with invalid UTF-8 (kept).
    fs::write(root.join("c.txt"), "good").unwrap();
    fs::write(root.join("d.txt"), "\n\n").unwrap();
    fs::write(root.join("e.md"), b"\0\0").unwrap();
    fs::write(root.join("f.txt"), b"ok \xff").unwrap();
    fs::write(root.join("g.pdf"), "%PDF-1.4").unwrap();
    let (docs, msgs) = read_dir(root);
    assert_eq!(docs.len(), 3 + 1 + 2);
    assert_eq!(
        counts(&msgs),
        expect(&[
            (Reason::MalformedJson, 1),
            (Reason::MalformedCsv, 1),
            (Reason::MissingField, 1),
            (Reason::EmptyText, 3),
            (Reason::BinaryFile, 1),
            (Reason::InvalidUtf8, 1),
            (Reason::UnsupportedFormat, 1),
        ])
    );
    // Unsupported files are not records; everything else adds up.
    let records = 6 + 3 + 4;
    let dropped = msgs.dropped() - msgs.count(Reason::UnsupportedFormat);
    assert_eq!(docs.len() as u64 + dropped, records);
}
