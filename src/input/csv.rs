//! CSV files: a header row naming the fields, then one article per row.
//!
//! Rows are parsed on the reading thread: CSV quoting makes it impossible to cut the stream into
//! independent pieces without parsing it, and spreadsheets exports are rarely the bulk of a corpus.
//!
//! A file whose header lacks the id or text column is still read to the end so that every row is
//! counted (as [`Reason::MissingField`]); the totals then say how many articles were lost. A row
//! with the wrong number of fields is [`Reason::MalformedCsv`]. Fields are decoded lossily, with
//! one [`Reason::InvalidUtf8`] warning per row. The csv crate holds a whole row in memory, so a
//! single huge row is bounded only by memory (an over-long text is then dropped as
//! [`Reason::TooLarge`]).

use std::io::Read;

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};

use super::decompress::{classify, describe};
use super::emit::Emitter;
use super::FileSource;
use crate::document::Document;
use crate::messages::{Location, Reason};

/// Column positions of the configured fields.
struct Columns {
    id: Option<usize>,
    text: Option<usize>,
    title: Option<usize>,
    url: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
}

/// Reads every row of a CSV stream, sending documents to `emit`.
pub fn read(src: &FileSource, reader: &mut dyn Read, emit: &mut Emitter) {
    let mut csv = ReaderBuilder::new().has_headers(true).flexible(false).from_reader(reader);
    let header = match csv.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            report_error(src, e, 0, csv.position());
            return;
        }
    };
    let fields = &src.opts.fields;
    let find = |name: &str| {
        header.iter().position(|h| {
            let h = String::from_utf8_lossy(h);
            h.trim_start_matches('\u{feff}').trim() == name
        })
    };
    let cols = Columns {
        id: find(&fields.id),
        text: find(&fields.text),
        title: find(&fields.title),
        url: find(&fields.url),
        source: find(&fields.source),
        date: find(&fields.date),
    };
    let missing: Vec<&str> = [(cols.id, &fields.id), (cols.text, &fields.text)]
        .iter()
        .filter(|(c, _)| c.is_none())
        .map(|(_, name)| name.as_str())
        .collect();
    let missing = (!missing.is_empty()).then(|| {
        let header: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect();
        format!(
            "no column {} in the header (columns: {})",
            missing.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(" or "),
            header.join(", ")
        )
    });

    let mut row = ByteRecord::new();
    let mut n = 0u64;
    loop {
        if emit.stopped() {
            return;
        }
        let more = csv.read_byte_record(&mut row);
        n += 1;
        match more {
            Ok(false) => return,
            Ok(true) => {}
            Err(e) => {
                if matches!(e.kind(), ErrorKind::Io(_)) {
                    report_error(src, e, n, csv.position());
                    return;
                }
                let line = e.position().map_or(0, |p| p.line());
                src.msgs.skip(Reason::MalformedCsv, &Location::record(&*src.name, n), format_args!("line {line}: {e}"));
                continue;
            }
        }
        let line = row.position().map_or(0, |p| p.line());
        let loc = Location::record(&*src.name, n);
        if let Some(detail) = &missing {
            src.msgs.skip(Reason::MissingField, &loc, detail);
            continue;
        }
        if let Some(doc) = row_to_document(src, &row, &cols, &loc, line) {
            emit.document(doc);
        }
    }
}

fn row_to_document(src: &FileSource, row: &ByteRecord, cols: &Columns, loc: &Location, line: u64) -> Option<Document> {
    let mut bad_utf8 = false;
    let mut get = |col: Option<usize>| -> String {
        let bytes = col.and_then(|c| row.get(c)).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => {
                bad_utf8 = true;
                String::from_utf8_lossy(bytes).into_owned()
            }
        }
    };
    let doc = Document {
        id: get(cols.id),
        text: get(cols.text),
        title: get(cols.title),
        url: get(cols.url),
        source: get(cols.source),
        date: get(cols.date),
    };
    let fields = &src.opts.fields;
    let max = src.opts.max_doc_bytes;
    let rejected = if doc.id.is_empty() {
        Some((Reason::MissingField, format!("field \"{}\" is empty", fields.id)))
    } else if doc.text.len() > max {
        Some((Reason::TooLarge, format!("text is longer than {max} bytes")))
    } else if doc.text.trim().is_empty() {
        Some((Reason::EmptyText, format!("field \"{}\" is empty or whitespace", fields.text)))
    } else {
        None
    };
    if let Some((reason, detail)) = rejected {
        src.msgs.skip(reason, loc, format_args!("line {line}: {detail}"));
        return None;
    }
    if bad_utf8 {
        src.msgs.warn(Reason::InvalidUtf8, loc, format_args!("line {line}: invalid UTF-8 replaced with U+FFFD"));
    }
    Some(doc)
}

/// Reports a read error from the csv reader: a truncated stream or an unreadable file.
fn report_error(src: &FileSource, err: ::csv::Error, record: u64, at: &::csv::Position) {
    let (line, byte) = (at.line(), at.byte());
    let (reason, what) = match err.into_kind() {
        ErrorKind::Io(io) => {
            let what = describe(src.compression);
            (classify(&io, src.compression), format!("{what}: {io}"))
        }
        other => (Reason::MalformedCsv, format!("{other:?}")),
    };
    src.msgs.skip(
        reason,
        &Location::record(&*src.name, record),
        format_args!("{what} (near line {line}, byte {byte}); the rest of the file is lost"),
    );
}
