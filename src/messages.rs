//! Per-record problems: counted by reason, the first few printed, none of them fatal.
//!
//! Every input record ends up either scanned or here, so the totals in `summary.json` always add
//! up. A reader reports a problem with [`Messages::skip`] (the record was dropped) or
//! [`Messages::warn`] (the record was kept, e.g. after lossy UTF-8 decoding). Under `--strict`
//! the caller turns a non-zero count into a failing exit code at the end of the run.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::Serialize;

/// Why a record or file was not scanned as it came, one name per cause as it appears in
/// `summary.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A JSON line that does not parse, or is not an object.
    MalformedJson,
    /// A CSV row that the CSV parser rejects.
    MalformedCsv,
    /// A record without the configured text field (or id field).
    MissingField,
    /// A record whose text is empty or only whitespace.
    EmptyText,
    /// A record larger than `--max-doc-bytes`.
    TooLarge,
    /// A file that looks binary (NUL bytes) although its extension says text.
    BinaryFile,
    /// A file that could not be opened or read.
    UnreadableFile,
    /// A compressed stream that ends early or is corrupt; the records before the damage are kept.
    TruncatedStream,
    /// A file inside a directory whose extension reprint does not read.
    UnsupportedFormat,
    /// A malformed WARC record (bad header, wrong Content-Length).
    MalformedWarc,
    /// An HTML page the extractor failed on (a bug in it, caught and counted per page).
    ExtractionFailed,
    /// A WARC response or resource that is not an HTML or text page (an image, a PDF, a
    /// redirect, an error page). Counted so that the totals add up, but not printed and not a
    /// problem under `--strict`: every crawl is full of them.
    NotAPage,
    /// Kept, but invalid UTF-8 was replaced with U+FFFD.
    InvalidUtf8,
    /// Kept, but the id was already taken; the later record got a `#2`, `#3`... suffix.
    DuplicateId,
}

impl Reason {
    /// True when the record is dropped; false for warnings about records that are still scanned.
    pub fn drops_record(self) -> bool {
        !matches!(self, Reason::InvalidUtf8 | Reason::DuplicateId)
    }

    /// True for what the user should hear about (and `--strict` fails on); false for records
    /// that are expected to be dropped, such as the images in a crawl.
    pub fn is_problem(self) -> bool {
        !matches!(self, Reason::NotAPage)
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::MalformedJson => "malformed_json",
            Reason::MalformedCsv => "malformed_csv",
            Reason::MissingField => "missing_field",
            Reason::EmptyText => "empty_text",
            Reason::TooLarge => "too_large",
            Reason::BinaryFile => "binary_file",
            Reason::UnreadableFile => "unreadable_file",
            Reason::TruncatedStream => "truncated_stream",
            Reason::UnsupportedFormat => "unsupported_format",
            Reason::MalformedWarc => "malformed_warc",
            Reason::ExtractionFailed => "extraction_failed",
            Reason::NotAPage => "not_a_page",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::DuplicateId => "duplicate_id",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in the input a problem is: a file, and optionally a line, record number or byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub at: Position,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Whole,
    Line(u64),
    Record(u64),
    Byte(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Position::Whole => write!(f, "{}", self.file),
            Position::Line(n) => write!(f, "{}:{}", self.file, n),
            Position::Record(n) => write!(f, "{}: record {}", self.file, n),
            Position::Byte(n) => write!(f, "{}: byte {}", self.file, n),
        }
    }
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location { file: file.into(), at: Position::Whole }
    }
    pub fn line(file: impl Into<String>, line: u64) -> Self {
        Location { file: file.into(), at: Position::Line(line) }
    }
    pub fn record(file: impl Into<String>, n: u64) -> Self {
        Location { file: file.into(), at: Position::Record(n) }
    }
    pub fn byte(file: impl Into<String>, offset: u64) -> Self {
        Location { file: file.into(), at: Position::Byte(offset) }
    }
}

/// Thread-safe problem sink shared by all readers of one run.
pub struct Messages {
    /// How many messages to print on stderr before only counting.
    print_limit: usize,
    quiet: bool,
    inner: Mutex<Inner>,
    errored: AtomicBool,
    /// Set for a sink that holds its problems for [`Messages::release`] instead of reporting.
    held: Option<Mutex<Held>>,
}

/// Problems held back, in the order they came: the first [`HELD_DETAILS`] whole, the rest
/// counted by reason.
#[derive(Default)]
struct Held {
    problems: Vec<(Reason, Location, String)>,
    more: BTreeMap<Reason, u64>,
}

