//! WARC and WET files (`.warc`, `.warc.gz`, `.warc.wet.gz`, also `.zst`), as crawls ship them.
//!
//! A WARC file is a sequence of records, each a `WARC/1.x` version line, header lines, a blank
//! line, `Content-Length` bytes of block and two CRLFs. Common Crawl gzips every record as its
//! own gzip member; the multi-member decoder in [`super::decompress`] makes that one stream.
//!
//! Which records are documents:
//! - `conversion` (WET): the block is the page's text already;
//! - `response`: an HTTP response; a successful `text/html` (or XHTML) one becomes a [`Page`]
//!   for main-text extraction on a worker (chunked transfer coding and gzip/deflate content
//!   coding are undone first);
//! - `resource`: the block itself, HTML or plain text.
//!
//! Other responses and resources (images, PDFs, redirects, errors) are counted as `not_a_page`,
//! quietly; `warcinfo`, `request`, `metadata` and `revisit` records describe a crawl rather than
//! hold a page and are passed over without a count.
//!
//! Records are framed by their `Content-Length`, checked against what follows: the block must
//! end with two CRLFs and the next record (or the end of the file) must come right after. A
//! record whose length is wrong is reported as `malformed_warc` with how far off it is, and
//! reading resumes at the next `WARC/` version line, so one bad length costs one record. A
//! record is held in memory whole only up to `--max-doc-bytes` (plus room for HTTP headers);
//! larger ones are read through without being kept and counted as `too_large` when they are
//! documents. No WARC crate is used: the one on crates.io (`warc` 0.4) reads every block into
//! memory whatever its size and cannot resume after a bad record or say where it was, which are
//! the two things a crawl reader needs most. Header lines are parsed by `httparse`.

use std::io::{self, ErrorKind, Read};

use memchr::memmem;

use super::decompress::{classify, describe};
use super::emit::Emitter;
use super::page::Page;
use super::FileSource;
use crate::document::Document;
use crate::messages::{Location, Reason};

/// Largest header block of a WARC record (or of the HTTP response inside it).
const MAX_HEADER: usize = 64 * 1024;
/// Header lines kept per record.
const MAX_HEADER_LINES: usize = 128;
/// Bytes asked of the decoder per read.
const READ_BYTES: usize = 256 * 1024;
/// Bytes looked at after a record's end to check that the next record starts there.
const LOOKAHEAD: usize = 64;

/// Reads every record of a WARC stream, sending pages and documents to `emit`.
pub fn read(src: &FileSource, reader: &mut dyn Read, emit: &mut Emitter) {
    let mut r = WarcReader { src, w: Window::new(reader), record: 0 };
    if let Err(e) = r.run(emit) {
        let reason = classify(&e, src.compression);
        src.msgs.skip(
            reason,
            &Location::record(&*src.name, r.record.max(1)),
            format_args!(
                "{} at byte {} (uncompressed); this record and the rest of the file are lost: {e}",
                describe(src.compression),
                r.w.offset + r.w.avail().len() as u64
            ),
        );
    }
}

struct WarcReader<'a, 'r> {
    src: &'a FileSource<'a>,
    w: Window<'r>,
    /// Number of the record being read, from 1.
    record: u64,
}

/// The WARC header fields reprint uses.
#[derive(Default)]
struct Header {
    kind: String,
    length: Option<u64>,
    target: String,
    date: String,
    record_id: String,
    content_type: String,
}

impl WarcReader<'_, '_> {
    fn loc(&self) -> Location {
        Location::record(&*self.src.name, self.record)
    }

    fn malformed(&self, detail: impl std::fmt::Display) {
        self.src.msgs.skip(Reason::MalformedWarc, &self.loc(), detail);
    }

