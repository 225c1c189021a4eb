//! The scan: every stage wired together, from paths to clusters.
//!
//! ```text
//! read (one thread) -> [tokenise, shingle, sketch, spool] (all threads, chunk by chunk)
//!   -> LSH candidates per view -> verify (all threads) -> anchored clusters -> name originals
//! ```
//!
//! Memory: per document only its spool address, a fingerprint and its band keys stay in memory;
//! texts are read back from the spool for candidate pairs and the report.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::boilerplate::{source_key, Boilerplate};
use crate::cluster::{anchored, components, Link, UnionFind};
use crate::corpus::{Corpus, DocEntry};
use crate::date::parse_timestamp;
use crate::input::{read_paths, Chunk, Deferred, InputOptions, LineCount, LineRef};
use crate::lsh::{
    anchors, band_keys, band_pairs, candidate_pairs, choose_bands, shared_anchor_pairs, AnchorCount, BandKeys, Bands,
    BucketStats, MAX_ANCHORS,
};
use crate::messages::{Location, Messages, Reason};
use crate::normalize::{text_fingerprint, Token, Tokenizer};
use crate::origin::{pick_original, relation, Member, Relation, WireSources};
use crate::progress::Progress;
use crate::shingle::{mix, shingles, View};
use crate::sketch::{agreement, low_bytes, Sketcher, CHECK_BYTES, MIN_AGREEMENT};
use crate::spool::{Spool, SpoolRef};
use crate::verify::{Measures, Profile};
use crate::Document;

/// One LSH index over one view of the documents.
#[derive(Clone, Debug, Serialize)]
pub struct ViewConfig {
    pub view: &'static str,
    #[serde(skip)]
    pub kind: View,
    /// Words per shingle.
    pub shingle: usize,
    /// Jaccard similarity the banding aims at.
    pub threshold: f64,
    #[serde(flatten)]
    pub bands: Bands,
}

/// Everything a scan needs, resolved from the command line (or built by a library caller).
#[derive(Clone, Debug)]
pub struct ScanConfig {
    pub inputs: Vec<PathBuf>,
    pub input: InputOptions,
    pub num_perm: usize,
    pub views: Vec<ViewConfig>,
    /// The anchors view (containment candidates, and the anchors boilerplate is found from).
    pub anchors: bool,
    pub max_bucket: usize,
    pub wire_sources: WireSources,
    pub progress: bool,
    /// Where the spool goes (default: the system's temporary directory).
    pub temp_dir: Option<PathBuf>,
}

impl ScanConfig {
    /// The default views: word 5-grams at `threshold` (or the given bands and rows), and the
    /// function-word skeleton for spun copies.
    pub fn default_views(
        num_perm: usize,
        shingle: usize,
        threshold: f64,
        bands: Option<usize>,
        rows: Option<usize>,
    ) -> Vec<ViewConfig> {
        let words = match (bands, rows) {
            (Some(b), Some(r)) => Bands { bands: b, rows: r },
            (Some(b), None) => Bands { bands: b, rows: (num_perm / b).max(1) },
            (None, Some(r)) => Bands { bands: (num_perm / r).max(1), rows: r },
            (None, None) => choose_bands(threshold, num_perm),
        };
        vec![
            ViewConfig { view: "words", kind: View::Words, shingle, threshold, bands: words },
            ViewConfig {
                view: "skeleton",
                kind: View::Skeleton,
                shingle: SKELETON_SHINGLE,
                threshold: SKELETON_THRESHOLD,
                bands: choose_bands(SKELETON_THRESHOLD, num_perm),
            },
        ]
    }
}

/// Function words per skeleton shingle, and the Jaccard threshold of the skeleton view (on the
/// development corpus spun copies keep 0.15 to 0.8 of their skeleton 5-grams, 0.5 for all but
/// one in twenty; unrelated texts stay under 0.08 for 99 pairs in 100).
pub const SKELETON_SHINGLE: usize = 5;
pub const SKELETON_THRESHOLD: f64 = 0.2;
/// What a document needs to take part in the skeleton view: this many function-word 5-grams, and
/// function words making up this share of its words. English prose is 40 to 50 % function words
/// (spun or not); a text in another language matches only a few of them by accident ("in", "so",
/// "was"), and its few, repetitive skeleton shingles collide by chance: 516 mostly German web
/// pages gave 1,838 skeleton candidates, none a copy. Such texts are still found by the other
/// views.
pub const MIN_SKELETON_SHINGLES: usize = 10;
pub const MIN_FUNCTION_WORD_PERCENT: usize = 20;

