//! Helpers for end-to-end tests: run the real `reprint` binary and read its report.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use reprint::input::{read_all, InputOptions};
use reprint::{Document, Messages};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reprint"))
}

pub fn sample_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_corpus")
}

/// Runs `reprint scan` with `args` into `out`, asserting success.
pub fn scan(paths: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.arg("scan").args(paths).arg("--out").arg(out).args(extra).stdin(Stdio::null());
    let output = cmd.output().expect("running reprint");
    assert!(output.status.success(), "reprint failed: {}", String::from_utf8_lossy(&output.stderr));
    output
}

pub type Row = BTreeMap<String, String>;

pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Row>) {
    let mut rd = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let rows =
        rd.records().map(|r| headers.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect()).collect();
    (headers, rows)
}

/// Clusters as sets of doc ids (the cluster ids themselves are arbitrary).
pub fn clusters(rows: &[Row]) -> BTreeSet<BTreeSet<String>> {
    let mut by: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        by.entry(&r["cluster_id"]).or_default().insert(r["doc_id"].clone());
    }
    by.into_values().collect()
}

pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn zst(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// Reads `paths` through the library, with a silent message sink to inspect afterwards.
pub fn read(paths: &[PathBuf], opts: &InputOptions) -> (Vec<Document>, Messages) {
    let msgs = Messages::silent();
    let docs = read_all(paths, opts, &msgs).unwrap();
    (docs, msgs)
}

/// Every page of the HTML report in `dir`, by path relative to `dir`.
pub fn read_pages(dir: &Path) -> BTreeMap<String, String> {
    let mut pages: BTreeMap<String, String> = BTreeMap::new();
    pages.insert("report.html".into(), fs::read_to_string(dir.join("report.html")).unwrap());
    for e in fs::read_dir(dir.join("report-files")).into_iter().flatten() {
        let p = e.unwrap().path();
        pages.insert(
            format!("report-files/{}", p.file_name().unwrap().to_str().unwrap()),
            fs::read_to_string(&p).unwrap(),
        );
    }
    pages
}

/// The `id`s of each page; no id is twice on a page.
pub fn anchors_of(pages: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut anchors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, html) in pages {
        for (i, _) in html.match_indices(" id=\"") {
            let id = html[i + 5..].split('"').next().unwrap();
            assert!(anchors.entry(name.clone()).or_default().insert(id.to_string()), "{id} twice on {name}");
        }
    }
    anchors
}

/// Checks that every link between pages lands on a page and anchor that exist; returns the
/// number of such links.
pub fn assert_links_land(pages: &BTreeMap<String, String>, anchors: &BTreeMap<String, BTreeSet<String>>) -> usize {
    let mut links = 0;
    for (name, html) in pages {
        let base = Path::new(name).parent().unwrap();
        for (i, _) in html.match_indices("href=\"") {
            let href = html[i + 6..].split('"').next().unwrap();
            if href.starts_with("https://") || href.starts_with("http://") {
                continue;
            }
            let (file, anchor) = href.split_once('#').unwrap_or((href, ""));
            let target = if file.is_empty() {
                name.clone()
            } else {
                let joined = base.join(file);
                let mut parts: Vec<&str> = Vec::new();
                for c in joined.components() {
                    match c.as_os_str().to_str().unwrap() {
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                parts.join("/")
            };
            assert!(pages.contains_key(&target), "{name} links to a missing page {href}");
            if !anchor.is_empty() {
                assert!(anchors[&target].contains(anchor), "{name} links to a missing anchor {href}");
            }
            links += 1;
        }
    }
    links
}
