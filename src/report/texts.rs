//! The one pass over the texts of the clustered documents: `matches.csv` (the matched passages of
//! every copy against its cluster's original, see [`crate::evidence`]), `documents.jsonl` (every
//! document of a cluster as read, one JSON object a line, in cluster order: the offsets of
//! `matches.csv` index into these texts) and, when asked, the side-by-sides of the HTML report.
//!
//! All three come from one reading of each document. Texts are read back from the spool a batch
//! at a time (of clusters, a large cluster 64 copies at a time: see [`units`]), and the batch is
//! worked on in parallel, so memory stays bounded by the batch, not the corpus or the largest
//! cluster; a batch is written (and laid out on pages) while the next one is worked on. Rendering here, while the texts are at hand, spares the HTML report reading
//! `documents.jsonl` and `matches.csv` back: on the 1 GB mkspeed corpus that reading (and parsing
//! the JSON) was about half of the HTML report's time.

use std::io::Write;

use anyhow::{anyhow, Result};
use rayon::prelude::*;

use crate::evidence::{matches_to, Match, Original};
use crate::normalize::Tokenizer;
use crate::report::csv::{fixed, MATCH_COLUMNS};
use crate::report::html::layout::{units, Unit};
use crate::report::html::{self, Contents, HtmlOptions, IndexEntry, Pages, PartOf, RenderedCluster};
use crate::report::load::{self, relation_index, ClusterStats, Member, Segment, MATCHES};
use crate::report::write_all_vectored;
use crate::scan::{Cluster, ScanResult};

/// Writes `matches.csv` to `matches` and `documents.jsonl` to `documents`, and lays every cluster
/// out on `pages` when given.
pub fn write_texts(
    r: &ScanResult,
    matches: &mut (dyn Write + Send),
    documents: &mut (dyn Write + Send),
    mut pages: Option<&mut Pages>,
) -> Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(MATCH_COLUMNS)?;
    matches.write_all(&header.into_inner().map_err(|e| anyhow!("{}", e.error()))?)?;
    let opts = pages.as_deref().map(|p| p.options().clone());
    let opts = opts.as_ref();
    let write = |found: Vec<UnitTexts>| -> Result<Vec<html::Page>> {
        write_all_vectored(documents, found.iter().map(|c| &c.lines[..]))?;
        write_all_vectored(matches, found.iter().map(|c| &c.rows[..]))?;
        for UnitTexts { rendered, .. } in found {
            if let (Some(p), Some(rc)) = (pages.as_deref_mut(), rendered) {
                p.add(rc)?;
            }
        }
        Ok(pages.as_deref_mut().map(Pages::take_ready).unwrap_or_default())
    };
    let (units, batches) = units(r.clusters.iter().map(|c| c.copies.len()));
    let render = |batch: &[Unit]| batch.par_iter().map(|u| unit_texts(r, u, opts)).collect();
    html::layout::pipeline(batches.into_iter().map(|b| &units[b]), render, write)?;
    Ok(())
}

/// What one unit gives, made in parallel with others and written in order: its documents as
/// JSON lines (the original first, in the cluster's first unit), its rows of `matches.csv`
/// (copies in cluster order), and its part of the cluster rendered for the HTML report.
struct UnitTexts {
    lines: Vec<u8>,
    rows: Vec<u8>,
    rendered: Option<RenderedCluster>,
}

