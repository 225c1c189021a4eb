//! Laying clusters out on pages, in cluster order, as they come: [`Pages`].
//!
//! A page takes clusters, largest first, until it holds [`HtmlOptions::clusters_per_page`] of
//! them or a cluster's table and first side-by-side would take it past
//! [`HtmlOptions::page_bytes`]; a cluster's further side-by-sides go on as many next pages as
//! they need. The side-by-sides come rendered (they are most of the work, done in parallel by the
//! caller, a large cluster in several parts), so their sizes are known; a cluster's table is
//! estimated. A page is written when the next one starts, since its pager links to the next
//! page, and the page with a cluster's table waits for the cluster's last part, since the table
//! links to the pages its side-by-sides land on. Page 1's body goes into `report.html`, written
//! last with the overview, the index and the list of pages.

use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use super::{escape, page, svg, HtmlOptions, Written};
use crate::origin::Relation;
use crate::report::load::{Cluster, ClusterStats, Member, Overview, DOCUMENTS, MATCHES};
use crate::report::{write_all_vectored, write_atomic, Blocks};

/// Which part of a cluster to render: copies `copies` (numbered from 0 in the cluster) of cluster
/// `id`, of `size` documents. The first part also holds the cluster's table (`table`, with links
/// to the side-by-sides if `linked`). A large cluster comes in several parts, so that memory holds
/// a bounded number of rendered side-by-sides however large a cluster is.
pub struct PartOf<'a> {
    pub id: u64,
    pub size: usize,
    pub original: &'a Member,
    pub table: Option<&'a Cluster>,
    pub linked: bool,
    pub copies: Range<usize>,
    /// Whether this is the cluster's last part.
    pub last: bool,
}

/// A part of a cluster rendered, ready to be laid out: one string holding its table (first part
/// only), the side-by-side of each of its copies, and its original's title (escaped, for the
/// heading of a continued cluster), and where each ends. One string, so that the thread that
/// lays it out and the one that writes it free one allocation per part that another thread made
/// (glibc locks the other thread's arena for each: with a string per table and side-by-side,
/// laying out took 0.62 s on the 1 GB mkspeed corpus, 0.22 s now).
pub struct RenderedCluster {
    id: u64,
    size: usize,
    first: bool,
    last: bool,
    html: String,
    /// End of the table (0 without), then of each side-by-side, then of the title.
    ends: Vec<usize>,
}

impl RenderedCluster {
    /// Renders `part`, each side-by-side with `comparison(i, out)` (see [`super::comparison`]).
    /// The table is rendered as it is when every side-by-side is on the table's page, as for
    /// most clusters (laying out corrects its links otherwise).
    pub fn render(
        part: PartOf,
        mut comparison: impl FnMut(usize, &mut String) -> Result<()>,
    ) -> Result<RenderedCluster> {
        let mut html = String::with_capacity(part.table.map_or(0, |c| table_estimate(c.size())));
        let mut ends = Vec::with_capacity(part.copies.len() + 2);
        if let Some(c) = part.table {
            let links = if part.linked { c.copies.len() } else { 0 };
            cluster_table(&mut html, 1, c, &vec![1; links]);
        }
        ends.push(html.len());
        for i in part.copies {
            comparison(i, &mut html)?;
            ends.push(html.len());
        }
        escape::push(&mut html, display_title(part.original));
        ends.push(html.len());
        Ok(RenderedCluster { id: part.id, size: part.size, first: part.table.is_some(), last: part.last, html, ends })
    }

    fn comparisons(&self) -> usize {
        self.ends.len() - 2
    }

    /// The range in `html` of this part's side-by-side `i` (from 0).
    fn comparison(&self, i: usize) -> Range<usize> {
        self.ends[i]..self.ends[i + 1]
    }
}

/// The cluster being laid out, from its first part to its last: the page of its table, where
/// the table is (the piece that starts with it, on that page), and the page of each side-by-side
/// so far.
struct OpenCluster {
    id: u64,
    start: usize,
    table: usize,
    table_len: usize,
    pages: Vec<usize>,
}