/// Whether a document of `words` words, with this many skeleton shingles of `n` function words,
/// takes part in the skeleton view (see [`MIN_SKELETON_SHINGLES`]). The shingles tell how many
/// function words there are (`n - 1` more than shingles, once there are two or more shingles),
/// so the words are not looked at again.
pub fn has_skeleton(words: usize, skeleton_shingles: usize, n: usize) -> bool {
    const { assert!(MIN_SKELETON_SHINGLES >= 2) };
    skeleton_shingles >= MIN_SKELETON_SHINGLES && (skeleton_shingles + n - 1) * 100 >= MIN_FUNCTION_WORD_PERCENT * words
}

/// Words per anchor shingle.
pub const ANCHOR_SHINGLE: usize = 5;

/// A copy in a cluster, described against the cluster's original.
#[derive(Clone, Debug, Serialize)]
pub struct Copy {
    pub doc: u32,
    pub relation: Relation,
    pub measures: MeasuresOut,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct MeasuresOut {
    pub similarity: f64,
    pub containment: f64,
}

impl From<&Measures> for MeasuresOut {
    fn from(m: &Measures) -> Self {
        MeasuresOut { similarity: m.similarity(), containment: m.containment() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    pub original: u32,
    pub copies: Vec<Copy>,
}

/// A verified pair, oriented original first.
#[derive(Clone, Debug)]
pub struct Pair {
    pub a: u32,
    pub b: u32,
    pub relation: Relation,
    pub measures: Measures,
}

/// Seconds spent in each stage.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub read_and_sketch: f64,
    pub candidates: f64,
    pub verify: f64,
    pub cluster: f64,
    pub report: f64,
    /// From the first read to the last report file: [`scan`] sets it to the end of clustering
    /// and the report stage adds its own seconds, so the summary's speed is end to end.
    pub total: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct CandidateStats {
    pub view: String,
    pub pairs: u64,
    #[serde(flatten)]
    pub buckets: BucketStats,
}

/// The outcome of a scan, before it is written out.
pub struct ScanResult {
    pub corpus: Corpus,
    pub clusters: Vec<Cluster>,
    pub pairs: Vec<Pair>,
    pub files: u64,
    pub bytes: u64,
    pub candidates: Vec<CandidateStats>,
    pub candidate_pairs: u64,
    /// Boilerplate shingles found, and the sources they belong to.
    pub boilerplate: (usize, usize),
    pub timings: Timings,
}

/// What stage 1 keeps of every document, in input order.
#[derive(Default)]
struct Sketches {
    entries: Vec<DocEntry>,
    /// Band keys of every document (the views' bands one after the other).
    keys: BandKeys,
    anchor_entries: Vec<(u32, u32)>,
    /// Per document: how many anchors, at which sampling level.
    anchor_info: Vec<AnchorCount>,
    id_hashes: Vec<(u64, u32)>,
    /// Low bytes of every document's skeleton signature, `CHECK_BYTES` each.
    checks: Vec<u8>,
    sources: Vec<u64>,
}

impl Sketches {
    /// Appends a worker's results for the next chunk of input.
    fn append(&mut self, out: Result<ChunkOut>) -> Result<()> {
        let out = out?;
        let mut anchor_at = 0;
        self.sources.extend(&out.sources);
        for (k, (e, idh)) in out.entries.into_iter().zip(out.id_hashes).enumerate() {
            let idx = self.entries.len() as u32;
            self.entries.push(e);
            self.id_hashes.push((idh, idx));
            let n = out.anchor_counts[k] as usize;
            self.anchor_info.push(AnchorCount { kept: n as u16, level: out.anchor_levels[k] });
            self.anchor_entries.extend(out.anchors[anchor_at..anchor_at + n].iter().map(|&a| (a, idx)));
            anchor_at += n;
        }
        self.keys.push(&out.keys);
        self.checks.extend_from_slice(&out.checks);
        Ok(())
    }
}

/// What one worker produced for one chunk of input.
struct ChunkOut {
    entries: Vec<DocEntry>,
    /// Band keys of all documents of the chunk, one block of `keys_per_doc` per document.
    keys: Vec<u32>,
    /// Anchors of all documents of the chunk, `anchor_counts[k]` of them for document `k`.
    anchors: Vec<u32>,
    anchor_counts: Vec<u32>,
    anchor_levels: Vec<u8>,
    /// [`CHECK_BYTES`] low bytes of the skeleton signature per document.
    checks: Vec<u8>,
    id_hashes: Vec<u64>,
    sources: Vec<u64>,
    /// Problems of a range of JSON lines, reported when the chunk is merged (in input order,
    /// which numbers their lines).
    deferred: Option<Deferred>,
}

struct Worker<'a> {
    cfg: &'a ScanConfig,
    msgs: &'a Messages,
    spool: &'a Spool,
    tokenizer: Tokenizer,
    tokens: Vec<Token>,
    /// Room the skeleton view's function words and the anchors' sample are compacted into, one
    /// after the other (each writes before it reads, so it is only grown, never cleared).
    scratch: Vec<u64>,
    shingles: Vec<u64>,
    sig: Vec<u64>,
    sketcher: Sketcher,
    docs: Vec<Document>,
    /// Where each of `docs` lies in its input file, when it is read back from there.
    lines: Vec<LineRef>,
    buf: Vec<u8>,
}

impl<'a> Worker<'a> {
    fn new(cfg: &'a ScanConfig, msgs: &'a Messages, spool: &'a Spool) -> Self {
        Worker {
            cfg,
            msgs,
            spool,
            tokenizer: Tokenizer::new(),
            tokens: Vec::new(),
            scratch: Vec::new(),
            shingles: Vec::new(),
            sig: vec![0; cfg.num_perm],
            sketcher: Sketcher::new(cfg.num_perm),
            docs: Vec::new(),
            lines: Vec::new(),
            buf: Vec::new(),
        }
    }

