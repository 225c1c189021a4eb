//! `report.html`: the evidence report, built from the files of a report folder.
//!
//! `report.html` holds the overview (figures and SVG charts), an index of the largest clusters,
//! the list of pages, and the first page of clusters with their side-by-sides; further clusters go
//! to `report-files/clusters-0002.html`, `-0003`... Each page is planned before it is rendered:
//! a comparison's size is estimated from the length of the two documents' lines in
//! `documents.jsonl` and its number of segments, and a page takes clusters until the estimate
//! reaches [`HtmlOptions::page_bytes`] (a large cluster continues on the next page). So the
//! links from a cluster's table to its comparisons are known when the table is written, and a
//! page stays within a few MB however many clusters there are. One text is shown up to
//! [`TextLimits::max_chars`] characters, with long unmatched stretches collapsed.
//!
//! Only one cluster's rows and two texts are in memory at a time (see [`crate::report::load`]);
//! the page being written is the largest buffer.
//!
//! Safety: every string from the input goes through [`escape`]; links are made for `http` and
//! `https` URLs only; every page carries a Content Security Policy that allows no script and
//! no network request.

pub mod escape;
pub mod highlight;
pub mod page;
pub mod svg;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::origin::Relation;
use crate::report::load::{Cluster, ClusterEntry, Doc, Member, Overview, ReportDir, DOCUMENTS, MATCHES};
use crate::report::write_atomic;
pub use highlight::TextLimits;
use highlight::{highlight, Side};
pub use page::{PAGES_DIR, REPORT};

/// Sizes of the report.
#[derive(Clone, Debug)]
pub struct HtmlOptions {
    /// Estimated bytes of clusters per page before a new page starts.
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
    write_report_with(dir, None, &HtmlOptions::default())
}

/// As [`write_report`], with `overview` instead of `summary.json` when given (a scan renders
/// the report before it writes its summary, which goes last).
pub fn write_report_with(dir: &Path, overview: Option<Overview>, opts: &HtmlOptions) -> Result<Written> {
    let mut rd = ReportDir::open(dir, overview)?;
    remove_pages(dir)?;
    let entries = std::mem::take(&mut rd.clusters);
    let mut book = Book::new(dir, opts);
    for (rank, e) in entries.iter().enumerate() {
        let c = rd.cluster(e)?;
        book.cluster(&mut rd, rank, e, &c)?;
    }
    book.finish(&rd, &entries)
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

/// A row of the index in `report.html`.
struct IndexRow {
    id: u64,
    page: usize,
    original: Member,
    size: usize,
    relations: [u32; 5],
}

/// First and last cluster of a page.
struct PageInfo {
    first: u64,
    last: u64,
    clusters: usize,
}

/// The pages being laid out and written, one at a time.
struct Book<'a> {
    dir: PathBuf,
    opts: &'a HtmlOptions,
    /// Current page (1 is `report.html`).
    page: usize,
    buf: String,
    /// Estimated bytes on the current page.
    planned: usize,
    clusters_on_page: usize,
    first_page: Option<String>,
    pages: Vec<PageInfo>,
    index: Vec<IndexRow>,
    written: Written,
}

/// Estimated bytes of a cluster's table, and of one side-by-side.
fn header_estimate(size: usize) -> usize {
    600 + 450 * size
}

impl<'a> Book<'a> {
    fn new(dir: &Path, opts: &'a HtmlOptions) -> Self {
        Book {
            dir: dir.to_path_buf(),
            opts,
            page: 1,
            buf: String::new(),
            planned: 0,
            clusters_on_page: 0,
            first_page: None,
            pages: vec![PageInfo { first: 0, last: 0, clusters: 0 }],
            index: Vec::new(),
            written: Written::default(),
        }
    }

    fn comparison_estimate(&self, rd: &ReportDir, original: &str, copy: &str) -> usize {
        let cap = (self.opts.text.max_chars * 2) as u64;
        let side = |id: &str| rd.document_size(id).min(cap) as usize;
        1200 + side(original) + side(copy) + 160 * rd.segment_count(copy) as usize
    }

    /// Ends the current page and starts the next one.
    fn turn(&mut self) -> Result<()> {
        self.flush(true)?;
        self.page += 1;
        self.planned = 0;
        self.clusters_on_page = 0;
        self.pages.push(PageInfo { first: 0, last: 0, clusters: 0 });
        Ok(())
    }

