//! Every supported format read through the public API, plain and compressed, and the walk.

mod util;

use std::fs;
use std::io::Write;
use std::path::Path;

use reprint::input::{read_all, read_paths, Chunk, FieldNames, InputOptions, LineCount};
use reprint::{Document, Messages, Reason};
use util::{gz, read, zst};

fn ids(docs: &[Document]) -> Vec<&str> {
    docs.iter().map(|d| d.id.as_str()).collect()
}

const JSONL: &str = concat!(
    r#"{"id":"a","text":"Alpha text.","title":"A","url":"https://x.test/a","source":"AP","date":"2024-01-02"}"#,
    "\n",
    "\n",
    r#"{"id":7,"text":"Seven.","title":null,"other":[1,{"x":2}]}"#,
    "\n",
    r#"{"text":"Escaped \"quote\" and \u00e9.","id":"c"}"#,
    "\n"
);

fn check_jsonl_docs(docs: &[Document]) {
    assert_eq!(ids(docs), ["a", "7", "c"]);
    assert_eq!(
        docs[0],
        Document {
            id: "a".into(),
            title: "A".into(),
            url: "https://x.test/a".into(),
            source: "AP".into(),
            date: "2024-01-02".into(),
            text: "Alpha text.".into(),
        }
    );
    assert_eq!(docs[1].title, "");
    assert_eq!(docs[2].text, "Escaped \"quote\" and é.");
}

#[test]
fn jsonl_plain_gzip_zstd_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    let variants: [(&str, Vec<u8>); 4] = [
        ("a.jsonl", JSONL.as_bytes().to_vec()),
        ("b.jsonl.gz", gz(JSONL.as_bytes())),
        ("c.jsonl.zst", zst(JSONL.as_bytes())),
        ("d.ndjson", JSONL.as_bytes().to_vec()),
    ];
    for (name, bytes) in variants {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let (docs, msgs) = read(&[path], &InputOptions::default());
        check_jsonl_docs(&docs);
        assert!(!msgs.has_problems(), "{name}: {:?}", msgs.examples());
    }
}

#[test]
fn multi_member_gzip_reads_every_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gz(b"{\"id\":\"1\",\"text\":\"one\"}\n");
    bytes.extend(gz(b"{\"id\":\"2\",\"text\":\"two\"}\n"));
    bytes.extend(gz(b"{\"id\":\"3\",\"text\":\"three\"}"));
    let path = dir.path().join("m.jsonl.gz");
    fs::write(&path, bytes).unwrap();
    let (docs, msgs) = read(&[path], &InputOptions::default());
    assert_eq!(ids(&docs), ["1", "2", "3"]);
    assert!(!msgs.has_problems());
}

#[test]
fn multi_frame_zstd_reads_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = zst(b"{\"id\":\"1\",\"text\":\"one\"}\n");
    bytes.extend(zst(b"{\"id\":\"2\",\"text\":\"two\"}\n"));
    let path = dir.path().join("m.jsonl.zst");
    fs::write(&path, bytes).unwrap();
    let (docs, _) = read(&[path], &InputOptions::default());
    assert_eq!(ids(&docs), ["1", "2"]);
}

const CSV: &str = "id,title,text,source,extra\n\
    r1,First,\"Line one,\nline two\",AP,x\n\
    r2,,Second text,,y\n";

#[test]
fn csv_plain_gzip_zstd() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in
        [("a.csv", CSV.as_bytes().to_vec()), ("a.csv.gz", gz(CSV.as_bytes())), ("a.csv.zst", zst(CSV.as_bytes()))]
    {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let (docs, msgs) = read(&[path], &InputOptions::default());
        assert_eq!(ids(&docs), ["r1", "r2"], "{name}");
        assert_eq!(docs[0].text, "Line one,\nline two");
        assert_eq!(docs[0].title, "First");
        assert_eq!(docs[0].source, "AP");
        assert_eq!(docs[1].url, "");
        assert!(!msgs.has_problems(), "{name}: {:?}", msgs.examples());
    }
}

