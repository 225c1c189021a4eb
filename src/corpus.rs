//! The scanned corpus as later stages see it: a table of spooled documents, read back on demand.

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

pub struct Corpus {
    pub spool: Spool,
    pub docs: Vec<DocEntry>,
    /// Ids that were taken by an earlier record, renamed `id#2`, `id#3`...: (doc, new id).
    pub renamed: Vec<(u32, String)>,
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

    /// The document as [`Corpus::document`] gives it, but without its text (left empty):
    /// cheaper to read back when only the id, title, URL, source or date is needed.
    pub fn metadata(&self, i: u32) -> Result<Document> {
        self.read(i, Spool::read_meta)
    }

    fn read(&self, i: u32, read: impl Fn(&Spool, SpoolRef) -> std::io::Result<Document>) -> Result<Document> {
        let mut doc = read(&self.spool, self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))?;
        if let Ok(k) = self.renamed.binary_search_by_key(&i, |r| r.0) {
            doc.id = self.renamed[k].1.clone();
        }
        Ok(doc)
    }

    /// Copies the records of `docs` (sorted) that are read back from input files into the
    /// spool's own file. Verification and the report read a candidate document several times;
    /// decoding a spool record is much cheaper than parsing its JSON line again, and the few
    /// candidates are far less to write than the whole corpus.
    pub fn materialise(&mut self, docs: &[u32]) -> Result<()> {
        let lines: Vec<u32> = docs.iter().copied().filter(|&d| self.docs[d as usize].spool.file != 0).collect();
        let spool = &self.spool;
        let entries = &self.docs;
        let moved: Vec<Result<Vec<(u32, SpoolRef)>>> = lines
            .par_chunks(256)
            .map(|chunk| {
                let (mut buf, mut lens) = (Vec::new(), Vec::with_capacity(chunk.len()));
                for &d in chunk {
                    let doc = spool
                        .read(entries[d as usize].spool)
                        .with_context(|| format!("reading document {d} back from its input file"))?;
                    lens.push(Spool::encode_append(&doc, &mut buf));
                }
                let refs = spool.append(&buf, &lens).context("writing to the spool")?;
                Ok(chunk.iter().copied().zip(refs).collect())
            })
            .collect();
        for chunk in moved {
            for (d, r) in chunk? {
                self.docs[d as usize].spool = r;
            }
        }
        Ok(())
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