    fn run(&mut self, emit: &mut Emitter) -> io::Result<()> {
        loop {
            if emit.stopped() {
                return Ok(());
            }
            if !self.skip_blank()? {
                return Ok(());
            }
            self.record += 1;
            let start = self.w.offset;
            let Some(header_len) = self.header_len()? else {
                let what = if self.w.eof { "the file ends inside" } else { "no end to" };
                self.malformed(format_args!("{what} the header block at byte {start} (at most {MAX_HEADER} bytes)"));
                if !self.resync(1)? {
                    return Ok(());
                }
                continue;
            };
            let block = &self.w.avail()[..header_len];
            if !block.starts_with(b"WARC/") {
                let first = String::from_utf8_lossy(&block[..block.len().min(40)]).into_owned();
                if self.record == 1 {
                    // Not a WARC file at all: one message, not one per line of garbage.
                    let binary = memchr::memchr(0, block).is_some();
                    let (reason, what) = if binary {
                        (Reason::BinaryFile, "binary data")
                    } else {
                        (Reason::MalformedWarc, "no WARC/1.x version line")
                    };
                    self.src.msgs.skip(
                        reason,
                        &Location::file(&*self.src.name),
                        format_args!("not a WARC file: {what} at the start ({first:?})"),
                    );
                    return Ok(());
                }
                self.malformed(format_args!("expected a WARC/1.x version line at byte {start}, found {first:?}"));
                if !self.resync(1)? {
                    return Ok(());
                }
                continue;
            }
            let header = match parse_header(block) {
                Ok(h) => h,
                Err(why) => {
                    self.malformed(format_args!("bad header block at byte {start}: {why}"));
                    if !self.resync(header_len)? {
                        return Ok(());
                    }
                    continue;
                }
            };
            let Some(length) = header.length else {
                self.malformed(format_args!("no valid Content-Length in the header at byte {start}"));
                if !self.resync(header_len)? {
                    return Ok(());
                }
                continue;
            };
            self.block(emit, header, header_len, length)?;
        }
    }

    /// Handles the block of a record whose header was read; consumes the whole record.
    fn block(&mut self, emit: &mut Emitter, header: Header, header_len: usize, length: u64) -> io::Result<()> {
        let wanted = matches!(header.kind.as_str(), "response" | "resource" | "conversion");
        let limit = self.src.opts.max_doc_bytes.saturating_add(MAX_HEADER) as u64;
        let start = self.w.offset;
        if length > limit || length > (usize::MAX / 2) as u64 {
            // Too big to hold: read through it, then check the framing.
            self.w.consume(header_len);
            let skipped = self.w.skip(length)?;
            self.w.fill(4)?;
            if skipped < length {
                self.malformed(format_args!(
                    "Content-Length {length} at byte {start} runs past the end of the file ({skipped} bytes follow the header)"
                ));
            } else if !self.w.avail().starts_with(b"\r\n\r\n") {
                self.malformed(format_args!(
                    "Content-Length {length} at byte {start} does not end the record (no blank line after the block)"
                ));
                self.resync(0)?;
            } else {
                self.w.consume(4);
                if wanted {
                    self.src.msgs.skip(
                        Reason::TooLarge,
                        &self.loc(),
                        format_args!("record of {length} bytes is larger than {} bytes", self.src.opts.max_doc_bytes),
                    );
                }
            }
            return Ok(());
        }
        let body_end = header_len + length as usize;
        let total = body_end + 4;
        self.w.fill(total + LOOKAHEAD)?;
        let a = self.w.avail();
        let trailer_ok = a.len() >= total && &a[body_end..total] == b"\r\n\r\n";
        if trailer_ok && next_is_record(&a[total..]) {
            let body = &a[header_len..body_end];
            self.dispatch(emit, &header, body);
            self.w.consume(total);
            return Ok(());
        }
        // The length is wrong: find where the next record really starts.
        let next = find_record_start(&a[header_len..]).map(|i| header_len + i);
        if trailer_ok && next.is_none_or(|n| n >= total) {
            // The block is framed right and something else follows: keep this record, the next
            // round reports what follows.
            let body = &a[header_len..body_end];
            self.dispatch(emit, &header, body);
            self.w.consume(total);
            return Ok(());
        }
        match next {
            Some(at) => {
                let real = (at - header_len) as u64;
                self.malformed(format_args!(
                    "Content-Length {length} at byte {start} is wrong: the next record starts {real} bytes after the header"
                ));
                self.w.consume(at);
            }
            None => {
                let have = a.len() - header_len;
                if self.w.eof && have < length as usize + 4 {
                    self.malformed(format_args!(
                        "Content-Length {length} at byte {start} runs past the end of the file ({have} bytes follow the header)"
                    ));
                } else {
                    self.malformed(format_args!(
                        "Content-Length {length} at byte {start} does not end the record (no blank line after the block)"
                    ));
                }
                self.resync(header_len)?;
            }
        }
        Ok(())
    }

