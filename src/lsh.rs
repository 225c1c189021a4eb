//! Locality-sensitive hashing: bands of MinHash rows, bucketed by sorting.
//!
//! Two documents with Jaccard similarity `s` share at least one of `b` bands of `r` rows with
//! probability `1 - (1 - s^r)^b`, the S-curve. [`choose_bands`] picks `b` and `r` for a
//! threshold by minimising the area under the curve below the threshold (false positives) plus
//! the area above it missed (false negatives), each weighted one half.
//!
//! Buckets are found by sorting (band key, document) pairs rather than growing a hash map of
//! vectors: one allocation, cache-friendly, linear in the number of documents. Band keys are 32
//! bits (4 bytes per band and document in memory, the bulk of what a scan keeps per document)
//! and each band is bucketed on its own, in parallel: two documents whose different bands
//! collide by chance are not paired, and a chance collision within a band (about one pair in
//! 4 billion per band) only costs one more candidate for verification to reject. A bucket larger
//! than `max_bucket` (a story copied thousands of times, or a template shared by a whole site)
//! is not expanded into all its pairs: each member is paired with the bucket's first member only,
//! so the work stays linear, and the bucket is counted in the summary.

use rayon::prelude::*;

use crate::shingle::mix;

/// Bands and rows of one LSH index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Bands {
    pub bands: usize,
    pub rows: usize,
}

/// Probability that two documents of similarity `s` share a band.
pub fn collision_probability(s: f64, b: Bands) -> f64 {
    1.0 - (1.0 - s.powi(b.rows as i32)).powi(b.bands as i32)
}

fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    // Simpson's rule; the integrands are smooth and the interval short.
    let n = 200;
    let h = (hi - lo) / n as f64;
    let mut sum = f(lo) + f(hi);
    for i in 1..n {
        let x = lo + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// The bands x rows (with `bands * rows <= num_perm`) that minimise the weighted false positive
/// plus false negative area for `threshold`.
pub fn choose_bands(threshold: f64, num_perm: usize) -> Bands {
    let t = threshold.clamp(0.0, 1.0);
    let mut best = Bands { bands: 1, rows: num_perm.max(1) };
    let mut best_err = f64::INFINITY;
    for bands in 1..=num_perm {
        for rows in 1..=num_perm / bands {
            let b = Bands { bands, rows };
            let fp = integrate(|s| collision_probability(s, b), 0.0, t);
            let fn_ = integrate(|s| 1.0 - collision_probability(s, b), t, 1.0);
            let err = 0.5 * fp + 0.5 * fn_;
            if err < best_err - 1e-12 {
                best_err = err;
                best = b;
            }
        }
    }
    best
}

/// Appends one 32-bit key per band of `sig` to `out` (as many bands as `sig` holds whole): the
/// rows of the band chained through the MurmurHash3 finaliser, seeded with the band number.
///
/// Eight bands at a time where the processor has AVX-512, one band per 64-bit lane: a document
/// has about fifty bands over its two views, each a chain of finalisers, and one at a time they
/// took a sixth of the sketching threads' own work.
pub fn band_keys(sig: &[u64], b: Bands, out: &mut Vec<u32>) {
    let rows = b.rows.max(1);
    let bands = b.bands.min(sig.len() / rows);
    let done = eight_bands_at_a_time(&sig[..bands * rows], rows, out);
    for band in done..bands {
        out.push(band_key(band, &sig[band * rows..(band + 1) * rows]));
    }
}

/// Band `band`'s key, from its rows.
fn band_key(band: usize, rows: &[u64]) -> u32 {
    let h = rows.iter().fold(mix(band as u64 ^ BAND_SEED), |h, &v| mix(h ^ v));
    (h >> 32) as u32
}

/// What a band's number is mixed with to start its chain.
const BAND_SEED: u64 = 0x6a09_e667_f3bc_c909;

/// The keys of the bands of `rows` rows that `sig` holds (all of them whole), eight at a time,
/// into `out` where the processor can: how many (all, or none).
#[cfg(target_arch = "x86_64")]
fn eight_bands_at_a_time(sig: &[u64], rows: usize, out: &mut Vec<u32>) -> usize {
    let avx512 = std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq");
    if !avx512 {
        return 0;
    }
    // SAFETY: the processor has AVX-512 F and DQ (checked just above).
    unsafe { avx512::band_keys(sig, rows, out) };
    sig.len() / rows
}

#[cfg(not(target_arch = "x86_64"))]
fn eight_bands_at_a_time(_: &[u64], _: usize, _: &mut Vec<u32>) -> usize {
    0
}

/// The hashes `h` of the first `hashes`, a multiple of eight, with `h & mask == 0`, written in
/// order to the start of `out` (as long as `hashes` at least), eight at a time where the
/// processor has AVX-512: how many hashes were read, and how many written. The branch-free
/// loop one at a time was two thirds of finding the anchors.
#[cfg(target_arch = "x86_64")]
fn eight_sampled_at_a_time(hashes: &[u64], mask: u64, out: &mut [u64]) -> (usize, usize) {
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return (0, 0);
    }
    // SAFETY: the processor has AVX-512 F (checked just above).
    unsafe { avx512::sample(hashes, mask, out) }
}

