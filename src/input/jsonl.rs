//! JSON lines: the reading thread cuts the stream into chunks of whole lines, workers parse them.
//!
//! The reader never parses JSON: it only finds line breaks (memchr), so one thread can feed many
//! parsers. Memory stays bounded by the chunk size plus `max_doc_bytes`, whatever the file size:
//! a line that grows past the limit is dropped while streaming, without being buffered whole.
//!
//! A chunk's buffer goes back to the reader once parsed ([`Lines`]) and is filled again: a fresh
//! megabyte per chunk would be faulted in and zeroed by the kernel, then zeroed again before
//! each read, for every megabyte of the input.

use std::io::{ErrorKind, Read};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use super::decompress::{classify, describe};
use super::emit::Emitter;
use super::json_record::parse_line;
use super::{Chunk, FileSource, InputOptions, LineRef, LineSource};
use crate::document::Document;
use crate::messages::{Location, Messages, Reason};

/// A chunk is sent once this many bytes of whole lines are buffered.
pub const CHUNK_BYTES: usize = 1 << 20;
/// Bytes asked of the decoder per read.
const READ_BYTES: usize = 256 * 1024;
/// Parsed chunks' buffers kept for reuse; more than the chunks in flight is never needed.
const MAX_SPARE: usize = 16;

/// Buffers given back by parsed chunks, for the reader to fill again.
type Spare = Arc<Mutex<Vec<Vec<u8>>>>;

/// The bytes of a [`Chunk::JsonLines`]: whole lines. Dropped, the buffer returns to the reader
/// that filled it.
pub struct Lines {
    bytes: Vec<u8>,
    spare: Option<Spare>,
}

impl From<Vec<u8>> for Lines {
    /// Lines not read by [`stream`] (tests, benches): their buffer is simply freed.
    fn from(bytes: Vec<u8>) -> Lines {
        Lines { bytes, spare: None }
    }
}

impl Deref for Lines {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lines({} bytes)", self.bytes.len())
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        if let Some(spare) = &self.spare {
            let mut spare = spare.lock().unwrap_or_else(|e| e.into_inner());
            if spare.len() < MAX_SPARE {
                spare.push(std::mem::take(&mut self.bytes));
            }
        }
    }
}

/// The reader's buffer: `bytes[..filled]` is data read and not yet sent. The bytes past
/// `filled`, up to `bytes.len()`, are initialised from an earlier use and are read into without
/// being zeroed again; only growing past them zeroes.
struct Buffer {
    bytes: Vec<u8>,
    filled: usize,
    spare: Spare,
}

impl Buffer {
    fn new() -> Buffer {
        let spare: Spare = Arc::default();
        Buffer { bytes: Vec::with_capacity(CHUNK_BYTES + READ_BYTES), filled: 0, spare }
    }

    fn data(&self) -> &[u8] {
        &self.bytes[..self.filled]
    }

    /// Room for `READ_BYTES` more after the data.
    fn room(&mut self) -> &mut [u8] {
        let end = self.filled + READ_BYTES;
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        &mut self.bytes[self.filled..end]
    }

    /// Drops the data before `at`, keeping what follows at the start.
    fn consume(&mut self, at: usize) {
        self.bytes.copy_within(at..self.filled, 0);
        self.filled -= at;
    }

    /// The data before `end` as [`Lines`]; what follows moves to the start of a buffer given
    /// back by an earlier chunk, or a new one.
    fn split_off(&mut self, end: usize) -> Lines {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut next = spare.unwrap_or_else(|| Vec::with_capacity(CHUNK_BYTES + READ_BYTES));
        let rest = self.filled - end;
        if next.len() < rest {
            next.resize(rest, 0);
        }
        next[..rest].copy_from_slice(&self.bytes[end..self.filled]);
        let mut bytes = std::mem::replace(&mut self.bytes, next);
        bytes.truncate(end);
        self.filled = rest;
        Lines { bytes, spare: Some(Arc::clone(&self.spare)) }
    }
}