/// A row of the index of `report.html`, for one of the largest clusters.
pub struct IndexEntry {
    pub id: u64,
    pub original: Member,
    pub size: usize,
    /// Copies by relation, in [`Relation::ALL`] order.
    pub relations: [u32; 5],
}

/// What `report.html` shows above the clusters: figures over every copy, and the largest
/// clusters (the first [`HtmlOptions::index_rows`] laid out), as `clusters.csv` has them.
pub struct Contents {
    pub stats: ClusterStats,
    pub index: Vec<IndexEntry>,
}

/// A page's number (1 is `report.html`) and the ids of its first and last cluster.
#[derive(Clone, Copy)]
struct Span {
    number: usize,
    first: u64,
    last: u64,
}

/// The writer of the pages of a report folder: clusters go in with [`Pages::add`], in order,
/// and [`Pages::finish`] writes `report.html`.
pub struct Pages {
    dir: PathBuf,
    opts: HtmlOptions,
    /// Whether the report has side-by-sides (`matches.csv` and `documents.jsonl`).
    evidence: bool,
    /// The page of each of the first [`HtmlOptions::index_rows`] clusters, for the index.
    index_pages: Vec<usize>,
    /// Pages closed so far.
    closed: Vec<Span>,
    /// The page being filled: its span, its body, its bytes so far (tables estimated) and its
    /// number of parts (a cluster, or the continuation of one).
    open: Span,
    body: Vec<Piece>,
    planned: usize,
    parts: usize,
    /// Page 1's body, once it is closed.
    first: Vec<Piece>,
    /// Pages closed and not yet written.
    ready: Vec<Page>,
    /// The cluster being laid out, and the page with its table if that page is closed.
    cluster: Option<OpenCluster>,
    held: Option<Page>,
    written: Written,
}

/// A piece of a page's file: `text[..end]`.
struct Piece {
    text: String,
    end: usize,
}

impl Piece {
    fn as_str(&self) -> &str {
        &self.text[..self.end]
    }
}

impl From<String> for Piece {
    fn from(text: String) -> Piece {
        Piece { end: text.len(), text }
    }
}

impl From<&str> for Piece {
    fn from(text: &str) -> Piece {
        Piece::from(text.to_string())
    }
}

/// A page laid out, to be written: its head, its body, its end.
pub struct Page {
    dir: PathBuf,
    number: usize,
    top: String,
    parts: Vec<Piece>,
    tail: String,
}

impl Page {
    fn bytes(&self) -> usize {
        self.top.len() + self.parts.iter().map(|p| p.end).sum::<usize>() + self.tail.len()
    }

    /// Writes the page's pieces (about one cluster each) in as few system calls as the kernel
    /// allows.
    fn write(self) -> Result<()> {
        // On the thread that writes pages (see `pipeline`), or once rendering is done (the last
        // pages): nothing else waits while the disk does.
        write_atomic(&self.dir, &page::page_file(self.number), Blocks::Here, |w| {
            let parts = self.parts.iter().map(|p| p.as_str());
            let all = std::iter::once(self.top.as_str()).chain(parts).chain([self.tail.as_str()]);
            Ok(write_all_vectored(w, all.map(str::as_bytes))?)
        })
    }
}

/// Writes `pages`, in parallel.
fn write_pages(pages: Vec<Page>) -> Result<()> {
    pages.into_par_iter().try_for_each(Page::write)
}

