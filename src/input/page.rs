//! A web page waiting for main-text extraction: the raw bytes and what the container said.
//!
//! The reading thread only cuts pages out of files and WARC records; extraction (an HTML parse
//! and a few tree walks, about 10 ms a page) runs on the workers in [`super::Chunk::parse`], so
//! a crawl is extracted on every core while the next records are decompressed.

use super::html::{decode, extract, ExtractError};
use crate::document::Document;
use crate::messages::{Location, Messages, Reason};

/// One HTML page, as read from an `.html` file or a WARC record.
#[derive(Debug)]
pub struct Page {
    /// Where it came from, for messages.
    pub loc: Location,
    /// The document id (the file's relative path, or the WARC record's target URI).
    pub id: String,
    /// The URL given by the container (WARC-Target-URI); the page's canonical URL otherwise.
    pub url: String,
    /// The date given by the container (WARC-Date); the page's own date wins.
    pub date: String,
    /// The charset of the HTTP `Content-Type`, if any.
    pub charset: Option<String>,
    pub bytes: Vec<u8>,
}

impl Page {
    /// Decodes and extracts the page; `None` (with the reason in `msgs`) when nothing is left.
    pub fn into_document(self, msgs: &Messages) -> Option<Document> {
        let decoded = decode(&self.bytes, self.charset.as_deref());
        drop(self.bytes);
        if let Some(enc) = decoded.malformed {
            msgs.warn(Reason::InvalidUtf8, &self.loc, format_args!("bytes invalid in {enc} replaced with U+FFFD"));
        }
        let found = match extract(&decoded.html) {
            Ok(found) => found,
            Err(ExtractError::Panicked(why)) => {
                msgs.skip(Reason::ExtractionFailed, &self.loc, format_args!("HTML extraction failed: {why}"));
                return None;
            }
        };
        if found.text.trim().is_empty() {
            msgs.skip(Reason::EmptyText, &self.loc, "no text found in the page");
            return None;
        }
        let url = if self.url.is_empty() { found.url } else { self.url };
        let date = if found.date.is_empty() { self.date } else { found.date };
        Some(Document { id: self.id, source: host(&url).to_string(), title: found.title, url, date, text: found.text })
    }

    /// Bytes this page holds, for progress.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The host of a URL without a leading `www.` (`https://www.ap.org/x` -> `ap.org`), or "".
pub fn host(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else { return "" };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.strip_prefix("www.").unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_urls() {
        assert_eq!(host("https://www.ap.org/news/1?x=2"), "ap.org");
        assert_eq!(host("http://user:pw@example.com:8080/"), "example.com");
        assert_eq!(host("http://[::1]:80/a"), "::1");
        assert_eq!(host("https://site.test"), "site.test");
        assert_eq!(host("not a url"), "");
        assert_eq!(host(""), "");
    }

    fn page(html: &str, url: &str, date: &str) -> Page {
        Page {
            loc: Location::record("c.warc", 3),
            id: "id".into(),
            url: url.into(),
            date: date.into(),
            charset: None,
            bytes: html.as_bytes().to_vec(),
        }
    }

    #[test]
    fn container_url_and_page_date_win() {
        let para = "<p>Officials said the bridge would reopen next month after repairs to its \
                    cables, which inspectors found corroded during a routine check in the spring.</p>";
        let html = format!(
            "<html><head><title>Bridge</title><link rel=canonical href=\"https://canon.test/b\">\
             <meta name=date content=2023-01-02></head><body><article>{para}{para}</article></body></html>"
        );
        let msgs = Messages::silent();
        let d = page(&html, "https://www.news.test/b", "2024-05-06T07:08:09Z").into_document(&msgs).unwrap();
        assert_eq!(d.url, "https://www.news.test/b");
        assert_eq!(d.source, "news.test");
        assert_eq!(d.date, "2023-01-02");
        assert!(d.text.contains("bridge would reopen"));
        // Without a date in the page, the container's date is kept.
        let html = html.replace("<meta name=date content=2023-01-02>", "");
        let d = page(&html, "", "2024-05-06T07:08:09Z").into_document(&msgs).unwrap();
        assert_eq!(d.date, "2024-05-06T07:08:09Z");
        assert_eq!(d.url, "https://canon.test/b");
        assert!(!msgs.has_problems());
    }

    #[test]
    fn an_empty_page_is_counted() {
        let msgs = Messages::silent();
        assert!(page("<html><body> </body></html>", "", "").into_document(&msgs).is_none());
        assert_eq!(msgs.count(Reason::EmptyText), 1);
        assert!(msgs.examples()[0].contains("c.warc: record 3"), "{:?}", msgs.examples());
    }
}