/// Streams `reader` into [`Chunk::JsonLines`], reporting over-long lines and read errors.
pub fn stream(src: &FileSource, reader: &mut dyn Read, emit: &mut Emitter) {
    let max = src.opts.max_doc_bytes;
    let mut buf = Buffer::new();
    // Line number of the first line in `buf`.
    let mut line = 1u64;
    // Start of the last, still incomplete, line in `buf`.
    let mut tail = 0usize;
    // The line being dropped for length, while its end is looked for.
    let mut skipping: Option<u64> = None;
    let mut offset = 0u64;
    loop {
        if emit.stopped() {
            return;
        }
        let old = buf.filled;
        let n = match reader.read(buf.room()) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(err) => {
                let at = match skipping {
                    Some(l) => l,
                    None => line + send_lines(src, &mut buf, tail, line, offset, emit),
                };
                let reason = classify(&err, src.compression);
                let what = describe(src.compression);
                src.msgs.skip(
                    reason,
                    &Location::line(&*src.name, at),
                    format_args!("{what} after {offset} uncompressed bytes; line {at} and after lost: {err}"),
                );
                return;
            }
        };
        buf.filled += n;
        offset += n as u64;
        if n == 0 {
            match skipping {
                Some(l) => too_long(src, l),
                None => {
                    let len = buf.filled;
                    send_lines(src, &mut buf, len, line, offset, emit);
                }
            }
            return;
        }
        if let Some(l) = skipping {
            match memchr::memchr(b'\n', buf.data()) {
                Some(i) => {
                    too_long(src, l);
                    skipping = None;
                    line = l + 1;
                    buf.consume(i + 1);
                    tail = 0;
                    // Fall through: the rest of `buf` is fresh data to look at.
                }
                None => {
                    buf.filled = 0;
                    continue;
                }
            }
        }
        // Only the new bytes can hold a later line break (after skipping, `old` is 0).
        if let Some(i) = memchr::memrchr(b'\n', &buf.data()[old..]) {
            tail = old + i + 1;
        }
        // One byte of slack for a `\r` before the line break; `parse` checks the exact length.
        if buf.filled - tail > max.saturating_add(1) {
            let sent = send_lines(src, &mut buf, tail, line, offset, emit);
            skipping = Some(line + sent);
            line += sent;
            buf.filled = 0;
            tail = 0;
        } else if tail >= CHUNK_BYTES {
            line += send_lines(src, &mut buf, tail, line, offset, emit);
            tail = 0;
        }
    }
}

/// Sends `buf`'s data before `end` (whole lines) as a chunk, keeps the rest in `buf`, and
/// returns the number of line breaks sent. `read` is the number of bytes read from the stream
/// so far: `buf` holds the last of them.
fn send_lines(src: &FileSource, buf: &mut Buffer, end: usize, line: u64, read: u64, emit: &mut Emitter) -> u64 {
    if end == 0 {
        return 0;
    }
    let offset = read - buf.filled as u64;
    let source = src.lines.as_ref().map(|file| LineSource { file: Arc::clone(file), offset });
    let data = buf.split_off(end);
    let breaks = memchr::memchr_iter(b'\n', &data).count() as u64;
    emit.chunk(Chunk::JsonLines { file: Arc::clone(&src.name), first_line: line, data, source });
    breaks
}

fn too_long(src: &FileSource, line: u64) {
    src.msgs.skip(
        Reason::TooLarge,
        &Location::line(&*src.name, line),
        format_args!("line longer than {} bytes", src.opts.max_doc_bytes),
    );
}

/// Parses the lines of a chunk, appending documents to `out` and reporting the rest.
pub fn parse_chunk(
    file: &str,
    first_line: u64,
    data: &[u8],
    opts: &InputOptions,
    msgs: &Messages,
    out: &mut Vec<Document>,
    mut at: Option<&mut Vec<LineRef>>,
) {
    // A byte-order mark before the first record is not part of the JSON.
    let mut start = if first_line == 1 && data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut line = first_line;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let raw = &data[start..end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let before = out.len();
        parse_one(file, line, raw, opts, msgs, out);
        if let Some(at) = at.as_deref_mut() {
            if out.len() > before {
                at.push(LineRef { offset: start as u64, len: raw.len() as u32 });
            }
        }
        start = end + 1;
        line += 1;
    }
}

