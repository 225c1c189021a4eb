//! `reprint extract`: every record as the scanner reads it, before normalisation, one JSON object
//! a line (`id`, `url`, `title`, `date`, `source`, `text`). It is how a user checks what reprint
//! made of a corpus: which field became the text, what main-text extraction kept of a page.
//!
//! It runs the scan's reading stage unchanged: one thread reads and decompresses, the workers
//! parse JSON lines and extract HTML pages, and the records come out in input order. Repeated
//! ids are renamed `id#2`, `id#3`... as in a scan, so the ids printed are the ids a report
//! would show. Memory holds the chunks in flight and the set of ids seen.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::document::Document;
use crate::input::{read_paths, Chunk, InputOptions, InputStats};
use crate::messages::{Location, Messages, Reason};

/// What `reprint extract` reads.
#[derive(Clone, Debug)]
pub struct ExtractConfig {
    pub inputs: Vec<PathBuf>,
    pub input: InputOptions,
}

/// What an extraction went through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtractStats {
    /// Records written.
    pub written: u64,
    pub input: InputStats,
    /// True when the output was closed early (a pipe into `head`): not an error.
    pub closed: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    date: &'a str,
    source: &'a str,
    text: &'a str,
}

/// Reads `cfg.inputs` and writes one JSON line per record to `out`, in input order. Per-record
/// problems go to `msgs`; errors are fatal ones (a path that does not exist, a failed write).
pub fn extract(cfg: &ExtractConfig, out: &mut dyn Write, msgs: &Messages) -> Result<ExtractStats> {
    let threads = rayon::current_num_threads().max(1);
    let (tx, rx) = sync_channel::<Chunk>(2 * threads);
    let mut stats = ExtractStats::default();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut line = Vec::new();
    let input = std::thread::scope(|s| -> Result<InputStats> {
        // The sender moves into the reader, so the channel closes when the reading is done.
        let reader = s.spawn(move || read_paths(&cfg.inputs, &cfg.input, msgs, &mut |chunk| tx.send(chunk).is_ok()));
        let mut batch = Vec::with_capacity(2 * threads);
        let mut failed = None;
        'read: while let Ok(first) = rx.recv() {
            batch.clear();
            batch.push(first);
            while batch.len() < 2 * threads {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            let parsed: Vec<Vec<Document>> = batch
                .par_drain(..)
                .map(|c| {
                    let mut docs = Vec::new();
                    c.parse(&cfg.input, msgs, &mut docs);
                    docs
                })
                .collect();
            for mut doc in parsed.into_iter().flatten() {
                rename_duplicate(&mut doc, &mut seen, msgs);
                line.clear();
                let record = Line {
                    id: &doc.id,
                    url: &doc.url,
                    title: &doc.title,
                    date: &doc.date,
                    source: &doc.source,
                    text: &doc.text,
                };
                serde_json::to_writer(&mut line, &record).context("encoding a record")?;
                line.push(b'\n');
                if let Err(e) = out.write_all(&line) {
                    failed = Some(e);
                    break 'read;
                }
                stats.written += 1;
            }
        }
        // Stop the reader (its next send fails) before waiting for it.
        drop(rx);
        let input = reader.join().map_err(|_| anyhow::anyhow!("the reading thread panicked"))??;
        match failed {
            Some(e) if e.kind() == io::ErrorKind::BrokenPipe => stats.closed = true,
            Some(e) => return Err(e).context("writing to stdout"),
            None => {}
        }
        Ok(input)
    })?;
    if !stats.closed {
        match out.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => stats.closed = true,
            other => other.context("writing to stdout")?,
        }
    }
    stats.input = input;
    Ok(stats)
}

/// Gives a repeated id a `#2`, `#3`... suffix, as a scan does, and counts it.
fn rename_duplicate(doc: &mut Document, seen: &mut HashMap<String, u32>, msgs: &Messages) {
    let n = seen.entry(doc.id.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        let new = format!("{}#{n}", doc.id);
        msgs.warn(
            Reason::DuplicateId,
            &Location::file(format!("document {:?}", doc.id)),
            format_args!("id already used by an earlier record; renamed {new:?}"),
        );
        doc.id = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_order_with_duplicates_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.jsonl");
        std::fs::write(
            &f,
            "{\"id\":\"x\",\"text\":\"one\",\"url\":\"u\"}\n{\"id\":\"y\",\"text\":\"two\"}\n{\"id\":\"x\",\"text\":\"three\"}\n",
        )
        .unwrap();
        let cfg = ExtractConfig { inputs: vec![f], input: InputOptions::default() };
        let msgs = Messages::silent();
        let mut out = Vec::new();
        let stats = extract(&cfg, &mut out, &msgs).unwrap();
        assert_eq!(stats.written, 3);
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["id"], "x");
        assert_eq!(lines[0]["url"], "u");
        assert_eq!(lines[1]["text"], "two");
        assert_eq!(lines[2]["id"], "x#2");
        assert_eq!(msgs.count(Reason::DuplicateId), 1);
    }

    /// A writer that refuses everything, like a pipe whose reader is gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
    }

    #[test]
    fn a_closed_pipe_stops_the_run_without_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.jsonl");
        let data: String = (0..50_000).map(|i| format!("{{\"id\":\"{i}\",\"text\":\"t {i}\"}}\n")).collect();
        std::fs::write(&f, data).unwrap();
        let cfg = ExtractConfig { inputs: vec![f], input: InputOptions::default() };
        let stats = extract(&cfg, &mut Closed, &Messages::silent()).unwrap();
        assert!(stats.closed);
        assert_eq!(stats.written, 0);
    }
}