#[cfg(not(target_arch = "x86_64"))]
fn eight_sampled_at_a_time(_: &[u64], _: u64, _: &mut [u64]) -> (usize, usize) {
    (0, 0)
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::BAND_SEED;
    use crate::shingle::avx512::mix;

    /// [`super::band_key`] of every band of `rows` rows in `sig` (`sig.len()` a multiple of
    /// `rows`), appended to `out`: lane `k` of a register chains band `8g + k`, its rows
    /// gathered from `sig` (lanes past the last band gather nothing, and are dropped).
    #[target_feature(enable = "avx512f,avx512dq")]
    pub fn band_keys(sig: &[u64], rows: usize, out: &mut Vec<u32>) {
        let bands = sig.len() / rows;
        let eight = |x: u64| _mm512_set1_epi64(x as i64);
        let lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        for first in (0..bands).step_by(8) {
            let band = _mm512_add_epi64(eight(first as u64), lane);
            let live = _mm512_cmplt_epu64_mask(band, eight(bands as u64));
            let mut h = mix(_mm512_xor_si512(band, eight(BAND_SEED)));
            // Where each lane's band starts in `sig` (0 for lanes past the last band).
            let from = _mm512_maskz_mullo_epi64(live, band, eight(rows as u64));
            for r in 0..rows {
                let at = _mm512_add_epi64(from, eight(r as u64));
                // SAFETY: a live lane's index is a row of a band within `sig`; the mask keeps
                // the others from reading.
                let v =
                    unsafe { _mm512_mask_i64gather_epi64::<8>(_mm512_setzero_si512(), live, at, sig.as_ptr().cast()) };
                h = mix(_mm512_xor_si512(h, v));
            }
            let mut keys = [0u32; 8];
            // SAFETY: `keys` is eight u32; unaligned store.
            unsafe { _mm256_storeu_si256(keys.as_mut_ptr().cast(), _mm512_cvtepi64_epi32(_mm512_srli_epi64::<32>(h))) };
            out.extend_from_slice(&keys[..(bands - first).min(8)]);
        }
    }

    /// [`super::eight_sampled_at_a_time`]: eight hashes a register, the sampled ones compacted
    /// in it and written with a masked store.
    #[target_feature(enable = "avx512f")]
    pub fn sample(hashes: &[u64], mask: u64, out: &mut [u64]) -> (usize, usize) {
        let whole = hashes.len() / 8 * 8;
        assert!(out.len() >= whole);
        let mask = _mm512_set1_epi64(mask as i64);
        let (mut read, mut kept) = (0, 0);
        while read < whole {
            // SAFETY: `read..read + 8` is within `hashes`; unaligned load.
            let v = unsafe { _mm512_loadu_si512(hashes.as_ptr().add(read).cast()) };
            let taken = _mm512_testn_epi64_mask(v, mask);
            let count = taken.count_ones() as usize;
            // SAFETY: writes `kept..kept + count` of `out`, within `..read + 8`, so within `out`
            // (masked lanes are not written).
            let compact = _mm512_maskz_compress_epi64(taken, v);
            unsafe {
                _mm512_mask_storeu_epi64(out.as_mut_ptr().add(kept).cast(), ((1u16 << count) - 1) as u8, compact)
            };
            kept += count;
            read += 8;
        }
        (read, kept)
    }
}

/// Band keys of every document, kept band by band so that bucketing a band reads its keys in
/// sequence (stored document by document, one band's keys are a cache line apart). Keys come
/// document by document and are regrouped every [`GROUP`] documents: the one vector holds
/// groups, each group its bands one after the other, then the documents not yet regrouped.
/// One vector that grows, as the keys would take stored in plain order: no more memory.
#[derive(Clone, Debug, Default)]
pub struct BandKeys {
    /// Keys per document.
    stride: usize,
    keys: Vec<u32>,
    /// Keys regrouped so far: a multiple of `GROUP * stride`.
    grouped: usize,
    scratch: Vec<u32>,
}

/// Documents per group of [`BandKeys`]: a group (a few hundred KB) is regrouped in cache.
const GROUP: usize = 2048;

impl BandKeys {
    pub fn new(stride: usize) -> BandKeys {
        BandKeys { stride, ..BandKeys::default() }
    }

    /// Appends the next documents' keys, given document by document (`stride` each, as
    /// [`band_keys`] appends them).
    pub fn push(&mut self, keys: &[u32]) {
        self.keys.extend_from_slice(keys);
        let group = GROUP * self.stride;
        while group > 0 && self.keys.len() - self.grouped >= group {
            let doc_major = &mut self.keys[self.grouped..self.grouped + group];
            self.scratch.clear();
            self.scratch.extend_from_slice(doc_major);
            for (d, doc) in self.scratch.chunks_exact(self.stride).enumerate() {
                for (b, &k) in doc.iter().enumerate() {
                    doc_major[b * GROUP + d] = k;
                }
            }
            self.grouped += group;
        }
    }

    /// Documents whose keys were pushed.
    fn docs(&self) -> usize {
        self.keys.len() / self.stride.max(1)
    }