    /// Turns a well-framed record into a page or a document, or counts it.
    fn dispatch(&self, emit: &mut Emitter, header: &Header, block: &[u8]) {
        let id = if !header.target.is_empty() {
            header.target.clone()
        } else if !header.record_id.is_empty() {
            header.record_id.clone()
        } else {
            format!("{}#{}", self.src.name, self.record)
        };
        match header.kind.as_str() {
            "conversion" => self.text(emit, header, id, block),
            "response" if header.content_type.contains("application/http") || block.starts_with(b"HTTP/") => {
                self.http_response(emit, header, id, block)
            }
            "response" | "resource" => {
                let ct = header.content_type.to_ascii_lowercase();
                if is_html(&ct) || (ct.is_empty() && looks_like_html(block)) {
                    self.page(emit, header, id, charset_of(&ct), block.to_vec());
                } else if ct.starts_with("text/plain") {
                    self.text(emit, header, id, block);
                } else {
                    self.not_a_page(format_args!("Content-Type {:?}", header.content_type));
                }
            }
            _ => {}
        }
    }

    fn not_a_page(&self, detail: impl std::fmt::Display) {
        self.src.msgs.skip(Reason::NotAPage, &self.loc(), detail);
    }

    fn too_large(&self, len: usize) -> bool {
        let max = self.src.opts.max_doc_bytes;
        if len > max {
            self.src.msgs.skip(Reason::TooLarge, &self.loc(), format_args!("page of {len} bytes is larger than {max}"));
        }
        len > max
    }

    fn text(&self, emit: &mut Emitter, header: &Header, id: String, block: &[u8]) {
        if self.too_large(block.len()) {
            return;
        }
        let text = match std::str::from_utf8(block) {
            Ok(s) => s.to_string(),
            Err(e) => {
                self.src.msgs.warn(
                    Reason::InvalidUtf8,
                    &self.loc(),
                    format_args!("invalid UTF-8 at byte {} of the block replaced with U+FFFD", e.valid_up_to()),
                );
                String::from_utf8_lossy(block).into_owned()
            }
        };
        if text.trim().is_empty() {
            self.src.msgs.skip(Reason::EmptyText, &self.loc(), "the record's text is empty");
            return;
        }
        let url = header.target.clone();
        emit.document(Document {
            id,
            title: String::new(),
            source: super::page::host(&url).to_string(),
            url,
            date: header.date.clone(),
            text,
        });
    }

    fn page(&self, emit: &mut Emitter, header: &Header, id: String, charset: Option<String>, bytes: Vec<u8>) {
        if self.too_large(bytes.len()) {
            return;
        }
        emit.page(Page { loc: self.loc(), id, url: header.target.clone(), date: header.date.clone(), charset, bytes });
    }

