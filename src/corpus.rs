//! The scanned corpus as later stages see it: a table of spooled documents, read back on demand.

use std::borrow::Cow;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::normalize::Tokenizer;
use crate::shingle::{shingle_set, View};
use crate::spool::{Spool, SpoolRef};
use crate::verify::{Profile, LONG_N};
use crate::Document;

/// Per-document facts kept in memory for the whole scan: where the text is, and a fingerprint of
/// its normalised words (equal fingerprints = `exact` copies).
#[derive(Clone, Copy, Debug, Default)]
pub struct DocEntry {
    pub spool: SpoolRef,
    pub fingerprint: u64,
    /// Publication time in seconds since the epoch; `NO_DATE` when missing or not understood.
    timestamp: i64,
}

const NO_DATE: i64 = i64::MAX;

impl DocEntry {
    pub fn new(fingerprint: u64, timestamp: Option<i64>) -> Self {
        DocEntry { spool: SpoolRef::default(), fingerprint, timestamp: timestamp.unwrap_or(NO_DATE) }
    }

    pub fn timestamp(&self) -> Option<i64> {
        (self.timestamp != NO_DATE).then_some(self.timestamp)
    }
}

/// What [`Corpus::copy_out`] did: where the copied records now are, and the short fields of
/// every document it was given.
#[derive(Default)]
pub struct Copied {
    moved: Vec<(u32, SpoolRef)>,
    known: MetaTable,
}

pub struct Corpus {
    pub spool: Spool,
    pub docs: Vec<DocEntry>,
    /// Ids that were taken by an earlier record, renamed `id#2`, `id#3`...: (doc, new id).
    pub renamed: Vec<(u32, String)>,
    /// The short fields of the candidate documents, once [`Corpus::take`] has them.
    pub known: MetaTable,
}

/// A document's fields other than its text, borrowed from a [`MetaTable`] (or owned, when read
/// from the spool).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta<'a> {
    pub id: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub url: Cow<'a, str>,
    pub source: Cow<'a, str>,
    pub date: Cow<'a, str>,
}

impl Meta<'_> {
    fn owned(d: Document) -> Meta<'static> {
        Meta { id: d.id.into(), title: d.title.into(), url: d.url.into(), source: d.source.into(), date: d.date.into() }
    }

    /// The same fields, no longer borrowed.
    pub fn into_owned(self) -> Meta<'static> {
        let own = |c: Cow<str>| Cow::Owned(c.into_owned());
        Meta {
            id: own(self.id),
            title: own(self.title),
            url: own(self.url),
            source: own(self.source),
            date: own(self.date),
        }
    }
}

/// The short fields (id, title, URL, source, date) of a sorted set of documents, held in memory:
/// clustering and every report table ask for them, three times or more per document, and a
/// read from the spool costs a system call and six allocations. About 150 bytes a document, for
/// the candidate documents only.
#[derive(Debug, Default)]
pub struct MetaTable {
    docs: Vec<u32>,
    /// Field `f` of the `k`-th document is `fields[ends[5k + f - 1]..ends[5k + f]]` (from 0 for
    /// the first).
    ends: Vec<usize>,
    fields: String,
}

impl MetaTable {
    /// Adds document `d` (greater than any added before).
    fn push(&mut self, d: u32, id: &str, doc: &Document) {
        debug_assert!(self.docs.last().is_none_or(|&l| l < d));
        self.docs.push(d);
        for field in [id, &doc.title, &doc.url, &doc.source, &doc.date] {
            self.fields.push_str(field);
            self.ends.push(self.fields.len());
        }
    }

    /// Appends `other`, whose documents all come after this table's.
    fn append(&mut self, other: MetaTable) {
        if self.docs.is_empty() {
            *self = other;
            return;
        }
        let base = self.fields.len();
        self.docs.extend(other.docs);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.fields.push_str(&other.fields);
    }

    pub fn get(&self, d: u32) -> Option<Meta<'_>> {
        let k = self.docs.binary_search(&d).ok()?;
        let field = |f: usize| {
            let at = 5 * k + f;
            let start = if at == 0 { 0 } else { self.ends[at - 1] };
            Cow::Borrowed(&self.fields[start..self.ends[at]])
        };
        Some(Meta { id: field(0), title: field(1), url: field(2), source: field(3), date: field(4) })
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

impl Corpus {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The document as read, with its id made unique.
    pub fn document(&self, i: u32) -> Result<Document> {
        self.read(i, Spool::read)
    }

    /// The fields of the document other than its text, id made unique: from memory for the
    /// documents [`Corpus::take`] took, else read back.
    pub fn metadata(&self, i: u32) -> Result<Meta<'_>> {
        match self.known.get(i) {
            Some(m) => Ok(m),
            None => self.read(i, Spool::read_meta).map(Meta::owned),
        }
    }

