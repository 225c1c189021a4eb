//! `clusters.csv`, `pairs.csv` and `matches.csv`.

use std::io::Write;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use crate::evidence::{matches_to, Match, Original};
use crate::normalize::Tokenizer;
use crate::scan::{Cluster, ScanResult};

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
fn fixed(x: f64) -> String {
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

/// Clusters whose evidence is computed together (in parallel) before it is written.
const EVIDENCE_BATCH: usize = 256;

/// `matches.csv`, the matched passages of every copy against its cluster's original (see
/// [`crate::evidence`]), and `documents.jsonl`, every document of a cluster as read, one JSON
/// object a line, in cluster order (the offsets of `matches.csv` index into these texts). Both
/// come from one reading of each document. Texts are read back from the spool a batch of
/// clusters at a time, and the batch is worked on in parallel, so memory stays bounded by the
/// batch, not the corpus; a batch is written while the next one is worked on.
pub fn write_matches_and_documents(
    r: &ScanResult,
    matches: &mut (dyn Write + Send),
    documents: &mut (dyn Write + Send),
) -> Result<Vec<(String, u64)>> {
    let mut out = csv::Writer::from_writer(matches);
    out.write_record(MATCH_COLUMNS)?;
    let mut written = Vec::new();
    let mut write = |found: Vec<Result<ClusterEvidence>>| -> Result<()> {
        for cluster in found {
            let (evidence, lines, ids) = cluster?;
            documents.write_all(&lines)?;
            written.extend(ids);
            for (a, b, ms) in evidence {
                for m in ms {
                    out.write_record([
                        a.as_str(),
                        b.as_str(),
                        &m.passage.to_string(),
                        &m.a_start.to_string(),
                        &m.a_end.to_string(),
                        &m.b_start.to_string(),
                        &m.b_end.to_string(),
                        &m.words.to_string(),
                    ])?;
                }
            }
        }
        Ok(())
    };
    let mut pending = Vec::new();
    for batch in r.clusters.chunks(EVIDENCE_BATCH) {
        let (written, found) = rayon::join(
            || write(std::mem::take(&mut pending)),
            || batch.par_iter().map(|c| cluster_matches(r, c)).collect(),
        );
        written?;
        pending = found;
    }
    write(pending)?;
    out.flush()?;
    Ok(written)
}

/// The original's id, the copy's id and their matches.
type Evidence = (String, String, Vec<Match>);

/// A cluster's evidence, its documents as JSON lines, and the id and length of each line.
type ClusterEvidence = (Vec<Evidence>, Vec<u8>, Vec<(String, u64)>);

/// The evidence of each copy of `c`, copies in id order, and the cluster's documents as JSON
/// lines, original first.
fn cluster_matches(r: &ScanResult, c: &Cluster) -> Result<ClusterEvidence> {
    let mut tokenizer = Tokenizer::new();
    // About the size of the documents' records, so the lines are not grown and copied over and
    // over (JSON adds field names and escapes).
    let size: usize = std::iter::once(c.original)
        .chain(c.copies.iter().map(|cp| cp.doc))
        .map(|d| r.corpus.docs[d as usize].spool.len as usize * 9 / 8 + 128)
        .sum();
    let mut lines = Vec::with_capacity(size);
    let mut ids = Vec::with_capacity(c.copies.len() + 1);
    let original = r.corpus.document(c.original)?;
    serde_json::to_writer(&mut lines, &original)?;
    lines.push(b'\n');
    ids.push((original.id.clone(), lines.len() as u64));
    let mut a = Vec::new();
    tokenizer.tokenize(&original.text, &mut a);
    let aligned = Original::new(&a);
    let mut b = Vec::new();
    let mut out = Vec::with_capacity(c.copies.len());
    for cp in &c.copies {
        let copy = r.corpus.document(cp.doc)?;
        let start = lines.len();
        serde_json::to_writer(&mut lines, &copy)?;
        lines.push(b'\n');
        ids.push((copy.id.clone(), (lines.len() - start) as u64));
        b.clear();
        tokenizer.tokenize(&copy.text, &mut b);
        out.push((original.id.clone(), copy.id, matches_to(&original.text, &aligned, &copy.text, &b)));
    }
    out.sort_by(|x, y| x.1.cmp(&y.1));
    Ok((out, lines, ids))
}
