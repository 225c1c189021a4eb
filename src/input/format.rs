//! Which reader handles a file, decided from its name alone.
//!
//! Extensions are the only signal: sniffing contents would make a directory walk open every file,
//! and the user already names formats by extension. A new format is one more [`Format`] variant
//! and one more row in [`EXTENSIONS`].

use std::path::Path;

/// The record layout of a file, after decompression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.txt`: one article per file.
    PlainText,
    /// `.md`: one article per file; a leading `#` on the title line is dropped.
    Markdown,
    /// `.jsonl` / `.ndjson`: one JSON object per line.
    JsonLines,
    /// `.csv`: a header row, then one article per row.
    Csv,
    /// `.html` / `.htm`: one web page per file, main text extracted.
    Html,
    /// `.warc` / `.wet`: web archive records; `response` and `resource` records holding HTML
    /// get main-text extraction, WET `conversion` records are text already.
    Warc,
}

/// How the bytes of a file are wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    /// `.gz`, read with a multi-member decoder (concatenated gzip files are common).
    Gzip,
    /// `.zst`, all frames.
    Zstd,
}

/// Inner extensions and their formats, lower case.
const EXTENSIONS: &[(&str, Format)] = &[
    ("txt", Format::PlainText),
    ("md", Format::Markdown),
    ("jsonl", Format::JsonLines),
    ("ndjson", Format::JsonLines),
    ("csv", Format::Csv),
    ("html", Format::Html),
    ("htm", Format::Html),
    ("xhtml", Format::Html),
    ("warc", Format::Warc),
    ("wet", Format::Warc),
];

/// Outer extensions that wrap any format, lower case.
const COMPRESSIONS: &[(&str, Compression)] = &[("gz", Compression::Gzip), ("zst", Compression::Zstd)];

/// The format and compression of `path`, or `None` when reprint does not read it.
///
/// `a.jsonl.gz` is gzip-compressed JSON lines; matching ignores ASCII case.
pub fn format_of(path: &Path) -> Option<(Format, Compression)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (stem, compression) = match name.rsplit_once('.') {
        Some((stem, ext)) => match COMPRESSIONS.iter().find(|(e, _)| *e == ext) {
            Some((_, c)) => (stem, *c),
            None => (name.as_str(), Compression::None),
        },
        None => return None,
    };
    let (_, ext) = stem.rsplit_once('.')?;
    EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(_, f)| (*f, compression))
}

/// The supported extensions, for usage errors: `.txt, .md, ... (optionally .gz or .zst)`.
pub fn supported_extensions() -> String {
    let inner: Vec<String> = EXTENSIONS.iter().map(|(e, _)| format!(".{e}")).collect();
    let outer: Vec<String> = COMPRESSIONS.iter().map(|(e, _)| format!(".{e}")).collect();
    format!("{} (optionally compressed: {})", inner.join(", "), outer.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str) -> Option<(Format, Compression)> {
        format_of(Path::new(name))
    }

    #[test]
    fn plain_and_compressed_extensions() {
        assert_eq!(of("a.txt"), Some((Format::PlainText, Compression::None)));
        assert_eq!(of("dir/A.MD"), Some((Format::Markdown, Compression::None)));
        assert_eq!(of("a.jsonl.gz"), Some((Format::JsonLines, Compression::Gzip)));
        assert_eq!(of("a.ndjson.zst"), Some((Format::JsonLines, Compression::Zstd)));
        assert_eq!(of("a.b.csv"), Some((Format::Csv, Compression::None)));
        assert_eq!(of("page.HTM"), Some((Format::Html, Compression::None)));
        assert_eq!(of("CC-MAIN-1.warc.gz"), Some((Format::Warc, Compression::Gzip)));
        assert_eq!(of("CC-MAIN-1.warc.wet.gz"), Some((Format::Warc, Compression::Gzip)));
        assert_eq!(of("crawl.warc.zst"), Some((Format::Warc, Compression::Zstd)));
    }

    #[test]
    fn unsupported_names() {
        assert_eq!(of("a.pdf"), None);
        assert_eq!(of("a.gz"), None);
        assert_eq!(of("jsonl"), None);
        assert_eq!(of("a.tar.gz"), None);
        assert_eq!(of("a.txt.bz2"), None);
    }
}
