//! Reading a report folder back: `clusters.csv`, `matches.csv`, `documents.jsonl` and
//! `summary.json`, into typed values for the HTML report.
//!
//! Nothing here holds every row or every text in memory. Opening a folder makes one pass over each
//! file that checks every row (an error names the file and line) and keeps only an index: per
//! cluster its byte position and size, per copy the position of its rows in `matches.csv`, per
//! document the position of its line in `documents.jsonl`. Clusters, matches and texts are then
//! read one at a time by seeking, through a [`Reader`]. Memory is a few dozen bytes per document
//! plus its id.
//!
//! The index ([`ReportDir`]) is read-only once built, and each [`Reader`] has its own file
//! handles (seeking moves a handle's position), so several threads can read at once, sharing
//! one index.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::origin::Relation;
use crate::report::html::layout::PART;

pub const CLUSTERS: &str = "clusters.csv";
pub const MATCHES: &str = "matches.csv";
pub const DOCUMENTS: &str = "documents.jsonl";
pub const SUMMARY: &str = "summary.json";

/// `file:line: ` for error messages.
fn at(path: &Path, line: u64) -> String {
    format!("{}:{line}", path.display())
}

/// One row of `clusters.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub doc_id: String,
    /// `None` for the original.
    pub relation: Option<Relation>,
    /// Word 5-gram Jaccard similarity with the original; `None` for the original.
    pub similarity: Option<f64>,
    /// Share of the smaller text found in the other (word 5-grams); `None` for the original or
    /// when `clusters.csv` has no such column.
    pub containment: Option<f64>,
    pub source: String,
    pub url: String,
    pub date: String,
    pub title: String,
}

/// A cluster as `clusters.csv` lists it: its original and its copies, in file order.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub id: u64,
    pub original: Member,
    pub copies: Vec<Member>,
}

impl Cluster {
    pub fn size(&self) -> usize {
        self.copies.len() + 1
    }
}

/// Where a cluster's rows are, and what the index of the report needs without reading them again.
#[derive(Clone, Debug)]
pub struct ClusterEntry {
    pub id: u64,
    pub size: usize,
    /// Copies by relation, in [`Relation::ALL`] order.
    pub relations: [u32; 5],
    /// Where its first row is, where its original's is, and where copy `PART * (k + 1)` is
    /// (`parts[k]`), so that a part of a large cluster is read without the rows before it.
    pos: csv::Position,
    original: csv::Position,
    parts: Vec<csv::Position>,
}

/// Figures over every copy, for the overview of the HTML report: gathered in the indexing pass
/// over `clusters.csv`, or by a scan from its clusters (see [`ClusterStats::count_copy`]).
#[derive(Clone, Debug)]
pub struct ClusterStats {
    pub documents: u64,
    /// Copies by relation, in [`Relation::ALL`] order.
    pub copies: [u64; 5],
    /// Copies per source (an empty source is kept as "").
    pub sources: HashMap<String, u64>,
    /// Copies per similarity bin (`HISTOGRAM_BINS` equal bins over 0..=1) and relation.
    pub similarity: Vec<[u64; 5]>,
}

pub const HISTOGRAM_BINS: usize = 20;

impl Default for ClusterStats {
    fn default() -> Self {
        ClusterStats { documents: 0, copies: [0; 5], sources: HashMap::new(), similarity: vec![[0; 5]; HISTOGRAM_BINS] }
    }
}