    fn process(&mut self, chunk: Chunk) -> Result<ChunkOut> {
        self.docs.clear();
        // Documents of an uncompressed JSON lines file are read back from it; others are spooled.
        let (located, deferred) = chunk.parse_located(&self.cfg.input, self.msgs, &mut self.docs, &mut self.lines);
        let input = located.map(|(name, file)| self.spool.input(&name, &file));
        let keys_per_doc: usize = self.cfg.views.iter().map(|v| v.bands.bands).sum();
        // Every per-document vector sized up front (anchors at about their usual count), so
        // none is grown and copied while the chunk is sketched.
        let n = self.docs.len();
        let mut out = ChunkOut {
            entries: Vec::with_capacity(n),
            keys: Vec::with_capacity(n * keys_per_doc),
            anchors: Vec::with_capacity(n * MAX_ANCHORS / 2),
            anchor_counts: Vec::with_capacity(n),
            anchor_levels: Vec::with_capacity(n),
            checks: Vec::with_capacity(n * CHECK_BYTES),
            id_hashes: Vec::with_capacity(n),
            sources: Vec::with_capacity(n),
            deferred,
        };
        self.buf.clear();
        let mut lens = Vec::with_capacity(self.docs.len());
        let docs = std::mem::take(&mut self.docs);
        for (k, doc) in docs.iter().enumerate() {
            self.tokens.clear();
            self.tokenizer.tokenize(&doc.text, &mut self.tokens);
            if self.tokens.is_empty() {
                self.msgs.skip(
                    Reason::EmptyText,
                    &Location::file(format!("document {:?}", doc.id)),
                    "no words in the text",
                );
                continue;
            }
            let mut anchored = !self.cfg.anchors;
            for view in &self.cfg.views {
                self.shingles.clear();
                shingles(&self.tokens, view.kind, view.shingle, &mut self.scratch, &mut self.shingles);
                if view.kind == View::Words && view.shingle == ANCHOR_SHINGLE && !anchored {
                    self.anchors(&mut out);
                    anchored = true;
                }
                let too_few =
                    view.kind == View::Skeleton && !has_skeleton(self.tokens.len(), self.shingles.len(), view.shingle);
                if too_few || !self.sketcher.sketch(&self.shingles, &mut self.sig) {
                    // No shingle in this view (a text without function words), or too few for
                    // MinHash to mean anything: values that match nothing, so the blocks keep
                    // their length.
                    let salt = xxh3_64(doc.id.as_bytes()) ^ 0xdead_beef ^ view.kind as u64;
                    for (i, v) in self.sig.iter_mut().enumerate() {
                        *v = mix(salt.wrapping_add(i as u64));
                    }
                }
                band_keys(&self.sig, view.bands, &mut out.keys);
                if view.kind == View::Skeleton {
                    low_bytes(&self.sig, &mut out.checks);
                }
            }
            if !anchored {
                self.shingles.clear();
                shingles(&self.tokens, View::Words, ANCHOR_SHINGLE, &mut self.scratch, &mut self.shingles);
                self.anchors(&mut out);
            } else if !self.cfg.anchors {
                out.anchor_counts.push(0);
                out.anchor_levels.push(0);
            }
            let mut entry = DocEntry::new(text_fingerprint(&self.tokens), parse_timestamp(&doc.date));
            match input {
                Some(input) => entry.spool = SpoolRef::line(input, self.lines[k]),
                None => lens.push(Spool::encode_append(doc, &mut self.buf)),
            }
            out.entries.push(entry);
            out.id_hashes.push(xxh3_64(doc.id.as_bytes()));
            out.sources.push(source_key(doc));
        }
        self.docs = docs;
        if input.is_none() {
            let refs = self.spool.append(&self.buf, &lens).context("writing to the spool")?;
            for (e, r) in out.entries.iter_mut().zip(refs) {
                e.spool = r;
            }
        }
        Ok(out)
    }