fn parse_one(file: &str, line: u64, raw: &[u8], opts: &InputOptions, msgs: &Messages, out: &mut Vec<Document>) {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    if raw.len() > opts.max_doc_bytes {
        msgs.skip(
            Reason::TooLarge,
            &Location::line(file, line),
            format_args!("line of {} bytes is longer than {}", raw.len(), opts.max_doc_bytes),
        );
        return;
    }
    let lossy;
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s,
        Err(_) => {
            msgs.warn(Reason::InvalidUtf8, &Location::line(file, line), "invalid UTF-8 replaced with U+FFFD");
            lossy = String::from_utf8_lossy(raw);
            &lossy
        }
    };
    match parse_line(text, &opts.fields) {
        Ok(doc) => out.push(doc),
        Err(rejected) => msgs.skip(rejected.reason, &Location::line(file, line), rejected.detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(data: &str) -> (Vec<Document>, Messages) {
        let msgs = Messages::silent();
        let mut out = Vec::new();
        parse_chunk("f.jsonl", 10, data.as_bytes(), &InputOptions::default(), &msgs, &mut out, None);
        (out, msgs)
    }

    #[test]
    fn blank_lines_are_not_records() {
        let (docs, msgs) = run("\n{\"id\":1,\"text\":\"a\"}\n   \n\r\n{\"id\":2,\"text\":\"b\"}");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].id, "2");
        assert!(!msgs.has_problems());
    }

    #[test]
    fn bom_before_first_line_is_ignored() {
        let msgs = Messages::silent();
        let mut out = Vec::new();
        let data = b"\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\n";
        parse_chunk("f", 1, data, &InputOptions::default(), &msgs, &mut out, None);
        assert_eq!(out.len(), 1);
        assert!(!msgs.has_problems());
        // Not at the start of the file: the line is malformed.
        parse_chunk("f", 5, data, &InputOptions::default(), &msgs, &mut out, None);
        assert_eq!(msgs.count(Reason::MalformedJson), 1);
    }

    #[test]
    fn line_numbers_count_from_first_line() {
        let (docs, msgs) = run("{\"id\":1,\"text\":\"a\"}\n\n{bad\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(msgs.count(Reason::MalformedJson), 1);
        assert!(msgs.examples()[0].starts_with("f.jsonl:12: "), "{:?}", msgs.examples());
    }

    #[test]
    fn invalid_utf8_is_kept_with_a_warning() {
        let msgs = Messages::silent();
        let mut out = Vec::new();
        let data = b"{\"id\":\"x\",\"text\":\"caf\xe9 au lait\"}\n";
        parse_chunk("f", 1, data, &InputOptions::default(), &msgs, &mut out, None);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "caf\u{fffd} au lait");
        assert_eq!(msgs.count(Reason::InvalidUtf8), 1);
        assert_eq!(msgs.dropped(), 0);
    }

    /// Fills `buf` with `bytes`, as reads do.
    fn fill(buf: &mut Buffer, bytes: &[u8]) {
        buf.room()[..bytes.len()].copy_from_slice(bytes);
        buf.filled += bytes.len();
    }

    #[test]
    fn a_parsed_chunk_buffer_is_filled_again_without_its_old_bytes() {
        let mut buf = Buffer::new();
        fill(&mut buf, b"a long first line\nrest");
        let first = buf.split_off(18);
        assert_eq!(&*first, b"a long first line\n");
        assert_eq!(buf.data(), b"rest");
        let reused = first.as_ptr();
        drop(first);
        // The next split moves the rest into the buffer given back, over its old bytes.
        fill(&mut buf, b"\nx");
        let second = buf.split_off(5);
        assert_eq!(&*second, b"rest\n");
        assert_eq!(buf.data(), b"x");
        assert_eq!(buf.bytes.as_ptr(), reused);
        fill(&mut buf, b"y\n");
        assert_eq!(&*buf.split_off(3), b"xy\n");
        assert!(buf.data().is_empty());
        // Lines not from a reader are only freed.
        drop(Lines::from(b"z\n".to_vec()));
        assert_eq!(buf.spare.lock().unwrap().len(), 1);
    }

    #[test]
    fn dropping_a_long_line_keeps_what_follows() {
        let mut buf = Buffer::new();
        fill(&mut buf, b"end of a long line\nnext\n");
        buf.consume(19);
        assert_eq!(buf.data(), b"next\n");
    }
}