    fn http_response(&self, emit: &mut Emitter, header: &Header, id: String, block: &[u8]) {
        let mut lines = [httparse::EMPTY_HEADER; MAX_HEADER_LINES];
        let mut resp = httparse::Response::new(&mut lines);
        let head_len = match resp.parse(block) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                self.malformed("the HTTP response header is incomplete");
                return;
            }
            Err(e) => {
                self.malformed(format_args!("bad HTTP response header: {e}"));
                return;
            }
        };
        let status = resp.code.unwrap_or(0);
        let get = |name: &str| {
            resp.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
                .unwrap_or_default()
        };
        let (ct, te, ce) = (get("content-type"), get("transfer-encoding"), get("content-encoding"));
        let payload = &block[head_len..];
        if !(200..300).contains(&status) {
            self.not_a_page(format_args!("HTTP status {status}"));
            return;
        }
        let mut body = payload.to_vec();
        if te.contains("chunked") {
            match dechunk(&body) {
                Some(b) => body = b,
                None => {
                    self.malformed("bad chunked transfer coding in the HTTP response");
                    return;
                }
            }
        }
        match ce.as_str() {
            "" | "identity" => {}
            "gzip" | "x-gzip" | "deflate" => match inflate(&body, &ce, self.src.opts.max_doc_bytes) {
                Ok(b) => body = b,
                Err(e) if e.kind() == ErrorKind::FileTooLarge => {
                    self.too_large(self.src.opts.max_doc_bytes.saturating_add(1));
                    return;
                }
                Err(e) => {
                    self.malformed(format_args!("Content-Encoding {ce} of the HTTP response is corrupt: {e}"));
                    return;
                }
            },
            other => {
                self.src.msgs.skip(
                    Reason::UnsupportedFormat,
                    &self.loc(),
                    format_args!("HTTP Content-Encoding {other:?} is not supported"),
                );
                return;
            }
        }
        if is_html(&ct) || (ct.is_empty() && looks_like_html(&body)) {
            self.page(emit, header, id, charset_of(&ct), body);
        } else if ct.starts_with("text/plain") {
            self.text(emit, header, id, &body);
        } else {
            self.not_a_page(format_args!("HTTP Content-Type {ct:?}"));
        }
    }

    /// Skips CR, LF and spaces between records; false at the end of the stream.
    fn skip_blank(&mut self) -> io::Result<bool> {
        loop {
            self.w.fill(1)?;
            let a = self.w.avail();
            if a.is_empty() {
                return Ok(false);
            }
            let n = a.iter().take_while(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t')).count();
            if n == 0 {
                return Ok(true);
            }
            self.w.consume(n);
        }
    }

    /// Length of the header block (up to and including its blank line), or `None` when there is
    /// none within [`MAX_HEADER`] bytes or before the end of the stream.
    fn header_len(&mut self) -> io::Result<Option<usize>> {
        let mut searched = 0;
        loop {
            let a = self.w.avail();
            if let Some(n) = blank_line_end(a, searched) {
                return Ok(Some(n));
            }
            if a.len() >= MAX_HEADER || self.w.eof {
                return Ok(None);
            }
            searched = a.len().saturating_sub(3);
            let want = (a.len() + READ_BYTES).min(MAX_HEADER);
            self.w.fill(want)?;
        }
    }

    /// Drops `from` bytes, then everything up to the next `WARC/` at the start of a line.
    /// False when the stream ended first.
    fn resync(&mut self, from: usize) -> io::Result<bool> {
        let from = from.min(self.w.avail().len());
        self.w.consume(from);
        loop {
            let a = self.w.avail();
            if let Some(i) = find_record_start(a) {
                self.w.consume(i);
                return Ok(true);
            }
            if self.w.eof {
                let n = a.len();
                self.w.consume(n);
                return Ok(false);
            }
            // Keep a few bytes: a version line may straddle the read boundary.
            let keep = a.len().min(6);
            self.w.consume(a.len() - keep);
            self.w.fill(keep + READ_BYTES)?;
        }
    }
}

/// Parses the header lines after the version line.
fn parse_header(block: &[u8]) -> Result<Header, String> {
    let after_version = memchr::memchr(b'\n', block).map_or(block.len(), |i| i + 1);
    let mut lines = [httparse::EMPTY_HEADER; MAX_HEADER_LINES];
    let fields = match httparse::parse_headers(&block[after_version..], &mut lines) {
        Ok(httparse::Status::Complete((_, fields))) => fields,
        Ok(httparse::Status::Partial) => return Err("incomplete header lines".into()),
        Err(e) => return Err(e.to_string()),
    };
    let mut h = Header::default();
    for f in fields {
        let value = || String::from_utf8_lossy(f.value).trim().to_string();
        let name = f.name;
        if name.eq_ignore_ascii_case("WARC-Type") {
            h.kind = value().to_ascii_lowercase();
        } else if name.eq_ignore_ascii_case("Content-Length") {
            h.length = value().parse().ok();
        } else if name.eq_ignore_ascii_case("WARC-Target-URI") {
            // WARC 1.0 examples wrap the URI in angle brackets.
            h.target = value().trim_start_matches('<').trim_end_matches('>').to_string();
        } else if name.eq_ignore_ascii_case("WARC-Date") {
            h.date = value();
        } else if name.eq_ignore_ascii_case("WARC-Record-ID") {
            h.record_id = value();
        } else if name.eq_ignore_ascii_case("Content-Type") {
            h.content_type = value();
        }
    }
    Ok(h)
}

/// The end of the first blank line (`\n\r\n` or `\n\n`) in `a`, looking from `from`.
fn blank_line_end(a: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memchr(b'\n', &a[at..]) {
        let nl = at + i;
        match a.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if a.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            _ => at = nl + 1,
        }
    }
    None
}

/// True when `rest` (what follows a record) starts, after blank lines, with the next record, or
/// is empty (the end of the file, or more blank lines than were looked at).
fn next_is_record(rest: &[u8]) -> bool {
    let n = rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    let rest = &rest[n..];
    let k = rest.len().min(5);
    rest[..k] == b"WARC/"[..k]
}