    /// The anchors of the word shingles in `self.shingles`.
    fn anchors(&mut self, out: &mut ChunkOut) {
        let before = out.anchors.len();
        let level = anchors(&self.shingles, &mut self.scratch, &mut out.anchors);
        out.anchor_counts.push((out.anchors.len() - before) as u32);
        out.anchor_levels.push(level);
    }
}

/// Runs the scan. Per-record problems go to `msgs`; errors are fatal ones (unreadable spool,
/// a path that does not exist).
pub fn scan(cfg: &ScanConfig, msgs: &Messages) -> Result<ScanResult> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let spool = Spool::new(cfg.temp_dir.as_deref(), cfg.input.clone()).context("creating the spool")?;
    let keys_per_doc: usize = cfg.views.iter().map(|v| v.bands.bands).sum();
    let progress = Progress::new(cfg.progress);

    // Stage 1: read, tokenise, sketch, spool. The reading thread hands each chunk to the
    // thread pool as it comes; this thread merges the results in input order. No batch waits
    // for its slowest chunk: a pool thread takes the next chunk as soon as it is free.
    let mut sketches = Sketches { keys: BandKeys::new(keys_per_doc), ..Sketches::default() };
    let threads = rayon::current_num_threads().max(1);
    // Chunks handed out but not yet merged: the bound on the memory a slow merge can hold up.
    let (slot_tx, slot_rx) = sync_channel::<()>(IN_FLIGHT_PER_THREAD * threads);
    let (done_tx, done_rx) = channel::<(u64, Result<ChunkOut>)>();
    let workers: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
    let stats = rayon::in_place_scope(|pool| {
        std::thread::scope(|s| -> Result<crate::input::InputStats> {
            let (inputs, opts, progress, workers) = (&cfg.inputs, &cfg.input, &progress, &workers);
            let spool = &spool;
            let handle = s.spawn(move || {
                let mut seq = 0u64;
                read_paths(inputs, opts, msgs, &mut |chunk| {
                    progress.add_bytes(chunk.len_bytes());
                    // Waits while too many chunks are unmerged; fails once merging stopped.
                    if slot_tx.send(()).is_err() {
                        return false;
                    }
                    let done = done_tx.clone();
                    pool.spawn(move |_| {
                        let worker = workers.lock().unwrap_or_else(|e| e.into_inner()).pop();
                        let mut worker = worker.unwrap_or_else(|| Worker::new(cfg, msgs, spool));
                        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.process(chunk)))
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("a sketching thread panicked")));
                        workers.lock().unwrap_or_else(|e| e.into_inner()).push(worker);
                        // The merging side may have stopped on an error; nothing to do then.
                        let _ = done.send((seq, out));
                    });
                    seq += 1;
                    true
                })
            });
            // Results come in any order; each is merged when its turn comes. The loop ends when
            // the reader has stopped and every chunk it handed out is done.
            let mut waiting: BTreeMap<u64, Result<ChunkOut>> = BTreeMap::new();
            let mut next = 0;
            let mut merged = Ok(());
            let mut lines = LineCount::default();
            for (seq, out) in done_rx {
                waiting.insert(seq, out);
                while let Some(mut out) = waiting.remove(&next) {
                    next += 1;
                    if let Some(deferred) = out.as_mut().ok().and_then(|o| o.deferred.take()) {
                        deferred.report(msgs, &mut lines);
                    }
                    if merged.is_ok() {
                        merged = sketches.append(out);
                    }
                    let _ = slot_rx.try_recv();
                    progress.set_docs(sketches.entries.len() as u64);
                }
                if merged.is_err() {
                    // Stops the reader at its next chunk.
                    break;
                }
            }
            drop(slot_rx);
            let stats = handle.join().map_err(|_| anyhow::anyhow!("the reading thread panicked"))?;
            merged.and(stats)
        })
    })?;
    let Sketches { entries, keys, mut anchor_entries, anchor_info, mut id_hashes, checks, sources } = sketches;
    let mut corpus = Corpus { spool, docs: entries, renamed: Vec::new(), known: Default::default() };
    corpus.renamed = rename_duplicate_ids(&corpus, &mut id_hashes, msgs)?;
    timings.read_and_sketch = started.elapsed().as_secs_f64();

    // Stage 2: candidates from each view, plus exact duplicates by fingerprint.
    let t = Instant::now();
    progress.stage("finding candidates");
    let mut all_pairs: Vec<(u32, u32)> = Vec::new();
    let mut candidates = Vec::new();
    let mut first = 0;
    for view in &cfg.views {
        let (mut pairs, buckets) = band_pairs(&keys, first..first + view.bands.bands, cfg.max_bucket);
        first += view.bands.bands;
        if view.kind == View::Skeleton {
            // Chance collisions of the skeleton's two-row bands grow with the square of the
            // corpus; the signatures' low bytes tell them from real matches (see sketch.rs).
            let check = |d: u32| &checks[d as usize * CHECK_BYTES..(d as usize + 1) * CHECK_BYTES];
            pairs = pairs.into_par_iter().filter(|&(a, b)| agreement(check(a), check(b)) >= MIN_AGREEMENT).collect();
        }
        candidates.push(CandidateStats { view: view.view.to_string(), pairs: pairs.len() as u64, buckets });
        all_pairs.extend(pairs);
    }
    drop(keys);
    drop(checks);
    // Pairs by shared anchors and each site's boilerplate come from the same sorted entries.
    // Boilerplate is only needed to verify, so it is learnt side by side with the rest of this
    // stage: its work fills the gaps of the other side's sequential steps and of copying the
    // candidates out, which waits on the file system.
    crate::shingle::par_sort_keyed(&mut anchor_entries);
    let (boilerplate, copied) = rayon::join(
        || {
            Boilerplate::find(
                &anchor_entries,
                &sources,
                |d| corpus.docs[d as usize].fingerprint,
                |d| corpus.word_shingles(d),
            )
        },
        || {
            let (pairs, buckets) = shared_anchor_pairs(&anchor_entries, &anchor_info, cfg.max_bucket);
            if cfg.anchors {
                candidates.push(CandidateStats { view: "anchors".into(), pairs: pairs.len() as u64, buckets });
            }
            all_pairs.extend(pairs);
            let exact: Vec<(u64, u32)> =
                corpus.docs.iter().enumerate().map(|(i, d)| (d.fingerprint, i as u32)).collect();
            let (pairs, buckets) = candidate_pairs(&exact, cfg.max_bucket);
            candidates.push(CandidateStats { view: "exact".into(), pairs: pairs.len() as u64, buckets });
            all_pairs.extend(pairs);
            all_pairs.par_sort_unstable();
            all_pairs.dedup();
            let mut members: Vec<u32> = all_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
            members.par_sort_unstable();
            members.dedup();
            corpus.copy_out(&members)
        },
    );
    let boilerplate = boilerplate?;
    drop(anchor_entries);
    corpus.take(copied?);
    let candidate_count = all_pairs.len() as u64;
    timings.candidates = t.elapsed().as_secs_f64();

    // Stage 3: verify each candidate pair on the texts.
    let t = Instant::now();
    progress.stage("verifying pairs");
    let verifier = Verifier { corpus: &corpus, sources: &sources, boilerplate: &boilerplate };
    let verified = verify_pairs(&verifier, &all_pairs)?;
    drop(all_pairs);
    timings.verify = t.elapsed().as_secs_f64();

    // Stage 4: clusters and originals.
    let t = Instant::now();
    progress.stage("clustering");
    let (clusters, pairs) = build_clusters(&verifier, verified, &cfg.wire_sources)?;
    let boilerplate = boilerplate.counts();
    drop(sources);
    timings.cluster = t.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();
    progress.finish();
    Ok(ScanResult {
        corpus,
        clusters,
        pairs,
        files: stats.files,
        bytes: stats.bytes,
        candidates,
        candidate_pairs: candidate_count,
        boilerplate,
        timings,
    })
}

