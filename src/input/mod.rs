//! Reading inputs: files, directories and stdin, in every supported format.
//!
//! One thread reads (walks directories, decompresses, cuts JSON lines into chunks) and hands
//! [`Chunk`]s to a callback in input order; the caller parses them on as many workers as it
//! likes with [`Chunk::parse`]. Reading is cheap and sequential, parsing JSON is the expensive
//! part, so this split keeps the disk busy and the cores busy without reordering the input.
//!
//! Nothing on the way is fatal once reading has started: every record is either returned as a
//! [`Document`] or counted in [`Messages`] with the reason it was dropped, and the run goes on.
//! Only a command-line path that does not exist, or names a file of an unsupported type, is an
//! error, and it is raised before anything is read.
//!
//! Per-reason behaviour:
//! - a file that cannot be opened or read, a broken link, a FIFO: one `unreadable_file`;
//! - NUL bytes in the first 8 KiB (after decompression): one `binary_file` for the file;
//! - a truncated or corrupt `.gz`/`.zst`: the records before the damage are kept, one
//!   `truncated_stream` names the line (JSON lines), record (CSV) or byte offset reached;
//! - invalid UTF-8: decoded lossily and kept, one `invalid_utf8` warning per record;
//! - a JSON line longer than `max_doc_bytes`, or a one-article file larger than it:
//!   `too_large`, without buffering the line or reading the file.

mod csv;
mod decompress;
mod emit;
mod format;
pub mod html;
mod json_record;
mod jsonl;
mod page;
mod text;
mod walk;
mod warc;

use std::fs::{self, File};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;

use crate::document::Document;
use crate::messages::{Location, Messages, Reason};
use decompress::Counting;
use emit::Emitter;
pub use format::{format_of, supported_extensions, Compression, Format};
pub use jsonl::{Deferred, LineCount, Lines, Place, Range};
pub use page::Page;
use walk::Entry;

/// A file that documents' lines are read back from: its name (for messages) and an open handle.
pub type LineFile = (Arc<str>, Arc<File>);

/// Names of the record fields in JSONL and CSV inputs (`--id-field` etc.).
/// Defaults: id, text, title, url, source, date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldNames {
    pub id: String,
    pub text: String,
    pub title: String,
    pub url: String,
    pub source: String,
    pub date: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            url: "url".into(),
            source: "source".into(),
            date: "date".into(),
        }
    }
}

/// How inputs are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputOptions {
    pub fields: FieldNames,
    /// Records (JSON lines, CSV texts, one-article files) larger than this are dropped.
    pub max_doc_bytes: usize,
}

/// The default for [`InputOptions::max_doc_bytes`]: 16 MiB.
pub const DEFAULT_MAX_DOC_BYTES: usize = 16 << 20;

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions { fields: FieldNames::default(), max_doc_bytes: DEFAULT_MAX_DOC_BYTES }
    }
}

/// An uncompressed JSON lines file, open for reading back, and where a chunk's data starts in
/// it. A scan reads a document's line again from its file when it needs the text, instead of
/// copying every text to a spool: in a large crawl most documents are never needed again.
#[derive(Clone, Debug)]
pub struct LineSource {
    pub file: Arc<File>,
    pub offset: u64,
}

/// A JSON line's place in its file: byte offset and length (without the line break).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineRef {
    pub offset: u64,
    pub len: u32,
}

/// Parses one JSON line read back from its file, as the reader parsed it the first time;
/// `None` when it no longer parses (the file changed).
pub fn reparse_line(raw: &[u8], opts: &InputOptions) -> Option<Document> {
    // Nearly every line is valid UTF-8, which `from_utf8` checks several times faster than
    // `from_utf8_lossy` walks it; the lossy copy is for the rest, as the first reading made it.
    match std::str::from_utf8(raw) {
        Ok(line) => json_record::parse_line(line, &opts.fields).ok(),
        Err(_) => json_record::parse_line(&String::from_utf8_lossy(raw), &opts.fields).ok(),
    }
}

