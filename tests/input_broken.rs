//! The broken-files corpus kept in `tests/data/broken/` (written by `tests/data/make_broken.py`),
//! through the real binary: every kind of bad input is reported with its file and position, the
//! run goes on, and the totals in `summary.json` add up to the records in the files.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use util::*;

fn broken() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

/// The records in each file, counted by hand from make_broken.py (blank lines are not records;
/// WARC `warcinfo` records are not documents), with what becomes of them.
const RECORDS: &[(&str, u64, &str)] = &[
    ("bad_length.warc.wet", 3, "2 kept, record 2 has a Content-Length 10 bytes too long"),
    ("bad_row.csv", 3, "2 kept, row 2 has one field"),
    ("binary.txt", 1, "binary"),
    ("crawl.warc.gz", 4, "1 HTML page kept, an image and a redirect are not pages, the last record is cut"),
    ("duplicate_ids.jsonl", 2, "both kept, the second renamed dup#2"),
    ("empty.txt", 1, "whitespace only"),
    ("huge.jsonl", 2, "h1 is larger than --max-doc-bytes 4096"),
    ("invalid_utf8.jsonl", 1, "kept, decoded lossily"),
    ("malformed.jsonl", 3, "line 2 is cut off"),
    ("missing_text.jsonl", 3, "no text field on line 2, whitespace text on line 3"),
    ("no_text.html", 1, "a page with nothing but a menu"),
    ("notes.pdf", 1, "not a format reprint reads"),
    ("sloppy.html", 1, "unclosed tags, Latin-1 byte without a charset: kept"),
    // 20 lines, cut two thirds in: the first 9 are read, the truncation is one skipped record.
    ("truncated.jsonl.gz", 10, "9 kept, then the stream ends"),
    // zstd emits nothing before the first block is complete: the one record is the truncation.
    ("truncated.jsonl.zst", 1, "the stream ends in the first block"),
    ("unreadable.txt", 1, "a link to nothing"),
];

const MAX_DOC: &str = "4096";

fn expected_skips() -> BTreeMap<String, u64> {
    [
        ("binary_file", 1),
        ("empty_text", 3),
        ("malformed_csv", 1),
        ("malformed_json", 1),
        ("malformed_warc", 1),
        ("missing_field", 1),
        ("not_a_page", 2),
        ("too_large", 1),
        ("truncated_stream", 3),
        ("unreadable_file", 1),
        ("unsupported_format", 1),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), *v))
    .collect()
}

#[test]
fn summary_totals_add_up_to_the_records_in_the_files() {
    let on_disk: Vec<String> = std::fs::read_dir(broken())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(on_disk.len(), RECORDS.len(), "a file in tests/data/broken is not listed in RECORDS: {on_disk:?}");
    let records: u64 = RECORDS.iter().map(|r| r.1).sum();

    let out = tempfile::tempdir().unwrap();
    let output = scan(&[&broken()], out.path(), &["--max-doc-bytes", MAX_DOC, "--max-messages", "100"]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    let docs = &summary["documents"];
    let (read, scanned, skipped) =
        (docs["read"].as_u64().unwrap(), docs["scanned"].as_u64().unwrap(), docs["skipped"].as_u64().unwrap());
    let by_reason: BTreeMap<String, u64> = serde_json::from_value(docs["skipped_by_reason"].clone()).unwrap();
    assert_eq!(by_reason, expected_skips(), "{summary:#}");
    assert_eq!(by_reason.values().sum::<u64>(), skipped);
    assert_eq!(scanned + skipped, read);
    assert_eq!(read, records, "every record in the files is either scanned or skipped: {docs:#}");
    assert_eq!(scanned, 22);
    let warnings: BTreeMap<String, u64> = serde_json::from_value(docs["warnings_by_reason"].clone()).unwrap();
    assert_eq!(warnings, [("duplicate_id".to_string(), 1), ("invalid_utf8".to_string(), 1)].into_iter().collect());

    // Every problem is on stderr with its file and position; quiet reasons are not.
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "bad_length.warc.wet: record 2: skipped: Content-Length",
        "bad_row.csv: record 2: skipped",
        "binary.txt: skipped: NUL bytes",
        "crawl.warc.gz: record 5: skipped: compressed stream truncated or corrupt",
        "empty.txt: skipped",
        "huge.jsonl:1: skipped: line of 9021 bytes is longer than 4096",
        "invalid_utf8.jsonl:1: warning: invalid UTF-8",
        "malformed.jsonl:2: skipped",
        "missing_text.jsonl:2: skipped: no field \"text\"",
        "missing_text.jsonl:3: skipped: field \"text\" is empty",
        "no_text.html: skipped: no text found",
        "notes.pdf: skipped: not read",
        "truncated.jsonl.gz:10: skipped: compressed stream truncated",
        "truncated.jsonl.zst:1: skipped: compressed stream truncated",
        "unreadable.txt: skipped",
        "document \"dup\": warning: id already used",
    ] {
        assert!(stderr.contains(needle), "no {needle:?} in stderr:\n{stderr}");
    }
    assert!(!stderr.contains("logo.png") && !stderr.contains("HTTP status"), "{stderr}");
}

#[test]
fn strict_fails_with_3_and_still_writes_the_report() {
    let out = tempfile::tempdir().unwrap();
    let output = bin()
        .arg("scan")
        .arg(broken())
        .args(["--quiet", "--strict", "--max-doc-bytes", MAX_DOC, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(out.path().join("summary.json").exists());
    let output = bin().arg("extract").arg(broken()).args(["--quiet", "--strict"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn extract_prints_what_the_scan_counts_as_scanned() {
    let output = bin().arg("extract").arg(broken()).args(["--quiet", "--max-doc-bytes", MAX_DOC]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 22);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    for id in ["https://a.test/1", "https://a.test/3", "https://news.test/bridge", "dup", "dup#2", "sloppy.html", "g8"]
    {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for id in ["https://a.test/2", "h1", "m2", "g9", "no_text.html"] {
        assert!(!ids.contains(&id), "{id} should have been skipped");
    }
    let page = lines.iter().find(|l| l["id"] == "https://news.test/bridge").unwrap();
    assert_eq!(page["title"], "Bridge reopens");
    assert_eq!(page["date"], "2024-02-03");
    assert_eq!(page["source"], "news.test");
    let text = page["text"].as_str().unwrap();
    assert!(text.contains("word50") && !text.contains("Copyright Example Media") && !text.contains("Home"), "{text}");
    let sloppy = lines.iter().find(|l| l["id"] == "sloppy.html").unwrap();
    assert!(sloppy["text"].as_str().unwrap().contains("café"), "undeclared non-UTF-8 is read as windows-1252");
}
