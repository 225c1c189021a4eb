//! Exit codes, stdin, and the behaviour a script relies on.

mod util;

use std::fs;
use std::io::Write;
use std::process::Stdio;

use util::*;

fn story(n: usize) -> String {
    let words = ["harbour", "council", "fire", "strike", "budget", "minister", "river", "school", "vote", "match"];
    (0..120)
        .map(|i| format!("{} {}", words[(i * 7 + n) % 10], ["of", "the", "and", "to", "in"][(i + n) % 5]))
        .collect::<Vec<_>>()
        .join(" ")
        + &format!(" story number {n}")
}

#[test]
fn reads_json_lines_from_stdin_and_finds_the_copy() {
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["scan", "-", "--quiet", "--out"])
        .arg(out.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for (id, text, date) in
        [("a", story(1), "2026-01-02"), ("b", story(1), "2026-01-01"), ("c", story(5), "2026-01-03")]
    {
        input += &serde_json::json!({"id": id, "text": text, "date": date}).to_string();
        input.push('\n');
    }
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["doc_id"].as_str(), rows[0]["role"].as_str()),
        ("b", "original"),
        "earliest date is the original"
    );
    assert_eq!((rows[1]["doc_id"].as_str(), rows[1]["relation"].as_str()), ("a", "exact"));
}

#[test]
fn usage_errors_exit_2_and_fatal_errors_exit_1() {
    let out = tempfile::tempdir().unwrap();
    let bad = bin().args(["scan", "x.jsonl", "--threshold", "1.5", "--out"]).arg(out.path()).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--threshold"));
    let missing = bin().args(["scan", "--out"]).arg(out.path()).output().unwrap();
    assert_eq!(missing.status.code(), Some(2), "no PATH given");
    let nofile = bin().args(["scan", "does/not/exist.jsonl", "--out"]).arg(out.path()).output().unwrap();
    assert_eq!(nofile.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nofile.stderr).contains("does/not/exist.jsonl"));
    assert!(!out.path().join("summary.json").exists(), "a failed scan leaves no summary");
}

#[test]
fn strict_turns_skipped_records_into_exit_3_but_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{}\n{{not json\n{}\n",
            serde_json::json!({"id": "a", "text": story(1)}),
            serde_json::json!({"id": "b", "text": story(1)})
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let lenient = bin().arg("scan").arg(&input).arg("--out").arg(&out).output().unwrap();
    assert_eq!(lenient.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&lenient.stderr);
    assert!(stderr.contains("in.jsonl:2"), "names file and line: {stderr}");
    let strict = bin().arg("scan").arg(&input).arg("--out").arg(&out).arg("--strict").output().unwrap();
    assert_eq!(strict.status.code(), Some(3));
    let s: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["documents"]["read"], 3);
    assert_eq!(s["documents"]["skipped_by_reason"]["malformed_json"], 1);
    assert_eq!(s["clusters"], 1);
}

#[test]
fn duplicate_ids_are_renamed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "same", "text": story(2)}),
            serde_json::json!({"id": "same", "text": story(2)})
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    scan(&[&input], &out, &["--quiet"]);
    let (_, rows) = read_csv(&out.join("clusters.csv"));
    let ids: Vec<&str> = rows.iter().map(|r| r["doc_id"].as_str()).collect();
    assert_eq!(ids, ["same", "same#2"]);
    let s: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["documents"]["warnings_by_reason"]["duplicate_id"], 1);
    assert_eq!(s["documents"]["scanned"], 2);
}

