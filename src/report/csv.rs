//! `clusters.csv` and `pairs.csv` (`matches.csv` comes with the texts, see
//! [`crate::report::texts`]).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::scan::ScanResult;

/// One row of `clusters.csv`.
#[derive(Serialize)]
struct ClusterRow<'a> {
    cluster_id: usize,
    doc_id: &'a str,
    role: &'static str,
    relation: &'static str,
    similarity: String,
    containment: String,
    source: &'a str,
    url: &'a str,
    date: &'a str,
    title: &'a str,
}

pub const CLUSTER_COLUMNS: [&str; 10] =
    ["cluster_id", "doc_id", "role", "relation", "similarity", "containment", "source", "url", "date", "title"];
pub const MATCH_COLUMNS: [&str; 8] = ["doc_a", "doc_b", "passage", "a_start", "a_end", "b_start", "b_end", "words"];
pub const PAIR_COLUMNS: [&str; 5] = ["doc_a", "doc_b", "jaccard", "containment", "relation"];

/// Four decimals: enough to rank, stable across platforms.
pub(crate) fn fixed(x: f64) -> String {
    format!("{x:.4}")
}

pub fn write_clusters(r: &ScanResult, w: &mut dyn Write) -> Result<()> {
    // Headers are written by hand so that an empty report still has them.
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    out.write_record(CLUSTER_COLUMNS)?;
    for (n, c) in r.clusters.iter().enumerate() {
        let id = n + 1;
        let o = r.corpus.metadata(c.original)?;
        out.serialize(ClusterRow {
            cluster_id: id,
            doc_id: &o.id,
            role: "original",
            relation: "",
            similarity: String::new(),
            containment: String::new(),
            source: &o.source,
            url: &o.url,
            date: &o.date,
            title: &o.title,
        })?;
        for cp in &c.copies {
            let d = r.corpus.metadata(cp.doc)?;
            out.serialize(ClusterRow {
                cluster_id: id,
                doc_id: &d.id,
                role: "copy",
                relation: cp.relation.name(),
                similarity: fixed(cp.measures.similarity),
                containment: fixed(cp.measures.containment),
                source: &d.source,
                url: &d.url,
                date: &d.date,
                title: &d.title,
            })?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn write_pairs(r: &ScanResult, w: &mut dyn Write) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(PAIR_COLUMNS)?;
    for p in &r.pairs {
        let (a, b) = (r.corpus.metadata(p.a)?, r.corpus.metadata(p.b)?);
        out.write_record([
            &*a.id,
            &*b.id,
            &fixed(p.measures.similarity()),
            &fixed(p.measures.containment()),
            p.relation.name(),
        ])?;
    }
    out.flush()?;
    Ok(())
}
