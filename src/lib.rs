//! reprint: find near-duplicates, syndicated copies and spun rewrites in a corpus of articles.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! input -> normalize -> shingle -> sketch -> lsh -> verify -> cluster -> origin -> report
//! ```
//!
//! [`run_scan`] does what `reprint scan` does; [`scan::scan`] stops before writing, for callers
//! that want the clusters in memory.

pub mod boilerplate;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod corpus;
pub mod date;
pub mod document;
pub mod evidence;
pub mod extract;
pub mod input;
pub mod lsh;
pub mod messages;
pub mod normalize;
pub mod origin;
pub mod progress;
pub mod report;
pub mod scan;
pub mod shingle;
pub mod sketch;
pub mod spool;
pub mod stopwords;
pub mod verify;

use std::path::Path;

use anyhow::Result;

pub use document::Document;
pub use extract::{ExtractConfig, ExtractStats};
pub use messages::{Location, Messages, Reason};
pub use report::html::HtmlOptions;
pub use report::Summary;
pub use scan::{ScanConfig, ScanResult};

/// Scans `cfg.inputs` and writes the report into `out`, `report.html` included. Returns the
/// summary that was written.
pub fn run_scan(cfg: &ScanConfig, out: &Path, msgs: &Messages) -> Result<Summary> {
    run_scan_with(cfg, out, msgs, Some(&HtmlOptions::default()))
}

/// As [`run_scan`]; `html` sizes the pages of `report.html`, which is not written if `None`.
pub fn run_scan_with(cfg: &ScanConfig, out: &Path, msgs: &Messages, html: Option<&HtmlOptions>) -> Result<Summary> {
    report::prepare_dir(out)?;
    let mut result = scan::scan(cfg, msgs)?;
    let t = std::time::Instant::now();
    // The report is written by threads of its own. Its many mid-sized allocations (texts, lines,
    // pages) are served by the allocator from each thread's heap, and the scan's threads leave
    // theirs fragmented: on the 1 GB mkspeed corpus malloc and free took 18 % of the report's
    // CPU time in the scan's threads and 14.5 % in fresh ones.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(rayon::current_num_threads()).build()?;
    pool.install(|| write_report(cfg, out, msgs, html, &mut result, t))
}

/// Writes the report files of a scan into `out`; `t` is when the report stage started.
fn write_report(
    cfg: &ScanConfig,
    out: &Path,
    msgs: &Messages,
    html: Option<&HtmlOptions>,
    result: &mut ScanResult,
    t: std::time::Instant,
) -> Result<Summary> {
    let mut pages = match html {
        Some(opts) => Some(report::html::Pages::new(out, opts, true)?),
        None => None,
    };
    // The evidence, the documents and the HTML pages come from one parallel pass over the
    // clusters' texts; the small files, and the figures above the clusters in report.html, are
    // made meanwhile.
    let r: &ScanResult = result;
    let (texts, files) = rayon::join(
        || {
            report::write_atomic(out, "documents.jsonl", report::Blocks::Behind, |documents| {
                report::write_atomic(out, "matches.csv", report::Blocks::Behind, |matches| {
                    report::texts::write_texts(r, matches, documents, pages.as_mut())
                })
            })
        },
        || -> Result<_> {
            report::write_atomic(out, "clusters.csv", report::Blocks::Behind, |w| report::csv::write_clusters(r, w))?;
            report::write_atomic(out, "pairs.csv", report::Blocks::Behind, |w| report::csv::write_pairs(r, w))?;
            html.map(|opts| report::texts::contents(r, opts.index_rows)).transpose()
        },
    );
    texts?;
    let contents = files?;
    result.timings.report = t.elapsed().as_secs_f64();
    result.timings.total += result.timings.report;
    let mut summary = Summary::new(cfg, result, msgs)?;
    if let (Some(pages), Some(contents)) = (pages, contents) {
        // Before summary.json, which marks the report complete.
        let t = std::time::Instant::now();
        let overview = report::load::Overview::from_summary(&summary)?;
        pages.finish(&contents, Some(&overview))?;
        summary.add_report_seconds(t.elapsed().as_secs_f64());
    }
    report::write_atomic(out, "summary.json", report::Blocks::Behind, |w| summary.write_json(w))?;
    Ok(summary)
}

/// Does what `reprint extract` does: every record of `cfg.inputs` as one JSON line on `out`.
pub fn run_extract(cfg: &ExtractConfig, out: &mut dyn std::io::Write, msgs: &Messages) -> Result<ExtractStats> {
    extract::extract(cfg, out, msgs)
}
