//! HTML pages: decoding the bytes, then main-text extraction (drop navigation, footers, related
//! links and cookie banners, keep the article) with the title and date of the page.
//!
//! The extractor is the `trafilatura` crate (a Rust port of go-trafilatura, itself a port of
//! Barbaresi's trafilatura), with its readability/jusText fallback on. It was chosen by
//! measurement on 516 annotated pages (`../shared/bench/html-pages.tar.gz`, snippet F1 with
//! `score_extract.py`); the README's "Inputs" section lists the alternatives and their figures.
//! Two things are done around it:
//!
//! - **Decoding.** The extractor takes `&str`, so the page's bytes are decoded first, as a
//!   browser would: byte-order mark, then the charset of the HTTP `Content-Type` (WARC), then a
//!   `<meta charset>` or `<meta http-equiv>` in the first [`PRESCAN_BYTES`], then UTF-8 if the
//!   bytes are valid UTF-8, and windows-1252 otherwise (the Encoding Standard's default for
//!   undeclared Western pages).
//! - **Ruby annotations and menus.** `<rt>`/`<rp>` (furigana readings in Japanese pages) are
//!   dropped before extraction: a browser shows them above the line, but as inline text they
//!   interleave every word with its reading and no copy of the article would match. `<nav>`
//!   goes too: the extractor's fallbacks otherwise keep a menu as the text of a page without an
//!   article (F1 0.9159 -> 0.9168 on the annotated pages).
//!
//! A page the extractor finds no main text in (too short, not an article) falls back to its
//! visible text outside navigation, headers, footers and forms; an empty result is the caller's
//! `empty_text`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into a page a `<meta charset>` is looked for. The HTML standard's prescan stops at
/// 1024 bytes; real pages often put a long `<head>` of scripts first, and a later declaration
/// beats a wrong guess.
pub const PRESCAN_BYTES: usize = 16 * 1024;

/// A page decoded to text, and the name of its encoding when some bytes were invalid in it.
pub struct Decoded {
    pub html: String,
    /// `Some(encoding name)` when malformed bytes were replaced with U+FFFD.
    pub malformed: Option<&'static str>,
}

/// Decodes the bytes of a page; `declared` is the charset of the HTTP header, if any.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Decoded {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((enc, bom)) => (enc, &bytes[bom..]),
        None => (sniff(bytes, declared), bytes),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Decoded { html: text.into_owned(), malformed: had_errors.then(|| encoding.name()) }
}

fn sniff(bytes: &[u8], declared: Option<&str>) -> &'static Encoding {
    let label = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
    let found = label.or_else(|| meta_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]));
    match found {
        // A page that says UTF-16 but was read as bytes with ASCII tags is not UTF-16.
        Some(enc) => enc.output_encoding(),
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => WINDOWS_1252,
    }
}

/// The encoding named by the first `<meta charset=...>` or `<meta http-equiv="content-type"
/// content="...; charset=...">` in `head` that names one encoding_rs knows.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let mut at = 0;
    while let Some(i) = find_ascii_ci(&head[at..], b"<meta") {
        let start = at + i + 5;
        let end = memchr::memchr(b'>', &head[start..]).map_or(head.len(), |e| start + e);
        let tag = &head[start..end];
        at = end;
        let Some(c) = find_ascii_ci(tag, b"charset") else { continue };
        let rest = &tag[c + 7..];
        let rest = trim_start(rest);
        let Some(rest) = rest.strip_prefix(b"=") else { continue };
        let rest = trim_start(rest);
        let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .unwrap_or(rest.len());
        if let Some(enc) = Encoding::for_label(&rest[..len]) {
            return Some(enc);
        }
    }
    None
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

/// What extraction found in a page.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The main text, paragraphs separated by line breaks.
    pub text: String,
    /// The page's title (`og:title`, `<title>`, the first heading...), or empty.
    pub title: String,
    /// The publication date as `YYYY-MM-DD` (from meta tags or JSON-LD), or empty.
    pub date: String,
    /// The canonical URL the page names for itself, or empty.
    pub url: String,
}