    fn flush(&mut self, next: bool) -> Result<()> {
        let body = std::mem::take(&mut self.buf);
        if self.page == 1 {
            self.first_page = Some(body);
            return Ok(());
        }
        let info = &self.pages[self.page - 1];
        let mut html = page::pager(self.page, next);
        html.push_str("<main>\n");
        let _ = writeln!(html, "<h1>Clusters {} to {}</h1>{}", info.first, info.last, page::LEGEND);
        html.push_str(&body);
        html.push_str("</main>\n");
        html.push_str(&page::pager(self.page, next));
        let doc = page::document(&format!("reprint report: page {}", self.page), &html);
        self.account(doc.len());
        let dir = self.dir.join(PAGES_DIR);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        write_atomic(&dir, &page::page_file(self.page), |w| Ok(w.write_all(doc.as_bytes())?))
    }

    fn account(&mut self, bytes: usize) {
        self.written.pages += 1;
        self.written.largest_page = self.written.largest_page.max(bytes as u64);
        self.written.total_bytes += bytes as u64;
    }

    fn note_cluster(&mut self, id: u64) {
        let p = &mut self.pages[self.page - 1];
        if p.clusters == 0 {
            p.first = id;
        }
        p.last = id;
        p.clusters += 1;
    }

    /// Lays out and renders one cluster.
    fn cluster(&mut self, rd: &mut ReportDir, rank: usize, e: &ClusterEntry, c: &Cluster) -> Result<()> {
        let evidence = rd.has_evidence();
        let ests: Vec<usize> = if evidence {
            c.copies.iter().map(|cp| self.comparison_estimate(rd, &c.original.doc_id, &cp.doc_id)).collect()
        } else {
            Vec::new()
        };
        let head = header_estimate(c.size());
        let first = head + ests.first().copied().unwrap_or(0);
        if self.planned > 0
            && (self.clusters_on_page >= self.opts.clusters_per_page || self.planned + first > self.opts.page_bytes)
        {
            self.turn()?;
        }
        // Plan the pages of the comparisons, so that the table links to them.
        let start = self.page;
        let mut planned = self.planned + head;
        let mut page = self.page;
        let mut pages = Vec::with_capacity(ests.len());
        for (i, &est) in ests.iter().enumerate() {
            if i > 0 && planned + est > self.opts.page_bytes {
                page += 1;
                planned = 0;
            }
            planned += est;
            pages.push(page);
        }

        if rank < self.opts.index_rows {
            self.index.push(IndexRow {
                id: c.id,
                page: start,
                original: c.original.clone(),
                size: c.size(),
                relations: e.relations,
            });
        }
        self.note_cluster(c.id);
        self.clusters_on_page += 1;
        self.planned += head;
        self.written.clusters += 1;
        self.cluster_table(c, &pages);
        if !evidence {
            self.buf.push_str("</section>\n");
            return Ok(());
        }

        let original = rd.document(&c.original.doc_id)?;
        for (i, cp) in c.copies.iter().enumerate() {
            if pages[i] != self.page {
                self.buf.push_str("</section>\n");
                self.turn()?;
                self.note_cluster(c.id);
                self.clusters_on_page += 1;
                let _ = writeln!(
                    self.buf,
                    "<section class=\"cluster\"><h2>Cluster {} (continued from page {})</h2>\
                     <p>Original: {}. <a href=\"{}\">The cluster's table</a>.</p>",
                    c.id,
                    self.page - 1,
                    escape::text(display_title(&c.original)),
                    page::href(self.page, start, &format!("c{}", c.id))
                );
            }
            self.planned += ests[i];
            let seg = rd.segments(&c.original.doc_id, &cp.doc_id)?;
            let copy = rd.document(&cp.doc_id)?;
            let matches = rd.path(MATCHES);
            self.comparison(c, i, cp, original.as_ref(), copy.as_ref(), &seg, &matches)?;
        }
        self.buf.push_str("</section>\n");
        Ok(())
    }

    /// The cluster's heading and table of members; `pages[i]` is the page of copy `i`'s
    /// side-by-side (empty: there are none).
    fn cluster_table(&mut self, c: &Cluster, pages: &[usize]) {
        let b = &mut self.buf;
        let _ = write!(
            b,
            "<section class=\"cluster\" id=\"c{0}\"><h2>Cluster {0} <span class=\"muted\">· {1} documents · \
             original: {2}</span></h2>\n<table class=\"members\"><thead><tr><th>role</th><th>relation</th>\
             <th>similarity</th><th>containment</th><th>source</th><th>date</th><th>title and id</th><th></th></tr></thead><tbody>\n",
            c.id,
            c.size(),
            escape::text(display_title(&c.original))
        );
        member_row(b, &c.original, None);
        for (i, cp) in c.copies.iter().enumerate() {
            let link = pages.get(i).map(|&p| page::href(self.page, p, &format!("c{}-{}", c.id, i + 1)));
            member_row(b, cp, link.as_deref());
        }
        b.push_str("</tbody></table>\n");
    }