#[test]
fn text_and_markdown_plain_and_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let txt = "Storm hits coast\n\nThe storm arrived at dawn.\n\nMore later.\n";
    let md = "---\nsource: \"Wire\"\ndate: 2024-03-04\n---\n# Heading\n\nBody of the post.\n";
    fs::write(dir.path().join("a.txt"), txt).unwrap();
    fs::write(dir.path().join("b.md"), md).unwrap();
    fs::write(dir.path().join("c.txt.gz"), gz(txt.as_bytes())).unwrap();
    fs::write(dir.path().join("d.md.zst"), zst(md.as_bytes())).unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &InputOptions::default());
    assert!(!msgs.has_problems(), "{:?}", msgs.examples());
    assert_eq!(ids(&docs), ["a.txt", "b.md", "c.txt.gz", "d.md.zst"]);
    for d in [&docs[0], &docs[2]] {
        assert_eq!(d.title, "Storm hits coast");
        assert_eq!(d.text, "The storm arrived at dawn.\n\nMore later.\n");
    }
    for d in [&docs[1], &docs[3]] {
        assert_eq!(d.title, "Heading");
        assert_eq!(d.source, "Wire");
        assert_eq!(d.date, "2024-03-04");
        assert_eq!(d.text, "Body of the post.\n");
    }
}

#[test]
fn directory_walk_is_sorted_recursive_and_counts_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    for sub in ["b/deep", "a", ".git", "x.txt"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    let files = [
        ("b/deep/z.txt", "zed"),
        ("b/a.md", "bee"),
        ("a/2.txt", "two"),
        ("a/10.txt", "ten"),
        ("top.txt", "top"),
        ("x.txt/inside.txt", "a directory named like a file is walked"),
        ("scan.pdf", "%PDF-1.4"),
        ("notes.docx", "?"),
        (".hidden.txt", "hidden"),
        (".git/config.txt", "hidden too"),
    ];
    for (name, body) in files {
        fs::write(root.join(name), body).unwrap();
    }
    let (docs, msgs) = read(&[root], &InputOptions::default());
    assert_eq!(ids(&docs), ["a/10.txt", "a/2.txt", "b/a.md", "b/deep/z.txt", "top.txt", "x.txt/inside.txt"]);
    assert_eq!(docs[3].text, "zed");
    assert_eq!(msgs.count(Reason::UnsupportedFormat), 2);
    assert_eq!(msgs.counts().len(), 1, "{:?}", msgs.counts());
    let examples = msgs.examples().join("\n");
    assert!(examples.contains("scan.pdf"), "{examples}");
    assert!(!examples.contains("hidden"), "{examples}");
}

#[test]
fn file_root_id_is_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("story.txt");
    fs::write(&path, "Just text.").unwrap();
    let (docs, _) = read(&[path], &InputOptions::default());
    assert_eq!(ids(&docs), ["story.txt"]);
    assert_eq!(docs[0].text, "Just text.");
}

#[test]
fn custom_field_names_for_jsonl_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let opts = InputOptions {
        fields: FieldNames {
            id: "guid".into(),
            text: "body".into(),
            title: "headline".into(),
            url: "link".into(),
            source: "site".into(),
            date: "published".into(),
        },
        ..InputOptions::default()
    };
    fs::write(
        dir.path().join("a.jsonl"),
        r#"{"guid":"g1","body":"B1","headline":"H1","link":"L1","site":"S1","published":"P1","text":"not this"}"#,
    )
    .unwrap();
    fs::write(dir.path().join("b.csv"), "published,site,link,headline,body,guid\nP2,S2,L2,H2,B2,g2\n").unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &opts);
    assert!(!msgs.has_problems(), "{:?}", msgs.examples());
    let want = |n: u8| Document {
        id: format!("g{n}"),
        title: format!("H{n}"),
        url: format!("L{n}"),
        source: format!("S{n}"),
        date: format!("P{n}"),
        text: format!("B{n}"),
    };
    assert_eq!(docs, [want(1), want(2)]);
}