/// The offset of the first `WARC/1.` that starts a line in `a`.
fn find_record_start(a: &[u8]) -> Option<usize> {
    if a.starts_with(b"WARC/1.") {
        return Some(0);
    }
    memmem::find(a, b"\nWARC/1.").map(|i| i + 1)
}

fn is_html(content_type: &str) -> bool {
    content_type.starts_with("text/html") || content_type.starts_with("application/xhtml")
}

/// True when a payload without a Content-Type starts like an HTML document.
fn looks_like_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    [&b"<!doctype html"[..], b"<html", b"<head", b"<body"]
        .iter()
        .any(|p| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p))
}

/// The `charset=` parameter of a Content-Type, if any.
fn charset_of(content_type: &str) -> Option<String> {
    let i = content_type.find("charset=")?;
    let v = content_type[i + 8..].trim_start_matches(['"', '\'']);
    let end = v.find([';', '"', '\'', ' ']).unwrap_or(v.len());
    (end > 0).then(|| v[..end].to_string())
}

/// Undoes HTTP/1.1 chunked transfer coding; `None` when the chunk sizes do not add up.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let nl = memchr::memchr(b'\n', data)?;
        let line = std::str::from_utf8(&data[..nl]).ok()?;
        let size = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        data = &data[nl + 1..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = &data[size..];
        data = data.strip_prefix(b"\r\n").or_else(|| data.strip_prefix(b"\n")).unwrap_or(data);
    }
}

/// Decompresses a gzip or deflate payload, refusing to grow past `max` bytes.
fn inflate(data: &[u8], coding: &str, max: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let cap = (max as u64).saturating_add(1);
    if coding == "deflate" {
        // "deflate" is zlib-wrapped by the standard, raw deflate by some servers.
        let zlib = flate2::read::ZlibDecoder::new(data).take(cap).read_to_end(&mut out);
        if zlib.is_err() {
            out.clear();
            flate2::read::DeflateDecoder::new(data).take(cap).read_to_end(&mut out)?;
        }
    } else {
        flate2::read::MultiGzDecoder::new(data).take(cap).read_to_end(&mut out)?;
    }
    if out.len() > max {
        return Err(io::Error::new(ErrorKind::FileTooLarge, "payload too large"));
    }
    Ok(out)
}