/// Later records whose id was already taken get `#2`, `#3`... appended, with a warning.
fn rename_duplicate_ids(corpus: &Corpus, id_hashes: &mut [(u64, u32)], msgs: &Messages) -> Result<Vec<(u32, String)>> {
    id_hashes.par_sort_unstable();
    let mut renamed = Vec::new();
    // Same hash: group by the real id (hash collisions are possible, if unlikely).
    for group in id_hashes.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
        let mut seen: HashMap<String, u32> = HashMap::new();
        for &(_, idx) in group {
            let id = corpus.spool.read_meta(corpus.docs[idx as usize].spool)?.id;
            let n = seen.entry(id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                let new = format!("{id}#{n}");
                msgs.warn(
                    Reason::DuplicateId,
                    &Location::file(format!("document {id:?}")),
                    format_args!("id already used by an earlier record; renamed {new:?}"),
                );
                renamed.push((idx, new));
            }
        }
    }
    renamed.sort_unstable_by_key(|r| r.0);
    Ok(renamed)
}

/// Measures of pairs as verification sees them: pages of the same source without the
/// boilerplate they share (see [`crate::boilerplate`]), other pairs whole.
struct Verifier<'a> {
    corpus: &'a Corpus,
    sources: &'a [u64],
    boilerplate: &'a Boilerplate,
}