impl ClusterStats {
    /// Counts a copy (`similarity` as `clusters.csv` has it, rounded to four decimals).
    pub fn count_copy(&mut self, relation: Relation, similarity: f64, source: &str) {
        let k = relation_index(relation);
        self.copies[k] += 1;
        match self.sources.get_mut(source) {
            Some(n) => *n += 1,
            None => {
                self.sources.insert(source.to_string(), 1);
            }
        }
        let bin = ((similarity * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
        self.similarity[bin][k] += 1;
    }
}

/// One exactly matching segment between an original (`a`) and a copy (`b`): a row of `matches.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub passage: u32,
    /// Character (Unicode scalar value) offsets, half-open.
    pub a: Range<usize>,
    pub b: Range<usize>,
    pub words: u32,
    /// Line in `matches.csv`, for error messages.
    pub line: u64,
}

/// A line of `documents.jsonl`.
pub type Doc = crate::document::Document;

/// The part of `summary.json` the report shows. Every field is optional so that a summary from
/// another version still loads.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Overview {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub documents: Option<OverviewDocuments>,
    #[serde(default)]
    pub clusters: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OverviewDocuments {
    pub read: u64,
    pub scanned: u64,
    pub skipped: u64,
    #[serde(default)]
    pub skipped_by_reason: BTreeMap<String, u64>,
}

impl Overview {
    /// The overview of a summary in memory, as if read back from its `summary.json`.
    pub fn from_summary(s: &crate::Summary) -> Result<Overview> {
        Ok(serde_json::from_value(serde_json::to_value(s)?)?)
    }

    pub fn read(dir: &Path) -> Result<Option<Overview>> {
        let path = dir.join(SUMMARY);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let o = serde_json::from_str(&text).with_context(|| format!("{}: not a reprint summary", path.display()))?;
        Ok(Some(o))
    }
}

/// Column positions, found by name in a CSV header.
fn columns<const N: usize>(path: &Path, header: &csv::StringRecord, names: [&str; N]) -> Result<[usize; N]> {
    let mut out = [0; N];
    for (o, name) in out.iter_mut().zip(names) {
        *o = header
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: the header has no column {name:?}", at(path, 1)))?;
    }
    Ok(out)
}

fn open_csv(path: &Path) -> Result<(csv::Reader<File>, csv::StringRecord)> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut rd = csv::ReaderBuilder::new().has_headers(true).from_reader(f);
    let header = rd.headers().with_context(|| format!("{}: reading the header", path.display()))?.clone();
    Ok((rd, header))
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

fn number<T: std::str::FromStr>(path: &Path, rec: &csv::StringRecord, col: usize, name: &str) -> Result<T> {
    let s = rec.get(col).unwrap_or("");
    s.trim().parse().map_err(|_| anyhow::anyhow!("{}: {name} must be a number, got {s:?}", at(path, line_of(rec))))
}

fn relation_named(s: &str) -> Option<Relation> {
    Relation::ALL.into_iter().find(|r| r.name() == s)
}

pub fn relation_index(r: Relation) -> usize {
    Relation::ALL.iter().position(|&x| x == r).unwrap_or(0)
}

const CLUSTER_COLUMNS: [&str; 9] =
    ["cluster_id", "doc_id", "role", "relation", "similarity", "source", "url", "date", "title"];
const MATCH_COLUMNS: [&str; 8] = ["doc_a", "doc_b", "passage", "a_start", "a_end", "b_start", "b_end", "words"];

/// An opened report folder: the indexes. Clusters, matches and texts are read through a
/// [`Reader`] (see [`ReportDir::reader`]).
pub struct ReportDir {
    pub dir: PathBuf,
    /// Clusters, largest first (then by id).
    pub clusters: Vec<ClusterEntry>,
    pub stats: ClusterStats,
    pub overview: Option<Overview>,
    clusters_file: (PathBuf, ClusterColumns),
    matches: Option<MatchIndex>,
    documents: Option<DocIndex>,
}

struct MatchIndex {
    path: PathBuf,
    cols: [usize; 8],
    /// Copy id -> position of its first row and number of rows.
    by_copy: HashMap<Box<str>, (csv::Position, u32)>,
}

/// Where each document's line is in `documents.jsonl`.
struct DocIndex {
    path: PathBuf,
    /// Id -> byte offset, line number and length in bytes of its line.
    by_id: HashMap<Box<str>, (u64, u64, u64)>,
}

/// Open files of a report folder, to read clusters, matches and texts by seeking with the
/// indexes of a [`ReportDir`]. One per thread: a reader is cheap to open (three files).
pub struct Reader<'a> {
    index: &'a ReportDir,
    clusters: csv::Reader<File>,
    matches: Option<csv::Reader<File>>,
    documents: Option<File>,
    /// A line of `documents.jsonl`, kept to reuse its allocation.
    line: Vec<u8>,
}

