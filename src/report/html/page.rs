//! The frame of every page: head (a strict Content Security Policy, inline CSS), navigation, and
//! the links between pages.

use std::fmt::Write;

use super::escape;
use super::svg::RELATION_COLOURS;
use crate::origin::Relation;

/// The main page, in the report folder.
pub const REPORT: &str = "report.html";
/// Folder of the further pages, in the report folder.
pub const PAGES_DIR: &str = "report-files";

/// File name of page `n` (2, 3, ...) inside [`PAGES_DIR`].
pub fn page_file(n: usize) -> String {
    format!("clusters-{n:04}.html")
}

/// A link from page `from` to `anchor` on page `to` (page 1 is `report.html`).
pub fn href(from: usize, to: usize, anchor: &str) -> String {
    let frag = if anchor.is_empty() { String::new() } else { format!("#{anchor}") };
    match (from == to, from, to) {
        (true, _, _) if !anchor.is_empty() => frag,
        (_, 1, 1) => REPORT.to_string(),
        (_, 1, t) => format!("{PAGES_DIR}/{}{frag}", page_file(t)),
        (_, _, 1) => format!("../{REPORT}{frag}"),
        (_, _, t) => format!("{}{frag}", page_file(t)),
    }
}

/// No script may run, nothing may be fetched: only inline styles and data: images.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}\
main,header,nav{max-width:1400px;margin:0 auto;padding:0 20px}\
header{padding-top:12px}h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.25em;margin:0 0 .4em}\
h3{font-size:1.05em;margin:.2em 0}h4{font-size:.95em;margin:0 0 .3em;font-weight:600}\
nav.pager{padding:8px 20px;font-size:.95em}nav.pager a{margin-right:1.2em}\
section.box{background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px 18px;margin:14px 0}\
.figures{display:flex;flex-wrap:wrap;gap:10px 36px}.figures div{min-width:120px}\
.figures b{display:block;font-size:1.5em}.charts{display:flex;flex-wrap:wrap;gap:10px 40px;align-items:flex-start}\
svg.chart{font-size:12px;fill:#333;max-width:100%}\
table{border-collapse:collapse;font-size:.92em;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.original td{background:#f5f9ff}code{font-size:.9em;color:#555;word-break:break-all}\
.rel{display:inline-block;padding:0 6px;border-radius:9px;color:#fff;font-size:.85em;font-weight:600}\
.cluster{background:#fff;border:1px solid #ccc;border-radius:6px;padding:14px 18px;margin:18px 0}\
.pair{border-top:2px solid #ddd;margin-top:14px;padding-top:10px;content-visibility:auto;contain-intrinsic-size:auto 500px}\
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:14px}.sbs.one{grid-template-columns:1fr}\
.text{white-space:pre-wrap;overflow-wrap:anywhere;max-height:34em;overflow:auto;border:1px solid #e3e3e3;\
padding:8px 10px;background:#fff;font-size:.93em}\
mark.copied{background:#ffe98f;color:inherit;border-radius:2px}\
mark.copied::before{content:attr(data-p);font-size:.7em;vertical-align:super;color:#8a6d00;margin-right:1px}\
mark.changed{background:#ff9f9f;color:#000;text-decoration:underline wavy #b00000;text-underline-offset:2px}\
.skip{color:#888;font-style:italic}.muted{color:#777}.legend mark{padding:0 3px}\
@media (max-width:800px){.sbs{grid-template-columns:1fr}}";

fn relation_css() -> String {
    let mut s = String::new();
    for (r, c) in Relation::ALL.iter().zip(RELATION_COLOURS) {
        let _ = write!(s, ".rel.{}{{background:{c}}}", r.name());
    }
    s
}

/// A relation badge.
pub fn badge(r: Relation) -> String {
    format!("<span class=\"rel {0}\">{0}</span>", r.name())
}

/// The legend of the highlights.
pub const LEGEND: &str = "<p class=\"legend\"><mark class=\"copied\">copied passage</mark> text found in both \
    documents (the small number pairs passages across the two sides); \
    <mark class=\"changed\">changed words</mark> inside a copied passage: what a spinner or editor \
    replaced to disguise the copy.</p>";

/// A complete page around `body`.
pub fn document(title: &str, body: &str) -> String {
    let mut s = head(title);
    s.reserve(body.len() + TAIL.len());
    s.push_str(body);
    s.push_str(TAIL);
    s
}

/// What comes before the body of a page titled `title` (see [`document`]).
pub fn head(title: &str) -> String {
    let mut s = String::with_capacity(CSS.len() + 1024);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    let _ = writeln!(s, "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">");
    s.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(s, "<title>{}</title>", escape::text(title));
    let _ = writeln!(s, "<style>{CSS}{}</style></head>\n<body>", relation_css());
    s
}

/// What comes after the body of a page.
pub const TAIL: &str = "\n</body></html>\n";

/// Previous / next / overview links of page `n` (`next` if another page follows).
pub fn pager(n: usize, next: bool) -> String {
    let mut s = String::from("<nav class=\"pager\">");
    if n > 1 {
        let _ = write!(s, "<a href=\"{}\">Overview and index</a>", href(n, 1, "index"));
        let _ = write!(s, "<a href=\"{}\">← page {}</a>", href(n, n - 1, ""), n - 1);
    }
    let _ = write!(s, "<span>page {n}</span> ");
    if next {
        let _ = write!(s, "<a href=\"{}\">page {} →</a>", href(n, n + 1, ""), n + 1);
    }
    s.push_str("</nav>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_between_pages() {
        assert_eq!(href(1, 1, "c3"), "#c3");
        assert_eq!(href(1, 2, "c3"), "report-files/clusters-0002.html#c3");
        assert_eq!(href(2, 1, "c3"), "../report.html#c3");
        assert_eq!(href(2, 3, ""), "clusters-0003.html");
        assert_eq!(href(3, 3, "c9-2"), "#c9-2");
        assert_eq!(href(2, 1, ""), "../report.html");
    }

    #[test]
    fn every_page_forbids_scripts_and_remote_loads() {
        let d = document("<x>", "<p>hi</p>");
        assert!(d.contains(&format!("content=\"{CSP}\"")));
        assert!(d.contains("<title>&lt;x&gt;</title>"));
        assert!(!d.contains("<script"));
        assert!(!d.contains("http://") && !d.contains("https://") && !d.contains("url("));
    }
}