    #[allow(clippy::too_many_arguments)]
    fn comparison(
        &mut self,
        c: &Cluster,
        i: usize,
        cp: &Member,
        original: Option<&Doc>,
        copy: Option<&Doc>,
        segments: &[crate::report::load::Segment],
        matches: &Path,
    ) -> Result<()> {
        self.written.comparisons += 1;
        let b = &mut self.buf;
        let _ = writeln!(
            b,
            "<section class=\"pair\" id=\"c{}-{}\"><h3>Copy {} of cluster {}: {} {} · similarity {}</h3>",
            c.id,
            i + 1,
            i + 1,
            c.id,
            cp.relation.map(page::badge).unwrap_or_default(),
            escape::text(display_title(cp)),
            cp.similarity.map_or(String::new(), |s| format!("{s:.2}"))
        );
        let (Some(o), Some(d)) = (original, copy) else {
            let missing = if original.is_none() { &c.original.doc_id } else { &cp.doc_id };
            let _ = writeln!(
                b,
                "<p class=\"muted\">The text of {} is not in {DOCUMENTS}.</p></section>",
                escape::text(missing)
            );
            return Ok(());
        };
        let lim = &self.opts.text;
        let ha = highlight(&o.text, segments, Side::Original, lim, &o.id, matches)?;
        let hb = highlight(&d.text, segments, Side::Copy, lim, &d.id, matches)?;
        let passages: BTreeSet<u32> = segments.iter().map(|s| s.passage).collect();
        let words: u64 = segments.iter().map(|s| s.words as u64).sum();
        let share = ha.copied_chars as f64 / o.text.chars().count().max(1) as f64 * 100.0;
        let _ = writeln!(
            b,
            "<p class=\"muted\">{} passage{}, {words} matching words, {share:.0}% of the original's text; \
             {} words changed in the copy ({} in the original).</p>",
            passages.len(),
            if passages.len() == 1 { "" } else { "s" },
            hb.changed_words,
            ha.changed_words
        );
        b.push_str("<div class=\"sbs\">");
        for (label, doc, h) in [("Original", o, &ha), ("Copy", d, &hb)] {
            let _ = write!(
                b,
                "<div class=\"side\"><h4>{label}: {} <span class=\"muted\">{} · {}</span></h4>\
                 <div class=\"text\">{}</div></div>",
                escape::link(&doc.url, &escape::text(if doc.title.is_empty() { &doc.id } else { &doc.title })),
                escape::text(&doc.source),
                escape::text(&doc.date),
                h.html
            );
        }
        b.push_str("</div></section>\n");
        Ok(())
    }

    /// Writes the last page and `report.html`.
    fn finish(mut self, rd: &ReportDir, entries: &[ClusterEntry]) -> Result<Written> {
        self.flush(false)?;
        let first = self.first_page.take().unwrap_or_default();
        let mut body = String::new();
        body.push_str("<header><h1>reprint report</h1></header>\n");
        if self.pages.len() > 1 {
            body.push_str(&page::pager(1, true));
        }
        body.push_str("<main>\n");
        overview(&mut body, rd, entries.len());
        self.index_html(&mut body, entries.len());
        if !rd.has_evidence() {
            let _ = writeln!(
                body,
                "<p class=\"muted\">No {MATCHES} or {DOCUMENTS} in this report folder: side-by-sides are left out.</p>"
            );
        }
        body.push_str(&first);
        body.push_str("</main>\n");
        if self.pages.len() > 1 {
            body.push_str(&page::pager(1, true));
        }
        let title = format!("reprint report: {} clusters", entries.len());
        let doc = page::document(&title, &body);
        self.account(doc.len());
        write_atomic(&self.dir, REPORT, |w| Ok(w.write_all(doc.as_bytes())?))?;
        Ok(self.written)
    }