impl ReportDir {
    /// Opens the report in `dir`. `clusters.csv` is required; a missing `matches.csv` or
    /// `documents.jsonl` (a report from before they existed) leaves the side-by-sides out; a
    /// missing `summary.json` leaves out the counts only it holds.
    pub fn open(dir: &Path) -> Result<ReportDir> {
        let overview = Overview::read(dir)?;
        // Three files, three threads: each index is one sequential pass over its file.
        let (clusters, (matches, documents)) = rayon::join(
            || index_clusters(&dir.join(CLUSTERS)),
            || {
                rayon::join(
                    || optional(&dir.join(MATCHES), index_matches),
                    || optional(&dir.join(DOCUMENTS), index_documents),
                )
            },
        );
        let ((clusters_file, clusters, stats), matches, documents) = (clusters?, matches?, documents?);
        Ok(ReportDir { dir: dir.to_path_buf(), clusters, stats, overview, clusters_file, matches, documents })
    }

    /// Whether `matches.csv` and `documents.jsonl` are both there.
    pub fn has_evidence(&self) -> bool {
        self.matches.is_some() && self.documents.is_some()
    }

    /// Opens the files of the folder for reading with these indexes.
    pub fn reader(&self) -> Result<Reader<'_>> {
        let (clusters, _) = open_csv(&self.clusters_file.0)?;
        let matches = match &self.matches {
            Some(m) => Some(open_csv(&m.path)?.0),
            None => None,
        };
        let documents = match &self.documents {
            Some(d) => Some(File::open(&d.path).with_context(|| format!("opening {}", d.path.display()))?),
            None => None,
        };
        Ok(Reader { index: self, clusters, matches, documents, line: Vec::new() })
    }

    /// Path of a report file, for messages.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Reader<'_> {
    /// Reads the rows of one cluster.
    pub fn cluster(&mut self, e: &ClusterEntry) -> Result<Cluster> {
        let (path, cols) = &self.index.clusters_file;
        let rd = &mut self.clusters;
        seek_unless_there(rd, &e.pos).with_context(|| format!("seeking in {}", path.display()))?;
        let mut rec = csv::StringRecord::new();
        let mut original = None;
        let mut copies = Vec::with_capacity(e.size - 1);
        for _ in 0..e.size {
            if !rd.read_record(&mut rec).with_context(|| format!("reading {}", path.display()))? {
                bail!("{}: ended inside cluster {} (changed while reading?)", path.display(), e.id);
            }
            let (_, m) = parse_member(path, &rec, cols)?;
            if m.relation.is_none() {
                original = Some(m);
            } else {
                copies.push(m);
            }
        }
        let original = original.with_context(|| format!("{}: cluster {} has no original", path.display(), e.id))?;
        Ok(Cluster { id: e.id, original, copies })
    }

    /// The original's row and the rows of copies `copies` of the cluster (numbered from 0 in file
    /// order), read from the last multiple of [`PART`] copies before them, not from the start.
    pub fn part(&mut self, e: &ClusterEntry, copies: Range<usize>) -> Result<(Member, Vec<Member>)> {
        let (path, cols) = &self.index.clusters_file;
        let rd = &mut self.clusters;
        let mut rec = csv::StringRecord::new();
        let read = |rd: &mut csv::Reader<File>, rec: &mut csv::StringRecord| -> Result<Member> {
            if !rd.read_record(rec).with_context(|| format!("reading {}", path.display()))? {
                bail!("{}: ended inside cluster {} (changed while reading?)", path.display(), e.id);
            }
            let (id, m) = parse_member(path, rec, cols)?;
            if id != e.id {
                bail!("{}: cluster {} ended early (changed while reading?)", at(path, line_of(rec)), e.id);
            }
            Ok(m)
        };
        seek_unless_there(rd, &e.original).with_context(|| format!("seeking in {}", path.display()))?;
        let original = read(rd, &mut rec)?;
        let from = match copies.start / PART {
            0 => &e.pos,
            k => e.parts.get(k - 1).with_context(|| format!("cluster {} has no copy {}", e.id, copies.start))?,
        };
        seek_unless_there(rd, from).with_context(|| format!("seeking in {}", path.display()))?;
        let mut out = Vec::with_capacity(copies.len());
        let mut skip = copies.start % PART;
        while out.len() < copies.len() {
            let m = read(rd, &mut rec)?;
            if m.relation.is_none() {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push(m);
        }
        Ok((original, out))
    }

    /// The segments matched between `original` and `copy`, in the original's text order; empty
    /// when there are none or `matches.csv` is missing.
    pub fn segments(&mut self, original: &str, copy: &str) -> Result<Vec<Segment>> {
        let (Some(m), Some(rd)) = (&self.index.matches, &mut self.matches) else { return Ok(Vec::new()) };
        let Some((pos, n)) = m.by_copy.get(copy).cloned() else { return Ok(Vec::new()) };
        seek_unless_there(rd, &pos).with_context(|| format!("seeking in {}", m.path.display()))?;
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if !rd.read_record(&mut rec).with_context(|| format!("reading {}", m.path.display()))? {
                bail!("{}: ended early (changed while reading?)", m.path.display());
            }
            let (a, _, seg) = parse_segment(&m.path, &rec, &m.cols)?;
            if a != original {
                bail!(
                    "{}: doc_a is {a:?}, but the original of {copy:?} in {CLUSTERS} is {original:?}",
                    at(&m.path, seg.line)
                );
            }
            out.push(seg);
        }
        Ok(out)
    }

    /// The document as scanned, from `documents.jsonl`; `None` if it is not there.
    pub fn document(&mut self, id: &str) -> Result<Option<Doc>> {
        let (Some(d), Some(rd)) = (&self.index.documents, &mut self.documents) else { return Ok(None) };
        let Some(&(offset, line, len)) = d.by_id.get(id) else { return Ok(None) };
        // Exactly the line, from where the index found it: documents are asked for in page
        // order, not file order, and a buffered reader would refill its whole buffer at each.
        self.line.resize(len as usize, 0);
        rd.read_exact_at(&mut self.line, offset).with_context(|| format!("reading {}", at(&d.path, line)))?;
        let doc: Doc = serde_json::from_slice(&self.line).with_context(|| at(&d.path, line))?;
        Ok(Some(doc))
    }
}