/// The texts of unit `u`; rendered if `html` has the sizes of the report.
fn unit_texts(r: &ScanResult, u: &Unit, html: Option<&HtmlOptions>) -> Result<UnitTexts> {
    let c = &r.clusters[u.n];
    let id = u.n as u64 + 1;
    let first = u.copies.start == 0;
    let mut tokenizer = Tokenizer::new();
    // About the size of the documents' records, so the lines are not grown and copied over and
    // over (JSON adds field names and escapes).
    let size: usize = first
        .then_some(c.original)
        .into_iter()
        .chain(c.copies[u.copies.clone()].iter().map(|cp| cp.doc))
        .map(|d| r.corpus.docs[d as usize].spool.len as usize * 9 / 8 + 128)
        .sum();
    let mut lines = Vec::with_capacity(size);
    let original = r.corpus.document(c.original)?;
    if first {
        original.write_json(&mut lines);
        lines.push(b'\n');
    }
    let mut a = Vec::new();
    tokenizer.tokenize(&original.text, &mut a);
    let aligned = Original::new(&a);
    let mut b = Vec::new();
    let mut rows = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    // The rows of clusters.csv the HTML report shows: the whole cluster's, for its table, in the
    // first unit; else the original's and the unit's copies', from copy number `offset`.
    let (rows_of, offset) = match html {
        Some(_) if first => (Some(cluster_rows(r, id, c)?), 0),
        Some(_) => {
            let copies =
                c.copies[u.copies.clone()].iter().map(|cp| member(r, cp.doc, Some(cp))).collect::<Result<_>>()?;
            (Some(load::Cluster { id, original: member(r, c.original, None)?, copies }), u.copies.start)
        }
        None => (None, 0),
    };
    // The evidence of a copy whose text is the original's, byte for byte (a quarter of the
    // copies of an mkspeed corpus): the same for all of them, found once.
    let mut verbatim: Option<Vec<Match>> = None;
    // Copy `i`: its line, its rows of evidence, and its side-by-side into `out` if rendering.
    let mut copy = |i: usize, out: Option<&mut String>| -> Result<()> {
        let copy = r.corpus.document(c.copies[i].doc)?;
        copy.write_json(&mut lines);
        lines.push(b'\n');
        let found = if copy.text == original.text {
            verbatim.get_or_insert_with(|| matches_to(&original.text, &aligned, &original.text, &a)).clone()
        } else {
            b.clear();
            tokenizer.tokenize(&copy.text, &mut b);
            matches_to(&original.text, &aligned, &copy.text, &b)
        };
        for m in &found {
            rows.write_record([
                original.id.as_str(),
                copy.id.as_str(),
                &m.passage.to_string(),
                &m.a_start.to_string(),
                &m.a_end.to_string(),
                &m.b_start.to_string(),
                &m.b_end.to_string(),
                &m.words.to_string(),
            ])?;
        }
        if let (Some(out), Some(opts), Some(rows_of)) = (out, html, &rows_of) {
            let segments: Vec<Segment> = found.iter().map(segment).collect();
            let pair = html::Pair {
                cluster: id,
                number: i + 1,
                original: &rows_of.original,
                copy: &rows_of.copies[i - offset],
            };
            let path = std::path::Path::new(MATCHES);
            html::comparison(out, pair, Some(&original), Some(&copy), &segments, &opts.text, path)?;
        }
        Ok(())
    };
    let rendered = match &rows_of {
        Some(rows_of) => {
            let part = PartOf {
                id,
                size: c.copies.len() + 1,
                original: &rows_of.original,
                table: first.then_some(rows_of),
                linked: true,
                copies: u.copies.clone(),
                last: u.copies.end == c.copies.len(),
            };
            Some(RenderedCluster::render(part, |i, out| copy(i, Some(out)))?)
        }
        None => {
            for i in u.copies.clone() {
                copy(i, None)?;
            }
            None
        }
    };
    let rows = rows.into_inner().map_err(|e| anyhow!("{}", e.error()))?;
    Ok(UnitTexts { lines, rows, rendered })
}

/// What the HTML report shows above the clusters (see [`Contents`]), from the scan's clusters
/// as `clusters.csv` has them.
pub fn contents(r: &ScanResult, index_rows: usize) -> Result<Contents> {
    let mut stats = ClusterStats::default();
    let mut index = Vec::with_capacity(index_rows.min(r.clusters.len()));
    for (n, c) in r.clusters.iter().enumerate() {
        stats.documents += c.copies.len() as u64 + 1;
        let mut relations = [0; 5];
        for cp in &c.copies {
            relations[relation_index(cp.relation)] += 1;
            stats.count_copy(cp.relation, rounded(cp.measures.similarity), &r.corpus.metadata(cp.doc)?.source);
        }
        if n < index_rows {
            let original = member(r, c.original, None)?;
            index.push(IndexEntry { id: n as u64 + 1, original, size: c.copies.len() + 1, relations });
        }
    }
    Ok(Contents { stats, index })
}

/// A figure as `clusters.csv` has it, rounded to four decimals.
fn rounded(x: f64) -> f64 {
    fixed(x).parse().unwrap_or(x)
}

/// The row of `doc` in `clusters.csv`, a copy if `copy` is given.
fn member(r: &ScanResult, doc: u32, copy: Option<&crate::scan::Copy>) -> Result<Member> {
    let m = r.corpus.metadata(doc)?;
    Ok(Member {
        doc_id: m.id.into_owned(),
        relation: copy.map(|cp| cp.relation),
        similarity: copy.map(|cp| rounded(cp.measures.similarity)),
        containment: copy.map(|cp| rounded(cp.measures.containment)),
        source: m.source.into_owned(),
        url: m.url.into_owned(),
        date: m.date.into_owned(),
        title: m.title.into_owned(),
    })
}

/// The rows of cluster `c` as `clusters.csv` has them (figures rounded as written there), so
/// that the pages a scan writes are those `reprint report` rebuilds from its files.
fn cluster_rows(r: &ScanResult, id: u64, c: &Cluster) -> Result<load::Cluster> {
    Ok(load::Cluster {
        id,
        original: member(r, c.original, None)?,
        copies: c.copies.iter().map(|cp| member(r, cp.doc, Some(cp))).collect::<Result<_>>()?,
    })
}

/// A match as a segment of the HTML report (read from no file: line 0).
fn segment(m: &Match) -> Segment {
    Segment { passage: m.passage, a: m.a_start..m.a_end, b: m.b_start..m.b_end, words: m.words as u32, line: 0 }
}