/// Why no text came out of a page.
#[derive(Debug, PartialEq, Eq)]
pub enum ExtractError {
    /// The extractor panicked: a bug in it, reported per page rather than ending the run.
    Panicked(String),
}

/// Extracts the main text, title and date of a decoded page.
pub fn extract(html: &str) -> Result<Extracted, ExtractError> {
    catch_unwind(AssertUnwindSafe(|| extract_inner(html))).map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        ExtractError::Panicked(what)
    })
}

fn extract_inner(html: &str) -> Extracted {
    let html = &*limit_nesting(html, MAX_DEPTH);
    let mut doc = trafilatura::dom::Document::parse(html);
    let root = doc.root();
    doc.strip_elements(root, true, &["rt", "rp", "nav"]);
    let opts = trafilatura::Options::default().with_fallback(true);
    match trafilatura::extract_document(doc, &opts) {
        Ok(r) => Extracted {
            text: html_to_text(&r.content_html),
            title: r.metadata.title,
            date: r.metadata.date.map(|d| d.to_string()).unwrap_or_default(),
            url: r.metadata.url,
        },
        // Too little text for the extractor to call it an article (a short brief, a page of
        // links): keep the visible text outside navigation, headers, footers and forms.
        Err(_) => Extracted { text: to_text(scraper::Html::parse_document(html), PAGE_CHROME), ..Extracted::default() },
    }
}

/// Deepest element nesting handed to the extractor. Its readability fallback recurses once per
/// level, so a page of 10,000 nested `<div>`s (fuzzers write them, and so do broken page
/// generators) would overflow a worker's stack; real pages stay far below this.
pub const MAX_DEPTH: usize = 256;

/// Elements with no content and no end tag.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
/// Elements whose content is raw text, not tags.
const RAW_TEXT: &[&str] =
    &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];