/// Moves `rd` to `pos`, unless it is there already (the next record is the one wanted, as when
/// the clusters are read in file order): a seek empties the reader's buffer, to be read again.
fn seek_unless_there(rd: &mut csv::Reader<File>, pos: &csv::Position) -> csv::Result<()> {
    if rd.position().byte() == pos.byte() {
        return Ok(());
    }
    rd.seek(pos.clone())
}

fn optional<T>(path: &Path, index: impl FnOnce(&Path) -> Result<T>) -> Result<Option<T>> {
    if path.exists() {
        index(path).map(Some)
    } else {
        Ok(None)
    }
}

fn parse_member(path: &Path, rec: &csv::StringRecord, cols: &ClusterColumns) -> Result<(u64, Member)> {
    let (cols, containment_col) = cols;
    let get = |i: usize| rec.get(cols[i]).unwrap_or("").to_string();
    let id: u64 = number(path, rec, cols[0], "cluster_id")?;
    let role = get(2);
    let rel = get(3);
    let (relation, similarity) = match role.as_str() {
        "original" => (None, None),
        "copy" => {
            let r = relation_named(&rel).with_context(|| {
                format!(
                    "{}: relation must be one of exact, wrapped, excerpt, edited, spun, got {rel:?}",
                    at(path, line_of(rec))
                )
            })?;
            let s: f64 = number(path, rec, cols[4], "similarity")?;
            if !(0.0..=1.0).contains(&s) {
                bail!("{}: similarity must be between 0 and 1, got {s}", at(path, line_of(rec)));
            }
            (Some(r), Some(s))
        }
        _ => bail!("{}: role must be original or copy, got {role:?}", at(path, line_of(rec))),
    };
    let containment = match containment_col {
        Some(c) if relation.is_some() => Some(number(path, rec, *c, "containment")?),
        _ => None,
    };
    let member = Member {
        doc_id: get(1),
        relation,
        similarity,
        containment,
        source: get(5),
        url: get(6),
        date: get(7),
        title: get(8),
    };
    Ok((id, member))
}