/// Most input files kept open to read lines back from; later files go through the spool, so a
/// corpus of many small files does not run out of file descriptors.
pub const MAX_LINE_SOURCES: usize = 256;

/// A unit of parsing work handed from the single reading thread to parallel workers.
#[derive(Debug)]
pub enum Chunk {
    /// Documents already parsed by the reader (one-article files, CSV rows).
    Documents(Vec<Document>),
    /// A run of complete JSON lines of one file (about 1 MiB), parsed by a worker. `source` is
    /// set when the lines can be read again from the file itself (see [`LineSource`]).
    JsonLines { file: Arc<str>, first_line: u64, data: jsonl::Lines, source: Option<LineSource> },
    /// Whole lines of an uncompressed JSON-lines file (about 1 MiB), read by the worker.
    JsonRange(jsonl::Range),
    /// HTML pages (files or WARC records), main text extracted by a worker.
    Pages(Vec<Page>),
}

impl Chunk {
    /// Parses into documents, appending to `out`; bad records go to `msgs` and are skipped,
    /// except those of a [`Chunk::JsonRange`], whose line numbers wait on the lines before it:
    /// the caller reports them, in input order, with [`Deferred::report`].
    pub fn parse(self, opts: &InputOptions, msgs: &Messages, out: &mut Vec<Document>) -> Option<Deferred> {
        match self {
            Chunk::Documents(docs) => out.extend(docs),
            Chunk::JsonLines { file, first_line, data, .. } => {
                let place = Place { file: &file, first_line, starts_file: first_line == 1 };
                jsonl::parse_chunk(place, &data, opts, msgs, out, None);
            }
            Chunk::JsonRange(range) => return Some(range.parse(opts, msgs, out, None)),
            Chunk::Pages(pages) => out.extend(pages.into_iter().filter_map(|p| p.into_document(msgs))),
        }
        None
    }

    /// As [`Chunk::parse`]; for JSON lines that can be read again from their file, also returns
    /// that file (its name and an open handle) and, in `at`, where each document's line lies in
    /// it (one entry per document appended to `out`).
    pub fn parse_located(
        self,
        opts: &InputOptions,
        msgs: &Messages,
        out: &mut Vec<Document>,
        at: &mut Vec<LineRef>,
    ) -> (Option<LineFile>, Option<Deferred>) {
        at.clear();
        let (name, source, deferred) = match self {
            Chunk::JsonLines { file, first_line, data, source: Some(source) } => {
                jsonl::parse_chunk(
                    Place { file: &file, first_line, starts_file: first_line == 1 },
                    &data,
                    opts,
                    msgs,
                    out,
                    Some(at),
                );
                (file, source, None)
            }
            Chunk::JsonRange(range) => {
                let (name, source) = range.source();
                let (name, source) = (Arc::clone(name), source.clone());
                let deferred = range.parse(opts, msgs, out, Some(at));
                (name, source, Some(deferred))
            }
            other => return (None, other.parse(opts, msgs, out)),
        };
        for r in at.iter_mut() {
            r.offset += source.offset;
        }
        (Some((name, source.file)), deferred)
    }

    /// Input bytes the chunk carries (text, JSON lines or raw HTML), for progress.
    pub fn len_bytes(&self) -> u64 {
        match self {
            Chunk::Documents(d) => d.iter().map(|d| d.text.len() as u64).sum(),
            Chunk::JsonLines { data, .. } => data.len() as u64,
            Chunk::JsonRange(range) => range.len() as u64,
            Chunk::Pages(p) => p.iter().map(|p| p.len() as u64).sum(),
        }
    }
}

/// What the reader went through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Files opened for reading (stdin counts as one).
    pub files: u64,
    /// Uncompressed bytes read.
    pub bytes: u64,
}