/// Writes `n` JSON lines whose text is about `width` bytes.
fn big_jsonl(path: &Path, n: usize, width: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..n {
        let filler = "w".repeat(width);
        writeln!(data, r#"{{"id":"d{i}","text":"doc {i} {filler}"}}"#).unwrap();
    }
    fs::write(path, &data).unwrap();
    data
}

#[test]
fn large_jsonl_is_cut_into_ordered_ranges_of_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let data = big_jsonl(&path, 6000, 600);
    let opts = InputOptions::default();
    let msgs = Messages::silent();
    let mut end = 0;
    let mut docs = Vec::new();
    let mut lines = LineCount::default();
    let stats = read_paths(&[path], &opts, &msgs, &mut |chunk| {
        let Chunk::JsonRange(range) = &chunk else { panic!("an uncompressed file comes in ranges") };
        // Each range starts where the one before ended, on a line's first byte.
        assert_eq!(range.source().1.offset, end);
        assert!(end == 0 || data[end as usize - 1] == b'\n');
        assert!(range.len() <= 2 << 20, "range of {} bytes", range.len());
        end += range.len() as u64;
        chunk.parse(&opts, &msgs, &mut docs).expect("a range's problems, held").report(&msgs, &mut lines);
        true
    })
    .unwrap();
    assert_eq!(end, data.len() as u64);
    assert_eq!(docs.len(), 6000);
    assert!(docs.iter().enumerate().all(|(i, d)| d.id == format!("d{i}")));
    assert_eq!(stats.files, 1);
    assert_eq!(stats.bytes, data.len() as u64);
}

/// Windows line breaks and no line break after the last line, over several ranges: the same
/// documents as when the file is streamed.
#[test]
fn ranges_end_on_crlf_and_at_a_last_line_without_a_break() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    for i in 0..3000 {
        write!(data, r#"{{"id":"d{i}","text":"doc {i} {}"}}"#, "w".repeat(700)).unwrap();
        if i < 2999 {
            data.extend_from_slice(b"\r\n");
        }
    }
    fs::write(dir.path().join("a.jsonl"), &data).unwrap();
    fs::write(dir.path().join("b.jsonl.zst"), zst(&data)).unwrap();
    let msgs = Messages::silent();
    let ranged = read_all(&[dir.path().join("a.jsonl")], &InputOptions::default(), &msgs).unwrap();
    let streamed = read_all(&[dir.path().join("b.jsonl.zst")], &InputOptions::default(), &msgs).unwrap();
    assert!(!msgs.has_problems(), "{:?}", msgs.examples());
    assert_eq!(ranged.len(), 3000);
    assert_eq!(ranged, streamed);
}