    fn index_html(&self, b: &mut String, total: usize) {
        let _ = write!(
            b,
            "<section class=\"box\" id=\"index\"><h2>Clusters, largest first</h2>\n{}",
            if total > self.index.len() {
                format!(
                    "<p class=\"muted\">The {} largest of {total} clusters; the others are on the pages listed below.</p>",
                    self.index.len()
                )
            } else {
                String::new()
            }
        );
        if self.index.is_empty() {
            b.push_str("<p>No copies found.</p></section>\n");
            return;
        }
        b.push_str("<table><thead><tr><th>cluster</th><th>original</th><th>source</th><th>date</th><th>documents</th>");
        for r in Relation::ALL {
            let _ = write!(b, "<th>{}</th>", r.name());
        }
        b.push_str("<th>page</th></tr></thead><tbody>\n");
        for row in &self.index {
            let _ = write!(
                b,
                "<tr><td class=\"n\"><a href=\"{}\">{}</a></td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>",
                page::href(1, row.page, &format!("c{}", row.id)),
                row.id,
                escape::link(&row.original.url, &escape::text(display_title(&row.original))),
                escape::text(&row.original.doc_id),
                escape::text(&row.original.source),
                escape::text(&row.original.date),
                row.size
            );
            for n in row.relations {
                let _ = write!(b, "<td class=\"n\">{}</td>", if n == 0 { String::new() } else { n.to_string() });
            }
            let _ = writeln!(b, "<td class=\"n\">{}</td></tr>", row.page);
        }
        b.push_str("</tbody></table>\n");
        if self.pages.len() > 1 {
            b.push_str("<h3>Pages</h3><ol class=\"pages\">");
            for (i, p) in self.pages.iter().enumerate() {
                let _ = write!(
                    b,
                    "<li><a href=\"{}\">page {}</a>: clusters {} to {}</li>",
                    page::href(1, i + 1, if i == 0 { "index" } else { "" }),
                    i + 1,
                    p.first,
                    p.last
                );
            }
            b.push_str("</ol>\n");
        }
        b.push_str("</section>\n");
    }
}

fn display_title(m: &Member) -> &str {
    if m.title.trim().is_empty() {
        &m.doc_id
    } else {
        &m.title
    }
}

fn member_row(b: &mut String, m: &Member, link: Option<&str>) {
    let _ = writeln!(
        b,
        "<tr{}><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td>{}</td></tr>",
        if m.relation.is_none() { " class=\"original\"" } else { "" },
        if m.relation.is_none() { "original" } else { "copy" },
        m.relation.map(page::badge).unwrap_or_default(),
        m.similarity.map_or(String::new(), |s| format!("{s:.2}")),
        m.containment.map_or(String::new(), |s| format!("{s:.2}")),
        escape::text(&m.source),
        escape::text(&m.date),
        escape::link(&m.url, &escape::text(display_title(m))),
        escape::text(&m.doc_id),
        link.map_or(String::new(), |l| format!("<a href=\"{l}\">side by side</a>"))
    );
}

/// Figures and charts.
fn overview(b: &mut String, rd: &ReportDir, clusters: usize) {
    let st = &rd.stats;
    let copies: u64 = st.copies.iter().sum();
    b.push_str("<section class=\"box\" id=\"overview\"><h2>Overview</h2><div class=\"figures\">");
    let mut fig = |label: &str, value: String| {
        let _ = write!(b, "<div><b>{value}</b>{label}</div>");
    };
    match rd.overview.as_ref().and_then(|o| o.documents.as_ref()) {
        Some(d) => {
            fig("documents scanned", d.scanned.to_string());
            fig("skipped", d.skipped.to_string());
        }
        None => fig("documents scanned", "?".into()),
    }
    fig("clusters", clusters.to_string());
    fig("documents in clusters", st.documents.to_string());
    fig("copies", copies.to_string());
    b.push_str("</div>\n");
    if let Some(d) = rd.overview.as_ref().and_then(|o| o.documents.as_ref()) {
        if !d.skipped_by_reason.is_empty() {
            let why: Vec<String> =
                d.skipped_by_reason.iter().map(|(k, v)| format!("{v} {}", escape::text(k))).collect();
            let _ = writeln!(b, "<p class=\"muted\">Skipped: {}.</p>", why.join(", "));
        }
    }
    b.push_str("<div class=\"charts\">");
    let rel: Vec<(String, u64, &str)> =
        Relation::ALL.iter().zip(st.copies).map(|(r, n)| (r.name().to_string(), n, svg::relation_colour(*r))).collect();
    let _ = write!(b, "<div><h3>Copies by relation</h3>{}</div>", svg::bars("Copies by relation", &rel));
    let mut sources: Vec<(&String, &u64)> = st.sources.iter().collect();
    sources.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    let top: Vec<(String, u64, &str)> = sources
        .iter()
        .take(10)
        .map(|(s, n)| (if s.is_empty() { "(no source)".to_string() } else { s.to_string() }, **n, "#777"))
        .collect();
    let _ = write!(b, "<div><h3>Sources that copy most</h3>{}</div>", svg::bars("Sources that copy most", &top));
    let _ = write!(b, "<div><h3>Similarity of each copy with its original</h3>{}<p>", svg::histogram(&st.similarity));
    for r in Relation::ALL {
        let _ = write!(b, "{} ", page::badge(r));
    }
    b.push_str("</p></div></div>\n");
    b.push_str(page::LEGEND);
    if let Some(v) = rd.overview.as_ref().and_then(|o| o.version.as_ref()) {
        let _ = write!(b, "<p class=\"muted\">reprint {}</p>", escape::text(v));
    }
    b.push_str("</section>\n");
}