/// A read buffer over the decompressed stream that can look ahead before it consumes.
struct Window<'r> {
    inner: &'r mut dyn Read,
    buf: Vec<u8>,
    start: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<'r> Window<'r> {
    fn new(inner: &'r mut dyn Read) -> Self {
        Window { inner, buf: Vec::new(), start: 0, offset: 0, eof: false }
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads until `n` bytes are available or the stream ends.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        if self.buf.len() - self.start >= n || self.eof {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        while self.buf.len() < n && !self.eof {
            let old = self.buf.len();
            // Grow by what arrives, not by what a (possibly lying) Content-Length asks for.
            self.buf.resize(old + READ_BYTES, 0);
            match self.inner.read(&mut self.buf[old..]) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.eof = true;
                }
                Ok(k) => self.buf.truncate(old + k),
                Err(e) if e.kind() == ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.buf.len() - self.start);
        self.start += n;
        self.offset += n as u64;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Reads through `n` bytes without keeping them; returns how many there were.
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut left = n;
        loop {
            let have = (self.avail().len() as u64).min(left);
            self.consume(have as usize);
            left -= have;
            if left == 0 {
                return Ok(n);
            }
            self.fill(READ_BYTES)?;
            if self.avail().is_empty() {
                return Ok(n - left);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Chunk, FieldNames, Format, InputOptions};
    use crate::messages::Messages;
    use std::sync::Arc;

    fn record(kind: &str, uri: &str, extra: &str, block: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\n{extra}Content-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    fn run(data: &[u8], max: usize) -> (Vec<Document>, Messages) {
        let msgs = Messages::silent();
        let opts = InputOptions { fields: FieldNames::default(), max_doc_bytes: max };
        let src = FileSource {
            name: Arc::from("t.warc"),
            id: String::new(),
            format: Format::Warc,
            lines: None,
            compression: super::super::Compression::None,
            opts: &opts,
            msgs: &msgs,
        };
        let mut chunks = Vec::new();
        let mut send = |c: Chunk| {
            chunks.push(c);
            true
        };
        let mut emit = Emitter::new(&mut send);
        read(&src, &mut &data[..], &mut emit);
        emit.flush();
        drop(emit);
        let mut docs = Vec::new();
        for c in chunks {
            c.parse(&opts, &msgs, &mut docs);
        }
        (docs, msgs)
    }

    fn wet(uri: &str, text: &str) -> Vec<u8> {
        record("conversion", uri, "Content-Type: text/plain\r\n", text.as_bytes())
    }

    #[test]
    fn wet_conversion_records_are_documents() {
        let mut data = record("warcinfo", "", "", b"software: test\r\n");
        data.extend(wet("https://www.a.test/1", "First text."));
        data.extend(wet("https://b.test/2", "Second text."));
        let (docs, msgs) = run(&data, 1 << 20);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "https://www.a.test/1");
        assert_eq!(docs[0].source, "a.test");
        assert_eq!(docs[0].date, "2024-01-02T03:04:05Z");
        assert_eq!(docs[1].text, "Second text.");
        assert!(!msgs.has_problems(), "{:?}", msgs.examples());
    }

    #[test]
    fn wrong_content_length_costs_one_record() {
        for delta in [-5i64, 7, 400] {
            let mut bad = wet("https://a.test/bad", "This record's length is wrong.");
            let text = String::from_utf8(bad.clone()).unwrap();
            let right = "This record's length is wrong.".len() as i64;
            let fixed =
                text.replace(&format!("Content-Length: {right}"), &format!("Content-Length: {}", right + delta));
            bad = fixed.into_bytes();
            let mut data = wet("https://a.test/1", "One.");
            data.extend(bad);
            data.extend(wet("https://a.test/3", "Three."));
            data.extend(wet("https://a.test/4", "Four."));
            let (docs, msgs) = run(&data, 1 << 20);
            let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
            if delta == 400 {
                // Past the end of record 3 and 4: both are found again.
                assert_eq!(ids, ["https://a.test/1", "https://a.test/3", "https://a.test/4"], "delta {delta}");
            } else {
                assert_eq!(ids, ["https://a.test/1", "https://a.test/3", "https://a.test/4"], "delta {delta}");
            }
            assert_eq!(msgs.count(Reason::MalformedWarc), 1, "delta {delta}: {:?}", msgs.examples());
            assert!(msgs.examples()[0].contains("t.warc: record 2: "), "{:?}", msgs.examples());
            assert!(msgs.examples()[0].contains("Content-Length"), "{:?}", msgs.examples());
        }
    }

    #[test]
    fn length_past_the_end_of_the_file() {
        let mut data = wet("https://a.test/1", "One.");
        let last = wet("https://a.test/2", "Two.");
        let last = String::from_utf8(last).unwrap().replace("Content-Length: 4", "Content-Length: 9999");
        data.extend(last.into_bytes());
        let (docs, msgs) = run(&data, 1 << 20);
        assert_eq!(docs.len(), 1);
        assert_eq!(msgs.count(Reason::MalformedWarc), 1);
        assert!(msgs.examples()[0].contains("runs past the end"), "{:?}", msgs.examples());
    }

    #[test]
    fn a_lying_length_does_not_allocate_it() {
        let mut data = wet("https://a.test/1", "One.");
        let lie = String::from_utf8(wet("https://a.test/2", "Two.")).unwrap();
        data.extend(lie.replace("Content-Length: 4", "Content-Length: 4000000000000").into_bytes());
        data.extend(wet("https://a.test/3", "Three."));
        // No limit: the buffer grows only to the end of the file, and the next record is found.
        let (docs, msgs) = run(&data, usize::MAX);
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["https://a.test/1", "https://a.test/3"]);
        assert_eq!(msgs.count(Reason::MalformedWarc), 1, "{:?}", msgs.examples());
        // Past the limit the block is read through unkept: the records it swallowed are lost,
        // and the message says the length ran past the end of the file.
        let (docs, msgs) = run(&data, 1 << 20);
        assert_eq!(docs.len(), 1);
        assert_eq!(msgs.count(Reason::MalformedWarc), 1, "{:?}", msgs.examples());
        assert!(msgs.examples()[0].contains("runs past the end"), "{:?}", msgs.examples());
    }

    #[test]
    fn html_responses_become_pages_others_are_counted_quietly() {
        let para = "<p>The museum reopened its east wing on Saturday after a two-year renovation \
                    that restored the original skylights and the mosaic floor of the main hall.</p>";
        let html =
            format!("<html><head><title>Museum</title></head><body><article>{para}{para}</article></body></html>");
        let ok = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}");
        let img = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\u{89}PNG";
        let redirect = "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n";
        let http = "Content-Type: application/http; msgtype=response\r\n";
        let mut data = record("request", "https://m.test/", http, b"GET / HTTP/1.1\r\n\r\n");
        data.extend(record("response", "https://m.test/", http, ok.as_bytes()));
        data.extend(record("response", "https://m.test/logo.png", http, img.as_bytes()));
        data.extend(record("response", "https://m.test/old", http, redirect.as_bytes()));
        data.extend(record("metadata", "https://m.test/", "", b"fetchTimeMs: 5\r\n"));
        let (docs, msgs) = run(&data, 1 << 20);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].id, "https://m.test/");
        assert!(docs[0].text.contains("restored the original skylights"), "{:?}", docs[0]);
        assert_eq!(docs[0].title, "Museum");
        assert_eq!(msgs.count(Reason::NotAPage), 2);
        assert!(!msgs.has_problems());
    }

    #[test]
    fn chunked_and_gzipped_responses_are_decoded() {
        use std::io::Write;
        let para = "<p>Farmers in the valley reported the earliest harvest in forty years, citing a \
                    warm spring and steady rain through the summer months across the region.</p>";
        let html = format!("<html><body><article>{para}{para}</article></body></html>");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(html.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let mut chunked = Vec::new();
        for part in gz.chunks(50) {
            chunked.extend(format!("{:x}\r\n", part.len()).into_bytes());
            chunked.extend(part);
            chunked.extend(b"\r\n");
        }
        chunked.extend(b"0\r\n\r\n");
        let mut resp =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
                .to_vec();
        resp.extend(chunked);
        let data = record("response", "https://f.test/", "Content-Type: application/http\r\n", &resp);
        let (docs, msgs) = run(&data, 1 << 20);
        assert_eq!(docs.len(), 1, "{:?}", msgs.examples());
        assert!(docs[0].text.contains("earliest harvest"));
    }

    #[test]
    fn too_large_records_are_read_through() {
        let big = "word ".repeat(1000);
        let mut data = wet("https://a.test/big", &big);
        data.extend(wet("https://a.test/small", "Small."));
        let (docs, msgs) = run(&data, 100);
        assert_eq!(docs.len(), 1);
        assert_eq!(msgs.count(Reason::TooLarge), 1);
        assert_eq!(msgs.dropped(), 1);
    }

    #[test]
    fn not_a_warc_file_is_one_message() {
        let (docs, msgs) = run(b"just some text\nthat is not a warc\n\nmore\n\n", 1000);
        assert!(docs.is_empty());
        assert_eq!(msgs.count(Reason::MalformedWarc), 1);
        let (_, msgs) = run(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\n\n", 1000);
        assert_eq!(msgs.count(Reason::BinaryFile), 1);
    }

    #[test]
    fn garbage_between_records_is_one_problem() {
        let mut data = wet("https://a.test/1", "One.");
        data.extend(b"garbage line\r\nmore garbage\r\n\r\n");
        data.extend(wet("https://a.test/2", "Two."));
        let (docs, msgs) = run(&data, 1000);
        assert_eq!(docs.len(), 2);
        assert_eq!(msgs.count(Reason::MalformedWarc), 1, "{:?}", msgs.examples());
    }

    #[test]
    fn header_without_length_or_end() {
        let mut data = b"WARC/1.0\r\nWARC-Type: conversion\r\n\r\nbody\r\n\r\n".to_vec();
        data.extend(wet("https://a.test/2", "Two."));
        data.extend(b"WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 3");
        let (docs, msgs) = run(&data, 1000);
        assert_eq!(docs.len(), 1);
        assert_eq!(msgs.count(Reason::MalformedWarc), 2, "{:?}", msgs.examples());
    }

    #[test]
    fn helpers() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(), b"abcde");
        assert!(dechunk(b"zz\r\nabc").is_none());
        assert!(dechunk(b"10\r\nabc").is_none());
        assert_eq!(charset_of("text/html; charset=\"iso-8859-1\""), Some("iso-8859-1".into()));
        assert_eq!(charset_of("text/html"), None);
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"%PDF-1.4"));
        assert_eq!(find_record_start(b"xx\nWARC/1.1\r\n"), Some(3));
        assert_eq!(blank_line_end(b"a: b\r\n\r\nrest", 0), Some(8));
        assert_eq!(blank_line_end(b"a: b\n\nrest", 0), Some(6));
    }
}