/// Files of lines of every length around the cuts, short and over the limit, with and without
/// `\r`, some broken: read in ranges, they give what the same bytes give streamed, every
/// document and every problem at its line.
#[test]
fn ranges_agree_with_the_stream_whatever_the_line_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let opts = InputOptions { max_doc_bytes: 3000, ..InputOptions::default() };
    // A fixed sequence of pseudo-random numbers (xorshift), so a failure can be replayed.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for file in 0..6 {
        let mut data = Vec::new();
        let mut i = 0;
        while data.len() < 2_300_000 {
            let len = match next(10) {
                0 => 3000 + next(9000) as usize,
                1 => next(40) as usize,
                _ => 100 + next(2500) as usize,
            };
            match next(20) {
                0 => write!(data, "{{broken {i}").unwrap(),
                _ => write!(data, r#"{{"id":"f{file}d{i}","text":"doc {}"}}"#, "w".repeat(len)).unwrap(),
            }
            data.extend_from_slice(if next(4) == 0 { b"\r\n" } else { b"\n" });
            i += 1;
        }
        if next(2) == 0 {
            data.pop();
        }
        fs::write(dir.path().join(format!("{file}.jsonl")), &data).unwrap();
        fs::write(dir.path().join(format!("{file}.jsonl.gz")), gz(&data)).unwrap();
        let read = |name: String| {
            let msgs = Messages::silent();
            let docs = read_all(&[dir.path().join(name)], &opts, &msgs).unwrap();
            // Where the cuts fall decides which of the reader or the parser finds a line too
            // long, and they word it differently ("line longer than", "line of N bytes is
            // longer than"): the line and the reason must agree, not the wording.
            let problems: Vec<String> = msgs
                .examples()
                .iter()
                .map(|e| {
                    let e = e.replacen(".jsonl.gz:", ".jsonl:", 1);
                    match e.strip_suffix("[too_large]") {
                        Some(head) => format!("{}: too large", head.split(": skipped").next().unwrap()),
                        None => e,
                    }
                })
                .collect();
            (docs, problems, msgs.counts())
        };
        let (ranged, streamed) = (read(format!("{file}.jsonl")), read(format!("{file}.jsonl.gz")));
        assert!(ranged.2.values().sum::<u64>() > 0, "file {file} has no bad lines");
        // Compared piece by piece: a failure prints one message, not megabytes of documents.
        assert_eq!(ranged.0.len(), streamed.0.len(), "file {file}");
        assert!(ranged.0 == streamed.0, "file {file}: the documents differ");
        assert_eq!(ranged.2, streamed.2, "file {file}");
        assert_eq!(ranged.1.len(), streamed.1.len(), "file {file}");
        for (a, b) in ranged.1.iter().zip(&streamed.1) {
            assert_eq!(a, b, "file {file}");
        }
    }
}

/// The same lines, broken at the same places, from a file read in ranges by the workers and
/// from a compressed one streamed by the reader: the same documents, and every problem at the
/// same line, though a range's lines are only numbered once the ranges before it are counted.
#[test]
fn bad_lines_have_their_line_numbers_in_ranges_as_when_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    for i in 1..=6000 {
        match i {
            1 | 1750 | 6000 => writeln!(data, "{{not json {i}").unwrap(),
            2 => writeln!(data, r#"{{"id":"x","text":"   "}}"#).unwrap(),
            // Longer than the limit below, across the cut after the first mebibyte.
            1660 => writeln!(data, r#"{{"id":"long","text":"{}"}}"#, "y".repeat(9000)).unwrap(),
            _ => writeln!(data, r#"{{"id":"d{i}","text":"doc {i} {}"}}"#, "w".repeat(600)).unwrap(),
        }
    }
    fs::write(dir.path().join("a.jsonl"), &data).unwrap();
    fs::write(dir.path().join("b.jsonl.gz"), gz(&data)).unwrap();
    let opts = InputOptions { max_doc_bytes: 4096, ..InputOptions::default() };
    // Each problem as its line number and what it says, without the file's name.
    let read = |name: &str| {
        let msgs = Messages::silent();
        let docs = read_all(&[dir.path().join(name)], &opts, &msgs).unwrap();
        let problems: Vec<(String, String)> = msgs
            .examples()
            .iter()
            .map(|e| {
                let (at, what) = e.split_once(": ").unwrap();
                (at.rsplit(':').next().unwrap().to_string(), what.to_string())
            })
            .collect();
        (docs, problems, msgs.dropped())
    };
    let (ranged, streamed) = (read("a.jsonl"), read("b.jsonl.gz"));
    assert_eq!(ranged.0.len(), 5995);
    assert_eq!(ranged.2, 5);
    assert_eq!(ranged, streamed);
    let lines: Vec<&str> = ranged.1.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(lines, ["1", "2", "1660", "1750", "6000"], "{:?}", ranged.1);
    assert!(ranged.1[2].1.contains("longer than 4096"), "{:?}", ranged.1);
}

#[test]
fn stats_count_uncompressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl.gz"), gz(JSONL.as_bytes())).unwrap();
    fs::write(dir.path().join("b.csv.zst"), zst(CSV.as_bytes())).unwrap();
    fs::write(dir.path().join("c.txt"), "text").unwrap();
    let msgs = Messages::silent();
    let stats = read_paths(&[dir.path().to_path_buf()], &InputOptions::default(), &msgs, &mut |_| true).unwrap();
    assert_eq!(stats.files, 3);
    assert_eq!(stats.bytes, (JSONL.len() + CSV.len() + 4) as u64);
}

#[test]
fn send_returning_false_stops_the_read() {
    let dir = tempfile::tempdir().unwrap();
    big_jsonl(&dir.path().join("a.jsonl"), 6000, 600);
    big_jsonl(&dir.path().join("b.jsonl"), 10, 10);
    let msgs = Messages::silent();
    let mut calls = 0;
    read_paths(&[dir.path().to_path_buf()], &InputOptions::default(), &msgs, &mut |_| {
        calls += 1;
        false
    })
    .unwrap();
    assert_eq!(calls, 1);
}

#[test]
fn text_documents_are_batched_in_order_with_jsonl_and_pages_between() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("1.txt"), "one").unwrap();
    fs::write(dir.path().join("2.jsonl"), "{\"id\":\"two\",\"text\":\"2\"}\n").unwrap();
    fs::write(dir.path().join("3.txt"), "three").unwrap();
    fs::write(dir.path().join("4.txt"), "four").unwrap();
    fs::write(dir.path().join("5.html"), "<p>five</p>").unwrap();
    fs::write(dir.path().join("6.htm"), "<p>six</p>").unwrap();
    fs::write(dir.path().join("7.txt"), "seven").unwrap();
    let msgs = Messages::silent();
    let mut kinds = Vec::new();
    read_paths(&[dir.path().to_path_buf()], &InputOptions::default(), &msgs, &mut |chunk| {
        kinds.push(match chunk {
            Chunk::Documents(d) => format!("docs{}", d.len()),
            Chunk::JsonLines { .. } | Chunk::JsonRange(_) => "lines".to_string(),
            Chunk::Pages(p) => format!("pages{}", p.len()),
        });
        true
    })
    .unwrap();
    assert_eq!(kinds, ["docs1", "lines", "docs2", "pages2", "docs1"]);
}

