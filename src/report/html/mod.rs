//! `report.html`: the evidence report, built from the files of a report folder.
//!
//! `report.html` holds the overview (figures and SVG charts), an index of the largest clusters,
//! the list of pages, and the first page of clusters with their side-by-sides; further clusters go
//! to `report-files/clusters-0002.html`, `-0003`... Every page is planned before any is rendered
//! (see [`Plan`]): a comparison's size is estimated from the length of the two documents' lines in
//! `documents.jsonl` and its number of segments, and a page takes clusters until the estimate
//! reaches [`HtmlOptions::page_bytes`] (a large cluster continues on the next page). So the
//! links from a cluster's table to its comparisons are known when the table is written, and a
//! page stays within a few MB however many clusters there are. One text is shown up to
//! [`TextLimits::max_chars`] characters, with long unmatched stretches collapsed.
//!
//! Rendering (escaping and highlighting the texts) is most of the work, and pages depend on
//! nothing but the plan, so they are rendered in parallel, each thread reading the report files
//! through its own [`Reader`]. A thread writes each page as soon as it is rendered: only one page
//! per thread is in memory, with one cluster's rows and two texts (see [`crate::report::load`]).
//! The first page's body waits for `report.html`, which is written last.
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
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::origin::Relation;
use crate::report::load::{Cluster, Doc, DocIndex, Member, Overview, Reader, ReportDir, Segment, DOCUMENTS, MATCHES};
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
    write_report_with(dir, None, None, &HtmlOptions::default())
}

