//! The unit of work: one article as reprint reads it, before normalisation.
//!
//! Readers in [`crate::input`] produce `Document`s; the scan keeps only their sketches in memory
//! and spools the rest to disk (see [`crate::spool`]), so a `Document` lives only while it is
//! being hashed.

use serde::{Deserialize, Serialize};

use crate::normalize::{HIGH, ONES};

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

impl Document {
    /// Appends the document to `out` as one JSON object, exactly as `serde_json::to_writer`
    /// writes it (same field order, same escapes), without the newline. Writing
    /// `documents.jsonl` is mostly escaping article texts, and serde_json looks at a string
    /// byte by byte; [`json_string`] looks eight bytes at a time.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let fields = [
            ("id", &self.id),
            ("title", &self.title),
            ("url", &self.url),
            ("source", &self.source),
            ("date", &self.date),
            ("text", &self.text),
        ];
        for (k, (name, value)) in fields.into_iter().enumerate() {
            out.extend_from_slice(if k == 0 { b"{\"" } else { b",\"" });
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            json_string(value, out);
        }
        out.push(b'}');
    }
}

/// The high bit of the first byte of `chunk` that JSON must escape (a control character, `"` or
/// `\`), and maybe of bytes after it: each test borrows only upwards from a byte it flags.
#[inline(always)]
fn needs_escape(chunk: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = chunk.wrapping_sub(0x20 * ONES) & !chunk & HIGH;
    control | zero(chunk ^ (b'"' as u64 * ONES)) | zero(chunk ^ (b'\\' as u64 * ONES))
}

/// Appends `s` as a JSON string, quoted and escaped as serde_json does: `"` and `\`, the short
/// forms `\b \f \n \r \t`, other control characters as `\u00XX`; everything else as is.
fn json_string(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut clean, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let found = needs_escape(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
            if found == 0 {
                i += 8;
                continue;
            }
            i += (found.trailing_zeros() / 8) as usize;
        }
        let b = bytes[i];
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..0x20 => b'u',
            _ => {
                // Past the last whole eight bytes, a byte at a time.
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[clean..i]);
        out.extend_from_slice(&[b'\\', short]);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        }
        i += 1;
        clean = i;
    }
    out.extend_from_slice(&bytes[clean..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings of every kind of byte JSON treats apart (control characters, quotes, backslashes,
    /// DEL, multi-byte characters), at every offset from an eight-byte boundary.
    fn random_text(seed: u64) -> String {
        const PIECES: [&str; 16] = [
            "a",
            "Zq",
            " ",
            "\"",
            "\\",
            "\n",
            "\r\n",
            "\t",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "é",
            "’",
            "字",
            "😀",
            "\u{8}\u{c}",
        ];
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let len = (seed % 40) as usize;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                PIECES[(x % 16) as usize]
            })
            .collect()
    }

    #[test]
    fn writes_what_serde_json_writes() {
        for seed in 0..5000u64 {
            let doc = Document {
                id: random_text(seed),
                title: random_text(seed + 1),
                url: String::new(),
                source: random_text(seed * 7),
                date: "2026-11-29".into(),
                text: random_text(seed * 3 + 2).repeat((seed % 5) as usize + 1),
            };
            let mut ours = Vec::new();
            doc.write_json(&mut ours);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&doc).unwrap(), "seed {seed}");
        }
    }
}