    /// Every document's key in band `b`, with the document, in document order. Read where the
    /// keys are, not gathered into a vector per band (2.4 MB at 1 GB) that bucketing then reads
    /// twice: 10 MB less peak memory at 1 GB, in the same time.
    fn band(&self, b: usize) -> impl Iterator<Item = (u32, u32)> + Clone + '_ {
        let stride = self.stride.max(1);
        let grouped = self.keys[..self.grouped].chunks_exact(GROUP * stride).enumerate().flat_map(move |(g, group)| {
            group[b * GROUP..(b + 1) * GROUP].iter().zip((g * GROUP) as u32..).map(|(&k, d)| (k, d))
        });
        let first = (self.grouped / stride) as u32;
        let rest = self.keys[self.grouped..].chunks_exact(stride).zip(first..).map(move |(doc, d)| (doc[b], d));
        grouped.chain(rest)
    }
}

/// Candidate pairs of one view from the band keys of all documents: those of `keys`' bands
/// `bands` (each below the number of keys per document). Pairs `(a, b)` with `a < b`, sorted and
/// without repeats.
pub fn band_pairs(keys: &BandKeys, bands: std::ops::Range<usize>, max_bucket: usize) -> (Vec<(u32, u32)>, BucketStats) {
    let per_band: Vec<(Vec<(u32, u32)>, BucketStats)> = bands
        .into_par_iter()
        .map_init(Repeated::default, |repeated, band| {
            // Only keys that two documents share make a bucket; sorting the few entries that
            // may have one groups the buckets, each in document order.
            let mut entries = repeated.of(keys.band(band), keys.docs(), |key| (key as u64) << 32);
            entries.sort_unstable();
            bucket_pairs(&entries, max_bucket)
        })
        .collect();
    let mut stats = BucketStats::default();
    let mut pairs = Vec::with_capacity(per_band.iter().map(|p| p.0.len()).sum());
    for (p, s) in per_band {
        pairs.extend(p);
        stats.buckets += s.buckets;
        stats.oversized += s.oversized;
        stats.largest = stats.largest.max(s.largest);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    (pairs, stats)
}

/// Finds the entries (key, document) of a band whose key may be another entry's too: every entry
/// of a bucket of two or more, and the few singletons whose key shares its top bits with another
/// key. Two bit sets indexed by the keys' top bits (8 bits per entry, so they stay in cache)
/// find them in two sequential passes, the first without a branch. Sorting all of a band's
/// entries to find its buckets, as before, scattered every entry over megabytes. The bit sets
/// are kept between the bands a thread takes, so their pages are not faulted in again.
#[derive(Default)]
struct Repeated {
    seen: Vec<u64>,
    twice: Vec<u64>,
}

impl Repeated {
    /// The entries of `entries` (`len` of them) that may share their key with another; `top`
    /// spreads a key over 64 bits, uniformly in its top bits.
    fn of<K: Copy>(
        &mut self,
        entries: impl Iterator<Item = (K, u32)> + Clone,
        len: usize,
        top: impl Fn(K) -> u64,
    ) -> Vec<(K, u32)> {
        let bits = (len * 8).next_power_of_two().trailing_zeros().clamp(6, 32);
        // The word of the bit sets holding a key's bit, and the bit.
        let at = |key: K| {
            let slot = (top(key) >> (64 - bits)) as usize;
            (slot / 64, 1u64 << (slot % 64))
        };
        for set in [&mut self.seen, &mut self.twice] {
            set.clear();
            set.resize(1 << (bits - 6), 0);
        }
        let (seen, twice) = (&mut self.seen, &mut self.twice);
        entries.clone().for_each(|(key, _)| {
            let (word, bit) = at(key);
            twice[word] |= seen[word] & bit;
            seen[word] |= bit;
        });
        let mut kept = Vec::new();
        entries.for_each(|(key, doc)| {
            let (word, bit) = at(key);
            if twice[word] & bit != 0 {
                kept.push((key, doc));
            }
        });
        kept
    }
}

/// What bucketing found, besides the pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BucketStats {
    /// Buckets holding two or more documents.
    pub buckets: u64,
    /// Buckets larger than the cap, linked to their first member only.
    pub oversized: u64,
    /// The largest bucket seen.
    pub largest: u64,
}