/// One file being read, with what every format reader needs to report problems.
struct FileSource<'a> {
    /// The path as shown in messages.
    name: Arc<str>,
    /// The document id for one-article files.
    id: String,
    format: Format,
    compression: Compression,
    opts: &'a InputOptions,
    msgs: &'a Messages,
    /// The file again, open for reading lines back (uncompressed JSON lines only).
    lines: Option<Arc<File>>,
}

/// Reads every path in order (directories recursively, sorted by name so runs are
/// deterministic; "-" = JSONL from stdin), calling `send` for each chunk in input order. `send`
/// returns false to stop early (Ctrl-C).
///
/// Fatal errors only for a path given on the command line that does not exist or has an
/// unsupported extension; everything per-file or per-record goes to `msgs` and the run goes on.
pub fn read_paths(
    paths: &[PathBuf],
    opts: &InputOptions,
    msgs: &Messages,
    send: &mut dyn FnMut(Chunk) -> bool,
) -> anyhow::Result<InputStats> {
    for path in paths {
        check_root(path)?;
    }
    let mut emit = Emitter::new(send);
    let mut stats = InputStats::default();
    let mut line_sources = 0;
    for root in paths {
        if root.as_os_str() == "-" {
            let src = FileSource {
                name: Arc::from("<stdin>"),
                id: String::new(),
                format: Format::JsonLines,
                compression: Compression::None,
                opts,
                msgs,
                lines: None,
            };
            read_stream(&src, Box::new(std::io::stdin().lock()), &mut emit, &mut stats);
            continue;
        }
        for entry in walk::walk(root) {
            if emit.stopped() {
                return Ok(stats);
            }
            match entry {
                Entry::File { path, id, format, compression } => {
                    let rereadable = format == Format::JsonLines && compression == Compression::None;
                    let lines = if rereadable && line_sources < MAX_LINE_SOURCES {
                        File::open(&path).ok().filter(|f| f.metadata().is_ok_and(|m| m.is_file())).map(Arc::new)
                    } else {
                        None
                    };
                    line_sources += lines.is_some() as usize;
                    let name = Arc::from(path.to_string_lossy());
                    let src = FileSource { name, id, format, compression, opts, msgs, lines };
                    read_file(&src, &path, &mut emit, &mut stats);
                }
                Entry::Unsupported(path) => msgs.skip(
                    Reason::UnsupportedFormat,
                    &Location::file(path.to_string_lossy()),
                    format_args!("not read; supported: {}", supported_extensions()),
                ),
                Entry::Unreadable { path, error } => {
                    msgs.skip(Reason::UnreadableFile, &Location::file(path.to_string_lossy()), error)
                }
            }
        }
    }
    emit.flush();
    Ok(stats)
}

/// Convenience for tests and small callers: everything parsed into one Vec, in input order.
pub fn read_all(paths: &[PathBuf], opts: &InputOptions, msgs: &Messages) -> anyhow::Result<Vec<Document>> {
    let mut out = Vec::new();
    let mut lines = LineCount::default();
    read_paths(paths, opts, msgs, &mut |chunk| {
        if let Some(deferred) = chunk.parse(opts, msgs, &mut out) {
            deferred.report(msgs, &mut lines);
        }
        true
    })?;
    Ok(out)
}

/// Reads one in-memory file of `format` named `name` (for messages and as the id of a
/// one-article file), every HTML page extracted. For library callers with data in hand, and for
/// the fuzz targets in `fuzz/`.
pub fn read_bytes(name: &str, format: Format, data: &[u8], opts: &InputOptions, msgs: &Messages) -> Vec<Document> {
    let src = FileSource {
        name: Arc::from(name),
        id: name.to_string(),
        format,
        compression: Compression::None,
        opts,
        msgs,
        lines: None,
    };
    let mut chunks = Vec::new();
    let mut send = |c: Chunk| {
        chunks.push(c);
        true
    };
    let mut emit = Emitter::new(&mut send);
    read_stream(&src, Box::new(data), &mut emit, &mut InputStats::default());
    emit.flush();
    let mut out = Vec::new();
    let mut lines = LineCount::default();
    for c in chunks {
        if let Some(deferred) = c.parse(opts, msgs, &mut out) {
            deferred.report(msgs, &mut lines);
        }
    }
    out
}