/// Positions of the columns of `clusters.csv`, and of the optional `containment`.
type ClusterColumns = ([usize; 9], Option<usize>);

/// One pass over `clusters.csv`: checks every row, and returns an index of clusters (largest
/// first) and the figures of the overview.
fn index_clusters(path: &Path) -> Result<((PathBuf, ClusterColumns), Vec<ClusterEntry>, ClusterStats)> {
    let (mut rd, header) = open_csv(path)?;
    let cols = (columns(path, &header, CLUSTER_COLUMNS)?, header.iter().position(|h| h == "containment"));
    let mut stats = ClusterStats::default();
    let mut entries: Vec<ClusterEntry> = Vec::new();
    let mut originals = 0u32;
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let pos = rd.position().clone();
        if !rd.read_record(&mut rec).with_context(|| format!("reading {}", path.display()))? {
            break;
        }
        let line = line_of(&rec);
        let (id, m) = parse_member(path, &rec, &cols)?;
        if entries.last().is_none_or(|e| e.id != id) {
            if let Some(e) = entries.last() {
                check_cluster(path, e, originals)?;
            }
            if let Some(first) = seen.insert(id, line) {
                bail!(
                    "{}: cluster {id} already started on line {first}; a cluster's rows must be together",
                    at(path, line)
                );
            }
            entries.push(ClusterEntry {
                id,
                size: 0,
                relations: [0; 5],
                original: pos.clone(),
                pos: pos.clone(),
                parts: Vec::new(),
            });
            originals = 0;
        }
        let e = entries.last_mut().expect("pushed above");
        e.size += 1;
        stats.documents += 1;
        match m.relation {
            None => {
                originals += 1;
                e.original = pos;
            }
            Some(r) => {
                let copies: u32 = e.relations.iter().sum();
                if copies > 0 && (copies as usize).is_multiple_of(PART) {
                    e.parts.push(pos);
                }
                e.relations[relation_index(r)] += 1;
                stats.count_copy(r, m.similarity.unwrap_or(0.0), &m.source);
            }
        }
    }
    if let Some(e) = entries.last() {
        check_cluster(path, e, originals)?;
    }
    entries.sort_by(|x, y| y.size.cmp(&x.size).then(x.id.cmp(&y.id)));
    Ok(((path.to_path_buf(), cols), entries, stats))
}

fn check_cluster(path: &Path, e: &ClusterEntry, originals: u32) -> Result<()> {
    if originals != 1 {
        bail!(
            "{}: cluster {} (from line {}) has {originals} rows with role original; it needs exactly one",
            path.display(),
            e.id,
            e.pos.line()
        );
    }
    Ok(())
}

fn parse_segment(path: &Path, rec: &csv::StringRecord, cols: &[usize; 8]) -> Result<(String, String, Segment)> {
    let line = line_of(rec);
    let get = |i: usize| rec.get(cols[i]).unwrap_or("").to_string();
    let n = |i: usize| number::<usize>(path, rec, cols[i], MATCH_COLUMNS[i]);
    let seg = Segment {
        passage: number(path, rec, cols[2], "passage")?,
        a: n(3)?..n(4)?,
        b: n(5)?..n(6)?,
        words: number(path, rec, cols[7], "words")?,
        line,
    };
    if seg.a.start > seg.a.end || seg.b.start > seg.b.end {
        bail!("{}: a segment must start before it ends ({:?}, {:?})", at(path, line), seg.a, seg.b);
    }
    if seg.passage == 0 {
        bail!("{}: passage numbers start at 1", at(path, line));
    }
    Ok((get(0), get(1), seg))
}

