//! Opening a file as a stream of uncompressed bytes, and telling damaged streams from bad disks.
//!
//! A read error in a compressed file usually means the stream is truncated or corrupt (the
//! records before it are still good), while the same error from the file itself means the file
//! could not be read. Errors from the file are therefore tagged with [`RawReadError`] before a
//! decoder sees them, so [`classify`] can tell the two apart after the decoder passed them on.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::format::Compression;
use crate::messages::Reason;

/// How many bytes are inspected for NUL bytes before a file is taken as text.
pub const SNIFF_BYTES: usize = 8 * 1024;

/// Opens `path` and wraps it in the decoder for `compression`.
pub fn open(path: &Path, compression: Compression) -> io::Result<Box<dyn Read>> {
    let file = Tagged(File::open(path)?);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, file))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
    })
}

/// The reason to report for an error met while reading a stream.
pub fn classify(err: &io::Error, compression: Compression) -> Reason {
    let from_file = err.get_ref().is_some_and(|e| e.is::<RawReadError>());
    if compression == Compression::None || from_file {
        Reason::UnreadableFile
    } else {
        Reason::TruncatedStream
    }
}

/// How to name a read error in a message, depending on whether a decoder was involved.
pub fn describe(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "read error",
        _ => "compressed stream truncated or corrupt",
    }
}

/// An error returned by the file itself rather than by a decoder.
#[derive(Debug)]
struct RawReadError(io::Error);

impl fmt::Display for RawReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for RawReadError {}

/// A reader whose errors are wrapped in [`RawReadError`].
struct Tagged<R>(R);

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| io::Error::new(e.kind(), RawReadError(e)))
    }
}

/// Counts the bytes that pass through, for [`super::InputStats::bytes`] and error offsets.
pub struct Counting<R> {
    inner: R,
    pub count: u64,
}

impl<R: Read> Counting<R> {
    pub fn new(inner: R) -> Self {
        Counting { inner, count: 0 }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads up to [`SNIFF_BYTES`] (fewer only at the end of the stream or on an error, which is
/// returned beside the bytes read before it).
pub fn read_prefix(reader: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    // On error read_to_end keeps the bytes it had read.
    let err = Read::take(&mut *reader, SNIFF_BYTES as u64).read_to_end(&mut prefix).err();
    (prefix, err)
}

/// A reader that fails with the error it holds (once, then reports the end of the stream).
pub struct Failing(pub Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// True when `prefix` looks binary: it holds a NUL byte, which no text format here allows.
pub fn is_binary(prefix: &[u8]) -> bool {
    memchr::memchr(0, &prefix[..prefix.len().min(SNIFF_BYTES)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_are_unreadable_decoder_errors_truncated() {
        let raw = io::Error::other(RawReadError(io::Error::other("disk")));
        let decoder = io::Error::new(io::ErrorKind::InvalidInput, "corrupt deflate stream");
        assert_eq!(classify(&raw, Compression::Gzip), Reason::UnreadableFile);
        assert_eq!(classify(&decoder, Compression::Gzip), Reason::TruncatedStream);
        assert_eq!(classify(&decoder, Compression::None), Reason::UnreadableFile);
    }

    #[test]
    fn nul_means_binary() {
        assert!(is_binary(b"abc\0def"));
        assert!(!is_binary(b"plain text\n"));
    }
}
