//! The text spool: documents parked on disk between sketching and verification.
//!
//! Only signatures stay in memory during the scan; the documents themselves are appended to an
//! anonymous temporary file and read back, by offset, for the few that candidate pairs and the
//! report need. The file is deleted by the operating system when the scan ends, however it ends.
//!
//! Record layout: six length-prefixed (u32, little endian) UTF-8 fields, in the order of
//! [`Document`]'s fields.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

use crate::Document;

/// Where a document's record sits in the spool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpoolRef {
    pub offset: u64,
    pub len: u32,
}

pub struct Spool {
    file: File,
    end: Mutex<u64>,
}

impl Spool {
    /// A spool in `dir` (or the system's temporary directory).
    pub fn new(dir: Option<&Path>) -> io::Result<Spool> {
        let file = match dir {
            Some(d) => tempfile::tempfile_in(d)?,
            None => tempfile::tempfile()?,
        };
        Ok(Spool { file, end: Mutex::new(0) })
    }

    /// Serialises `doc` into `buf` (cleared first).
    pub fn encode(doc: &Document, buf: &mut Vec<u8>) {
        buf.clear();
        Spool::encode_append(doc, buf);
    }

    /// Serialises `doc` at the end of `buf`; returns the record's length.
    pub fn encode_append(doc: &Document, buf: &mut Vec<u8>) -> u32 {
        let start = buf.len();
        for field in [&doc.id, &doc.title, &doc.url, &doc.source, &doc.date, &doc.text] {
            buf.extend_from_slice(&(field.len() as u32).to_le_bytes());
            buf.extend_from_slice(field.as_bytes());
        }
        (buf.len() - start) as u32
    }

    /// Appends already encoded records (concatenated in `buf`, lengths in `lens`) in one write,
    /// returning where each landed.
    pub fn append(&self, buf: &[u8], lens: &[u32]) -> io::Result<Vec<SpoolRef>> {
        let start = {
            let mut end = self.end.lock().unwrap_or_else(|e| e.into_inner());
            let start = *end;
            *end += buf.len() as u64;
            start
        };
        self.file.write_all_at(buf, start)?;
        let mut refs = Vec::with_capacity(lens.len());
        let mut offset = start;
        for &len in lens {
            refs.push(SpoolRef { offset, len });
            offset += len as u64;
        }
        Ok(refs)
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        *self.end.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn read(&self, r: SpoolRef) -> io::Result<Document> {
        let mut buf = vec![0u8; r.len as usize];
        self.file.read_exact_at(&mut buf, r.offset)?;
        decode(&buf).ok_or_else(corrupt)
    }

    /// The text of a record only (what verification needs), without decoding the other fields.
    pub fn read_text(&self, r: SpoolRef) -> io::Result<String> {
        let mut buf = vec![0u8; r.len as usize];
        self.file.read_exact_at(&mut buf, r.offset)?;
        let mut at = 0;
        for _ in 0..5 {
            let len = buf.get(at..at + 4).ok_or_else(corrupt)?;
            at += 4 + u32::from_le_bytes(len.try_into().map_err(|_| corrupt())?) as usize;
        }
        let len = u32::from_le_bytes(buf.get(at..at + 4).ok_or_else(corrupt)?.try_into().map_err(|_| corrupt())?);
        buf.truncate(at + 4 + len as usize);
        buf.drain(..at + 4);
        String::from_utf8(buf).map_err(|_| corrupt())
    }
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "corrupt spool record")
}

fn decode(mut buf: &[u8]) -> Option<Document> {
    let mut fields: [String; 6] = Default::default();
    for f in fields.iter_mut() {
        let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
        let bytes = buf.get(4..4 + len)?;
        *f = String::from_utf8(bytes.to_vec()).ok()?;
        buf = &buf[4 + len..];
    }
    let [id, title, url, source, date, text] = fields;
    Some(Document { id, title, url, source, date, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let spool = Spool::new(None).unwrap();
        let docs = [
            Document { id: "a".into(), text: "héllo".into(), ..Default::default() },
            Document { id: "b".into(), title: "T".into(), date: "2020".into(), text: "x".into(), ..Default::default() },
        ];
        let mut buf = Vec::new();
        let mut one = Vec::new();
        let mut lens = Vec::new();
        for d in &docs {
            Spool::encode(d, &mut one);
            lens.push(one.len() as u32);
            buf.extend_from_slice(&one);
        }
        let refs = spool.append(&buf, &lens).unwrap();
        let refs2 = spool.append(&buf[..lens[0] as usize], &lens[..1]).unwrap();
        assert_eq!(spool.read(refs[1]).unwrap(), docs[1]);
        assert_eq!(spool.read_text(refs[0]).unwrap(), "héllo");
        assert_eq!(spool.read_text(refs[1]).unwrap(), "x");
        assert_eq!(spool.read(refs[0]).unwrap(), docs[0]);
        assert_eq!(spool.read(refs2[0]).unwrap(), docs[0]);
        assert_eq!(spool.size(), buf.len() as u64 + lens[0] as u64);
    }
}