impl Verifier<'_> {
    fn measure(&self, x: u32, a: &Profile, y: u32, b: &Profile) -> Measures {
        self.measure_with(x, a, y, b, Measures::of)
    }

    /// `measure(a, b)`, on the texts without their site's boilerplate when they share a site.
    fn measure_with<T>(
        &self,
        x: u32,
        a: &Profile,
        y: u32,
        b: &Profile,
        measure: impl Fn(&Profile, &Profile) -> T,
    ) -> T {
        let source = self.sources[x as usize];
        // Identical texts are copies whatever frames them.
        if source == self.sources[y as usize] && a.fingerprint != b.fingerprint {
            if let Some((a, b)) = self.boilerplate.strip(source, a, b) {
                return measure(&a, &b);
            }
        }
        measure(a, b)
    }

    fn measure_docs(&self, x: u32, y: u32) -> Result<Measures> {
        Ok(self.measure(x, &self.corpus.profile(x)?, y, &self.corpus.profile(y)?))
    }
}

/// Pairs verified per block: the profiles of a block's documents are built once each (in
/// parallel) and dropped after it, so memory stays bounded (a profile is ~60 bytes per word).
/// A block's profiles are read again by its pairs, best while they are still in cache: on the
/// 1 GB mkspeed corpus (some 17 MB of profiles a block), verification took 8 % fewer CPU
/// samples than with blocks of 512 (five runs against eight), 128 no fewer again; one story's
/// 10,000 copies, a component cut into blocks, took 4 % longer.
const VERIFY_BLOCK: usize = 256;

/// Chunks of input (about 1 MB each) per thread that may be read ahead of the merged results.
const IN_FLIGHT_PER_THREAD: usize = 2;

/// Verifies candidate pairs in parallel, a block of pairs at a time, building each text's
/// profile once per block however many of the block's pairs it is in. Returns the pairs that
/// are copies, with their measures, in the order of `pairs`.
///
/// Documents with the same fingerprint (the same words: exact copies, one in four copies of an
/// mkspeed corpus) share one profile. Their profiles would differ only in where each word stands
/// in its text, which verification does not look at.
fn verify_pairs(verifier: &Verifier, pairs: &[(u32, u32)]) -> Result<Vec<(u32, u32, Measures)>> {
    let corpus = verifier.corpus;
    let fingerprint = |d: u32| corpus.docs[d as usize].fingerprint;
    let (pairs, blocks) = verification_blocks(pairs, VERIFY_BLOCK);
    let mut verified = Vec::new();
    // The block's texts: (fingerprint, first document with it), sorted.
    let mut texts: Vec<(u64, u32)> = Vec::new();
    for block in blocks.iter().map(|r| &pairs[r.clone()]) {
        texts.clear();
        texts.extend(block.iter().flat_map(|p| [p.0, p.1]).map(|d| (fingerprint(d), d)));
        texts.sort_unstable();
        texts.dedup_by_key(|t| t.0);
        let profiles: Vec<Profile> = texts.par_iter().map(|&(_, d)| corpus.profile(d)).collect::<Result<_>>()?;
        let profile = |d: u32| &profiles[texts.binary_search_by_key(&fingerprint(d), |t| t.0).unwrap_or_default()];
        let found: Vec<(u32, u32, Measures)> = block
            .par_iter()
            .filter_map(|&(x, y)| Some((x, y, verifier.measure_with(x, profile(x), y, profile(y), Measures::of_copy)?)))
            .collect();
        verified.extend(found);
    }
    verified.par_sort_unstable_by_key(|v| (v.0, v.1));
    Ok(verified)
}

/// `pairs` reordered by connected component of the candidate graph, and cut into blocks of
/// about `size` pairs that keep each component whole (one larger than `2 * size` pairs is cut
/// in pieces of `size`). A document's pairs are all within its component, so it is profiled
/// once rather than once in every block that its pairs happen to fall in.
fn verification_blocks(pairs: &[(u32, u32)], size: usize) -> (Vec<(u32, u32)>, Vec<std::ops::Range<usize>>) {
    let mut docs: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    docs.par_sort_unstable();
    docs.dedup();
    let index = |d: u32| docs.binary_search(&d).unwrap_or_default() as u32;
    let mut uf = UnionFind::new(docs.len());
    for &(a, b) in pairs {
        uf.union(index(a), index(b));
    }
    let mut keyed: Vec<(u32, (u32, u32))> = pairs.iter().map(|&p| (uf.find(index(p.0)), p)).collect();
    keyed.par_sort_unstable();
    let mut blocks = Vec::new();
    let (mut start, mut at) = (0, 0);
    for component in keyed.chunk_by(|x, y| x.0 == y.0) {
        if component.len() > 2 * size {
            if at > start {
                blocks.push(start..at);
            }
            blocks.extend((at..at + component.len()).step_by(size).map(|s| s..(s + size).min(at + component.len())));
            start = at + component.len();
        } else if at + component.len() - start > 2 * size {
            blocks.push(start..at);
            start = at;
        }
        at += component.len();
        if at - start >= size {
            blocks.push(start..at);
            start = at;
        }
    }
    if at > start {
        blocks.push(start..at);
    }
    (keyed.into_iter().map(|k| k.1).collect(), blocks)
}

