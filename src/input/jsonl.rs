//! JSON lines: the reading thread cuts the stream into chunks of whole lines, workers parse them.
//!
//! The reader never parses JSON: it only finds line breaks (memchr), so one thread can feed many
//! parsers. Memory stays bounded by the chunk size plus `max_doc_bytes`, whatever the file size:
//! a line that grows past the limit is dropped while streaming, without being buffered whole.
//!
//! A chunk's buffer goes back to the reader once parsed ([`Lines`]) and is filled again: a fresh
//! megabyte per chunk would be faulted in and zeroed by the kernel, then zeroed again before
//! each read, for every megabyte of the input.
//!
//! An uncompressed file is not streamed: [`split`] cuts it into ranges of whole lines by looking
//! for a line break near each cut only, and each worker reads its range itself ([`Range`]), so
//! the input is copied out of the page cache once, by the core that parses it, into that core's
//! cache. The lines before a range are only counted once it is parsed, so the problems it meets
//! are held and numbered in input order later ([`Deferred`]).

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::ops::Deref;
use std::os::unix::fs::FileExt;
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

impl Lines {
    /// `len` bytes of `file` from `offset`, into a buffer given back earlier if there is one.
    fn read(spare: &Spare, file: &File, offset: u64, len: usize) -> std::io::Result<Lines> {
        let reused = spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut bytes = reused.unwrap_or_default();
        if bytes.len() < len {
            bytes.resize(len, 0);
        }
        bytes.truncate(len);
        let mut lines = Lines { bytes, spare: Some(Arc::clone(spare)) };
        file.read_exact_at(&mut lines.bytes, offset)?;
        Ok(lines)
    }
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
                Some(l) => too_long(src.msgs, &src.name, l, src.opts.max_doc_bytes),
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
                    too_long(src.msgs, &src.name, l, src.opts.max_doc_bytes);
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

/// Bytes read at a time while looking for the line break that ends a range.
const PROBE_BYTES: usize = 64 * 1024;

/// Whole lines of an uncompressed JSON-lines file, which the worker that parses them reads
/// itself (see [`split`]).
pub struct Range {
    name: Arc<str>,
    source: LineSource,
    len: usize,
    /// The range starts the file: its first line is line 1 and may open with a byte-order mark.
    starts_file: bool,
    /// One line longer than `max_doc_bytes`, not read: reported, not parsed.
    too_long: bool,
    spare: Spare,
}

impl std::fmt::Debug for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Range({}, {} bytes at {})", self.name, self.len, self.source.offset)
    }
}

/// What parsing a [`Range`] leaves to report in input order: its problems, their lines numbered
/// from the range's first, and how many lines it has.
#[must_use = "the problems of a range are only reported by Deferred::report"]
pub struct Deferred {
    starts_file: bool,
    lines: u64,
    held: Messages,
}

/// Lines of a file counted so far, range after range, in input order.
#[derive(Debug, Default)]
pub struct LineCount(u64);

impl Deferred {
    /// Reports the range's problems to `msgs` at their lines in the file; `count` holds the
    /// lines of the ranges before it and goes past this one's.
    pub fn report(self, msgs: &Messages, count: &mut LineCount) {
        if self.starts_file {
            count.0 = 0;
        }
        self.held.release(msgs, count.0);
        count.0 += self.lines;
    }
}

impl Range {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file the range is part of, and where it starts in it.
    pub fn source(&self) -> (&Arc<str>, &LineSource) {
        (&self.name, &self.source)
    }

