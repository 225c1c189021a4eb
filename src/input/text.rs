//! One-article files (`.txt`, `.md`): optional front matter, an optional title line, the text.
//!
//! Scraped corpora are often a folder of plain files with a headline on top, and static-site
//! exports carry a YAML-like front matter block; both are recognised without a YAML parser,
//! since only four flat `key: value` pairs are of interest.
//!
//! The title rule: the first non-empty line is the title when a blank line follows it and some
//! text comes after (a one-paragraph file is all text, so a one-line article is never turned into
//! a title with no text). A title from front matter wins, and then the first line stays text.

use std::io::{self, Read};

use super::decompress::{classify, describe, Counting};
use super::format::Format;
use super::FileSource;
use crate::document::Document;
use crate::messages::{Location, Reason};

/// Reads a whole one-article file (at most `max_doc_bytes`) and turns it into a document.
///
/// Plain files larger than the limit were already refused by size, without reading; compressed
/// ones are refused once the limit is passed while decompressing.
pub fn read(src: &FileSource, reader: &mut dyn Read) -> Option<Document> {
    let bytes = read_capped(src, reader)?;
    let raw = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            src.msgs.warn(
                Reason::InvalidUtf8,
                &Location::byte(&*src.name, at as u64),
                "invalid UTF-8 replaced with U+FFFD",
            );
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let article = parse(&raw, src.format == Format::Markdown);
    if article.text.trim().is_empty() {
        src.msgs.skip(Reason::EmptyText, &Location::file(&*src.name), "no text after the title and front matter");
        return None;
    }
    Some(Document {
        id: src.id.clone(),
        title: article.title,
        url: article.url,
        source: article.source,
        date: article.date,
        text: article.text,
    })
}

/// Reads a whole one-document file of at most `max_doc_bytes`; `None` (reported) when it is
/// larger or cannot be read to the end.
pub fn read_capped(src: &FileSource, reader: &mut dyn Read) -> Option<Vec<u8>> {
    let max = src.opts.max_doc_bytes;
    let mut counted = Counting::new(reader);
    let mut bytes = Vec::new();
    if let Err(err) = Read::take(&mut counted, (max as u64).saturating_add(1)).read_to_end(&mut bytes) {
        report_read_error(src, &err, counted.count);
        return None;
    }
    if bytes.len() > max {
        src.msgs.skip(
            Reason::TooLarge,
            &Location::file(&*src.name),
            format_args!("uncompressed file is larger than {max} bytes"),
        );
        return None;
    }
    Some(bytes)
}

fn report_read_error(src: &FileSource, err: &io::Error, offset: u64) {
    let reason = classify(err, src.compression);
    let what = describe(src.compression);
    src.msgs.skip(
        reason,
        &Location::byte(&*src.name, offset),
        format_args!("{what} after {offset} uncompressed bytes: {err}"),
    );
}

/// The parts of a one-article file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Article {
    pub title: String,
    pub url: String,
    pub source: String,
    pub date: String,
    pub text: String,
}

/// Splits a file's contents into front matter, title and text.
pub fn parse(raw: &str, markdown: bool) -> Article {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut article = Article::default();
    let body = match split_front_matter(raw) {
        Some((pairs, body)) => {
            for (key, value) in pairs {
                let slot = match key.to_ascii_lowercase().as_str() {
                    "title" => &mut article.title,
                    "url" => &mut article.url,
                    "source" => &mut article.source,
                    "date" => &mut article.date,
                    _ => continue,
                };
                *slot = value.to_string();
            }
            body
        }
        None => raw,
    };
    let body = skip_blank_lines(body);
    if article.title.is_empty() {
        if let Some((title, rest)) = split_title(body) {
            article.title = if markdown { title.trim_start_matches('#').trim().to_string() } else { title.to_string() };
            article.text = rest.to_string();
            return article;
        }
    }
    article.text = body.to_string();
    article
}

/// `(pairs, rest)` when `raw` starts with a `---` line and a closing `---` line follows.
fn split_front_matter(raw: &str) -> Option<(Vec<(&str, &str)>, &str)> {
    let (first, mut rest) = split_line(raw);
    if first.trim_end() != "---" {
        return None;
    }
    let mut pairs = Vec::new();
    while !rest.is_empty() {
        let (line, after) = split_line(rest);
        rest = after;
        if line.trim_end() == "---" {
            return Some((pairs, rest));
        }
        if let Some((key, value)) = line.split_once(':') {
            pairs.push((key.trim(), unquote(value.trim())));
        }
    }
    None
}