/// Refuses a command-line path that cannot be read at all, before any work is done.
fn check_root(path: &Path) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => bail!("input {}: cannot access: {e}", path.display()),
    };
    if !meta.is_dir() && format_of(path).is_none() {
        bail!("input {}: unsupported file type; reprint reads {}", path.display(), supported_extensions());
    }
    Ok(())
}

fn read_file(src: &FileSource, path: &Path, emit: &mut Emitter, stats: &mut InputStats) {
    let one_article = matches!(src.format, Format::PlainText | Format::Markdown | Format::Html);
    if one_article && src.compression == Compression::None {
        match fs::metadata(path) {
            Ok(m) if m.len() > src.opts.max_doc_bytes as u64 => {
                src.msgs.skip(
                    Reason::TooLarge,
                    &Location::file(&*src.name),
                    format_args!("file of {} bytes is larger than {}", m.len(), src.opts.max_doc_bytes),
                );
                return;
            }
            Ok(_) => {}
            Err(e) => {
                src.msgs.skip(Reason::UnreadableFile, &Location::file(&*src.name), format_args!("cannot access: {e}"));
                return;
            }
        }
    }
    match decompress::open(path, src.compression) {
        Ok(reader) => read_stream(src, reader, emit, stats),
        Err(e) => src.msgs.skip(Reason::UnreadableFile, &Location::file(&*src.name), format_args!("cannot open: {e}")),
    }
}

/// Sniffs the uncompressed stream for binary content, then hands it to the format's reader.
fn read_stream(src: &FileSource, reader: Box<dyn Read + '_>, emit: &mut Emitter, stats: &mut InputStats) {
    stats.files += 1;
    let mut counted = Counting::new(reader);
    // A stream that fails within its first 8 KiB (a small truncated file) still has records
    // before the damage: the error is replayed after the bytes that were read.
    let (prefix, early_error) = decompress::read_prefix(&mut counted);
    // A WARC holds images and other binary payloads; it checks its own framing instead.
    if src.format != Format::Warc && decompress::is_binary(&prefix) {
        stats.bytes += counted.count;
        src.msgs.skip(Reason::BinaryFile, &Location::file(&*src.name), "NUL bytes in the first 8 KiB; not a text file");
        return;
    }
    let rest: Box<dyn Read + '_> = match early_error {
        Some(e) => Box::new(decompress::Failing(Some(e))),
        None => Box::new(&mut counted),
    };
    let mut whole = Cursor::new(prefix).chain(rest);
    match src.format {
        Format::PlainText | Format::Markdown => {
            if let Some(doc) = text::read(src, &mut whole) {
                emit.document(doc);
            }
        }
        Format::JsonLines => match &src.lines {
            // A file that can be read again at any offset is read by the workers, range by range.
            Some(file) => {
                drop(whole);
                stats.bytes += jsonl::split(src, file, emit);
                return;
            }
            None => jsonl::stream(src, &mut whole, emit),
        },
        Format::Csv => csv::read(src, &mut whole, emit),
        Format::Html => {
            if let Some(bytes) = text::read_capped(src, &mut whole) {
                let page = Page {
                    loc: Location::file(&*src.name),
                    id: src.id.clone(),
                    url: String::new(),
                    date: String::new(),
                    charset: None,
                    bytes,
                };
                emit.page(page);
            }
        }
        Format::Warc => warc::read(src, &mut whole, emit),
    }
    drop(whole);
    stats.bytes += counted.count;
}