/// Lays clusters out on pages a batch at a time: `render` renders a batch (in parallel), while
/// `lay_out` lays out the batch before (in order; it returns the pages that closed), and the
/// pages closed before that are written by a thread of their own. Laying out is quick and
/// writing a page takes a while, mostly waiting for the disk (see [`crate::report::direct`]):
/// were the pages written on the threads that render, those would wait on them.
pub fn pipeline<B: Send, T: Send>(
    batches: impl Iterator<Item = B>,
    render: impl Fn(B) -> Result<Vec<T>> + Sync,
    mut lay_out: impl FnMut(Vec<T>) -> Result<Vec<Page>> + Send,
) -> Result<()> {
    std::thread::scope(|s| {
        // Two batches of pages waiting at most: memory stays bounded if the disk is slow.
        let (to_write, closed) = std::sync::mpsc::sync_channel::<Vec<Page>>(2);
        let writer = std::thread::Builder::new()
            .name("report-pages".into())
            .spawn_scoped(s, move || closed.into_iter().flatten().try_for_each(Page::write))
            .context("starting the thread that writes the report's pages")?;
        let laid_out = (|| -> Result<()> {
            let mut pending: Vec<T> = Vec::new();
            for batch in batches {
                let (laid, rendered) = rayon::join(|| lay_out(std::mem::take(&mut pending)), || render(batch));
                pending = rendered?;
                if to_write.send(laid?).is_err() {
                    // The writer stopped on an error, which it returns below.
                    return Ok(());
                }
            }
            let _ = to_write.send(lay_out(pending)?);
            Ok(())
        })();
        drop(to_write);
        let wrote = writer.join().map_err(|_| anyhow::anyhow!("the thread writing the report's pages panicked"))?;
        laid_out.and(wrote)
    })
}

/// Copies of a cluster rendered together: a larger cluster is split into parts of this many
/// copies, so that memory holds a bounded number of texts and side-by-sides however large a
/// cluster is (one story with 10,000 copies took 100 MB more when rendered whole).
pub const PART: usize = 64;

/// Units rendered together (in parallel) before they are laid out, and their documents at most:
/// 256 clusters of the 1 GB mkspeed corpus have about 540.
pub const BATCH: usize = 256;
pub const BATCH_DOCUMENTS: usize = 640;

/// A unit of rendering: copies `copies` of cluster `n` (from 0, in report order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub n: usize,
    pub copies: Range<usize>,
}

/// The units of clusters of `copies[n]` copies each (a cluster without copies to render is one
/// unit of none), and the batches they are rendered in: ranges of units, each of at most
/// [`BATCH`] units and [`BATCH_DOCUMENTS`] documents.
pub fn units(copies: impl Iterator<Item = usize>) -> (Vec<Unit>, Vec<Range<usize>>) {
    let mut units = Vec::new();
    for (n, len) in copies.enumerate() {
        let mut start = 0;
        loop {
            let end = (start + PART).min(len);
            units.push(Unit { n, copies: start..end });
            if end == len {
                break;
            }
            start = end;
        }
    }
    let mut batches = Vec::new();
    let (mut start, mut documents) = (0, 0);
    for (k, u) in units.iter().enumerate() {
        let docs = u.copies.len() + usize::from(u.copies.start == 0);
        if k > start && (k - start == BATCH || documents + docs > BATCH_DOCUMENTS) {
            batches.push(start..k);
            (start, documents) = (k, 0);
        }
        documents += docs;
    }
    batches.push(start..units.len());
    (units, batches)
}

/// Estimated bytes of a cluster's table of `size` members.
fn table_estimate(size: usize) -> usize {
    600 + 450 * size
}

impl Pages {
    /// Removes the pages of an earlier report in `dir` and starts page 1.
    pub fn new(dir: &Path, opts: &HtmlOptions, evidence: bool) -> Result<Pages> {
        super::remove_pages(dir)?;
        Ok(Pages {
            dir: dir.to_path_buf(),
            opts: opts.clone(),
            evidence,
            index_pages: Vec::with_capacity(opts.index_rows),
            closed: Vec::new(),
            open: Span { number: 1, first: 0, last: 0 },
            body: Vec::new(),
            planned: 0,
            parts: 0,
            first: Vec::new(),
            ready: Vec::new(),
            cluster: None,
            held: None,
            written: Written::default(),
        })
    }

    /// The sizes the pages are laid out with.
    pub fn options(&self) -> &HtmlOptions {
        &self.opts
    }

