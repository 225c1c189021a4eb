//! `report.html`: the evidence report, from a scan or from the files of a report folder.
//!
//! `report.html` holds the overview (figures and SVG charts), an index of the largest clusters,
//! the list of pages, and the first page of clusters with their side-by-sides; further clusters go
//! to `report-files/clusters-0002.html`, `-0003`... (see [`layout`] for how clusters are laid out
//! on pages: a page stays within a few MB however many clusters there are). One text is shown up
//! to [`TextLimits::max_chars`] characters, with long unmatched stretches collapsed.
//!
//! Rendering the side-by-sides (escaping and highlighting the texts) is most of the work, and
//! one side-by-side depends on nothing but its two texts and their segments, so clusters are
//! rendered in parallel, a batch at a time, and laid out in order while the next batch is
//! rendered. A scan renders them from the texts it has just aligned (see
//! [`crate::report::texts`]); `reprint report` reads them back from the report folder, each
//! thread through its own [`Reader`] (see [`crate::report::load`]). Both go through
//! [`comparison`] and [`Pages`], so they write the same pages.
//!
//! Safety: every string from the input goes through [`escape`]; links are made for `http` and
//! `https` URLs only; every page carries a Content Security Policy that allows no script and
//! no network request.

pub mod escape;
pub mod highlight;
pub mod layout;
pub mod page;
pub mod svg;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::report::load::{Cluster, ClusterEntry, Doc, Member, Reader, ReportDir, Segment, DOCUMENTS, MATCHES};
pub use highlight::TextLimits;
use highlight::{highlight, Side};
use layout::display_title;
use layout::Unit;
pub use layout::{Contents, IndexEntry, Page, Pages, PartOf, RenderedCluster};
pub use page::{PAGES_DIR, REPORT};

/// Sizes of the report.
#[derive(Clone, Debug)]
pub struct HtmlOptions {
    /// Bytes of clusters per page before a new page starts (a cluster's table is estimated).
    pub page_bytes: usize,
    /// Clusters starting on one page at most.
    pub clusters_per_page: usize,
    /// Clusters listed in the index of `report.html` (the others are reached through the pages).
    pub index_rows: usize,
    pub text: TextLimits,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions { page_bytes: 2 << 20, clusters_per_page: 100, index_rows: 200, text: TextLimits::default() }
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// Pages, `report.html` included.
    pub pages: usize,
    pub clusters: usize,
    /// Side-by-sides rendered.
    pub comparisons: usize,
    /// Size of the largest page in bytes, and of all pages together.
    pub largest_page: u64,
    pub total_bytes: u64,
}

/// Rebuilds `report.html` (and its pages) from the report files in `dir`.
pub fn write_report(dir: &Path) -> Result<Written> {
    write_report_with(dir, &HtmlOptions::default())
}

/// As [`write_report`], with pages sized by `opts`.
pub fn write_report_with(dir: &Path, opts: &HtmlOptions) -> Result<Written> {
    let rd = ReportDir::open(dir)?;
    // The index of report.html: the largest clusters' originals, read now.
    let mut reader = rd.reader()?;
    let index = rd
        .clusters
        .iter()
        .take(opts.index_rows)
        .map(|e| {
            let c = reader.cluster(e)?;
            Ok(IndexEntry { id: c.id, size: c.size(), relations: e.relations, original: c.original })
        })
        .collect::<Result<_>>()?;
    let contents = Contents { stats: rd.stats.clone(), index };
    let mut pages = Pages::new(dir, opts, rd.has_evidence())?;
    let matches = rd.path(MATCHES);
    let evidence = rd.has_evidence();
    let (units, batches) = layout::units(rd.clusters.iter().map(|e| if evidence { e.size - 1 } else { 0 }));
    // Each rayon job has its own reader, since reading seeks its files. It is opened at the
    // job's first unit rather than in `map_init`'s init, which cannot return an error.
    let render = |batch: &[Unit]| {
        batch
            .par_iter()
            .map_init(
                || None,
                |reader: &mut Option<Reader>, u| {
                    if reader.is_none() {
                        *reader = Some(rd.reader()?);
                    }
                    let reader = reader.as_mut().expect("opened above");
                    read_unit(reader, &rd.clusters[u.n], u, evidence, opts, &matches)
                },
            )
            .collect::<Result<Vec<_>>>()
    };
    layout::pipeline(batches.into_iter().map(|b| &units[b]), render, |parts| {
        for p in parts {
            pages.add(p)?;
        }
        Ok(pages.take_ready())
    })?;
    pages.finish(&contents, rd.overview.as_ref())
}

/// Unit `u` of the cluster `e` of the report folder, with its side-by-sides rendered if
/// `evidence`. The first unit reads every row of the cluster, for its table; the others read the
/// original's row and their copies' only.
fn read_unit(
    reader: &mut Reader,
    e: &ClusterEntry,
    u: &Unit,
    evidence: bool,
    opts: &HtmlOptions,
    matches: &Path,
) -> Result<RenderedCluster> {
    // The whole cluster for the first unit; else the original and the unit's copies, from
    // copy number `offset`.
    let first = u.copies.start == 0;
    let (c, offset) = if first {
        (reader.cluster(e)?, 0)
    } else {
        let (original, copies) = reader.part(e, u.copies.clone())?;
        (Cluster { id: e.id, original, copies }, u.copies.start)
    };
    let original = &c.original;
    let text = if evidence { reader.document(&original.doc_id)? } else { None };
    let part = PartOf {
        id: e.id,
        size: e.size,
        original,
        table: first.then_some(&c),
        linked: evidence,
        copies: u.copies.clone(),
        last: u.copies.end == if evidence { e.size - 1 } else { 0 },
    };
    RenderedCluster::render(part, |i, out| {
        let cp = &c.copies[i - offset];
        let segments = reader.segments(&original.doc_id, &cp.doc_id)?;
        let copy = reader.document(&cp.doc_id)?;
        let pair = Pair { cluster: e.id, number: i + 1, original, copy: cp };
        comparison(out, pair, text.as_ref(), copy.as_ref(), &segments, &opts.text, matches)
    })
}

