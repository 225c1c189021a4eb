//! Batching the reader's output into [`Chunk`]s, in input order, and noticing when to stop.
//!
//! Documents parsed on the reading thread (one-article files, CSV rows) are small and many; a
//! chunk per document would cost more in channel traffic than the work it carries, so they are
//! gathered into batches of about [`BATCH_BYTES`]. A JSON-lines chunk flushes the pending batch
//! first, so the order of the chunks is the order of the input. HTML pages are batched the same
//! way, in smaller batches ([`PAGE_BATCH`]) since each costs a parse on the worker; a page after
//! documents (or the reverse) sends the pending batch first, again to keep the input order.

use super::page::Page;
use super::Chunk;
use crate::document::Document;

/// Text bytes after which a batch of ready documents is sent.
const BATCH_BYTES: usize = 1 << 20;
/// Documents after which a batch is sent even if they are small.
const BATCH_DOCS: usize = 1024;
/// Pages after which a batch of pages is sent: enough to share among the workers.
const PAGE_BATCH: usize = 16;

pub struct Emitter<'a> {
    send: &'a mut dyn FnMut(Chunk) -> bool,
    pending: Vec<Document>,
    pending_bytes: usize,
    pages: Vec<Page>,
    page_bytes: usize,
    stopped: bool,
}

impl<'a> Emitter<'a> {
    pub fn new(send: &'a mut dyn FnMut(Chunk) -> bool) -> Self {
        Emitter { send, pending: Vec::new(), pending_bytes: 0, pages: Vec::new(), page_bytes: 0, stopped: false }
    }

    /// True once the receiver asked to stop; readers check this between chunks.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Queues a parsed document, sending the batch when it is full.
    pub fn document(&mut self, doc: Document) {
        self.flush_pages();
        self.pending_bytes += doc.text.len();
        self.pending.push(doc);
        if self.pending_bytes >= BATCH_BYTES || self.pending.len() >= BATCH_DOCS {
            self.flush_documents();
        }
    }

    /// Queues a page for extraction, sending the batch when it is full.
    pub fn page(&mut self, page: Page) {
        self.flush_documents();
        self.page_bytes += page.len();
        self.pages.push(page);
        if self.page_bytes >= BATCH_BYTES || self.pages.len() >= PAGE_BATCH {
            self.flush_pages();
        }
    }

    /// Sends `chunk` after any pending documents.
    pub fn chunk(&mut self, chunk: Chunk) {
        self.flush();
        self.raw_send(chunk);
    }

    /// Sends the pending documents or pages, if any.
    pub fn flush(&mut self) {
        self.flush_documents();
        self.flush_pages();
    }

    fn flush_pages(&mut self) {
        if self.pages.is_empty() {
            return;
        }
        let pages = std::mem::take(&mut self.pages);
        self.page_bytes = 0;
        self.raw_send(Chunk::Pages(pages));
    }

    fn flush_documents(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let docs = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        self.raw_send(Chunk::Documents(docs));
    }

    fn raw_send(&mut self, chunk: Chunk) {
        if !self.stopped && !(self.send)(chunk) {
            self.stopped = true;
        }
    }
}