    /// Lays out the next part of a cluster (clusters come largest first, their parts in order).
    pub fn add(&mut self, c: RenderedCluster) -> Result<()> {
        let n = c.comparisons();
        self.written.comparisons += n;
        if c.first {
            self.written.clusters += 1;
            let head = table_estimate(c.size);
            let first = head + if n > 0 { c.comparison(0).len() } else { 0 };
            if self.planned > 0
                && (self.parts >= self.opts.clusters_per_page || self.planned + first > self.opts.page_bytes)
            {
                self.next_page()?;
            }
            if self.index_pages.len() < self.opts.index_rows {
                self.index_pages.push(self.open.number);
            }
            self.start_part(c.id);
            self.planned += head;
            self.cluster = Some(OpenCluster {
                id: c.id,
                start: self.open.number,
                table: self.body.len(),
                table_len: c.ends[0],
                pages: Vec::with_capacity(n),
            });
        }
        let Some(open) = self.cluster.as_mut() else { bail!("part of cluster {} before its first part", c.id) };
        // The page of each side-by-side: the open page until it is full.
        let from = open.pages.len();
        let mut page = self.open.number;
        let mut planned = self.planned;
        for i in 0..n {
            let bytes = c.comparison(i).len();
            if from + i > 0 && planned + bytes > self.opts.page_bytes {
                page += 1;
                planned = 0;
            }
            planned += bytes;
            open.pages.push(page);
        }
        // Runs of side-by-sides on one page, each on the page after the one before. The first run
        // keeps the rendered string (with the table, in a cluster's first part); the others are
        // copied out of it (a page break inside a part is rare).
        let pages = &open.pages[from..];
        let title = &c.html[c.ends[n]..c.ends[n + 1]];
        let mut runs: Vec<(usize, Range<usize>)> = Vec::new();
        for (i, &p) in pages.iter().enumerate() {
            match runs.last_mut() {
                Some((q, r)) if *q == p => r.end = c.ends[i + 1],
                _ => runs.push((p, if runs.is_empty() { 0 } else { c.ends[i] }..c.ends[i + 1])),
            }
        }
        let (first_page, first_end) = runs.first().map_or((self.open.number, c.ends[0]), |(p, r)| (*p, r.end));
        let later: Vec<(String, String)> = runs
            .iter()
            .skip(1)
            .map(|(p, r)| (self.continued(c.id, *p, title), c.html[r.clone()].to_string()))
            .collect();
        if first_page != self.open.number {
            let heading = self.continued(c.id, first_page, title);
            self.break_cluster(c.id, heading)?;
        }
        self.body.push(Piece { text: c.html, end: first_end });
        for (heading, run) in later {
            self.break_cluster(c.id, heading)?;
            self.body.push(run.into());
        }
        self.planned = planned;
        if c.last {
            self.body.push("</section>\n".into());
            self.end_cluster()?;
        }
        Ok(())
    }

    /// The heading of cluster `id` continued on page `p`, its original titled `title`.
    fn continued(&self, id: u64, p: usize, title: &str) -> String {
        let start = self.cluster.as_ref().map_or(p, |c| c.start);
        format!(
            "<section class=\"cluster\"><h2>Cluster {id} (continued from page {})</h2>\
             <p>Original: {title}. <a href=\"{}\">The cluster's table</a>.</p>\n",
            p - 1,
            page::href(p, start, &format!("c{id}"))
        )
    }

    /// Ends the open page inside cluster `id`, which goes on on the next under `heading`.
    fn break_cluster(&mut self, id: u64, heading: String) -> Result<()> {
        self.body.push("</section>\n".into());
        self.next_page()?;
        self.start_part(id);
        self.body.push(heading.into());
        Ok(())
    }

    /// The open cluster is laid out: its table's links are corrected if its side-by-sides went
    /// to other pages, and the page holding the table, if held, can be written.
    fn end_cluster(&mut self) -> Result<()> {
        let Some(open) = self.cluster.take() else { return Ok(()) };
        let mut held = self.held.take();
        if open.pages.iter().all(|&p| p == open.start) {
            self.ready.extend(held);
            return Ok(());
        }
        let body = if open.start == self.open.number {
            &mut self.body
        } else if open.start == 1 {
            &mut self.first
        } else {
            match held {
                Some(ref mut page) => &mut page.parts,
                None => bail!("the page of cluster {}'s table was written before the cluster ended", open.id),
            }
        };
        let piece = &mut body[open.table];
        let text = piece.as_str();
        let mut fixed = relinked_table(&text[..open.table_len], open.id, open.start, &open.pages);
        fixed.push_str(&text[open.table_len..]);
        *piece = fixed.into();
        if let Some(page) = held {
            self.written.account(page.bytes());
            self.ready.push(page);
        }
        Ok(())
    }