    /// Reads the range and parses its lines into `out` (with, in `at`, where each document's
    /// line lies in the range). A read that fails (the file shrank during the scan) is reported
    /// at once; every other problem is held in the returned [`Deferred`].
    pub fn parse(
        self,
        opts: &InputOptions,
        msgs: &Messages,
        out: &mut Vec<Document>,
        at: Option<&mut Vec<LineRef>>,
    ) -> Deferred {
        let held = Messages::held();
        let starts_file = self.starts_file;
        if self.too_long {
            too_long(&held, &self.name, 1, opts.max_doc_bytes);
            return Deferred { starts_file, lines: 1, held };
        }
        match Lines::read(&self.spare, &self.source.file, self.source.offset, self.len) {
            Ok(data) => {
                let lines =
                    parse_chunk(Place { file: &self.name, first_line: 1, starts_file }, &data, opts, &held, out, at);
                Deferred { starts_file, lines, held }
            }
            Err(e) => {
                msgs.skip(
                    Reason::TruncatedStream,
                    &Location::byte(&*self.name, self.source.offset),
                    format_args!(
                        "{} bytes from here could not be read, the file changed during the scan: {e}",
                        self.len
                    ),
                );
                Deferred { starts_file, lines: 0, held }
            }
        }
    }
}

/// Where the search for a line break ended.
enum Found {
    /// A line break at this offset.
    Break(u64),
    /// The end of the file at this offset, without a line break before it.
    End(u64),
    /// Neither within the distance looked at.
    Neither,
}

/// Bytes read first when looking for a line break: most lines are shorter, and what is read
/// here is read again by the worker.
const FIRST_PROBE_BYTES: usize = 4096;

/// The first line break of `file` at or after `from`, looking at most `within` bytes ahead,
/// reading twice as much each time up to all of `probe`.
fn find_break(file: &File, from: u64, within: u64, probe: &mut [u8]) -> std::io::Result<Found> {
    let mut at = from;
    let mut size = FIRST_PROBE_BYTES.min(probe.len());
    while at - from < within {
        let window = &mut probe[..size];
        let n = match file.read_at(window, at) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(Found::End(at));
        }
        if let Some(i) = memchr::memchr(b'\n', &window[..n]) {
            return Ok(Found::Break(at + i as u64));
        }
        at += n as u64;
        size = (2 * size).min(probe.len());
    }
    Ok(Found::Neither)
}

