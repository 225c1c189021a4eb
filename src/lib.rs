//! reprint: find near-duplicates, syndicated copies and spun rewrites in a corpus of articles.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! input -> normalize -> shingle -> sketch -> lsh -> verify -> cluster -> report
//! ```

pub mod document;
pub mod input;
pub mod messages;

pub use document::Document;
pub use messages::{Location, Messages, Reason};