    /// A part of cluster `id` starts on the open page.
    fn start_part(&mut self, id: u64) {
        if self.parts == 0 {
            self.open.first = id;
        }
        self.open.last = id;
        self.parts += 1;
    }

    /// Closes the open page (another follows) and opens the next.
    fn next_page(&mut self) -> Result<()> {
        self.close(true)?;
        self.open = Span { number: self.open.number + 1, first: 0, last: 0 };
        self.planned = 0;
        self.parts = 0;
        Ok(())
    }

    /// Closes the open page: page 1's body is kept for `report.html`, the others are ready to
    /// be written.
    fn close(&mut self, next: bool) -> Result<()> {
        let body = std::mem::take(&mut self.body);
        let n = self.open.number;
        self.closed.push(self.open);
        if n == 1 {
            self.first = body;
            return Ok(());
        }
        let dir = self.dir.join(page::PAGES_DIR);
        if n == 2 {
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let pager = page::pager(n, next);
        let top = format!(
            "{}{pager}<main>\n<h1>Clusters {} to {}</h1>{}\n",
            page::head(&format!("reprint report: page {n}")),
            self.open.first,
            self.open.last,
            page::LEGEND
        );
        let tail = format!("</main>\n{pager}{}", page::TAIL);
        let page = Page { dir, number: n, top, parts: body, tail };
        // The page with the table of a cluster still being laid out waits for its links.
        if self.cluster.as_ref().is_some_and(|c| c.start == n) {
            self.held = Some(page);
        } else {
            self.written.account(page.bytes());
            self.ready.push(page);
        }
        Ok(())
    }

    /// The pages closed since the last call, to be written (see [`pipeline`]).
    pub fn take_ready(&mut self) -> Vec<Page> {
        std::mem::take(&mut self.ready)
    }

    /// Writes the last page and `report.html`, with `contents` and `overview` (from
    /// `summary.json`) when there is one.
    pub fn finish(mut self, contents: &Contents, overview: Option<&Overview>) -> Result<Written> {
        if let Some(c) = &self.cluster {
            bail!("cluster {} was not laid out to its last part", c.id);
        }
        let several = self.open.number > 1;
        self.close(false)?;
        write_pages(self.take_ready())?;
        let total = self.written.clusters;
        let mut body = String::new();
        body.push_str("<header><h1>reprint report</h1></header>\n");
        if several {
            body.push_str(&page::pager(1, true));
        }
        body.push_str("<main>\n");
        overview_html(&mut body, &contents.stats, overview, total);
        self.index_html(&mut body, &contents.index, total);
        if !self.evidence {
            let _ = writeln!(
                body,
                "<p class=\"muted\">No {MATCHES} or {DOCUMENTS} in this report folder: side-by-sides are left out.</p>"
            );
        }
        for part in &self.first {
            body.push_str(part.as_str());
        }
        body.push_str("</main>\n");
        if several {
            body.push_str(&page::pager(1, true));
        }
        let title = format!("reprint report: {total} clusters");
        let doc = page::document(&title, &body);
        self.written.account(doc.len());
        write_atomic(&self.dir, page::REPORT, Blocks::Here, |w| Ok(w.write_all(doc.as_bytes())?))?;
        Ok(self.written)
    }

    fn index_html(&self, b: &mut String, index: &[IndexEntry], total: usize) {
        let index = &index[..self.index_pages.len().min(index.len())];
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
        for (row, &page) in index.iter().zip(&self.index_pages) {
            let _ = write!(
                b,
                "<tr><td class=\"n\"><a href=\"{}\">{}</a></td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>",
                page::href(1, page, &format!("c{}", row.id)),
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
            let _ = writeln!(b, "<td class=\"n\">{page}</td></tr>");
        }
        b.push_str("</tbody></table>\n");
        if self.closed.len() > 1 {
            b.push_str("<h3>Pages</h3><ol class=\"pages\">");
            for p in &self.closed {
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

/// `table`, cluster `id`'s table on page `start`, with the link to each side-by-side `i` (from 0)
/// pointing to page `pages[i]` instead of the table's own page.
fn relinked_table(table: &str, id: u64, start: usize, pages: &[usize]) -> String {
    let mut out = String::with_capacity(table.len() + 40 * pages.len());
    let mut from = 0;
    for (i, &p) in (1..).zip(pages) {
        if p == start {
            continue;
        }
        let anchor = format!("c{id}-{i}");
        let needle = format!("href=\"#{anchor}\"");
        if let Some(at) = table[from..].find(&needle) {
            out.push_str(&table[from..from + at]);
            let _ = write!(out, "href=\"{}\"", page::href(start, p, &anchor));
            from += at + needle.len();
        }
    }
    out.push_str(&table[from..]);
    out
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

/// A member's title, or its id when it has none.
pub fn display_title(m: &Member) -> &str {
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
        m.similarity.map_or(String::new(), |s| crate::report::csv::decimals(s, 2)),
        m.containment.map_or(String::new(), |s| crate::report::csv::decimals(s, 2)),
        escape::text(&m.source),
        escape::text(&m.date),
        escape::link(&m.url, &escape::text(display_title(m))),
        escape::text(&m.doc_id),
        link.map_or(String::new(), |l| format!("<a href=\"{l}\">side by side</a>"))
    );
}

/// Figures and charts.
fn overview_html(b: &mut String, st: &ClusterStats, overview: Option<&Overview>, clusters: usize) {
    let copies: u64 = st.copies.iter().sum();
    b.push_str("<section class=\"box\" id=\"overview\"><h2>Overview</h2><div class=\"figures\">");
    let mut fig = |label: &str, value: String| {
        let _ = write!(b, "<div><b>{value}</b>{label}</div>");
    };
    match overview.and_then(|o| o.documents.as_ref()) {
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
    if let Some(d) = overview.and_then(|o| o.documents.as_ref()) {
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
    if let Some(v) = overview.and_then(|o| o.version.as_ref()) {
        let _ = write!(b, "<p class=\"muted\">reprint {}</p>", escape::text(v));
    }
    b.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_clusters_are_split_and_batches_are_bounded() {
        let docs = |u: &Unit| u.copies.len() + usize::from(u.copies.start == 0);
        let (all, batches) = units([200, 0, 1, 64, 65].into_iter());
        let of = |n: usize| all.iter().filter(|u| u.n == n).map(|u| u.copies.clone()).collect::<Vec<_>>();
        assert_eq!(of(0), [0..64, 64..128, 128..192, 192..200]);
        assert_eq!(of(1), vec![Range { start: 0, end: 0 }]);
        assert_eq!(of(2), vec![Range { start: 0, end: 1 }]);
        assert_eq!(of(3), vec![Range { start: 0, end: 64 }]);
        assert_eq!(of(4), [0..64, 64..65]);
        // Every unit in exactly one batch, in order.
        assert_eq!(batches.first().map(|b| b.start), Some(0));
        assert!(batches.windows(2).all(|w| w[0].end == w[1].start && !w[0].is_empty()));
        assert_eq!(batches.last().map(|b| b.end), Some(all.len()));

        // Many small clusters: batches of BATCH units; a huge one: of BATCH_DOCUMENTS documents.
        let (all, batches) = units(std::iter::repeat_n(1, 1000));
        assert_eq!(all.len(), 1000);
        assert!(batches.iter().all(|b| b.len() <= BATCH) && batches.len() == 1000 / BATCH + 1);
        let (all, batches) = units(std::iter::once(10_000));
        assert_eq!(all.len(), 10_000 / PART + 1);
        for b in &batches {
            let n: usize = all[b.clone()].iter().map(docs).sum();
            assert!(n <= BATCH_DOCUMENTS, "{n} documents in a batch");
        }
    }
}
