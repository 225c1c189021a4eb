//! JSON lines: the reading thread cuts the stream into chunks of whole lines, workers parse them.
//!
//! The reader never parses JSON: it only finds line breaks (memchr), so one thread can feed many
//! parsers. Memory stays bounded by the chunk size plus `max_doc_bytes`, whatever the file size:
//! a line that grows past the limit is dropped while streaming, without being buffered whole.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

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

/// Streams `reader` into [`Chunk::JsonLines`], reporting over-long lines and read errors.
pub fn stream(src: &FileSource, reader: &mut dyn Read, emit: &mut Emitter) {
    let max = src.opts.max_doc_bytes;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + READ_BYTES);
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
        let old = buf.len();
        buf.resize(old + READ_BYTES, 0);
        let n = match reader.read(&mut buf[old..]) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {
                buf.truncate(old);
                continue;
            }
            Err(err) => {
                buf.truncate(old);
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
        buf.truncate(old + n);
        offset += n as u64;
        if n == 0 {
            match skipping {
                Some(l) => too_long(src, l),
                None => {
                    let len = buf.len();
                    send_lines(src, &mut buf, len, line, offset, emit);
                }
            }
            return;
        }
        if let Some(l) = skipping {
            match memchr::memchr(b'\n', &buf) {
                Some(i) => {
                    too_long(src, l);
                    skipping = None;
                    line = l + 1;
                    buf.drain(..=i);
                    tail = 0;
                    // Fall through: the rest of `buf` is fresh data to look at.
                }
                None => {
                    buf.clear();
                    continue;
                }
            }
        }
        // Only the new bytes can hold a later line break (after skipping, `old` is 0).
        if let Some(i) = memchr::memrchr(b'\n', &buf[old..]) {
            tail = old + i + 1;
        }
        // One byte of slack for a `\r` before the line break; `parse` checks the exact length.
        if buf.len() - tail > max.saturating_add(1) {
            let sent = send_lines(src, &mut buf, tail, line, offset, emit);
            skipping = Some(line + sent);
            line += sent;
            buf.clear();
            tail = 0;
        } else if tail >= CHUNK_BYTES {
            line += send_lines(src, &mut buf, tail, line, offset, emit);
            tail = 0;
        }
    }
}

/// Sends `buf[..end]` (whole lines) as a chunk, keeps the rest in `buf`, and returns the number
/// of line breaks sent. `read` is the number of bytes read from the stream so far: `buf` holds
/// the last of them.
fn send_lines(src: &FileSource, buf: &mut Vec<u8>, end: usize, line: u64, read: u64, emit: &mut Emitter) -> u64 {
    if end == 0 {
        return 0;
    }
    let offset = read - buf.len() as u64;
    let source = src.lines.as_ref().map(|file| LineSource { file: Arc::clone(file), offset });
    // The next buffer is allocated at its full size at once, not grown (and copied) read by read.
    let mut rest = Vec::with_capacity(buf.capacity().max(CHUNK_BYTES + READ_BYTES));
    rest.extend_from_slice(&buf[end..]);
    buf.truncate(end);
    let data = std::mem::replace(buf, rest);
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
}