fn build_clusters(
    verifier: &Verifier,
    verified: Vec<(u32, u32, Measures)>,
    wire: &WireSources,
) -> Result<(Vec<Cluster>, Vec<Pair>)> {
    let corpus = verifier.corpus;
    let edges: Vec<(u32, u32)> = verified.iter().map(|v| (v.0, v.1)).collect();
    let nodes: Vec<u32> = edges.iter().flat_map(|e| [e.0, e.1]).collect();
    let comps = components(&nodes, &edges);
    let measured: HashMap<(u32, u32), Measures> = verified.iter().map(|v| ((v.0, v.1), v.2)).collect();
    let links: Vec<Link> =
        verified.iter().map(|v| Link { a: v.0, b: v.1, weight: v.2.short.max().max(v.2.skeleton.max()) }).collect();

    // Measures of any pair: from verification, or computed now.
    let measure = |a: u32, b: u32| -> Result<Measures> {
        if let Some(m) = measured.get(&(a, b)) {
            return Ok(*m);
        }
        if let Some(m) = measured.get(&(b, a)) {
            return Ok(m.flipped());
        }
        verifier.measure_docs(a, b)
    };

    // Each component's own links, found in one pass over all links.
    let component_of: HashMap<u32, usize> =
        comps.iter().enumerate().flat_map(|(c, members)| members.iter().map(move |&m| (m, c))).collect();
    let mut links_of: Vec<Vec<Link>> = vec![Vec::new(); comps.len()];
    for l in links {
        links_of[component_of[&l.a]].push(l);
    }

    let per_component: Vec<Result<Vec<Cluster>>> = comps
        .par_iter()
        .zip(links_of)
        .map(|(comp, local)| {
            // What naming needs of each member, read once per component.
            let info: Vec<Member> = comp
                .iter()
                .map(|&i| {
                    let d = corpus.metadata(i)?;
                    Ok(Member {
                        index: i,
                        timestamp: corpus.docs[i as usize].timestamp(),
                        wire: wire.contains(&d.source),
                    })
                })
                .collect::<Result<_>>()?;
            let failed: RefCell<Option<anyhow::Error>> = RefCell::new(None);
            let measure_or_note = |a: u32, b: u32| {
                measure(a, b).unwrap_or_else(|e| {
                    failed.borrow_mut().get_or_insert(e);
                    Measures::default()
                })
            };
            // Each group's anchor is its original, so every member is checked against it.
            let mut original_of = |members: &[u32], _: &[Link]| {
                let of: Vec<Member> = members
                    .iter()
                    .map(|m| {
                        comp.binary_search(m)
                            .map_or(Member { index: *m, timestamp: None, wire: false }, |k| info[k].clone())
                    })
                    .collect();
                members[pick_original(&of, &mut |x, y| measure_or_note(members[x], members[y]))]
            };
            let mut verify = |a: u32, b: u32| measure_or_note(a, b).is_copy();
            let groups = anchored(comp, &local, &mut original_of, &mut verify);
            if let Some(e) = failed.into_inner() {
                return Err(e);
            }
            let mut out = Vec::new();
            for members in groups {
                let original = members[0];
                let mut copies = Vec::new();
                for &m in &members[1..] {
                    let ms = measure(original, m)?;
                    copies.push(Copy { doc: m, relation: relation(&ms), measures: MeasuresOut::from(&ms) });
                }
                copies.sort_by(|x, y| y.measures.similarity.total_cmp(&x.measures.similarity).then(x.doc.cmp(&y.doc)));
                out.push(Cluster { original, copies });
            }
            Ok(out)
        })
        .collect();
    let mut clusters = Vec::new();
    for c in per_component {
        clusters.extend(c?);
    }
    clusters.sort_by(|a, b| b.copies.len().cmp(&a.copies.len()).then(a.original.cmp(&b.original)));

    // Verified pairs, oriented original-first: within a cluster, towards its original; otherwise
    // by the same naming rule applied to the pair.
    let mut original_of: HashMap<u32, u32> = HashMap::new();
    for c in &clusters {
        original_of.insert(c.original, c.original);
        for cp in &c.copies {
            original_of.insert(cp.doc, c.original);
        }
    }
    let mut pairs = Vec::with_capacity(verified.len());
    for (a, b, m) in verified {
        let is_original = |x: u32| original_of.get(&x) == Some(&x);
        let (ta, tb) = (corpus.docs[a as usize].timestamp(), corpus.docs[b as usize].timestamp());
        let b_first = match (is_original(a), is_original(b)) {
            (false, true) => true,
            (true, false) => false,
            _ => matches!((ta, tb), (Some(x), Some(y)) if y < x),
        };
        let (a, b, m) = if b_first { (b, a, m.flipped()) } else { (a, b, m) };
        pairs.push(Pair { a, b, relation: relation(&m), measures: m });
    }
    pairs.sort_by_key(|p| (p.a.min(p.b), p.a.max(p.b)));
    Ok((clusters, pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton_of(text: &str) -> bool {
        let mut tokens = Vec::new();
        Tokenizer::new().tokenize(text, &mut tokens);
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        shingles(&tokens, View::Skeleton, SKELETON_SHINGLE, &mut scratch, &mut out);
        let with_skeleton = has_skeleton(tokens.len(), out.len(), SKELETON_SHINGLE);
        let function_words = tokens.iter().filter(|t| t.stopword).count();
        assert_eq!(
            with_skeleton,
            out.len() >= MIN_SKELETON_SHINGLES && function_words * 100 >= MIN_FUNCTION_WORD_PERCENT * tokens.len(),
            "{text}"
        );
        with_skeleton
    }

    #[test]
    fn verification_blocks_keep_components_whole_and_cover_every_pair_once() {
        // Components of 1, 3, 6 and 40 pairs (one pair, a chain, a clique, a star), their
        // pairs interleaved as the sorted candidate list interleaves them.
        let mut pairs = vec![(0, 1), (2, 3), (3, 4), (4, 5)];
        pairs.extend((10..14).flat_map(|a| (a + 1..14).map(move |b| (a, b))).take(7));
        pairs.extend((101..141).map(|b| (6, b)));
        pairs.sort_unstable();
        let component = |p: (u32, u32)| match p.0 {
            0 => 0,
            2..=4 => 1,
            10..=13 => 2,
            _ => 3,
        };
        for size in [1, 2, 4, 8, 64] {
            let (ordered, blocks) = verification_blocks(&pairs, size);
            let mut seen = ordered.clone();
            seen.sort_unstable();
            assert_eq!(seen, pairs, "size {size}: every pair once");
            assert_eq!(blocks.first().map(|b| b.start), Some(0));
            assert!(blocks.windows(2).all(|w| w[0].end == w[1].start), "size {size}: contiguous");
            assert_eq!(blocks.last().map(|b| b.end), Some(ordered.len()));
            for b in &blocks {
                assert!(!b.is_empty() && b.len() <= 2 * size, "size {size}: block {b:?}");
            }
            // A component of at most 2 * size pairs lies within one block.
            for c in 0..4 {
                let at: Vec<usize> = (0..ordered.len()).filter(|&i| component(ordered[i]) == c).collect();
                assert!(at.windows(2).all(|w| w[1] == w[0] + 1), "size {size}: component {c} together");
                let n = at.len();
                let split = blocks.iter().filter(|b| at.iter().any(|i| b.contains(i))).count();
                if n <= 2 * size {
                    assert_eq!(split, 1, "size {size}: component {c} of {n} pairs kept whole");
                } else {
                    assert_eq!(split, n.div_ceil(size), "size {size}: component {c} in pieces of {size}");
                }
            }
        }
    }

    #[test]
    fn only_english_prose_of_some_length_takes_part_in_the_skeleton_view() {
        assert!(skeleton_of(crate::verify::tests::STORY));
        // German has "in", "so", "an", "was" by accident, and enough words for shingles.
        let german = "Der Stadtrat hat am Dienstag nach langer Debatte in der Halle einen neuen Haushalt \
            beschlossen, so wie es die Verwaltung wollte. Die Grundsteuer steigt um drei Prozent, was \
            viele Bürger ärgert, dafür bleibt das Hallenbad an der Nordseite in Betrieb. Die Opposition \
            kritisierte in der Sitzung, dass die Bürger die Kosten tragen müssen, und so kündigte sie \
            an, in der nächsten Woche eine Klage einzureichen, was die Mehrheit in Rage brachte. In \
            der Stadt wird nun über nichts anderes geredet, so scheint es, an jeder Ecke und in jedem \
            Café, was den Bürgermeister freut, denn so ist die Politik in aller Munde.";
        assert!(!skeleton_of(german));
        assert!(!skeleton_of("The fire was out by morning."), "too short to mean anything");
    }
}
