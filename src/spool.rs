//! The text spool: documents parked on disk between sketching and verification.
//!
//! Only signatures stay in memory during the scan; the documents are read back, by offset, for
//! the few that candidate pairs and the report need. A document from an uncompressed JSON lines
//! file is read back from that file, its line parsed again: nothing is copied, which saves
//! writing the whole corpus a second time. Every other document (decompressed, extracted from
//! HTML, from stdin) is appended to an anonymous temporary file, deleted by the operating system
//! when the scan ends, however it ends.
//!
//! Threads append at once, so the spool is several such files ("shards"), each written by one
//! thread at a time: a buffered write on ext4 holds the file's lock while it copies, so threads
//! appending to one file took turns, the one waiting spinning on the lock (a quarter of the time
//! spent copying candidates out, 1 GB corpus, 2 threads).
//!
//! Record layout in the temporary files: six length-prefixed (u32, little endian) UTF-8 fields,
//! in the order of [`Document`]'s fields.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, TryLockError};

use crate::input::{reparse_line, InputOptions, LineRef};
use crate::Document;

/// Where a document's record sits: in one of the spool's own files (`file` below [`SHARDS`]) or,
/// as a JSON line, in input file `file - SHARDS`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpoolRef {
    pub offset: u64,
    pub len: u32,
    pub file: u32,
}

impl SpoolRef {
    /// The line at `at` in the input file that [`Spool::input`] numbered `input`.
    pub fn line(input: u32, at: LineRef) -> SpoolRef {
        SpoolRef { offset: at.offset, len: at.len, file: input }
    }

    /// Whether the record is a line of an input file (else it is in the spool's own files).
    pub fn is_line(&self) -> bool {
        self.file >= SHARDS
    }
}

/// The most files the spool's own records are spread over: as many threads can append without
/// waiting for each other. Files are made as they are needed, so a scan on two threads makes two
/// or three.
const SHARDS: u32 = 32;

pub struct Spool {
    /// Where the files go (the system's temporary directory if `None`).
    dir: Option<PathBuf>,
    /// The spool's own files, made when first written to.
    shards: Vec<OnceLock<File>>,
    /// Each file's end, locked for the whole of a write to it: one writer per file at a time.
    ends: Vec<Mutex<u64>>,
    /// Input files that documents are read back from, with their names for messages.
    inputs: RwLock<Vec<(Arc<str>, Arc<File>)>>,
    /// How those files' lines were parsed.
    opts: InputOptions,
}

impl Spool {
    /// A spool in `dir` (or the system's temporary directory); `opts` parse lines read back from
    /// input files.
    pub fn new(dir: Option<&Path>, opts: InputOptions) -> io::Result<Spool> {
        let spool = Spool {
            dir: dir.map(Path::to_path_buf),
            shards: (0..SHARDS).map(|_| OnceLock::new()).collect(),
            ends: (0..SHARDS).map(|_| Mutex::new(0)).collect(),
            inputs: RwLock::new(Vec::new()),
            opts,
        };
        // The first file now, so that a directory the spool cannot be written to fails the scan
        // before any work.
        spool.shard(0)?;
        Ok(spool)
    }

    /// Shard `s`'s file, made if it is not yet. Called with `ends[s]` locked (or before the spool
    /// is shared), so no two threads make one shard's file.
    fn shard(&self, s: usize) -> io::Result<&File> {
        if let Some(file) = self.shards[s].get() {
            return Ok(file);
        }
        let file = match &self.dir {
            Some(d) => tempfile::tempfile_in(d)?,
            None => tempfile::tempfile()?,
        };
        Ok(self.shards[s].get_or_init(|| file))
    }

