//! `summary.json` and the short human summary printed at the end of a scan.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::messages::Messages;
use crate::origin::Relation;
use crate::scan::{CandidateStats, ScanConfig, ScanResult, Timings, ViewConfig};

#[derive(Serialize)]
pub struct Summary {
    pub version: &'static str,
    pub documents: Documents,
    pub clusters: u64,
    pub copies: BTreeMap<&'static str, u64>,
    pub pairs: Pairs,
    pub boilerplate: BoilerplateFound,
    pub largest_clusters: Vec<LargestCluster>,
    pub parameters: Parameters,
    pub timings_seconds: Timings,
    pub input_bytes: u64,
    pub input_files: u64,
    pub megabytes_per_second: f64,
    pub problems: Vec<String>,
}

#[derive(Serialize)]
pub struct Documents {
    /// Records seen: scanned plus skipped.
    pub read: u64,
    pub scanned: u64,
    pub skipped: u64,
    /// Skipped records by reason, and kept-with-a-warning records (`invalid_utf8`, `duplicate_id`).
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub warnings_by_reason: BTreeMap<String, u64>,
    pub in_clusters: u64,
}

#[derive(Serialize)]
pub struct Pairs {
    pub candidates: u64,
    pub verified: u64,
    pub by_view: Vec<CandidateStats>,
}

/// Word 5-grams recognised as a source's boilerplate, and the sources that have any.
#[derive(Serialize)]
pub struct BoilerplateFound {
    pub shingles: usize,
    pub sources: usize,
}

#[derive(Serialize)]
pub struct LargestCluster {
    pub cluster_id: usize,
    pub original: String,
    /// The original's title.
    pub title: String,
    pub size: usize,
    pub copies: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
pub struct Parameters {
    pub num_perm: usize,
    pub views: Vec<ViewConfig>,
    pub max_bucket: usize,
    pub threads: usize,
}

fn relation_counts<'a>(rels: impl Iterator<Item = &'a Relation>) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for r in rels {
        *m.entry(r.name()).or_insert(0) += 1;
    }
    m
}

impl Summary {
    pub fn new(cfg: &ScanConfig, r: &ScanResult, msgs: &Messages) -> Result<Summary> {
        let counts = msgs.counts();
        let skipped: u64 = counts.iter().filter(|(k, _)| k.drops_record()).map(|(_, v)| v).sum();
        let scanned = r.corpus.len() as u64;
        let mut largest = Vec::new();
        for (i, c) in r.clusters.iter().enumerate().take(10) {
            let original = r.corpus.metadata(c.original)?;
            largest.push(LargestCluster {
                cluster_id: i + 1,
                original: original.id.into_owned(),
                title: original.title.into_owned(),
                size: c.copies.len() + 1,
                copies: relation_counts(c.copies.iter().map(|c| &c.relation)),
            });
        }
        let in_clusters = r.clusters.iter().map(|c| c.copies.len() as u64 + 1).sum();
        Ok(Summary {
            version: env!("CARGO_PKG_VERSION"),
            documents: Documents {
                read: scanned + skipped,
                scanned,
                skipped,
                skipped_by_reason: counts
                    .iter()
                    .filter(|(k, _)| k.drops_record())
                    .map(|(k, v)| (k.name().to_string(), *v))
                    .collect(),
                warnings_by_reason: counts
                    .iter()
                    .filter(|(k, _)| !k.drops_record())
                    .map(|(k, v)| (k.name().to_string(), *v))
                    .collect(),
                in_clusters,
            },
            clusters: r.clusters.len() as u64,
            copies: relation_counts(r.clusters.iter().flat_map(|c| c.copies.iter().map(|c| &c.relation))),
            pairs: Pairs {
                candidates: r.candidate_pairs,
                verified: r.pairs.len() as u64,
                by_view: r.candidates.clone(),
            },
            boilerplate: BoilerplateFound { shingles: r.boilerplate.0, sources: r.boilerplate.1 },
            largest_clusters: largest,
            parameters: Parameters {
                num_perm: cfg.num_perm,
                views: cfg.views.clone(),
                max_bucket: cfg.max_bucket,
                threads: rayon::current_num_threads(),
            },
            timings_seconds: r.timings.clone(),
            input_bytes: r.bytes,
            input_files: r.files,
            megabytes_per_second: megabytes_per_second(r.bytes, r.timings.total),
            problems: msgs.examples(),
        })
    }

    /// Counts `seconds` more of report writing (the HTML report is written after the summary is
    /// made, and before it is saved), in the report stage, the total and the speed.
    pub fn add_report_seconds(&mut self, seconds: f64) {
        let t = &mut self.timings_seconds;
        t.report += seconds;
        t.total += seconds;
        self.megabytes_per_second = megabytes_per_second(self.input_bytes, t.total);
    }

    pub fn write_json(&self, w: &mut dyn Write) -> Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)?;
        Ok(())
    }

    /// A few lines for a person at the end of a scan (stderr), without colour.
    pub fn human(&self) -> String {
        self.human_styled(false)
    }

    /// The same, ending with the table of the largest clusters, coloured if `colour`.
    pub fn human_styled(&self, colour: bool) -> String {
        let d = &self.documents;
        let mut s = format!(
            "reprint: {} documents read, {} scanned, {} skipped; {} clusters holding {} documents; {} verified pairs of {} candidates; {:.2} s ({:.1} MB/s)\n",
            d.read, d.scanned, d.skipped, self.clusters, d.in_clusters, self.pairs.verified, self.pairs.candidates, self.timings_seconds.total, self.megabytes_per_second
        );
        if !self.copies.is_empty() {
            let rel: Vec<String> = self.copies.iter().map(|(k, v)| format!("{v} {k}")).collect();
            s += &format!("reprint: copies by relation: {}\n", rel.join(", "));
        }
        if !d.skipped_by_reason.is_empty() {
            let why: Vec<String> = d.skipped_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
            s += &format!("reprint: skipped: {}\n", why.join(", "));
        }
        s += &super::table::clusters_table(&self.largest_clusters, colour);
        s
    }
}

/// Input megabytes per second over `seconds` (0 when no time passed).
fn megabytes_per_second(bytes: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        bytes as f64 / 1e6 / seconds
    } else {
        0.0
    }
}
