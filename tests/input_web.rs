//! Web formats end to end on the real binary: WARC (gzip member per record, and zstd), WET and
//! HTML files, generated here; `reprint extract` shows what was read and `reprint scan` finds a
//! story copied across them. Also: a killed scan leaves no report that looks complete.

mod util;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use util::*;

/// A news story of a few paragraphs, different for each `n`.
fn paragraphs(n: usize) -> Vec<String> {
    if n == 2 {
        return vec![
            "Two village schools will share one building from September, the education office said.".into(),
            "Parents had asked for the merger to wait a year while a new bus route is tested.".into(),
            "Teachers expect smaller classes in the first term and a longer lunch break for pupils.".into(),
            "The old school hall is to become a library open to everyone in the valley at weekends.".into(),
            "A public evening with questions and answers is planned in the sports hall next week.".into(),
        ];
    }
    let subjects = ["The council", "Residents", "The mayor", "Engineers", "The treasurer", "Local traders"];
    let verbs = ["approved", "questioned", "welcomed", "delayed", "praised", "examined"];
    let objects =
        ["the harbour plan", "the new budget", "the bridge repairs", "the school merger", "the flood defences"];
    (0..5)
        .map(|p| {
            (0..4)
                .map(|s| {
                    let k = n * 31 + p * 7 + s;
                    format!(
                        "{} {} {} on {} after a meeting that lasted {} hours in story {n}.",
                        subjects[k % 6],
                        verbs[(k / 6) % 6],
                        objects[(k / 36) % 5],
                        ["Monday", "Tuesday", "Friday"][k % 3],
                        k % 9 + 2
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn html_page(title: &str, date: &str, paras: &[String]) -> String {
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta property=\"article:published_time\" content=\"{date}\"></head><body>\
         <header><a href=\"/\">Daily Example</a></header>\
         <nav><ul><li><a href=\"/world\">World</a></li><li><a href=\"/sport\">Sport</a></li></ul></nav>\
         <div class=\"cookie-banner\">We use cookies to improve your experience. Accept all cookies</div>\
         <main><article><h1>{title}</h1>\n{body}</article>\
         <aside><h2>Related articles</h2><ul><li><a href=\"/a\">Another story about something</a></li></ul></aside></main>\
         <footer><p>Copyright 2024 Daily Example. All rights reserved.</p></footer></body></html>"
    )
}

fn warc_record(kind: &str, uri: &str, date: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n\
         WARC-Record-ID: <urn:uuid:{:08x}>\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        uri.len() * 7919 + block.len(),
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn http_response(html: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{html}", html.len())
        .into_bytes()
}

/// Writes the web corpus: story 1 as an HTML page in a WARC (the original), as WET text in a
/// WET file, wrapped in an aggregator page in an .html file; story 2 only in the zstd WARC.
fn web_corpus(dir: &Path) {
    let s1 = paragraphs(1);
    let s2 = paragraphs(2);
    let http = "application/http; msgtype=response";
    // One gzip member per record, as Common Crawl ships them.
    let mut warc_gz = Vec::new();
    for rec in [
        warc_record("warcinfo", "", "2024-03-01T00:00:00Z", "application/warc-fields", b"software: test\r\n"),
        warc_record(
            "request",
            "https://news.test/harbour",
            "2024-03-01T00:00:00Z",
            "application/http; msgtype=request",
            b"GET /harbour HTTP/1.1\r\n\r\n",
        ),
        warc_record(
            "response",
            "https://news.test/harbour",
            "2024-03-01T00:00:00Z",
            http,
            &http_response(&html_page("Harbour plan approved", "2024-02-27T09:00:00Z", &s1)),
        ),
        warc_record(
            "response",
            "https://news.test/logo.png",
            "2024-03-01T00:00:00Z",
            http,
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\0\0",
        ),
    ] {
        warc_gz.extend(gz(&rec));
    }
    fs::write(dir.join("crawl-1.warc.gz"), warc_gz).unwrap();
    let wet = warc_record(
        "conversion",
        "https://copies.test/harbour",
        "2024-03-02T00:00:00Z",
        "text/plain",
        s1.join("\n").as_bytes(),
    );
    fs::write(dir.join("crawl-1.warc.wet.gz"), gz(&wet)).unwrap();
    let zst_warc = warc_record(
        "response",
        "https://other.test/school",
        "2024-03-03T00:00:00Z",
        http,
        &http_response(&html_page("School merger delayed", "2024-03-03", &s2)),
    );
    fs::write(dir.join("crawl-2.warc.zst"), zst(&zst_warc)).unwrap();
    let mut wrapped =
        vec!["Aggregated from around the web. Sign up for our daily digest of regional news.".to_string()];
    wrapped.extend(s1.iter().cloned());
    wrapped.push("Share this story with your friends and colleagues on every network you use.".to_string());
    fs::write(dir.join("aggregator.html"), html_page("Harbour plan approved (via Aggregator)", "2024-03-05", &wrapped))
        .unwrap();
}

fn extract(dir: &Path) -> Vec<serde_json::Value> {
    let out = bin().arg("extract").arg(dir).arg("--quiet").stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn extract_reads_warc_wet_zstd_and_html_with_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    web_corpus(dir.path());
    let recs = extract(dir.path());
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["aggregator.html", "https://news.test/harbour", "https://copies.test/harbour", "https://other.test/school"]
    );
    let page = &recs[1];
    assert_eq!(page["url"], "https://news.test/harbour");
    assert_eq!(page["title"], "Harbour plan approved");
    assert_eq!(page["date"], "2024-02-27", "the page's own date wins over WARC-Date");
    assert_eq!(page["source"], "news.test");
    let text = page["text"].as_str().unwrap();
    for p in paragraphs(1) {
        assert!(text.contains(&p), "paragraph missing from {text}");
    }
    for boilerplate in ["Sport", "cookies", "Related articles", "All rights reserved", "Daily Example"] {
        assert!(!text.contains(boilerplate), "{boilerplate:?} kept in {text}");
    }
    // One line per paragraph, as in the page.
    assert!(text.lines().count() >= 5, "{text}");
    let wet = &recs[2];
    assert_eq!(wet["text"], paragraphs(1).join("\n"));
    assert_eq!(wet["date"], "2024-03-02T00:00:00Z");
    assert_eq!(wet["title"], "");
    assert_eq!(recs[0]["date"], "2024-03-05");
    assert_eq!(recs[3]["title"], "School merger delayed");
}

#[test]
fn scan_finds_a_story_copied_across_warc_wet_and_html() {
    let dir = tempfile::tempdir().unwrap();
    web_corpus(dir.path());
    let out = tempfile::tempdir().unwrap();
    scan(&[dir.path()], out.path(), &["--quiet"]);
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));
    let found = clusters(&rows);
    let expected: std::collections::BTreeSet<String> =
        ["https://news.test/harbour", "https://copies.test/harbour", "aggregator.html"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    assert!(found.contains(&expected), "{found:?}");
    let original = rows.iter().find(|r| r["role"] == "original").unwrap();
    assert_eq!(original["doc_id"], "https://news.test/harbour", "the earliest date is the original");
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["documents"]["scanned"], 4);
    assert_eq!(summary["documents"]["skipped_by_reason"]["not_a_page"], 1);
}

#[test]
fn a_killed_scan_leaves_no_summary() {
    let out = tempfile::tempdir().unwrap();
    fs::write(out.path().join("summary.json"), "{\"from\": \"an earlier run\"}").unwrap();
    let mut child = bin()
        .args(["scan", "-", "--quiet", "--out"])
        .arg(out.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{{\"id\":\"a\",\"text\":\"some words here\"}}").unwrap();
    stdin.flush().unwrap();
    // The scan removes the old summary before it reads; wait for that (it blocks on stdin after).
    let mut waited = 0;
    while out.path().join("summary.json").exists() && waited < 600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(!out.path().join("summary.json").exists(), "a killed scan must not leave a summary");
    let leftovers: Vec<String> =
        fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!leftovers.iter().any(|f| f == "clusters.csv" || f == "pairs.csv"), "{leftovers:?}");
}