/// One pass over `matches.csv`: checks every row and indexes the rows of each copy.
fn index_matches(path: &Path) -> Result<MatchIndex> {
    let (mut rd, header) = open_csv(path)?;
    let cols = columns(path, &header, MATCH_COLUMNS)?;
    let mut by_copy: HashMap<Box<str>, (csv::Position, u32)> = HashMap::new();
    let mut current: Option<(String, String)> = None;
    let mut rec = csv::StringRecord::new();
    loop {
        let pos = rd.position().clone();
        if !rd.read_record(&mut rec).with_context(|| format!("reading {}", path.display()))? {
            break;
        }
        let (a, b, seg) = parse_segment(path, &rec, &cols)?;
        if current.as_ref().is_some_and(|(ca, cb)| *ca == a && *cb == b) {
            if let Some(e) = by_copy.get_mut(b.as_str()) {
                e.1 += 1;
            }
            continue;
        }
        if let Some((first, _)) = by_copy.get(b.as_str()) {
            bail!(
                "{}: the rows of copy {b:?} started on line {}; a copy's rows must be together",
                at(path, seg.line),
                first.line()
            );
        }
        by_copy.insert(b.clone().into_boxed_str(), (pos, 1));
        current = Some((a, b));
    }
    Ok(MatchIndex { path: path.to_path_buf(), cols, by_copy })
}

/// The `id` of a line of `documents.jsonl`. The lines reprint writes start with it, so only
/// that string is parsed, not the long text after it (the index is built over every document
/// of every cluster, the line is parsed whole when its document is shown); other lines are
/// parsed whole.
fn line_id(line: &[u8]) -> serde_json::Result<String> {
    const PREFIX: &[u8] = b"{\"id\":\"";
    if let Some(rest) = line.strip_prefix(PREFIX) {
        // The string ends at the first quote that a backslash does not escape.
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'\\' => i += 2,
                b'"' => return serde_json::from_slice(&line[PREFIX.len() - 1..PREFIX.len() + i + 1]),
                _ => i += 1,
            }
        }
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    serde_json::from_slice::<IdOnly>(line).map(|d| d.id)
}

/// One pass over `documents.jsonl`: the offset of each document's line.
fn index_documents(path: &Path) -> Result<DocIndex> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut rd = BufReader::with_capacity(1 << 16, f);
    let mut index = DocIndex { path: path.to_path_buf(), by_id: HashMap::new() };
    let mut buf = Vec::new();
    let (mut offset, mut line) = (0u64, 0u64);
    loop {
        buf.clear();
        let n = rd.read_until(b'\n', &mut buf).with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        line += 1;
        if !buf.iter().all(u8::is_ascii_whitespace) {
            let id = line_id(&buf).with_context(|| at(path, line))?;
            index.add(id, offset, line, n as u64)?;
        }
        offset += n as u64;
    }
    Ok(index)
}

impl DocIndex {
    fn add(&mut self, id: String, offset: u64, line: u64, len: u64) -> Result<()> {
        match self.by_id.entry(id.into_boxed_str()) {
            Entry::Occupied(e) => {
                bail!("{}: document {:?} is already on line {}", at(&self.path, line), e.key(), e.get().1)
            }
            Entry::Vacant(e) => e.insert((offset, line, len)),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, content) in files {
            fs::write(d.path().join(name), content).unwrap();
        }
        d
    }

    const HEADER: &str = "cluster_id,doc_id,role,relation,similarity,source,url,date,title\n";