/// Where the line holding byte `at` starts: after the last line break before `at`, or at
/// `floor` if there is none from `floor` on.
fn line_start(file: &File, floor: u64, at: u64, probe: &mut [u8]) -> std::io::Result<u64> {
    let mut end = at;
    while end > floor {
        let start = end.saturating_sub(probe.len() as u64).max(floor);
        let window = &mut probe[..(end - start) as usize];
        file.read_exact_at(window, start)?;
        if let Some(i) = memchr::memrchr(b'\n', window) {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(floor)
}

/// Cuts the uncompressed JSON-lines `file` into [`Range`]s of whole lines of about
/// [`CHUNK_BYTES`], reading only around each cut; a line longer than `max_doc_bytes` across a
/// cut gets a range of its own, reported and not read. Returns the bytes the ranges cover.
pub fn split(src: &FileSource, file: &Arc<File>, emit: &mut Emitter) -> u64 {
    let max = src.opts.max_doc_bytes as u64;
    let spare: Spare = Arc::default();
    let mut probe = vec![0u8; PROBE_BYTES];
    let mut start = 0u64;
    let send = |emit: &mut Emitter, start: u64, end: u64, too_long: bool| {
        let range = Range {
            name: Arc::clone(&src.name),
            source: LineSource { file: Arc::clone(file), offset: start },
            len: (end - start) as usize,
            starts_file: start == 0,
            too_long,
            spare: Arc::clone(&spare),
        };
        emit.chunk(Chunk::JsonRange(range));
    };
    let failed = |at: u64, e: std::io::Error| {
        src.msgs.skip(
            Reason::UnreadableFile,
            &Location::byte(&*src.name, at),
            format_args!("read failed; the rest of the file is lost: {e}"),
        );
    };
    // The file as it is now: lines appended during the scan are not read.
    let size = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => {
            failed(0, e);
            return 0;
        }
    };
    while !emit.stopped() {
        let cut = start + CHUNK_BYTES as u64;
        if cut >= size {
            if size > start {
                send(emit, start, size, false);
            }
            return size;
        }
        // One byte of slack for a `\r` before the line break, as when streaming.
        match find_break(file, cut, max.saturating_add(2), &mut probe) {
            Ok(Found::Break(at)) => {
                send(emit, start, at + 1, false);
                start = at + 1;
            }
            Ok(Found::End(end)) => {
                if end > start {
                    send(emit, start, end, false);
                }
                return end;
            }
            Ok(Found::Neither) => {
                // The line across the cut is too long: the range ends before it, and the line
                // is skipped to its end, however far that is.
                let long = match line_start(file, start, cut, &mut probe) {
                    Ok(at) => at,
                    Err(e) => {
                        failed(cut, e);
                        return start;
                    }
                };
                if long > start {
                    send(emit, start, long, false);
                }
                match find_break(file, cut, u64::MAX, &mut probe) {
                    Ok(Found::Break(at)) => {
                        send(emit, long, at + 1, true);
                        start = at + 1;
                    }
                    Ok(Found::End(end)) => {
                        send(emit, long, end, true);
                        return end;
                    }
                    // Not without a limit on the distance.
                    Ok(Found::Neither) => return long,
                    Err(e) => {
                        failed(cut, e);
                        return long;
                    }
                }
            }
            Err(e) => {
                failed(cut, e);
                return start;
            }
        }
    }
    start
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

/// Reports line `line` of `file`, dropped unread for being longer than `max` bytes.
fn too_long(msgs: &Messages, file: &str, line: u64, max: usize) {
    msgs.skip(Reason::TooLarge, &Location::line(file, line), format_args!("line longer than {max} bytes"));
}

/// Where a run of lines lies, for messages: its file, the number of its first line, and
/// whether it starts the file (a byte-order mark may open it there, and only there).
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub file: &'a str,
    pub first_line: u64,
    pub starts_file: bool,
}

/// Parses the lines of a chunk, appending documents to `out` and reporting the rest.
/// Returns the number of lines gone through (a last one without a line break included).
pub fn parse_chunk(
    place: Place,
    data: &[u8],
    opts: &InputOptions,
    msgs: &Messages,
    out: &mut Vec<Document>,
    mut at: Option<&mut Vec<LineRef>>,
) -> u64 {
    let Place { file, first_line, starts_file } = place;
    // A byte-order mark before the first record is not part of the JSON.
    let mut start = if starts_file && data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
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
    line - first_line
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

    fn parse(msgs: &Messages, out: &mut Vec<Document>, place: Place, data: &[u8]) {
        parse_chunk(place, data, &InputOptions::default(), msgs, out, None);
    }

    fn run(data: &str) -> (Vec<Document>, Messages) {
        let msgs = Messages::silent();
        let mut out = Vec::new();
        parse(&msgs, &mut out, Place { file: "f.jsonl", first_line: 10, starts_file: false }, data.as_bytes());
        (out, msgs)
    }

    #[test]
    fn the_lines_gone_through_are_counted_with_or_without_a_last_break() {
        let (msgs, place) = (Messages::silent(), Place { file: "f", first_line: 7, starts_file: false });
        let lines = |data: &[u8]| parse_chunk(place, data, &InputOptions::default(), &msgs, &mut Vec::new(), None);
        assert_eq!(lines(b"{\"id\":1,\"text\":\"a\"}\n\n{bad\n"), 3);
        assert_eq!(lines(b"{\"id\":1,\"text\":\"a\"}\r\n{bad"), 2);
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
        parse(&msgs, &mut out, Place { file: "f", first_line: 1, starts_file: true }, data);
        assert_eq!(out.len(), 1);
        assert!(!msgs.has_problems());
        // Not at the start of the file: the line is malformed.
        parse(&msgs, &mut out, Place { file: "f", first_line: 5, starts_file: false }, data);
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
        parse(&msgs, &mut out, Place { file: "f", first_line: 1, starts_file: true }, data);
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