/// Problems a held sink keeps whole; past these (a part of a file that is all bad lines, say)
/// only their number is kept, which is all that gets reported after the first few anyway.
const HELD_DETAILS: usize = 1024;

#[derive(Default)]
struct Inner {
    counts: BTreeMap<Reason, u64>,
    printed: usize,
    /// The first messages, kept for `summary.json`.
    examples: Vec<String>,
}

/// How many example messages `summary.json` keeps.
const KEPT_EXAMPLES: usize = 100;

impl Messages {
    pub fn new(print_limit: usize, quiet: bool) -> Self {
        Messages {
            print_limit,
            quiet,
            inner: Mutex::new(Inner::default()),
            errored: AtomicBool::new(false),
            held: None,
        }
    }

    /// A sink that holds what it is told, to be passed on later with [`Messages::release`]:
    /// for problems whose line numbers are only known once the lines before them are counted.
    pub fn held() -> Self {
        Messages { held: Some(Mutex::default()), ..Messages::silent() }
    }

    /// Passes what a [`Messages::held`] sink holds on to `to`, in order, adding `lines` to
    /// every line number. A sink that holds nothing passes nothing.
    pub fn release(self, to: &Messages, lines: u64) {
        let Some(held) = self.held else { return };
        let held = held.into_inner().unwrap_or_else(|e| e.into_inner());
        for (reason, mut loc, detail) in held.problems {
            if let Position::Line(n) = &mut loc.at {
                *n += lines;
            }
            to.skip(reason, &loc, detail);
        }
        let mut inner = to.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (reason, n) in held.more {
            *inner.counts.entry(reason).or_insert(0) += n;
            if reason.is_problem() {
                to.errored.store(true, Ordering::Relaxed);
            }
        }
    }

    /// A sink that prints nothing, for library callers and tests.
    pub fn silent() -> Self {
        Messages::new(0, true)
    }

    /// Records that the record at `loc` was dropped (or, for warnings, kept) for `reason`.
    pub fn skip(&self, reason: Reason, loc: &Location, detail: impl fmt::Display) {
        if let Some(held) = &self.held {
            let mut held = held.lock().unwrap_or_else(|e| e.into_inner());
            if held.problems.len() < HELD_DETAILS {
                held.problems.push((reason, loc.clone(), detail.to_string()));
            } else {
                *held.more.entry(reason).or_insert(0) += 1;
            }
            return;
        }
        if !reason.is_problem() {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            *inner.counts.entry(reason).or_insert(0) += 1;
            return;
        }
        self.errored.store(true, Ordering::Relaxed);
        let line = format!("{loc}: {}: {detail}", if reason.drops_record() { "skipped" } else { "warning" });
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner.counts.entry(reason).or_insert(0) += 1;
        if inner.examples.len() < KEPT_EXAMPLES {
            inner.examples.push(format!("{line} [{reason}]"));
        }
        if !self.quiet && inner.printed < self.print_limit {
            inner.printed += 1;
            eprintln!("reprint: {line}");
            if inner.printed == self.print_limit {
                eprintln!("reprint: further problems are counted, not printed (see summary.json)");
            }
        }
    }

    /// Same as [`Messages::skip`]; reads better at call sites that keep the record.
    pub fn warn(&self, reason: Reason, loc: &Location, detail: impl fmt::Display) {
        self.skip(reason, loc, detail)
    }

    /// True once any problem was recorded (for `--strict`).
    pub fn has_problems(&self) -> bool {
        self.errored.load(Ordering::Relaxed)
    }

    /// Counts per reason, in a stable order.
    pub fn counts(&self) -> BTreeMap<Reason, u64> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).counts.clone()
    }

    /// Problems recorded (records dropped for a reason that [`Reason::is_problem`], and warnings).
    pub fn problems(&self) -> u64 {
        self.counts().iter().filter(|(r, _)| r.is_problem()).map(|(_, n)| n).sum()
    }

    pub fn count(&self, reason: Reason) -> u64 {
        self.counts().get(&reason).copied().unwrap_or(0)
    }

    /// Records dropped (warnings excluded).
    pub fn dropped(&self) -> u64 {
        self.counts().iter().filter(|(r, _)| r.drops_record()).map(|(_, n)| n).sum()
    }

    pub fn examples(&self) -> Vec<String> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).examples.clone()
    }
}