    /// The first shard no thread is writing to, locked; if all are, waits for the last one.
    fn free_shard(&self) -> (usize, MutexGuard<'_, u64>) {
        for (s, end) in self.ends.iter().enumerate() {
            match end.try_lock() {
                Ok(end) => return (s, end),
                Err(TryLockError::Poisoned(e)) => return (s, e.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let s = self.ends.len() - 1;
        (s, self.ends[s].lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Registers input file `file` (named `name`) to read JSON lines back from; returns the
    /// `file` number of its [`SpoolRef`]s (see [`SpoolRef::line`]). Registering a file twice
    /// gives the same number.
    pub fn input(&self, name: &Arc<str>, file: &Arc<File>) -> u32 {
        // Once per chunk of lines, so one write lock is cheap.
        let mut inputs = self.inputs.write().unwrap_or_else(|e| e.into_inner());
        let index = inputs.iter().rposition(|(_, f)| Arc::ptr_eq(f, file)).unwrap_or_else(|| {
            inputs.push((Arc::clone(name), Arc::clone(file)));
            inputs.len() - 1
        });
        index as u32 + SHARDS
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
        let (s, mut end) = self.free_shard();
        let start = *end;
        self.shard(s)?.write_all_at(buf, start)?;
        // Only a whole write moves the end: after a failed one, the next write goes over it.
        *end += buf.len() as u64;
        drop(end);
        let mut refs = Vec::with_capacity(lens.len());
        let mut offset = start;
        for &len in lens {
            refs.push(SpoolRef { offset, len, file: s as u32 });
            offset += len as u64;
        }
        Ok(refs)
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.ends.iter().map(|e| *e.lock().unwrap_or_else(|e| e.into_inner())).sum()
    }

    /// The spool's own file that holds `r`.
    fn file_of(&self, r: SpoolRef) -> io::Result<&File> {
        self.shards.get(r.file as usize).and_then(OnceLock::get).ok_or_else(corrupt)
    }

    pub fn read(&self, r: SpoolRef) -> io::Result<Document> {
        if r.is_line() {
            return self.read_line(r);
        }
        let mut buf = vec![0u8; r.len as usize];
        self.file_of(r)?.read_exact_at(&mut buf, r.offset)?;
        decode(&buf).ok_or_else(corrupt)
    }

    /// A document read back from its input file.
    fn read_line(&self, r: SpoolRef) -> io::Result<Document> {
        let (name, file) = {
            let inputs = self.inputs.read().unwrap_or_else(|e| e.into_inner());
            inputs.get((r.file - SHARDS) as usize).cloned().ok_or_else(corrupt)?
        };
        let mut buf = vec![0u8; r.len as usize];
        let changed = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name}: the file changed during the scan; the line at byte {} {what}", r.offset),
            )
        };
        file.read_exact_at(&mut buf, r.offset).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => changed("is gone"),
            _ => io::Error::new(e.kind(), format!("{name}: {e}")),
        })?;
        reparse_line(&buf, &self.opts).ok_or_else(|| changed("no longer holds a record"))
    }

    /// A record without its text (left empty): what the report's tables and the choice of an
    /// original need. The text is the last field of a spool record, so only the start of the
    /// record is read; a record read back from its input file is parsed whole.
    pub fn read_meta(&self, r: SpoolRef) -> io::Result<Document> {
        if r.is_line() {
            return Ok(Document { text: String::new(), ..self.read_line(r)? });
        }
        let file = self.file_of(r)?;
        // Enough for the five short fields of nearly every record; more is read when not.
        let mut buf = vec![0u8; (r.len as usize).min(META_BYTES)];
        file.read_exact_at(&mut buf, r.offset)?;
        let mut at = 0;
        for _ in 0..5 {
            let len = buf.get(at..at + 4).ok_or_else(corrupt)?;
            at += 4 + u32::from_le_bytes(len.try_into().map_err(|_| corrupt())?) as usize;
            if at + 4 > buf.len() && buf.len() < r.len as usize {
                buf.resize((at + 4).min(r.len as usize), 0);
                file.read_exact_at(&mut buf, r.offset)?;
            }
        }
        buf.truncate(at);
        buf.extend_from_slice(&0u32.to_le_bytes());
        decode(&buf).ok_or_else(corrupt)
    }