#[test]
fn explicit_paths_are_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("scan.pdf");
    fs::write(&pdf, "%PDF-1.4").unwrap();
    let ok = dir.path().join("ok.txt");
    fs::write(&ok, "fine").unwrap();
    let msgs = Messages::silent();
    let err = read_all(&[ok.clone(), pdf], &InputOptions::default(), &msgs).unwrap_err().to_string();
    assert!(err.contains("scan.pdf") && err.contains(".jsonl"), "{err}");
    let err = read_all(&[ok, dir.path().join("missing.txt")], &InputOptions::default(), &msgs).unwrap_err().to_string();
    assert!(err.contains("missing.txt"), "{err}");
    assert!(!msgs.has_problems());
}

#[test]
fn unlimited_max_doc_bytes_does_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl"), JSONL).unwrap();
    fs::write(dir.path().join("b.txt.gz"), gz(b"Some text.")).unwrap();
    let opts = InputOptions { max_doc_bytes: usize::MAX, ..InputOptions::default() };
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &opts);
    assert_eq!(ids(&docs), ["a", "7", "c", "b.txt.gz"]);
    assert!(!msgs.has_problems());
}

#[test]
fn byte_order_mark_at_the_start_of_jsonl_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl"), b"\xEF\xBB\xBF{\"id\":\"j\",\"text\":\"x\"}\n").unwrap();
    fs::write(dir.path().join("b.csv"), b"\xEF\xBB\xBFid,text\nc,y\n").unwrap();
    let (docs, msgs) = read(&[dir.path().to_path_buf()], &InputOptions::default());
    assert_eq!(ids(&docs), ["j", "c"]);
    assert!(!msgs.has_problems(), "{:?}", msgs.examples());
}