/// Removes the pages of an earlier report (`report-files/clusters-*.html`) and `report.html`,
/// leaving anything else in the folder alone.
pub fn remove_pages(dir: &Path) -> Result<()> {
    let main = dir.join(REPORT);
    if main.exists() {
        fs::remove_file(&main).with_context(|| format!("removing the old {}", main.display()))?;
    }
    let pages = dir.join(PAGES_DIR);
    let Ok(list) = fs::read_dir(&pages) else { return Ok(()) };
    for entry in list {
        let path = entry.with_context(|| format!("listing {}", pages.display()))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("clusters-") && name.ends_with(".html") {
            fs::remove_file(&path).with_context(|| format!("removing the old {}", path.display()))?;
        }
    }
    Ok(())
}

impl Written {
    fn account(&mut self, bytes: usize) {
        self.pages += 1;
        self.largest_page = self.largest_page.max(bytes as u64);
        self.total_bytes += bytes as u64;
    }
}

/// Which side-by-side: copy `number` (from 1) of cluster `cluster`, with the rows of the original
/// and of the copy in `clusters.csv`.
pub struct Pair<'a> {
    pub cluster: u64,
    pub number: usize,
    pub original: &'a Member,
    pub copy: &'a Member,
}

/// The side-by-side of `pair`, appended to `b`: the original's and the copy's text with their
/// passages highlighted (`matches` names `matches.csv` in errors about `segments`).
pub fn comparison(
    b: &mut String,
    pair: Pair,
    original: Option<&Doc>,
    copy: Option<&Doc>,
    segments: &[Segment],
    lim: &TextLimits,
    matches: &Path,
) -> Result<()> {
    let cp = pair.copy;
    // Escaping adds a little to the texts, the marks 160 bytes or so a segment.
    let texts: usize = [original, copy].iter().flatten().map(|d| d.text.len().min(4 * lim.max_chars)).sum();
    b.reserve(1200 + texts + texts / 8 + 160 * segments.len());
    let _ = writeln!(
        b,
        "<section class=\"pair\" id=\"c{}-{}\"><h3>Copy {} of cluster {}: {} {} · similarity {}</h3>",
        pair.cluster,
        pair.number,
        pair.number,
        pair.cluster,
        cp.relation.map(page::badge).unwrap_or_default(),
        escape::text(display_title(cp)),
        cp.similarity.map_or(String::new(), |s| crate::report::csv::decimals(s, 2))
    );
    let (Some(o), Some(d)) = (original, copy) else {
        let missing = if original.is_none() { &pair.original.doc_id } else { &cp.doc_id };
        let _ = writeln!(
            b,
            "<p class=\"muted\">The text of {} is not in {DOCUMENTS}.</p></section>",
            escape::text(missing)
        );
        return Ok(());
    };
    let ha = highlight(&o.text, segments, Side::Original, lim, &o.id, matches)?;
    // A copy that is its original byte for byte (an exact repost, a quarter of the copies of an
    // mkspeed corpus) is shown once: two identical columns would say nothing more.
    let verbatim = o.text == d.text;
    let hb = if verbatim { None } else { Some(highlight(&d.text, segments, Side::Copy, lim, &d.id, matches)?) };
    let passages: BTreeSet<u32> = segments.iter().map(|s| s.passage).collect();
    let words: u64 = segments.iter().map(|s| s.words as u64).sum();
    let share = crate::report::csv::decimals(ha.copied_chars as f64 / o.text.chars().count().max(1) as f64 * 100.0, 0);
    let _ = writeln!(
        b,
        "<p class=\"muted\">{} passage{}, {words} matching words, {share}% of the original's text; \
         {} words changed in the copy ({} in the original).</p>",
        passages.len(),
        if passages.len() == 1 { "" } else { "s" },
        hb.as_ref().unwrap_or(&ha).changed_words,
        ha.changed_words
    );
    let heading = |b: &mut String, label: &str, doc: &Doc| {
        let _ = write!(
            b,
            "<h4>{label}: {} <span class=\"muted\">{} · {}</span></h4>",
            escape::link(&doc.url, &escape::text(if doc.title.is_empty() { &doc.id } else { &doc.title })),
            escape::text(&doc.source),
            escape::text(&doc.date),
        );
    };
    match &hb {
        Some(hb) => {
            b.push_str("<div class=\"sbs\">");
            for (label, doc, h) in [("Original", o, &ha), ("Copy", d, hb)] {
                b.push_str("<div class=\"side\">");
                heading(b, label, doc);
                let _ = write!(b, "<div class=\"text\">{}</div></div>", h.html);
            }
        }
        None => {
            b.push_str("<div class=\"sbs one\"><div class=\"side\">");
            heading(b, "Original", o);
            heading(b, "Copy", d);
            let _ = write!(
                b,
                "<p class=\"muted\">The copy's text is the original's, byte for byte: shown once.</p>\
                 <div class=\"text\">{}</div></div>",
                ha.html
            );
        }
    }
    b.push_str("</div></section>\n");
    Ok(())
}