/// From `entries` sorted by (key, doc), the pairs `(a, b)` with `a < b` of every bucket of two
/// or more documents (a pair appears once per bucket it shares), unsorted: the callers sort
/// once, all bands' pairs together.
fn bucket_pairs<K: Ord + Copy + Send>(entries: &[(K, u32)], max_bucket: usize) -> (Vec<(u32, u32)>, BucketStats) {
    let mut pairs = Vec::new();
    let mut stats = BucketStats::default();
    for bucket in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
        stats.buckets += 1;
        stats.largest = stats.largest.max(bucket.len() as u64);
        if bucket.len() > max_bucket {
            // Pair every member with the first one: near-identical documents stay linked,
            // linearly.
            stats.oversized += 1;
            let first = bucket[0].1;
            pairs.extend(bucket[1..].iter().filter(|e| e.1 != first).map(|e| (first, e.1)));
            continue;
        }
        for (x, a) in bucket.iter().enumerate() {
            for b in &bucket[x + 1..] {
                if a.1 != b.1 {
                    pairs.push((a.1.min(b.1), a.1.max(b.1)));
                }
            }
        }
    }
    (pairs, stats)
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and without repeats, from `(key, doc)` entries.
/// Keys are best uniform hashes (text fingerprints): see [`Repeated`].
pub fn candidate_pairs(entries: &[(u64, u32)], max_bucket: usize) -> (Vec<(u32, u32)>, BucketStats) {
    let mut entries = Repeated::default().of(entries.iter().copied(), entries.len(), |key| key);
    entries.sort_unstable();
    let (mut pairs, stats) = bucket_pairs(&entries, max_bucket);
    pairs.sort_unstable();
    pairs.dedup();
    (pairs, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_band_choices() {
        // Worked out independently (midpoint rule, 2000 steps) of the same objective.
        assert_eq!(choose_bands(0.5, 128), Bands { bands: 25, rows: 5 });
        assert_eq!(choose_bands(0.8, 128), Bands { bands: 9, rows: 13 });
        assert_eq!(choose_bands(0.3, 128), Bands { bands: 37, rows: 3 });
    }

    #[test]
    fn s_curve_is_steep_around_the_threshold() {
        let b = choose_bands(0.5, 128);
        assert!(collision_probability(0.8, b) > 0.99);
        assert!(collision_probability(0.2, b) < 0.01);
    }

    #[test]
    fn band_keys_chain_each_bands_rows() {
        // Band counts around multiples of eight (whole and partial groups of the AVX-512 path,
        // where the processor has it), and signatures too short for every band asked for.
        let sig: Vec<u64> = (0..128u64).map(|i| mix(i ^ 0x5eed)).collect();
        for (bands, rows) in [(25, 5), (28, 2), (9, 13), (37, 3), (8, 16), (16, 8), (1, 1), (7, 1), (200, 1), (5, 40)] {
            let mut got = vec![7];
            band_keys(&sig, Bands { bands, rows }, &mut got);
            let mut want = vec![7];
            for (band, chunk) in sig.chunks_exact(rows).take(bands).enumerate() {
                let h = chunk.iter().fold(mix(band as u64 ^ 0x6a09_e667_f3bc_c909), |h, &v| mix(h ^ v));
                want.push((h >> 32) as u32);
            }
            assert_eq!(got, want, "{bands} bands of {rows} rows");
            assert_eq!(got.len(), 1 + bands.min(128 / rows));
        }
    }

    #[test]
    fn pairs_from_band_keys() {
        // Three documents, two bands: 0 and 2 share band 0, 1 and 2 share band 1.
        let mut keys = BandKeys::new(2);
        keys.push(&[5, 9, 6, 7, 5, 7]);
        let (pairs, stats) = band_pairs(&keys, 0..2, 10);
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
        assert_eq!(stats, BucketStats { buckets: 2, oversized: 0, largest: 2 });
        // Only the second band.
        assert_eq!(band_pairs(&keys, 1..2, 10).0, vec![(1, 2)]);
    }

    #[test]
    fn band_keys_regrouped_read_back_in_document_order() {
        // Two whole groups and a few documents more, added in uneven pieces.
        let (docs, stride) = (2 * GROUP + 5, 3usize);
        let keys: Vec<u32> = (0..docs * stride).map(|i| mix(i as u64) as u32).collect();
        let mut bands = BandKeys::new(stride);
        for piece in keys.chunks(333 * stride) {
            bands.push(piece);
        }
        assert_eq!(bands.grouped, 2 * GROUP * stride);
        for b in 0..stride {
            let want: Vec<(u32, u32)> = (0..docs).map(|d| (keys[d * stride + b], d as u32)).collect();
            assert_eq!(bands.band(b).collect::<Vec<_>>(), want, "band {b}");
        }
    }

    /// Every entry whose key another entry shares is kept, in document order; of the
    /// singletons only those whose key's top bits another key shares (about one in eight).
    #[test]
    fn repeated_keeps_every_shared_key_and_few_others() {
        let n = 20_000u32;
        // Random keys, and one document in ten repeating the key of a document before it.
        let mut entries: Vec<(u32, u32)> = (0..n).map(|d| ((mix(d as u64) >> 32) as u32, d)).collect();
        for d in (10..n).step_by(10) {
            entries[d as usize].0 = entries[(mix(d as u64 + 7) % d as u64) as usize].0;
        }
        let mut count = std::collections::HashMap::new();
        for e in &entries {
            *count.entry(e.0).or_insert(0) += 1;
        }
        let kept = Repeated::default().of(entries.iter().copied(), entries.len(), |key| (key as u64) << 32);
        assert!(kept.windows(2).all(|w| w[0].1 < w[1].1), "document order");
        let shared: Vec<(u32, u32)> = entries.iter().copied().filter(|e| count[&e.0] > 1).collect();
        assert!(shared.len() > n as usize / 10, "{} shared", shared.len());
        assert_eq!(kept.iter().copied().filter(|e| count[&e.0] > 1).collect::<Vec<_>>(), shared);
        let singletons = kept.len() - shared.len();
        assert!(singletons < (n as usize - shared.len()) / 4, "{singletons} singletons kept");
    }

    #[test]
    fn band_pairs_are_every_pair_sharing_a_band_key() {
        // 300 documents, 3 bands, keys from a small range so buckets of all sizes occur; the
        // cap of 6 makes the larger buckets link to their first (lowest) document.
        let (docs, stride) = (300usize, 3usize);
        let keys: Vec<u32> = (0..docs * stride).map(|i| (mix(i as u64) % 97) as u32 * 0x0101_0101).collect();
        // In blocks of 7 documents (the last one shorter), as the scan adds them.
        let mut bands = BandKeys::new(stride);
        for block in keys.chunks(7 * stride) {
            bands.push(block);
        }
        for cap in [1000, 6] {
            let mut want = Vec::new();
            for band in 0..stride {
                let mut buckets: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
                for d in 0..docs {
                    buckets.entry(keys[d * stride + band]).or_default().push(d as u32);
                }
                for members in buckets.values().filter(|m| m.len() > 1) {
                    if members.len() > cap {
                        want.extend(members[1..].iter().map(|&b| (members[0], b)));
                    } else {
                        for (x, &a) in members.iter().enumerate() {
                            want.extend(members[x + 1..].iter().map(|&b| (a, b)));
                        }
                    }
                }
            }
            want.sort_unstable();
            want.dedup();
            assert_eq!(band_pairs(&bands, 0..stride, cap).0, want, "cap {cap}");
        }
    }

    #[test]
    fn pairs_from_buckets() {
        let e = vec![(7, 3), (1, 0), (7, 1), (1, 2), (9, 5), (7, 0)];
        let (pairs, stats) = candidate_pairs(&e, 10);
        assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 3), (1, 3)]);
        assert_eq!(stats, BucketStats { buckets: 2, oversized: 0, largest: 3 });
    }

    #[test]
    fn oversized_buckets_stay_linear() {
        let e: Vec<(u64, u32)> = (0..10_000).map(|d| (42, d)).collect();
        let (pairs, stats) = candidate_pairs(&e, 64);
        assert_eq!(pairs.len(), 9_999);
        assert!(pairs.iter().all(|p| p.0 == 0));
        assert_eq!(stats.oversized, 1);
    }
}