    fn read(&self, i: u32, read: impl Fn(&Spool, SpoolRef) -> std::io::Result<Document>) -> Result<Document> {
        let mut doc = read(&self.spool, self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))?;
        if let Some(id) = self.renamed_id(i) {
            doc.id = id.to_string();
        }
        Ok(doc)
    }

    fn renamed_id(&self, i: u32) -> Option<&str> {
        self.renamed.binary_search_by_key(&i, |r| r.0).ok().map(|k| self.renamed[k].1.as_str())
    }

    /// Copies the records of `docs` (sorted) that are read back from input files into the
    /// spool's own files, and reads the short fields of all of `docs` (see [`MetaTable`]).
    /// Verification and the report read a candidate document several times; decoding a spool
    /// record is much cheaper than parsing its JSON line again, and the few candidates are far
    /// less to write than the whole corpus. The corpus is left as it is, so other readers can go
    /// on meanwhile; [`Corpus::take`] then points the documents at their copies.
    pub fn copy_out(&self, docs: &[u32]) -> Result<Copied> {
        let done: Vec<Result<Copied>> = docs
            .par_chunks(256)
            .map(|chunk| {
                let (mut buf, mut lens, mut moved) = (Vec::new(), Vec::new(), Vec::new());
                let mut known = MetaTable::default();
                for &d in chunk {
                    let at = self.docs[d as usize].spool;
                    let from_line = at.is_line();
                    let read = if from_line { Spool::read } else { Spool::read_meta };
                    let doc = read(&self.spool, at).with_context(|| format!("reading document {d} back"))?;
                    if from_line {
                        lens.push(Spool::encode_append(&doc, &mut buf));
                        moved.push(d);
                    }
                    known.push(d, self.renamed_id(d).unwrap_or(&doc.id), &doc);
                }
                let refs = self.spool.append(&buf, &lens).context("writing to the spool")?;
                Ok(Copied { moved: moved.into_iter().zip(refs).collect(), known })
            })
            .collect();
        let mut copied = Copied::default();
        for chunk in done {
            let chunk = chunk?;
            copied.moved.extend(chunk.moved);
            copied.known.append(chunk.known);
        }
        Ok(copied)
    }

    /// Points the documents [`Corpus::copy_out`] copied at their copies, and keeps their short
    /// fields.
    pub fn take(&mut self, copied: Copied) {
        for (d, r) in copied.moved {
            self.docs[d as usize].spool = r;
        }
        self.known.append(copied.known);
    }

    pub fn profile(&self, i: u32) -> Result<Profile> {
        Ok(Profile::new(&self.text(i)?))
    }

    /// Document `i`'s text, read back.
    fn text(&self, i: u32) -> Result<String> {
        self.spool
            .read_text(self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))
    }

    /// Document `i`'s set of word 5-grams (sorted), read back from the spool: the part of its
    /// [`Profile`] that learning boilerplate needs, at a third of the cost.
    pub fn word_shingles(&self, i: u32) -> Result<Vec<u64>> {
        let mut tokens = Vec::new();
        Tokenizer::new().tokenize(&self.text(i)?, &mut tokens);
        Ok(shingle_set(&tokens, View::Words, LONG_N, &mut Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;

    use super::*;
    use crate::input::{InputOptions, LineRef};

    fn doc(id: &str, n: usize) -> Document {
        Document {
            id: id.into(),
            title: format!("Title {n} \u{e9}"),
            url: format!("https://example.org/{n}"),
            source: format!("site{n}"),
            date: format!("2024-01-{:02}", n + 1),
            text: format!("text of document {n}"),
        }
    }

    /// Materialised documents give the metadata the spool gives, renamed ids included, whether
    /// they were read back from a JSON lines file or were in the spool already.
    #[test]
    fn metadata_from_memory_is_what_the_spool_holds() {
        // Document 4 repeats the id of document 1.
        let ids = ["d0", "d1", "d2", "d3", "d1", "d5"];
        let docs: Vec<Document> = ids.iter().enumerate().map(|(n, id)| doc(id, n)).collect();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let mut lines = Vec::new();
        let mut at = 0u64;
        for d in &docs[..3] {
            let line = serde_json::to_string(d).unwrap();
            writeln!(file, "{line}").unwrap();
            lines.push(LineRef { offset: at, len: line.len() as u32 });
            at += line.len() as u64 + 1;
        }
        let spool = Spool::new(None, InputOptions::default()).unwrap();
        let input = spool.input(&Arc::from("in.jsonl"), &Arc::new(std::fs::File::open(file.path()).unwrap()));
        let mut entries: Vec<DocEntry> = Vec::new();
        for (n, d) in docs.iter().enumerate() {
            let mut e = DocEntry::new(n as u64, None);
            if n < 3 {
                e.spool = SpoolRef::line(input, lines[n]);
            } else {
                let mut buf = Vec::new();
                let len = Spool::encode_append(d, &mut buf);
                e.spool = spool.append(&buf, &[len]).unwrap()[0];
            }
            entries.push(e);
        }
        let renamed = vec![(4, "d1#2".to_string())];
        let mut corpus = Corpus { spool, docs: entries, renamed, known: MetaTable::default() };
        // Before materialising, every document's metadata is read from the spool.
        let expected: Vec<Meta<'static>> = (0..6).map(|i| corpus.metadata(i).unwrap().into_owned()).collect();
        assert_eq!(expected[4].id, "d1#2");
        assert!(corpus.known.is_empty());
        // Copying out changes nothing until the copies are taken: other readers go on meanwhile.
        let copied = corpus.copy_out(&[0, 2, 3, 4]).unwrap();
        assert!(corpus.known.is_empty());
        assert!(corpus.docs[0].spool.is_line());
        assert_eq!(corpus.document(2).unwrap(), docs[2]);
        corpus.take(copied);
        assert_eq!(corpus.known.len(), 4);
        for i in 0..6 {
            assert_eq!(corpus.metadata(i).unwrap(), expected[i as usize], "document {i}");
            assert_eq!(corpus.known.get(i).is_some(), [0, 2, 3, 4].contains(&i));
        }
        // Read back from the spool's own files now, text included.
        assert!(!corpus.docs[0].spool.is_line());
        assert_eq!(corpus.document(2).unwrap(), docs[2]);
        assert_eq!(corpus.document(4).unwrap().id, "d1#2");
    }
}