/// `(title, text)` when the first line is followed by a blank line and then more text.
fn split_title(body: &str) -> Option<(&str, &str)> {
    let (first, rest) = split_line(body);
    let (second, _) = split_line(rest);
    if first.trim().is_empty() || !second.trim().is_empty() {
        return None;
    }
    let text = skip_blank_lines(rest);
    if text.trim().is_empty() {
        return None;
    }
    Some((first.trim(), text))
}

/// The first line (without its line break) and everything after its line break.
fn split_line(s: &str) -> (&str, &str) {
    match s.find('\n') {
        Some(i) => (s[..i].strip_suffix('\r').unwrap_or(&s[..i]), &s[i + 1..]),
        None => (s, ""),
    }
}

/// `s` from the start of its first line that is not blank (keeping that line's indentation).
fn skip_blank_lines(s: &str) -> &str {
    match s.find(|c: char| !c.is_whitespace()) {
        Some(i) => {
            let line_start = s[..i].rfind('\n').map_or(0, |n| n + 1);
            &s[line_start..]
        }
        None => "",
    }
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_then_text() {
        let a = parse("Headline here\n\nFirst paragraph.\n\nSecond one.\n", false);
        assert_eq!(a.title, "Headline here");
        assert_eq!(a.text, "First paragraph.\n\nSecond one.\n");
    }

    #[test]
    fn one_paragraph_is_all_text() {
        let a = parse("Line one\nline two\nline three\n", false);
        assert_eq!(a.title, "");
        assert_eq!(a.text, "Line one\nline two\nline three\n");
        let a = parse("Just one line\n\n\n", false);
        assert_eq!(a.title, "");
        assert_eq!(a.text, "Just one line\n\n\n");
    }

    #[test]
    fn leading_blank_lines_and_crlf() {
        let a = parse("\r\n  \r\nTitle\r\n\r\nBody text.\r\n", false);
        assert_eq!(a.title, "Title");
        assert_eq!(a.text, "Body text.\r\n");
    }

    #[test]
    fn front_matter_fields_and_quotes() {
        let raw = "---\ntitle: \"Quoted: title\"\nsource: 'AP'\ndate: 2024-05-01\nurl: https://x.test/a\nauthor: ignored\n---\nSome text.\n";
        let a = parse(raw, false);
        assert_eq!(a.title, "Quoted: title");
        assert_eq!(a.source, "AP");
        assert_eq!(a.date, "2024-05-01");
        assert_eq!(a.url, "https://x.test/a");
        assert_eq!(a.text, "Some text.\n");
    }

    #[test]
    fn front_matter_title_keeps_first_line_as_text() {
        let a = parse("---\ntitle: T\n---\n\nNot a title\n\nBody.\n", false);
        assert_eq!(a.title, "T");
        assert_eq!(a.text, "Not a title\n\nBody.\n");
    }

    #[test]
    fn front_matter_without_title_then_title_line() {
        let a = parse("---\nsource: Reuters\n---\nHeadline\n\nBody.\n", false);
        assert_eq!(a.source, "Reuters");
        assert_eq!(a.title, "Headline");
        assert_eq!(a.text, "Body.\n");
    }

    #[test]
    fn unclosed_front_matter_is_text() {
        let a = parse("---\nsource: x\nno closing line\n", false);
        assert_eq!(a.source, "");
        assert_eq!(a.text, "---\nsource: x\nno closing line\n");
    }

    #[test]
    fn markdown_heading_marks_are_dropped() {
        let a = parse("# The headline\n\nBody.\n", true);
        assert_eq!(a.title, "The headline");
        let a = parse("# The headline\n\nBody.\n", false);
        assert_eq!(a.title, "# The headline");
    }

    #[test]
    fn bom_is_ignored() {
        let a = parse("\u{feff}---\nsource: S\n---\nText only.\n", false);
        assert_eq!(a.source, "S");
        assert_eq!(a.text, "Text only.\n");
    }
}