/// `html` with start and end tags beyond nesting `max` removed (their text kept), or `html`
/// itself when it nests less deeply.
///
/// The depth is estimated with a stack of open tag names: an end tag closes up to its start tag,
/// a start tag closes an open element of the same kind that cannot nest (`p`, `li`, `td`...),
/// void and self-closing tags open nothing. That errs on the deep side for sloppy pages, which
/// only costs them a few dropped tags past the limit.
pub fn limit_nesting(html: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    // Byte ranges of tags to drop; nothing is copied unless one is found.
    let mut drop: Vec<(usize, usize)> = Vec::new();
    let mut dropped_open = 0usize;
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + lt;
        let rest = &html[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment.find("-->").map_or(bytes.len(), |e| start + 4 + e + 3);
            continue;
        }
        let Some(&next) = bytes.get(start + 1) else { break };
        let closing = next == b'/';
        let name_at = start + 1 + usize::from(closing);
        let name_len = bytes[name_at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 || !bytes[name_at].is_ascii_alphabetic() {
            // `<!doctype`, `<?xml`, a lone `<`: skip to the end of the construct.
            i = memchr::memchr(b'>', &bytes[start + 1..]).map_or(bytes.len(), |e| start + 1 + e + 1);
            continue;
        }
        let name = &html[name_at..name_at + name_len];
        let end = tag_end(bytes, name_at + name_len);
        i = end;
        let lower = name.to_ascii_lowercase();
        if closing {
            match stack.iter().rposition(|open| open.eq_ignore_ascii_case(name)) {
                Some(pos) => stack.truncate(pos),
                None if dropped_open > 0 => {
                    drop.push((start, end));
                    dropped_open -= 1;
                }
                None => {}
            }
            continue;
        }
        if RAW_TEXT.contains(&lower.as_str()) {
            // Skip to the matching end tag without reading tags inside.
            i = find_end_tag(bytes, end, lower.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if VOID.contains(&lower.as_str()) || bytes[..end].ends_with(b"/>") {
            continue;
        }
        if matches!(lower.as_str(), "p" | "li" | "dt" | "dd" | "option" | "tr" | "td" | "th")
            && stack.last().is_some_and(|top| top.eq_ignore_ascii_case(name))
        {
            stack.pop();
        }
        if stack.len() >= max {
            drop.push((start, end));
            dropped_open += 1;
        } else {
            stack.push(name);
        }
    }
    if drop.is_empty() {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for (s, e) in drop {
        out.push_str(&html[at..s]);
        at = e;
    }
    out.push_str(&html[at..]);
    std::borrow::Cow::Owned(out)
}

/// Where `</name` (any case) starts in `bytes` from `from` on.
fn find_end_tag(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memmem::find(&bytes[at..], b"</") {
        let tag = at + i;
        let candidate = &bytes[tag + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return Some(tag);
        }
        at = tag + 2;
    }
    None
}

/// The end of a tag whose name ends at `from`: just past its `>`, skipping quoted values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (k, &b) in bytes[from..].iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return from + k + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Elements that start a new line of text. Everything else (links, emphasis, spans) is inline,
/// and table cells are separated by a space.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tr",
    "ul",
];

/// The text of the extractor's cleaned HTML: one line per paragraph, heading, list item or
/// table row, whitespace inside a line collapsed as a browser would. (The extractor's own plain
/// text runs all paragraphs together on one line.)
fn html_to_text(fragment: &str) -> String {
    to_text(scraper::Html::parse_fragment(fragment), &[])
}

/// Elements whose text is never the article, for pages the extractor gives up on.
const PAGE_CHROME: &[&str] =
    &["nav", "header", "footer", "aside", "form", "button", "select", "menu", "head", "iframe", "svg", "dialog"];

/// The text of a parsed document or fragment, one line per block, leaving out `skip`
/// elements (and scripts and styles) with everything inside them.
fn to_text(doc: scraper::Html, skip: &[&str]) -> String {
    use scraper::Node;
    let mut out = String::new();
    let mut line = String::new();
    let flush = |line: &mut String, out: &mut String| {
        let trimmed = line.trim_end();
        if !trimmed.is_empty() {
            out.push_str(trimmed);
            out.push('\n');
        }
        line.clear();
    };
    // An explicit stack: the tree can be deeper than the call stack allows.
    let mut stack = vec![(doc.tree.root(), false)];
    while let Some((node, closing)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !closing => {
                for (i, word) in t.split(|c: char| c.is_whitespace() && c != '\u{a0}').enumerate() {
                    if i > 0 && !line.is_empty() && !line.ends_with(' ') {
                        line.push(' ');
                    }
                    line.push_str(word);
                }
            }
            Node::Element(e) => {
                let name = e.name();
                if BLOCKS.contains(&name) {
                    flush(&mut line, &mut out);
                } else if matches!(name, "td" | "th") && closing && !line.is_empty() && !line.ends_with(' ') {
                    line.push(' ');
                }
                if !closing && !matches!(name, "script" | "style" | "noscript" | "template") && !skip.contains(&name) {
                    stack.push((node, true));
                    stack.extend(node.children().rev().map(|c| (c, false)));
                }
            }
            Node::Document | Node::Fragment if !closing => {
                stack.extend(node.children().rev().map(|c| (c, false)));
            }
            _ => {}
        }
    }
    flush(&mut line, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_bom_header_meta_or_guess() {
        let latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><body>Gr\xfc\xdfe</body></html>";
        assert!(decode(latin1, None).html.contains("Grüße"));
        let http_equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"/>\xd6\xd0\xce\xc4";
        assert!(decode(http_equiv, None).html.ends_with("中文"));
        // The HTTP header wins over the page.
        assert!(decode(b"<meta charset=utf-8>\xe9", Some("windows-1252")).html.ends_with('é'));
        // A BOM wins over everything.
        let d = decode(b"\xef\xbb\xbf<meta charset=iso-8859-1>\xc3\xa9", Some("latin1"));
        assert!(d.html.ends_with('é') && d.malformed.is_none());
        // Undeclared: UTF-8 when valid, windows-1252 otherwise.
        assert!(decode("<p>café</p>".as_bytes(), None).html.contains("café"));
        assert!(decode(b"<p>caf\xe9</p>", None).html.contains("café"));
        // An empty or unknown label is passed over.
        assert!(decode(b"<meta charset=><meta charset=\"bogus\"><meta charset=latin1>\xe9", None).html.ends_with('é'));
    }

    #[test]
    fn invalid_bytes_in_the_declared_encoding_are_reported() {
        let d = decode(b"<meta charset=utf-8><p>caf\xe9</p>", None);
        assert_eq!(d.malformed, Some("UTF-8"));
        assert!(d.html.contains("caf\u{fffd}"));
    }

    #[test]
    fn article_kept_navigation_and_footer_dropped() {
        let para = "The council voted on Tuesday to rebuild the old harbour wall, which storms had \
                    breached twice in the past decade, at a cost the treasurer called manageable.";
        let html = format!(
            "<html><head><title>Harbour wall to be rebuilt | Example News</title>\
             <meta property=\"article:published_time\" content=\"2024-03-05T10:00:00Z\"></head><body>\
             <nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/sport\">Sport</a></li></ul></nav>\
             <article><h1>Harbour wall to be rebuilt</h1><p>{para}</p><p>{para}</p><p>{para}</p></article>\
             <footer><p>Copyright 2024 Example News. All rights reserved.</p></footer></body></html>"
        );
        let e = extract(&html).unwrap();
        assert!(e.text.contains("rebuild the old harbour wall"), "{e:?}");
        assert!(!e.text.contains("All rights reserved"), "{e:?}");
        assert!(!e.text.contains("Sport"), "{e:?}");
        assert!(e.title.contains("Harbour wall to be rebuilt"), "{e:?}");
        assert_eq!(e.date, "2024-03-05");
    }

    #[test]
    fn ruby_readings_are_dropped() {
        let p = "<p><ruby>子<rt>こ</rt></ruby>どもへの<ruby>虐待<rp>(</rp><rt>ぎゃくたい</rt><rp>)</rp></ruby>をなくすための\
                 法律ができて、親が子どもを教育するために、たたいたり蹴ったりする体罰を禁止することになりました。</p>";
        let html = format!("<html><body><article>{p}{p}{p}</article></body></html>");
        let e = extract(&html).unwrap();
        assert!(e.text.contains("子どもへの虐待をなくすための"), "{e:?}");
    }

    #[test]
    fn cleaned_html_to_lines() {
        let t = html_to_text("<p>One <b>bold</b>\n   word.</p><h3>\n Head </h3><table><tr><td>1 g</td><td>salt</td></tr></table><p>a<br>b</p>");
        assert_eq!(t, "One bold word.\nHead\n1 g salt\na\nb\n");
    }

    #[test]
    fn nesting_is_limited_and_text_kept() {
        let deep = "<div>".repeat(1000) + "deep text" + &"</div>".repeat(1000);
        let flat = limit_nesting(&deep, 10);
        assert_eq!(flat, "<div>".repeat(10) + "deep text" + &"</div>".repeat(10));
        let page = "<html><body><p>a<p>b<ul><li>x<li>y</ul><img src=x><br/><script>if (a<b) {}</script></body></html>";
        assert!(matches!(limit_nesting(page, 5), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(limit_nesting(page, 4), std::borrow::Cow::Owned(_)));
        assert_eq!(limit_nesting("<a title='>'><b>t", 1), "<a title='>'>t");
        let script = "<div><SCRIPT>if (a <div> b) {}</Script><div>x</div></div>";
        assert_eq!(limit_nesting(script, 2), script);
    }

    #[test]
    fn short_pages_keep_their_text_but_not_their_menus() {
        let e = extract("<html><body><nav><a href=/>Home</a></nav><p>The mayor resigned.</p></body></html>").unwrap();
        assert_eq!(e.text.trim(), "The mayor resigned.");
        let e = extract("<html><body><nav><a href=/>Home</a></nav><footer>(c) Site</footer></body></html>").unwrap();
        assert_eq!(e.text.trim(), "");
    }

    #[test]
    fn tiny_and_odd_pages_do_not_fail() {
        for html in ["", "<", "<html>", "plain words", "<p>Short.</p>", "<!--", "<table><tr><td>x"] {
            extract(html).unwrap();
        }
        let deep = "<div>".repeat(20_000) + "deep text" + &"</div>".repeat(20_000);
        extract(&deep).unwrap();
    }
}