/// Anchors: the word shingles whose hash falls in a fixed 1/`ANCHOR_RATE` of the hash range,
/// chosen by content alone, so a passage copied into another document brings its anchors along
/// whatever surrounds it. This is the containment view: an excerpt, or an article wrapped in a
/// long page, has a Jaccard similarity too low for MinHash banding to see, but shares all of
/// its anchors. Documents with many anchors keep only a sparser subset (a rate of 1/64, then
/// 1/256, ...: each a subset of the one before, so documents of different lengths still agree).
pub const ANCHOR_RATE: u64 = 16;
/// At most this many anchors per document, thinned as above.
pub const MAX_ANCHORS: usize = 64;

/// Appends the anchors of a document (its word shingle hashes) to `out`, as 32-bit keys, with
/// `scratch` (any contents) as room for the sample. Returns the sampling level used: the rate
/// is `ANCHOR_RATE * 4^level`.
pub fn anchors(shingles: &[u64], scratch: &mut Vec<u64>, out: &mut Vec<u32>) -> u8 {
    const { assert!(ANCHOR_RATE.is_power_of_two()) };
    let start = out.len();
    // The densest sample, which every sparser one is taken from: rates are powers of two, so
    // `h % rate == 0` is a mask test, not a division per shingle. Every shingle is written and
    // the count goes up for the sampled ones, without a branch: one shingle in 16 is taken, at
    // random, which a branch predictor cannot learn (a filtering loop spent more time in its
    // mispredictions than in the loop). Eight at a time, compacted in a register, where the
    // processor has AVX-512.
    if scratch.len() < shingles.len() {
        scratch.resize(shingles.len(), 0);
    }
    let (read, mut taken) = eight_sampled_at_a_time(shingles, ANCHOR_RATE - 1, scratch);
    for &h in &shingles[read..] {
        scratch[taken] = h;
        taken += (h & (ANCHOR_RATE - 1) == 0) as usize;
    }
    let sample = &scratch[..taken];
    let mut rate = ANCHOR_RATE;
    let mut level = 0;
    loop {
        out.truncate(start);
        out.extend(sample.iter().filter(|&&h| h & (rate - 1) == 0).map(|&h| (h >> 32) as u32));
        out[start..].sort_unstable();
        // Deduplicate the new tail in place.
        let mut kept = start;
        for i in start..out.len() {
            if kept == start || out[i] != out[kept - 1] {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
        if kept - start <= MAX_ANCHORS || rate > 1 << 40 {
            return level;
        }
        rate *= 4;
        level += 1;
    }
}

/// Shared anchors that make two documents a candidate pair in the containment view.
pub const MIN_SHARED_ANCHORS: usize = 2;

/// A document's anchors as the containment view weighs them: how many it kept, and the
/// sampling level it kept them at (the `level` that [`anchors`] returns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnchorCount {
    pub kept: u16,
    pub level: u8,
}

impl AnchorCount {
    /// Whether two documents that share `shared` anchors are a candidate pair: at least
    /// [`MIN_SHARED_ANCHORS`], and a quarter of those the document with fewer anchors would have
    /// at the sparser of the two sampling rates. Stock phrases give a pair one or two shared
    /// anchors; a copied passage gives it most of them.
    pub fn enough(self, other: AnchorCount, shared: usize) -> bool {
        let level = self.level.max(other.level);
        let expected = |c: AnchorCount| c.kept as f64 / 4f64.powi((level - c.level) as i32);
        shared >= MIN_SHARED_ANCHORS && shared as f64 >= 0.25 * expected(self).min(expected(other))
    }

    /// The fewest shared anchors that are [`AnchorCount::enough`] with any document at the same
    /// level that kept as many anchors or more: a quarter of this one's, at least
    /// [`MIN_SHARED_ANCHORS`].
    fn need(self) -> usize {
        (self.kept as usize).div_ceil(4).max(MIN_SHARED_ANCHORS)
    }

    /// Where document `doc` stands among the members of a bucket: by level, then by anchors
    /// kept, then by number. A document counts its pairs with the members after it.
    fn rank(self, doc: u32) -> u64 {
        (self.level as u64) << 48 | (self.kept as u64) << 32 | doc as u64
    }
}

/// Pairs of documents that share [`AnchorCount::enough`] anchors (`counts` has every document's),
/// from `(anchor, document)` entries sorted by anchor, then document (the caller sorts them once
/// for this and for learning boilerplate), as `(a, b)` with `a < b`, sorted. Anchor buckets
/// larger than `max_bucket` (boilerplate lines, stock phrases) say nothing about copying and are
/// dropped.
///
/// Shared anchors are counted document by document (in parallel): each document counts the
/// members after it in each of its buckets, so memory stays within one document's buckets
/// instead of holding every (pair, anchor) instance of the corpus at once. Members are ordered
/// by [`AnchorCount::rank`], so the members after a document at its own level kept as many
/// anchors or more, and a pair needs the same number of shared anchors with all of them,
/// [`AnchorCount::need`] (nine for a document of 34 anchors). Of the pairs counted, nearly all
/// share one anchor, most often in one of the document's largest buckets (stock phrases). So a
/// document leaves out `need - MIN_SHARED_ANCHORS` of its largest buckets whose later members
/// are all at its level: a pair that shares enough anchors still shares MIN_SHARED_ANCHORS in
/// the buckets counted (it is in a left-out bucket at most once each), and only such pairs
/// are looked up in the buckets left out. On the 1 GB mkspeed corpus that leaves 13 of the 42
/// million members to count, with the same pairs found.
pub fn shared_anchor_pairs(
    entries: &[(u32, u32)],
    counts: &[AnchorCount],
    max_bucket: usize,
) -> (Vec<(u32, u32)>, BucketStats) {
    debug_assert!(entries.is_sorted());
    let docs = entries.iter().map(|e| e.1 as usize + 1).max().unwrap_or(0);
    let count = |d: u32| counts.get(d as usize).copied().unwrap_or_default();
    let expanded = |bucket: &[(u32, u32)]| bucket.len() > 1 && bucket.len() <= max_bucket;
    // The members of the buckets worth expanding, bucket after bucket, each bucket in rank order.
    // What a document needs of a bucket is the range of members after it:
    // `later[offsets[d]..offsets[d + 1]]` are those ranges for document `d`, placed by a counting
    // sort on the document. `spans` has each bucket's length and where its members at its
    // highest level start.
    let mut stats = BucketStats::default();
    let mut members: Vec<u32> = Vec::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut offsets = vec![0u32; docs + 1];
    let mut ranked: Vec<u64> = Vec::new();
    for bucket in entries.chunk_by(|x, y| x.0 == y.0) {
        let len = bucket.len();
        if len > 1 {
            stats.buckets += 1;
            stats.largest = stats.largest.max(len as u64);
            stats.oversized += (len > max_bucket) as u64;
        }
        if expanded(bucket) {
            ranked.clear();
            ranked.extend(bucket.iter().map(|e| count(e.1).rank(e.1)));
            ranked.sort_unstable();
            let top = ranked[len - 1] >> 48;
            let top_from = ranked.partition_point(|&r| r >> 48 < top);
            members.extend(ranked.iter().map(|&r| r as u32));
            for &r in &ranked[..len - 1] {
                offsets[r as u32 as usize + 1] += 1;
            }
            spans.push((len as u32, top_from as u32));
        }
    }
    for d in 0..docs {
        offsets[d + 1] += offsets[d];
    }
    // A range whose members are all at its document's level (so that it may be left out) has
    // OWN_LEVEL set in its start; unless `members` is too long for the bit to be spared, when
    // no range is left out.
    let flag = if members.len() < OWN_LEVEL as usize { OWN_LEVEL } else { 0 };
    let mut later = vec![(0u32, 0u32); offsets[docs] as usize];
    let mut next = offsets.clone();
    let mut at = 0u32;
    for &(len, top_from) in &spans {
        let end = at + len;
        for p in 0..len - 1 {
            let slot = &mut next[members[(at + p) as usize] as usize];
            let own = if p >= top_from { flag } else { 0 };
            later[*slot as usize] = ((at + p + 1) | own, end);
            *slot += 1;
        }
        at = end;
    }
    drop(next);
    drop(spans);
    // Each document counts the anchors it shares with every later member of its buckets, in a
    // counter per document (one array per run of documents, reset after each document): no
    // sorting of the up to `max_bucket` times more neighbours than anchors. A document has at
    // most MAX_ANCHORS distinct anchors, so a byte holds the count. The loop over a bucket's
    // members has no branch that depends on the data: most of its time is waiting for the
    // members to come from memory, and a mispredicted branch would stop the next loads.
    let runs = split_docs(&offsets, rayon::current_num_threads() * 4);
    let mut pairs: Vec<(u32, u32)> = runs
        .into_par_iter()
        .flat_map_iter(|docs| {
            let mut hits = vec![0u8; offsets.len()];
            let mut touched: Vec<u32> = Vec::new();
            let mut found = Vec::new();
            let (mut counted, mut left_out, mut largest) = (Vec::new(), Vec::new(), Vec::new());
            let mut warm = 0u32;
            for a in docs {
                let ranges = &later[offsets[a] as usize..offsets[a + 1] as usize];
                let mine = count(a as u32);
                // The largest ranges at the document's own level, as many as may be left out.
                let budget = mine.need() - MIN_SHARED_ANCHORS;
                largest.clear();
                if budget > 0 {
                    let own = ranges.iter().enumerate().filter(|(_, r)| r.0 & flag != 0);
                    largest.extend(own.map(|(k, r)| (r.1 - (r.0 & !flag), k)));
                    if largest.len() > budget {
                        largest.select_nth_unstable_by(budget - 1, |x, y| y.0.cmp(&x.0));
                        largest.truncate(budget);
                    }
                    // Back in the ranges' order, to pick them out in one pass.
                    largest.sort_unstable_by_key(|x| x.1);
                }
                counted.clear();
                left_out.clear();
                let mut chosen = largest.iter().map(|x| x.1).peekable();
                for (k, &(s, e)) in ranges.iter().enumerate() {
                    let range = (s & !flag, e);
                    if chosen.next_if_eq(&k).is_some() {
                        left_out.push(range);
                    } else {
                        counted.push(range);
                    }
                }
                let mut t = 0;
                for (k, &(s, e)) in counted.iter().enumerate() {
                    // Each range starts at a random place in `members`, most often out of the
                    // caches: loading the start of the range four ahead (a plain load whose
                    // value nothing waits for) has it in cache by the time it is counted.
                    if let Some(&(p, _)) = counted.get(k + AHEAD) {
                        warm ^= members[p as usize];
                    }
                    let bucket = &members[s as usize..e as usize];
                    if touched.len() < t + bucket.len() {
                        touched.resize(t + bucket.len(), 0);
                    }
                    for &b in bucket {
                        let c = &mut hits[b as usize];
                        touched[t] = b;
                        t += (*c == 0) as usize;
                        *c = c.saturating_add(1);
                    }
                }
                for &b in &touched[..t] {
                    let mut shared = hits[b as usize] as usize;
                    hits[b as usize] = 0;
                    // Only a pair with MIN_SHARED_ANCHORS in the ranges counted can have enough
                    // in all (see above): nearly every pair counted stops here.
                    if shared < MIN_SHARED_ANCHORS {
                        continue;
                    }
                    let theirs = count(b);
                    if !mine.enough(theirs, shared) {
                        // It is in a range left out at most once.
                        if !mine.enough(theirs, shared + left_out.len()) {
                            continue;
                        }
                        shared += left_out.iter().filter(|r| members[r.0 as usize..r.1 as usize].contains(&b)).count();
                        if !mine.enough(theirs, shared) {
                            continue;
                        }
                    }
                    found.push(((a as u32).min(b), (a as u32).max(b)));
                }
            }
            std::hint::black_box(warm);
            found
        })
        .collect();
    pairs.par_sort_unstable();
    (pairs, stats)
}

/// The bit of a range's start in [`shared_anchor_pairs`] that marks it as holding only members
/// at the level of the document it is for.
const OWN_LEVEL: u32 = 1 << 31;

/// How many ranges ahead [`shared_anchor_pairs`] loads the start of a range: far enough for a
/// load from memory to arrive, near enough for the line to stay in cache (8 was slower).
const AHEAD: usize = 4;

/// The documents `0..offsets.len() - 1` cut into at most `n` runs holding similar numbers of
/// ranges (`offsets` are a counting sort's bucket starts, ending with the total).
fn split_docs(offsets: &[u32], n: usize) -> Vec<std::ops::Range<usize>> {
    let docs = offsets.len().saturating_sub(1);
    let total = offsets.last().copied().unwrap_or(0) as usize;
    let step = total.div_ceil(n.max(1)).max(1);
    let mut runs = Vec::with_capacity(n);
    let mut from = 0;
    while from < docs {
        // The first document whose ranges start at or past the next step.
        let goal = offsets[from] as usize + step;
        let to = (from + offsets[from..docs].partition_point(|&o| (o as usize) < goal)).clamp(from + 1, docs);
        runs.push(from..to);
        from = to;
    }
    runs
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    #[test]
    fn anchors_are_a_content_defined_sample() {
        let hashes: Vec<u64> = (0..4000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let mut all = Vec::new();
        anchors(&hashes, &mut Vec::new(), &mut all);
        assert!(all.len() <= MAX_ANCHORS && all.len() >= MAX_ANCHORS / 8, "{}", all.len());
        // A short excerpt keeps the denser sample, a superset of the long text's anchors in it.
        let mut part = Vec::new();
        anchors(&hashes[..300], &mut vec![7; 5], &mut part);
        assert!(!part.is_empty());
        let in_long = part.iter().filter(|a| all.contains(a)).count();
        let expected =
            hashes[..300].iter().filter(|&&h| h % (ANCHOR_RATE * 4) == 0 || h % (ANCHOR_RATE * 16) == 0).count();
        assert!(in_long <= expected + 1);
    }

    #[test]
    fn anchors_are_the_sparsest_sample_that_fits() {
        // Lengths around multiples of eight (the AVX-512 sampling, where the processor has it,
        // takes groups of eight), and long enough to need sparser levels.
        for len in [0, 1, 7, 8, 9, 17, 100, 300, 1000, 4001, 30_000] {
            let hashes: Vec<u64> = (0..len as u64).map(|i| mix(i ^ 0xa11)).collect();
            let mut got = vec![9];
            let level = anchors(&hashes, &mut vec![3; 2], &mut got);
            let rate = ANCHOR_RATE << (2 * level);
            let mut want: Vec<u32> = hashes.iter().filter(|&&h| h % rate == 0).map(|&h| (h >> 32) as u32).collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(got[1..], want[..], "{len} shingles");
            let denser: Vec<u64> = hashes.iter().copied().filter(|&h| h % (rate / 4) == 0).collect();
            assert!(level == 0 || denser.len() > MAX_ANCHORS, "{len} shingles: level {level} not needed");
            assert!(want.len() <= MAX_ANCHORS);
        }
    }

    #[test]
    fn pairs_need_enough_shared_anchors() {
        let e = vec![(1, 0), (1, 1), (2, 0), (2, 1), (3, 1), (3, 2), (4, 5)];
        // 0 and 1 share anchors 1 and 2; 1 and 2 share only 3.
        let few = vec![AnchorCount { kept: 2, level: 0 }; 6];
        let (pairs, stats) = shared_anchor_pairs(&e, &few, 10);
        assert_eq!(pairs, vec![(0, 1)]);
        assert_eq!(stats, BucketStats { buckets: 3, oversized: 0, largest: 2 });
        // Documents of twelve anchors need three in common.
        let many = vec![AnchorCount { kept: 12, level: 0 }; 6];
        assert!(shared_anchor_pairs(&e, &many, 10).0.is_empty());
        // A hundred documents sharing two anchors: every pair, unless the buckets are too large.
        let e: Vec<(u32, u32)> = [9, 10].into_iter().flat_map(|a| (0..100).map(move |d| (a, d))).collect();
        let counts = vec![AnchorCount { kept: 2, level: 0 }; 100];
        let (pairs, stats) = shared_anchor_pairs(&e, &counts, 10);
        assert!(pairs.is_empty());
        assert_eq!(stats.oversized, 2);
        assert_eq!(shared_anchor_pairs(&e, &counts, 100).0.len(), 100 * 99 / 2);
    }

    #[test]
    fn need_is_what_enough_asks_with_as_many_anchors_or_more_at_the_same_level() {
        for kept in 0..=200u16 {
            for level in 0..3 {
                let a = AnchorCount { kept, level };
                for more in [kept, kept + 1, kept * 2 + 3] {
                    let b = AnchorCount { kept: more, level };
                    for shared in 0..=70 {
                        assert_eq!(a.enough(b, shared), shared >= a.need(), "{a:?} {b:?} {shared}");
                    }
                }
            }
        }
    }

    #[test]
    fn runs_of_documents_cover_every_document_once() {
        // Document d has d % 7 ranges.
        let mut offsets = vec![0u32];
        for d in 0..1000u32 {
            offsets.push(offsets[d as usize] + d % 7);
        }
        for n in [1, 3, 8, 5000] {
            let runs = split_docs(&offsets, n);
            let docs: Vec<usize> = runs.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(docs, (0..1000).collect::<Vec<_>>());
            assert!(runs.len() <= n.min(1000) + 1, "{n}: {} runs", runs.len());
        }
        assert!(split_docs(&[0], 4).is_empty());
        assert!(split_docs(&[], 4).is_empty());
    }

    #[test]
    fn shared_anchors_are_counted_as_a_direct_count_would() {
        // Documents of 6 to 40 anchors drawn from a small pool, so that buckets overlap a lot;
        // every fifth takes the first of its anchors from an earlier document's draw (a copy),
        // so that pairs share many anchors and documents leave buckets out; every seventh is at
        // the next sampling level.
        let mut entries = Vec::new();
        let mut counts = Vec::new();
        for d in 0..400u32 {
            let n = 6 + (mix(d as u64) % 35) as u32;
            let drawn_as = if d % 5 == 0 { d / 2 } else { d };
            let mut mine: Vec<u32> = (0..n).map(|k| (mix((drawn_as * 64 + k) as u64) % 300) as u32).collect();
            mine.sort_unstable();
            mine.dedup();
            counts.push(AnchorCount { kept: mine.len() as u16, level: (d % 7 == 0) as u8 });
            entries.extend(mine.into_iter().map(|a| (a, d)));
        }
        entries.sort_unstable();
        let mut direct = std::collections::HashMap::new();
        for bucket in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() <= 40) {
            for x in bucket {
                for y in bucket.iter().filter(|y| y.1 > x.1) {
                    *direct.entry((x.1, y.1)).or_insert(0usize) += 1;
                }
            }
        }
        let mut expected: Vec<(u32, u32)> = direct
            .into_iter()
            .filter(|&((a, b), n)| counts[a as usize].enough(counts[b as usize], n))
            .map(|(p, _)| p)
            .collect();
        expected.sort_unstable();
        let (pairs, _) = shared_anchor_pairs(&entries, &counts, 40);
        assert!(expected.len() > 40, "{}", expected.len());
        assert_eq!(pairs, expected);
    }
}