/// As [`write_report`], with `overview` instead of `summary.json` when given (a scan renders
/// the report before it writes its summary, which goes last), and `documents` as the index of
/// `documents.jsonl` when given (see [`ReportDir::open_with`]).
pub fn write_report_with(
    dir: &Path,
    overview: Option<Overview>,
    documents: Option<DocIndex>,
    opts: &HtmlOptions,
) -> Result<Written> {
    let rd = ReportDir::open_with(dir, overview, documents)?;
    remove_pages(dir)?;
    let plan = Plan::new(&rd, opts)?;
    let book = Book { rd: &rd, opts, plan: &plan, matches: rd.path(MATCHES) };
    if plan.pages.len() > 1 {
        let pages = dir.join(PAGES_DIR);
        fs::create_dir_all(&pages).with_context(|| format!("creating {}", pages.display()))?;
    }
    // Each rayon job has its own reader, since reading seeks its files. It is opened at the job's
    // first page rather than in `map_init`'s init, which cannot return an error.
    let rendered = plan
        .pages
        .par_iter()
        .map_init(
            || None,
            |reader: &mut Option<Reader>, p| {
                if reader.is_none() {
                    *reader = Some(rd.reader()?);
                }
                book.page(reader.as_mut().expect("opened above"), p)
            },
        )
        .collect::<Result<Vec<Rendered>>>()?;

    let mut written = Written { clusters: rd.clusters.len(), ..Written::default() };
    let mut first = String::new();
    for r in rendered {
        written.comparisons += r.comparisons;
        match r.first_page {
            Some(body) => first = body,
            None => written.account(r.bytes),
        }
    }
    book.finish(&mut written, &first)?;
    Ok(written)
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

/// A row of the index in `report.html`.
struct IndexRow {
    id: u64,
    page: usize,
    original: Member,
    size: usize,
    relations: [u32; 5],
}

/// Where every cluster and comparison goes, decided from size estimates alone before anything
/// is rendered, so that pages can then be rendered independently (and links between them are
/// known in advance).
struct Plan {
    /// Per cluster, in [`ReportDir::clusters`] order.
    clusters: Vec<Placement>,
    /// Page 1 (`report.html`) first.
    pages: Vec<PagePlan>,
    index: Vec<IndexRow>,
}

/// The page of a cluster's table, and the page of each of its comparisons (empty when there
/// is no evidence to compare).
struct Placement {
    page: usize,
    comparisons: Vec<usize>,
}

struct PagePlan {
    /// 1 is `report.html`.
    number: usize,
    /// The ids of the first and last cluster on the page.
    first: u64,
    last: u64,
    parts: Vec<Part>,
}

/// A cluster, or the part of a large cluster, on a page: its table (on the cluster's first page)
/// or a heading that it continues, then its comparisons `copies`.
struct Part {
    /// Index in [`ReportDir::clusters`].
    rank: usize,
    copies: Range<usize>,
}

/// Estimated bytes of a cluster's table, and of one side-by-side.
fn header_estimate(size: usize) -> usize {
    600 + 450 * size
}

/// What laying out a cluster needs to know: its id, the estimated bytes of its table and of each
/// of its comparisons, and its original when it has a row in the index (boxed: a few hundred
/// clusters have one, and tens of thousands of estimates are held at once).
struct Estimate {
    id: u64,
    head: usize,
    comparisons: Vec<usize>,
    original: Option<Box<Member>>,
}

/// Clusters estimated per reader (see [`Plan::estimates`]).
const ESTIMATE_CHUNK: usize = 1024;

impl Plan {
    /// Lays the clusters out on pages: a page takes clusters, largest first, until it holds
    /// [`HtmlOptions::clusters_per_page`] of them or a cluster's table and first comparison
    /// would take it past [`HtmlOptions::page_bytes`]; a cluster's further comparisons go on as
    /// many next pages as they need.
    fn new(rd: &ReportDir, opts: &HtmlOptions) -> Result<Plan> {
        let mut plan = Plan { clusters: Vec::with_capacity(rd.clusters.len()), pages: Vec::new(), index: Vec::new() };
        plan.new_page();
        // Estimated bytes on the last page.
        let mut planned = 0;
        for (rank, (e, est)) in rd.clusters.iter().zip(Plan::estimates(rd, opts)?).enumerate() {
            let first = est.head + est.comparisons.first().copied().unwrap_or(0);
            let on_page = plan.pages.last().map_or(0, |p| p.parts.len());
            if planned > 0 && (on_page >= opts.clusters_per_page || planned + first > opts.page_bytes) {
                plan.new_page();
                planned = 0;
            }
            let start = plan.pages.len();
            planned += est.head;
            let mut part = Part { rank, copies: 0..0 };
            let mut pages = Vec::with_capacity(est.comparisons.len());
            for (i, &bytes) in est.comparisons.iter().enumerate() {
                if i > 0 && planned + bytes > opts.page_bytes {
                    plan.add(est.id, part);
                    plan.new_page();
                    planned = 0;
                    part = Part { rank, copies: i..i };
                }
                planned += bytes;
                part.copies.end = i + 1;
                pages.push(plan.pages.len());
            }
            plan.add(est.id, part);
            plan.clusters.push(Placement { page: start, comparisons: pages });
            if let Some(original) = est.original {
                plan.index.push(IndexRow {
                    id: est.id,
                    page: start,
                    original: *original,
                    size: e.size,
                    relations: e.relations,
                });
            }
        }
        Ok(plan)
    }

    /// The [`Estimate`] of every cluster, in order. Each needs the cluster's rows read back from
    /// `clusters.csv`, and the layout itself is sequential, so the reading is done beforehand,
    /// in parallel: done in the layout loop it took 45 ms of one thread on the 1 GB mkspeed
    /// corpus (27,000 clusters) while the other waited.
    fn estimates(rd: &ReportDir, opts: &HtmlOptions) -> Result<Vec<Estimate>> {
        let evidence = rd.has_evidence();
        let cap = (opts.text.max_chars * 2) as u64;
        let side = |id: &str| rd.document_size(id).min(cap) as usize;
        let chunks: Vec<Result<Vec<Estimate>>> = rd
            .clusters
            .par_chunks(ESTIMATE_CHUNK)
            .enumerate()
            .map(|(k, chunk)| {
                let mut reader = rd.reader()?;
                let mut out = Vec::with_capacity(chunk.len());
                for (i, e) in chunk.iter().enumerate() {
                    let c = reader.cluster(e)?;
                    let comparisons = if evidence {
                        c.copies
                            .iter()
                            .map(|cp| {
                                1200 + side(&c.original.doc_id)
                                    + side(&cp.doc_id)
                                    + 160 * rd.segment_count(&cp.doc_id) as usize
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let indexed = k * ESTIMATE_CHUNK + i < opts.index_rows;
                    let head = header_estimate(c.size());
                    out.push(Estimate { id: c.id, head, comparisons, original: indexed.then(|| Box::new(c.original)) });
                }
                Ok(out)
            })
            .collect();
        let mut all = Vec::with_capacity(rd.clusters.len());
        for chunk in chunks {
            all.extend(chunk?);
        }
        Ok(all)
    }

    fn new_page(&mut self) {
        self.pages.push(PagePlan { number: self.pages.len() + 1, first: 0, last: 0, parts: Vec::new() });
    }

    /// Adds a part of cluster `id` to the last page.
    fn add(&mut self, id: u64, part: Part) {
        let p = self.pages.last_mut().expect("a plan has a page");
        if p.parts.is_empty() {
            p.first = id;
        }
        p.last = id;
        p.parts.push(part);
    }
}

/// A page rendered (and, but for the first, written).
struct Rendered {
    /// Size of the page's file.
    bytes: usize,
    comparisons: usize,
    /// The body of page 1, which goes into `report.html` once every page is written.
    first_page: Option<String>,
}

/// What rendering a page needs; shared by the threads that render pages.
struct Book<'a> {
    rd: &'a ReportDir,
    opts: &'a HtmlOptions,
    plan: &'a Plan,
    /// `matches.csv`, for messages.
    matches: PathBuf,
}

impl Book<'_> {
    /// Renders page `p`, and writes it unless it is the first.
    fn page(&self, reader: &mut Reader, p: &PagePlan) -> Result<Rendered> {
        let n = p.number;
        if n == 1 {
            let mut body = String::new();
            let comparisons = self.clusters(reader, p, &mut body)?;
            return Ok(Rendered { bytes: 0, comparisons, first_page: Some(body) });
        }
        let next = n < self.plan.pages.len();
        // Sized for the page's planned bytes, with room for estimates that fall short, so that
        // it is not grown and copied as the clusters go in.
        let mut html = String::with_capacity(self.opts.page_bytes + self.opts.page_bytes / 2);
        html.push_str(&page::pager(n, next));
        html.push_str("<main>\n");
        let _ = writeln!(html, "<h1>Clusters {} to {}</h1>{}", p.first, p.last, page::LEGEND);
        let comparisons = self.clusters(reader, p, &mut html)?;
        html.push_str("</main>\n");
        html.push_str(&page::pager(n, next));
        // Written around the body as it is: the page is not copied into one string first.
        let head = page::head(&format!("reprint report: page {n}"));
        write_atomic(&self.rd.dir.join(PAGES_DIR), &page::page_file(n), |w| {
            for part in [&head, &html, page::TAIL] {
                w.write_all(part.as_bytes())?;
            }
            Ok(())
        })?;
        Ok(Rendered { bytes: head.len() + html.len() + page::TAIL.len(), comparisons, first_page: None })
    }

    /// Renders the clusters of page `p` into `b`; returns the number of comparisons.
    fn clusters(&self, reader: &mut Reader, p: &PagePlan, b: &mut String) -> Result<usize> {
        let mut comparisons = 0;
        for part in &p.parts {
            let c = reader.cluster(&self.rd.clusters[part.rank])?;
            let placement = &self.plan.clusters[part.rank];
            if placement.page == p.number {
                cluster_table(b, p.number, &c, &placement.comparisons);
            } else {
                let _ = writeln!(
                    b,
                    "<section class=\"cluster\"><h2>Cluster {} (continued from page {})</h2>\
                     <p>Original: {}. <a href=\"{}\">The cluster's table</a>.</p>",
                    c.id,
                    p.number - 1,
                    escape::text(display_title(&c.original)),
                    page::href(p.number, placement.page, &format!("c{}", c.id))
                );
            }
            if self.rd.has_evidence() {
                let original = reader.document(&c.original.doc_id)?;
                for i in part.copies.clone() {
                    let cp = &c.copies[i];
                    let seg = reader.segments(&c.original.doc_id, &cp.doc_id)?;
                    let copy = reader.document(&cp.doc_id)?;
                    self.comparison(b, &c, i, cp, original.as_ref(), copy.as_ref(), &seg)?;
                    comparisons += 1;
                }
            }
            b.push_str("</section>\n");
        }
        Ok(comparisons)
    }

    #[allow(clippy::too_many_arguments)]
    fn comparison(
        &self,
        b: &mut String,
        c: &Cluster,
        i: usize,
        cp: &Member,
        original: Option<&Doc>,
        copy: Option<&Doc>,
        segments: &[Segment],
    ) -> Result<()> {
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
        let ha = highlight(&o.text, segments, Side::Original, lim, &o.id, &self.matches)?;
        let hb = highlight(&d.text, segments, Side::Copy, lim, &d.id, &self.matches)?;
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

    /// Writes `report.html`, around `first`, the body of the first page.
    fn finish(&self, written: &mut Written, first: &str) -> Result<()> {
        let rd = self.rd;
        let total = rd.clusters.len();
        let several = self.plan.pages.len() > 1;
        let mut body = String::new();
        body.push_str("<header><h1>reprint report</h1></header>\n");
        if several {
            body.push_str(&page::pager(1, true));
        }
        body.push_str("<main>\n");
        overview(&mut body, rd, total);
        self.index_html(&mut body, total);
        if !rd.has_evidence() {
            let _ = writeln!(
                body,
                "<p class=\"muted\">No {MATCHES} or {DOCUMENTS} in this report folder: side-by-sides are left out.</p>"
            );
        }
        body.push_str(first);
        body.push_str("</main>\n");
        if several {
            body.push_str(&page::pager(1, true));
        }
        let title = format!("reprint report: {total} clusters");
        let doc = page::document(&title, &body);
        written.account(doc.len());
        write_atomic(&rd.dir, REPORT, |w| Ok(w.write_all(doc.as_bytes())?))
    }

    fn index_html(&self, b: &mut String, total: usize) {
        let index = &self.plan.index;
        let _ = write!(
            b,
            "<section class=\"box\" id=\"index\"><h2>Clusters, largest first</h2>\n{}",
            if total > index.len() {
                format!(
                    "<p class=\"muted\">The {} largest of {total} clusters; the others are on the pages listed below.</p>",
                    index.len()
                )
            } else {
                String::new()
            }
        );
        if index.is_empty() {
            b.push_str("<p>No copies found.</p></section>\n");
            return;
        }
        b.push_str("<table><thead><tr><th>cluster</th><th>original</th><th>source</th><th>date</th><th>documents</th>");
        for r in Relation::ALL {
            let _ = write!(b, "<th>{}</th>", r.name());
        }
        b.push_str("<th>page</th></tr></thead><tbody>\n");
        for row in index {
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
        if self.plan.pages.len() > 1 {
            b.push_str("<h3>Pages</h3><ol class=\"pages\">");
            for p in &self.plan.pages {
                let _ = write!(
                    b,
                    "<li><a href=\"{}\">page {}</a>: clusters {} to {}</li>",
                    page::href(1, p.number, if p.number == 1 { "index" } else { "" }),
                    p.number,
                    p.first,
                    p.last
                );
            }
            b.push_str("</ol>\n");
        }
        b.push_str("</section>\n");
    }
}

/// The cluster's heading and table of members, on page `page`; `pages[i]` is the page of copy
/// `i`'s side-by-side (empty: there are none).
fn cluster_table(b: &mut String, page: usize, c: &Cluster, pages: &[usize]) {
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
        let link = pages.get(i).map(|&p| page::href(page, p, &format!("c{}-{}", c.id, i + 1)));
        member_row(b, cp, link.as_deref());
    }
    b.push_str("</tbody></table>\n");
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
