//! The unit of work: one article as reprint reads it, before normalisation.
//!
//! Readers in [`crate::input`] produce `Document`s; the scan keeps only their sketches in memory
//! and spools the rest to disk (see [`crate::spool`]), so a `Document` lives only while it is
//! being hashed.

use serde::{Deserialize, Serialize};

/// One input article. Every field but `id` and `text` may be empty (and missing from a JSON
/// line of `documents.jsonl`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Unique name of the document in the report: the `id` field of a record, or the path of a
    /// one-article file relative to the root that was given.
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: String,
    /// The publisher (site, agency). Used to recognise a site's own boilerplate and wire services.
    #[serde(default)]
    pub source: String,
    /// Publication date as given (ISO 8601 is expected, anything sortable works); empty if unknown.
    #[serde(default)]
    pub date: String,
    /// The article text, exactly as read (after decompression, UTF-8 decoding and, for HTML,
    /// main-text extraction). Offsets in the reports refer to this text.
    pub text: String,
}
