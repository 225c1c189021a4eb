//! `clusters.csv` and `pairs.csv`.

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
    source: &'a str,
    url: &'a str,
    date: &'a str,
    title: &'a str,
}

pub const CLUSTER_COLUMNS: [&str; 9] =
    ["cluster_id", "doc_id", "role", "relation", "similarity", "source", "url", "date", "title"];
pub const PAIR_COLUMNS: [&str; 5] = ["doc_a", "doc_b", "jaccard", "containment", "relation"];

/// Four decimals: enough to rank, stable across platforms.
fn fixed(x: f64) -> String {
    format!("{x:.4}")
}

pub fn write_clusters(r: &ScanResult, w: &mut dyn Write) -> Result<()> {
    // Headers are written by hand so that an empty report still has them.
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    out.write_record(CLUSTER_COLUMNS)?;
    for (n, c) in r.clusters.iter().enumerate() {
        let id = n + 1;
        let o = r.corpus.document(c.original)?;
        out.serialize(ClusterRow {
            cluster_id: id,
            doc_id: &o.id,
            role: "original",
            relation: "",
            similarity: String::new(),
            source: &o.source,
            url: &o.url,
            date: &o.date,
            title: &o.title,
        })?;
        for cp in &c.copies {
            let d = r.corpus.document(cp.doc)?;
            out.serialize(ClusterRow {
                cluster_id: id,
                doc_id: &d.id,
                role: "copy",
                relation: cp.relation.name(),
                similarity: fixed(cp.measures.similarity),
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
    let mut ids: std::collections::HashMap<u32, String> = std::collections::HashMap::new();
    for p in &r.pairs {
        for d in [p.a, p.b] {
            if let std::collections::hash_map::Entry::Vacant(e) = ids.entry(d) {
                e.insert(r.corpus.document(d)?.id);
            }
        }
        out.write_record([
            &ids[&p.a],
            &ids[&p.b],
            &fixed(p.measures.similarity()),
            &fixed(p.measures.containment()),
            p.relation.name(),
        ])?;
    }
    out.flush()?;
    Ok(())
}
