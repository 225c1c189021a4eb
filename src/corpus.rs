//! The scanned corpus as later stages see it: a table of spooled documents, read back on demand.

use anyhow::{Context, Result};

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
        let mut doc = self
            .spool
            .read(self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))?;
        if let Ok(k) = self.renamed.binary_search_by_key(&i, |r| r.0) {
            doc.id = self.renamed[k].1.clone();
        }
        Ok(doc)
    }

    pub fn profile(&self, i: u32) -> Result<Profile> {
        let text = self
            .spool
            .read_text(self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))?;
        Ok(Profile::new(&text))
    }

    /// Document `i`'s set of word 5-grams (sorted), read back from the spool: the part of its
    /// [`Profile`] that learning boilerplate needs, at a third of the cost.
    pub fn word_shingles(&self, i: u32) -> Result<Vec<u64>> {
        let text = self
            .spool
            .read_text(self.docs[i as usize].spool)
            .with_context(|| format!("reading document {i} back from the spool"))?;
        let mut tokens = Vec::new();
        Tokenizer::new().tokenize(&text, &mut tokens);
        Ok(shingle_set(&tokens, View::Words, LONG_N, &mut Vec::new()))
    }
}