#[test]
fn help_explains_every_option_with_its_default() {
    let help = bin().args(["scan", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for opt in [
        "--num-perm",
        "--threshold",
        "--bands",
        "--rows",
        "--threads",
        "--quiet",
        "--wire-sources",
        "--id-field",
        "--text-field",
        "--max-doc-bytes",
        "--strict",
        "--views",
    ] {
        assert!(text.contains(opt), "{opt} missing from --help");
    }
    assert!(text.contains("[default: 128]") && text.contains("[default: 0.5]"));
}

#[test]
fn views_choose_how_candidates_are_found() {
    let (plain, full) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scan(&[&sample_corpus()], plain.path(), &["--quiet", "--views", "words"]);
    scan(&[&sample_corpus()], full.path(), &["--quiet"]);
    let members = |dir: &std::path::Path| -> std::collections::BTreeSet<String> {
        read_csv(&dir.join("clusters.csv")).1.into_iter().map(|r| r["doc_id"].clone()).collect()
    };
    let (p, f) = (members(plain.path()), members(full.path()));
    // A plain near-duplicate scan finds a subset: not the spun copies.
    assert!(p.is_subset(&f) && p.len() < f.len(), "{} of {}", p.len(), f.len());
    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(plain.path().join("summary.json")).unwrap()).unwrap();
    let views: Vec<&str> =
        s["pairs"]["by_view"].as_array().unwrap().iter().map(|v| v["view"].as_str().unwrap()).collect();
    assert_eq!(views, ["words", "exact"]);

    let bad = bin().args(["scan", "x", "--out", "y", "--views", "words,nonsense"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nonsense"));
}

#[test]
fn a_new_scan_clears_what_a_killed_one_left_behind() {
    let out = tempfile::tempdir().unwrap();
    // What a scan killed while writing leaves: temporaries of report files, and no summary.
    let stale = [".clusters.csv.a1B2c3.tmp", ".report.html.x9Y8z7.tmp"];
    for name in stale {
        fs::write(out.path().join(name), "half written").unwrap();
    }
    fs::create_dir(out.path().join("report-files")).unwrap();
    fs::write(out.path().join("report-files/.clusters-0002.html.q1W2e3.tmp"), "half").unwrap();
    // Files that are not the report's are left alone.
    fs::write(out.path().join(".notes.tmp"), "mine").unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet"]);
    for name in stale {
        assert!(!out.path().join(name).exists(), "{name} left behind");
    }
    assert!(!out.path().join("report-files/.clusters-0002.html.q1W2e3.tmp").exists());
    assert!(out.path().join(".notes.tmp").exists());
    assert!(out.path().join("summary.json").exists());
}

/// Documents of a plain JSON lines file are read back from the file itself, those of a
/// compressed one from the spool: both must give the same report, byte for byte, whatever the
/// lines hold (escapes, non-ASCII text, CRLF endings, a byte-order mark, blank lines, a bad
/// record in between).
#[test]
fn plain_and_compressed_json_lines_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = String::from("\u{feff}");
    for n in 0..6 {
        let text = format!("{} «café» \"quoted\"\\ \t{}", story(n % 3), "é".repeat(n));
        let record = serde_json::json!({"id": format!("d{n}"), "text": text, "title": format!("T{n}"), "date": format!("2026-01-0{}", n + 1)});
        data += &record.to_string();
        data += if n % 2 == 0 { "\r\n" } else { "\n" };
        if n == 2 {
            data += "\n{not json}\n";
        }
    }
    let plain = dir.path().join("in.jsonl");
    fs::write(&plain, &data).unwrap();
    let gz = dir.path().join("in.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(data.as_bytes()).unwrap();
    enc.finish().unwrap();
    let mut reports = Vec::new();
    for input in [&plain, &gz] {
        let out = dir.path().join(format!("out-{}", reports.len()));
        let output = bin().args(["scan", "--quiet", "--no-html", "--out"]).arg(&out).arg(input).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let files = ["clusters.csv", "pairs.csv", "matches.csv", "documents.jsonl"];
        reports.push(files.map(|f| fs::read_to_string(out.join(f)).unwrap()));
    }
    let (_, rows) = read_csv(&dir.path().join("out-0/clusters.csv"));
    assert_eq!(rows.len(), 6, "three stories, each with its copy");
    assert!(reports[0][3].contains("«café»"), "{}", reports[0][3]);
    assert_eq!(reports[0], reports[1]);
}