    /// The text of a record only (what verification needs), without decoding the other fields.
    pub fn read_text(&self, r: SpoolRef) -> io::Result<String> {
        if r.is_line() {
            return Ok(self.read_line(r)?.text);
        }
        let mut buf = vec![0u8; r.len as usize];
        self.file_of(r)?.read_exact_at(&mut buf, r.offset)?;
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

/// Bytes read at first for a record's fields other than its text (see [`Spool::read_meta`]).
const META_BYTES: usize = 512;

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
        let spool = Spool::new(None, InputOptions::default()).unwrap();
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
        // Fields other than the text longer than what is read at first, and a record shorter.
        let long = Document {
            id: "c".into(),
            title: "t".repeat(700),
            url: "u".repeat(300),
            text: "y".repeat(2000),
            ..Default::default()
        };
        Spool::encode(&long, &mut one);
        let more = spool.append(&one, &[one.len() as u32]).unwrap();
        for (r, d) in refs.iter().chain(&more).zip(docs.iter().chain([&long])) {
            assert_eq!(spool.read_meta(*r).unwrap(), Document { text: String::new(), ..d.clone() });
        }
        assert_eq!(spool.size(), buf.len() as u64 + lens[0] as u64 + one.len() as u64);
    }

    #[test]
    fn a_thread_appends_to_a_file_no_other_thread_is_writing_to() {
        let spool = Spool::new(None, InputOptions::default()).unwrap();
        let doc = |n: usize| Document {
            id: format!("d{n}"),
            text: format!("text {n} ").repeat(n % 7 + 1),
            ..Default::default()
        };
        let append = |n: usize| {
            let mut buf = Vec::new();
            let len = Spool::encode_append(&doc(n), &mut buf);
            spool.append(&buf, &[len]).unwrap()[0]
        };
        // While the first file is being written to, an append goes to a second one.
        let busy = spool.free_shard();
        assert_eq!(busy.0, 0);
        let second = append(1);
        assert_eq!(second.file, 1);
        drop(busy);
        let first = append(2);
        assert_eq!((first.file, first.offset), (0, 0));
        assert!(!first.is_line() && !second.is_line());
        // Threads appending at once: every record reads back as written.
        let refs: Vec<Vec<(usize, SpoolRef)>> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|t| s.spawn(move || (0..200).map(|k| 1000 * t + k).map(|n| (n, append(n))).collect()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let mut written = 0;
        for (n, r) in refs.into_iter().flatten().chain([(1, second), (2, first)]) {
            assert_eq!(spool.read(r).unwrap(), doc(n));
            written += r.len as u64;
        }
        assert_eq!(spool.size(), written);
    }

    #[test]
    fn lines_are_read_back_from_their_file() {
        use std::io::Write;
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let first = br#"{"id":"a","text":"first","title":"T"}"#;
        let second = br#"{"id":"b","text":"caf\u00e9"}"#;
        tmp.write_all(first).unwrap();
        tmp.write_all(b"\n").unwrap();
        tmp.write_all(second).unwrap();
        let spool = Spool::new(None, InputOptions::default()).unwrap();
        let name: Arc<str> = Arc::from("in.jsonl");
        let file = Arc::new(File::open(tmp.path()).unwrap());
        let input = spool.input(&name, &file);
        assert_eq!(spool.input(&name, &file), input, "one file, registered once");
        let a = SpoolRef::line(input, LineRef { offset: 0, len: first.len() as u32 });
        let b = SpoolRef::line(input, LineRef { offset: first.len() as u64 + 1, len: second.len() as u32 });
        assert_eq!(spool.read(a).unwrap().title, "T");
        assert_eq!(spool.read_text(b).unwrap(), "café");
        // The file changes under the scan: an error that names it, not a wrong document.
        tmp.as_file().set_len(5).unwrap();
        let err = spool.read(b).unwrap_err().to_string();
        assert!(err.contains("in.jsonl") && err.contains("changed"), "{err}");
    }
}