    #[test]
    fn a_document_line_gives_its_id_wherever_the_id_is() {
        let id = |line: &str| line_id(line.as_bytes()).ok();
        assert_eq!(id(r#"{"id":"d1","text":"long"}"#).as_deref(), Some("d1"));
        assert_eq!(id(r#"{"id":"say \"hi\" \\","text":"x"}"#).as_deref(), Some(r#"say "hi" \"#));
        assert_eq!(id(r#"{"id":"caf\u00e9"}"#).as_deref(), Some("café"));
        assert_eq!(id(r#"{"text":"x","id":"later"}"#).as_deref(), Some("later"));
        assert_eq!(id(r#"{ "id" : "spaced" }"#).as_deref(), Some("spaced"));
        assert_eq!(id(r#"{"id":"unterminated"#), None);
        assert_eq!(id(r#"{"text":"no id"}"#), None);
    }

    #[test]
    fn reads_clusters_largest_first_with_their_figures() {
        let clusters = format!(
            "{HEADER}1,a,original,,,wire,,,A\n1,b,copy,spun,0.1200,blog,,,B\n\
             2,c,original,,,wire,,,C\n2,d,copy,exact,1.0000,blog,,,D\n2,e,copy,wrapped,0.5,site,,,E\n"
        );
        let d = dir_with(&[("clusters.csv", &clusters)]);
        let r = ReportDir::open(d.path()).unwrap();
        assert!(!r.has_evidence());
        assert_eq!(r.clusters.iter().map(|c| (c.id, c.size)).collect::<Vec<_>>(), [(2, 3), (1, 2)]);
        assert_eq!(r.stats.copies, [1, 1, 0, 0, 1]);
        assert_eq!(r.stats.sources["blog"], 2);
        assert_eq!(r.stats.similarity[2][4], 1, "0.12 is in the third bin");
        assert_eq!(r.stats.similarity[HISTOGRAM_BINS - 1][0], 1, "1.0 is in the last bin");
        let c = r.reader().unwrap().cluster(&r.clusters[1]).unwrap();
        assert_eq!(c.original.doc_id, "a");
        assert_eq!(c.copies[0].relation, Some(Relation::Spun));
        assert_eq!(c.copies[0].similarity, Some(0.12));
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let cases = [
            (format!("{HEADER}1,a,original,,,,,,\n1,b,copy,stolen,0.5,,,,\n"), "clusters.csv:3", "relation"),
            (format!("{HEADER}1,a,original,,,,,,\n1,b,copy,spun,lots,,,,\n"), "clusters.csv:3", "similarity"),
            (format!("{HEADER}x,a,original,,,,,,\n"), "clusters.csv:2", "cluster_id"),
            (format!("{HEADER}1,a,boss,,,,,,\n"), "clusters.csv:2", "role"),
            (format!("{HEADER}1,a,original,,,,,,\n1,b,original,,,,,,\n"), "clusters.csv", "exactly one"),
            (
                format!("{HEADER}1,a,original,,,,,,\n2,b,original,,,,,,\n1,c,copy,spun,0.2,,,,\n"),
                "clusters.csv:4",
                "together",
            ),
            (format!("{HEADER}1,a,original\n"), "clusters.csv", "fields"),
        ];
        for (content, place, what) in cases {
            let d = dir_with(&[("clusters.csv", &content)]);
            let e = format!("{:#}", ReportDir::open(d.path()).err().expect(&content));
            assert!(e.contains(place) && e.contains(what), "{e}");
        }
        let d = dir_with(&[("clusters.csv", "id,doc\n")]);
        let e = format!("{:#}", ReportDir::open(d.path()).err().unwrap());
        assert!(e.contains("cluster_id"), "{e}");
    }

    const MHEADER: &str = "doc_a,doc_b,passage,a_start,a_end,b_start,b_end,words\n";

    #[test]
    fn reads_matches_and_documents_by_seeking() {
        let clusters = format!("{HEADER}1,a,original,,,,,,\n1,b,copy,spun,0.2,,,,\n1,c,copy,exact,1,,,,\n");
        let matches = format!("{MHEADER}a,b,1,0,5,0,5,1\na,b,1,10,15,12,17,1\na,c,1,0,20,0,20,4\n");
        let docs =
            "{\"id\":\"b\",\"text\":\"hello there world\"}\n\n{\"id\":\"a\",\"title\":\"T\",\"text\":\"héllo\"}\n";
        let d = dir_with(&[("clusters.csv", &clusters), ("matches.csv", &matches), ("documents.jsonl", docs)]);
        let index = ReportDir::open(d.path()).unwrap();
        assert!(index.has_evidence());
        let mut r = index.reader().unwrap();
        let segs = r.segments("a", "b").unwrap();
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[1].a.clone(), segs[1].b.clone(), segs[1].line), (10..15, 12..17, 3));
        assert_eq!(r.segments("a", "c").unwrap().len(), 1);
        assert!(r.segments("a", "zz").unwrap().is_empty());
        let e = format!("{:#}", r.segments("x", "b").unwrap_err());
        assert!(e.contains("matches.csv:2") && e.contains("original"), "{e}");
        assert_eq!(r.document("a").unwrap().unwrap().text, "héllo");
        assert_eq!(r.document("b").unwrap().unwrap().text, "hello there world");
        assert_eq!(r.document("a").unwrap().unwrap().title, "T", "read again, backwards");
        assert!(r.document("nope").unwrap().is_none());
        // In file order the reader goes on without seeking; out of order it seeks back.
        assert_eq!(r.segments("a", "b").unwrap()[0].line, 2);
        assert_eq!(r.segments("a", "c").unwrap()[0].line, 4);
        assert_eq!(r.segments("a", "b").unwrap()[1].line, 3);
        // The file shrinks after it was indexed: an error naming it and the line, not a panic.
        fs::write(d.path().join("documents.jsonl"), "{}").unwrap();
        let e = format!("{:#}", r.document("a").unwrap_err());
        assert!(e.contains("documents.jsonl:3"), "{e}");
    }

    #[test]
    fn a_part_of_a_large_cluster_is_its_copies_wherever_the_original_is() {
        // 150 copies, the original's row among them, then a small cluster.
        let mut clusters = HEADER.to_string();
        for k in 0..150 {
            if k == 70 {
                clusters.push_str("1,orig,original,,,wire,,,O\n");
            }
            clusters.push_str(&format!("1,c{k},copy,spun,0.5,blog,,,T{k}\n"));
        }
        clusters.push_str("2,x,original,,,,,,\n2,y,copy,exact,1,,,,\n");
        let d = dir_with(&[("clusters.csv", &clusters)]);
        let index = ReportDir::open(d.path()).unwrap();
        let e = &index.clusters[0];
        assert_eq!((e.id, e.size), (1, 151));
        let mut r = index.reader().unwrap();
        let whole = r.cluster(e).unwrap();
        for range in [0..64, 64..128, 128..150, 70..72] {
            let (original, copies) = r.part(e, range.clone()).unwrap();
            assert_eq!(original.doc_id, "orig");
            assert_eq!(copies, whole.copies[range.clone()], "copies {range:?}");
        }
        let (_, small) = r.part(&index.clusters[1], 0..1).unwrap();
        assert_eq!(small[0].doc_id, "y");
    }

    #[test]
    fn clusters_are_read_in_any_order() {
        let clusters = format!(
            "{HEADER}1,a,original,,,,,,\n1,b,copy,spun,0.2,,,,\n2,c,original,,,,,,\n2,d,copy,exact,1,,,,\n\
             2,e,copy,exact,1,,,,\n"
        );
        let d = dir_with(&[("clusters.csv", &clusters)]);
        let index = ReportDir::open(d.path()).unwrap();
        let mut r = index.reader().unwrap();
        let originals: Vec<String> =
            [1, 0, 0, 1, 1].into_iter().map(|k| r.cluster(&index.clusters[k]).unwrap().original.doc_id).collect();
        assert_eq!(originals, ["a", "c", "c", "a", "a"]);
    }

    #[test]
    fn bad_matches_and_documents_name_the_file_and_line() {
        let clusters = format!("{HEADER}1,a,original,,,,,,\n1,b,copy,spun,0.2,,,,\n");
        let cases = [
            (format!("{MHEADER}a,b,1,0,5,0,5,1\na,b,1,9,5,0,5,1\n"), "", "matches.csv:3"),
            (format!("{MHEADER}a,b,1,0,x,0,5,1\n"), "", "matches.csv:2"),
            (format!("{MHEADER}a,b,0,0,5,0,5,1\n"), "", "matches.csv:2"),
            (format!("{MHEADER}a,b,1,0,5,0,5,1\na,c,1,0,5,0,5,1\na,b,2,9,10,9,10,1\n"), "", "matches.csv:4"),
            (MHEADER.to_string(), "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\": 3}\n", "documents.jsonl:2"),
            (
                MHEADER.to_string(),
                "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n",
                "documents.jsonl:2",
            ),
        ];
        for (matches, docs, place) in cases {
            let d = dir_with(&[("clusters.csv", &clusters), ("matches.csv", &matches), ("documents.jsonl", docs)]);
            let e = format!("{:#}", ReportDir::open(d.path()).err().expect(place));
            assert!(e.contains(place), "{e}");
        }
    }
}
