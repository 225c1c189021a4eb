//! Word n-grams ("shingles") as 64-bit hashes.
//!
//! A shingle is identified by the hashes of its n tokens, combined by a polynomial (rolled, two
//! multiplications per shingle whatever n is, or eight shingles at a time with AVX-512) and a
//! final mix, so the text is scanned once and no shingle is hashed from its bytes again. Two views of a document are shingled:
//!
//! * [`View::Words`]: all words; catches exact, reformatted, wrapped, excerpted and edited copies.
//! * [`View::Skeleton`]: only the function words, in order; survives synonym spinning, which
//!   swaps content words but keeps the grammatical skeleton (see [`crate::stopwords`]).

use rayon::prelude::*;

use crate::normalize::Token;

/// Which tokens a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    Words,
    Skeleton,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Words => "words",
            View::Skeleton => "skeleton",
        }
    }

    /// Seeds keep the shingles of the two views apart.
    fn seed(self, n: usize) -> u64 {
        match self {
            View::Words => n as u64,
            View::Skeleton => 0x5ce1_e700 + n as u64,
        }
    }
}

/// Appends the hashes of the `n`-word shingles of `view` to `out`. A document with fewer than
/// `n` tokens in the view gives one shingle of all of them, so short texts can still match.
pub fn shingles(tokens: &[Token], view: View, n: usize, scratch: &mut Vec<u64>, out: &mut Vec<u64>) {
    // The view's word hashes, side by side in `scratch`, for [`shingle_hashes`] to read eight
    // at a time. Every token is written before the ones kept are read, so `scratch` is only
    // grown, never cleared and zeroed again.
    if scratch.len() < tokens.len() {
        scratch.resize(tokens.len(), 0);
    }
    let kept = view_hashes(tokens, view, scratch);
    shingle_hashes(&scratch[..kept], n, view.seed(n), out);
}

/// The hashes of the tokens of `view` (all, or only the function words), in order, written to
/// the start of `out` (as long as `tokens` at least): how many. Eight tokens at a time where the
/// processor has AVX-512.
fn view_hashes(tokens: &[Token], view: View, out: &mut [u64]) -> usize {
    let (done, mut kept) = eight_tokens_at_a_time(tokens, view, out);
    let rest = &tokens[done..];
    match view {
        View::Words => {
            for (s, t) in out[kept..].iter_mut().zip(rest) {
                *s = t.hash;
            }
            kept += rest.len();
        }
        View::Skeleton => {
            // The function words, compacted without a branch: whether a word is a function
            // word is a coin toss the branch predictor loses half the time.
            for t in rest {
                out[kept] = t.hash;
                kept += t.stopword as usize;
            }
        }
    }
    kept
}

/// [`view_hashes`] of the first tokens, a multiple of eight, where the processor can: how many
/// tokens were read, and how many hashes written.
#[cfg(target_arch = "x86_64")]
fn eight_tokens_at_a_time(tokens: &[Token], view: View, out: &mut [u64]) -> (usize, usize) {
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return (0, 0);
    }
    // SAFETY: the processor has AVX-512 F (checked just above).
    unsafe { avx512::view_hashes(tokens, view == View::Skeleton, out) }
}

#[cfg(not(target_arch = "x86_64"))]
fn eight_tokens_at_a_time(_: &[Token], _: View, _: &mut [u64]) -> (usize, usize) {
    (0, 0)
}

/// The multiplier of the shingles' polynomial (odd, so every power of it is invertible and two
/// windows that differ in one position never collide).
const P: u64 = 0x9e37_79b9_7f4a_7c15;

/// Hashes every window of `n` consecutive values of `hashes` (or one window of all of them when
/// there are fewer): `sum of hashes[i + k] * P^(n - 1 - k)`, then mixed with the seed so the
/// bits are uniform (MinHash bins by the high bits).
///
/// Eight windows at a time where the processor has AVX-512 (64-bit multiplications in vector
/// registers): every window's polynomial from its own values, which costs `n - 1`
/// multiplications a window where rolling costs two, but eight lanes wide, and the mix too.
/// Elsewhere, and for texts of fewer than eight windows, one window at a time, rolling.
pub fn shingle_hashes(hashes: &[u64], n: usize, seed: u64, out: &mut Vec<u64>) {
    if hashes.is_empty() || n == 0 {
        return;
    }
    let n = n.min(hashes.len());
    let seed = mix(seed ^ (n as u64).wrapping_mul(P));
    let done = eight_at_a_time(hashes, n, seed, out);
    roll(&hashes[done..], n, seed, out);
}

/// The windows of `n` of `hashes` (at least `n` of them) hashed eight at a time into `out` where
/// the processor can: how many (all of them, or none). The last windows short of a multiple
/// of eight come from one more group of eight that overlaps the one before, keeping its last
/// few: rolling them one by one cost more than the rest of the windows of a short text.
#[cfg(target_arch = "x86_64")]
fn eight_at_a_time(hashes: &[u64], n: usize, seed: u64, out: &mut Vec<u64>) -> usize {
    let windows = hashes.len() - n + 1;
    let avx512 = std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq");
    if windows < 8 || !avx512 {
        return 0;
    }
    let (start, whole) = (out.len(), windows / 8 * 8);
    out.resize(start + whole, 0);
    // SAFETY (both): the processor has AVX-512 F and DQ (checked just above).
    unsafe { avx512::windows(hashes, n, seed, &mut out[start..]) };
    if whole < windows {
        let mut last = [0; 8];
        unsafe { avx512::windows(&hashes[windows - 8..], n, seed, &mut last) };
        out.extend_from_slice(&last[8 - (windows - whole)..]);
    }
    windows
}

#[cfg(not(target_arch = "x86_64"))]
fn eight_at_a_time(_: &[u64], _: usize, _: u64, _: &mut Vec<u64>) -> usize {
    0
}

/// Every window of `n` of `values` (at least `n` of them), rolled: updated in constant time
/// per window, then mixed with `seed` (already mixed with `n`).
fn roll(values: &[u64], n: usize, seed: u64, out: &mut Vec<u64>) {
    if values.len() < n {
        return;
    }
    // P^n: the weight the leaving value has gained by the time it is taken out.
    let gone = (0..n).fold(1u64, |p, _| p.wrapping_mul(P));
    let mut sum = 0u64;
    for &v in &values[..n] {
        sum = sum.wrapping_mul(P).wrapping_add(v);
    }
    out.reserve(values.len() - n + 1);
    out.push(mix(sum ^ seed));
    for (&leaving, &coming) in values.iter().zip(&values[n..]) {
        // `(sum - leaving * P^(n-1)) * P + coming`, rearranged (exactly, mod 2^64) so that
        // only one multiplication and one addition wait for the previous window.
        let step = coming.wrapping_sub(leaving.wrapping_mul(gone));
        sum = sum.wrapping_mul(P).wrapping_add(step);
        out.push(mix(sum ^ seed));
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    use super::P;
    use crate::normalize::Token;

    /// `out[j]` = the window of `n` values from `hashes[j]`, polynomial and mix as
    /// [`super::shingle_hashes`] has them, for `out.len()` windows (a multiple of eight, each
    /// within `hashes`).
    #[target_feature(enable = "avx512f,avx512dq")]
    pub fn windows(hashes: &[u64], n: usize, seed: u64, out: &mut [u64]) {
        let eight = |x: u64| _mm512_set1_epi64(x as i64);
        let (p, seed) = (eight(P), eight(seed));
        for (j, chunk) in out.chunks_exact_mut(8).enumerate() {
            let lanes = &hashes[8 * j..8 * j + n - 1 + 8];
            // SAFETY (both loads): `lanes[k..k + 8]` is within `lanes` (k < n); unaligned loads.
            let mut sum = unsafe { _mm512_loadu_si512(lanes[..8].as_ptr().cast()) };
            for k in 1..n {
                let v = unsafe { _mm512_loadu_si512(lanes[k..k + 8].as_ptr().cast()) };
                sum = _mm512_add_epi64(_mm512_mullo_epi64(sum, p), v);
            }
            let h = mix(_mm512_xor_si512(sum, seed));
            // SAFETY: `chunk` holds eight u64; unaligned store.
            unsafe { _mm512_storeu_si512(chunk.as_mut_ptr().cast(), h) };
        }
    }

    /// [`super::view_hashes`] of the first `tokens.len() / 8 * 8` tokens: eight tokens are
    /// three registers (`Token` is three u64 with no padding: hash, start and end, flag), their
    /// hashes and flags picked out by permutations, and a skeleton's function words compacted
    /// in a register. How many tokens were read, and how many hashes written.
    #[target_feature(enable = "avx512f")]
    pub fn view_hashes(tokens: &[Token], skeleton: bool, out: &mut [u64]) -> (usize, usize) {
        let whole = tokens.len() / 8 * 8;
        assert!(out.len() >= whole);
        let index = |i: [i64; 8]| _mm512_set_epi64(i[7], i[6], i[5], i[4], i[3], i[2], i[1], i[0]);
        // Token k's hash is u64 3k of the three registers, its flag u64 3k + 2; an index of 8
        // or more picks from the second register of a permutation.
        let (hashes_ab, hashes_c) = (index([0, 3, 6, 9, 12, 15, 0, 0]), index([0, 1, 2, 3, 4, 5, 10, 13]));
        let (flags_ab, flags_c) = (index([2, 5, 8, 11, 14, 0, 0, 0]), index([0, 1, 2, 3, 4, 9, 12, 15]));
        let (mut read, mut kept) = (0, 0);
        let from = tokens.as_ptr().cast::<__m512i>();
        let to = out.as_mut_ptr();
        while read < whole {
            // SAFETY: tokens `read..read + 8` are within `tokens`, 192 bytes as three unaligned
            // loads, every byte a field's (see `Token`).
            let (a, b, c) = unsafe {
                let at = from.add(3 * read / 8);
                (_mm512_loadu_si512(at), _mm512_loadu_si512(at.add(1)), _mm512_loadu_si512(at.add(2)))
            };
            let hashes = _mm512_permutex2var_epi64(_mm512_permutex2var_epi64(a, hashes_ab, b), hashes_c, c);
            if skeleton {
                let flags = _mm512_permutex2var_epi64(_mm512_permutex2var_epi64(a, flags_ab, b), flags_c, c);
                let words = _mm512_test_epi64_mask(flags, flags);
                let count = words.count_ones() as usize;
                let compact = _mm512_maskz_compress_epi64(words, hashes);
                // SAFETY: writes `kept..kept + count` of `out`, within `..read + 8`, so within
                // `out` (masked lanes are not written).
                unsafe { _mm512_mask_storeu_epi64(to.add(kept).cast(), ((1u16 << count) - 1) as u8, compact) };
                kept += count;
            } else {
                // SAFETY: `read..read + 8` is within `out`; unaligned store.
                unsafe { _mm512_storeu_si512(to.add(read).cast(), hashes) };
                kept += 8;
            }
            read += 8;
        }
        (read, kept)
    }

    /// The polynomial in `k` of the hashes of the first `m = tokens.len() / 8 * 8` tokens,
    /// `sum of hash_i * k^(m - 1 - i)`, and `m`: eight accumulators, each a polynomial in `k^8`
    /// of every eighth hash, weighted by `k^7` down to `1` at the end. Tokens are loaded as
    /// [`view_hashes`] loads them.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub fn hash_polynomial(tokens: &[Token], k: u64) -> (usize, u64) {
        let whole = tokens.len() / 8 * 8;
        let index = |i: [i64; 8]| _mm512_set_epi64(i[7], i[6], i[5], i[4], i[3], i[2], i[1], i[0]);
        let (hashes_ab, hashes_c) = (index([0, 3, 6, 9, 12, 15, 0, 0]), index([0, 1, 2, 3, 4, 5, 10, 13]));
        let mut powers = [1u64; 9];
        for p in (0..8).rev() {
            powers[p] = powers[p + 1].wrapping_mul(k);
        }
        // powers[j] = k^(8 - j): the step is k^8, lane j's weight k^(7 - j) = powers[j + 1].
        let step = _mm512_set1_epi64(powers[0] as i64);
        let mut sum = _mm512_setzero_si512();
        let from = tokens.as_ptr().cast::<__m512i>();
        for read in (0..whole).step_by(8) {
            // SAFETY: as in `view_hashes`.
            let (a, b, c) = unsafe {
                let at = from.add(3 * read / 8);
                (_mm512_loadu_si512(at), _mm512_loadu_si512(at.add(1)), _mm512_loadu_si512(at.add(2)))
            };
            let hashes = _mm512_permutex2var_epi64(_mm512_permutex2var_epi64(a, hashes_ab, b), hashes_c, c);
            sum = _mm512_add_epi64(_mm512_mullo_epi64(sum, step), hashes);
        }
        // SAFETY: eight u64 from `powers[1..9]`; unaligned load.
        let weights = unsafe { _mm512_loadu_si512(powers[1..].as_ptr().cast()) };
        (whole, _mm512_reduce_add_epi64(_mm512_mullo_epi64(sum, weights)) as u64)
    }

    /// [`super::mix`], the MurmurHash3 finaliser, lane by lane.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    pub(crate) fn mix(mut h: __m512i) -> __m512i {
        let eight = |x: u64| _mm512_set1_epi64(x as i64);
        h = _mm512_mullo_epi64(_mm512_xor_si512(h, _mm512_srli_epi64::<33>(h)), eight(0xff51_afd7_ed55_8ccd));
        h = _mm512_mullo_epi64(_mm512_xor_si512(h, _mm512_srli_epi64::<33>(h)), eight(0xc4ce_b9fe_1a85_ec53));
        _mm512_xor_si512(h, _mm512_srli_epi64::<33>(h))
    }
}

/// The 64-bit finaliser of MurmurHash3: every input bit affects every output bit.
#[inline]
pub const fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Sorted, deduplicated shingles: the exact set that verification intersects.
pub fn shingle_set(tokens: &[Token], view: View, n: usize, scratch: &mut Vec<u64>) -> Vec<u64> {
    let mut out = Vec::with_capacity(tokens.len());
    shingles(tokens, view, n, scratch, &mut out);
    sort_hashes(&mut out);
    out.dedup();
    out
}

/// Sorts uniformly distributed 64-bit hashes in expected linear time: a counting sort on the top
/// bits (about two buckets per value) leaves each value within its small bucket, and an insertion
/// sort finishes the few inversions left. Several times faster than a comparison sort for the
/// few hundred to few thousand shingles of an article.
pub fn sort_hashes(v: &mut Vec<u64>) {
    sort_by_hash(v, |&h| h);
}

/// [`sort_hashes`] for items carrying a uniformly distributed hash (a shingle and where it is,
/// say). Stable: items with equal hashes keep their order (the counting sort places them in
/// order, the insertion sort moves an item only past greater ones).
pub fn sort_by_hash<T: Copy + Default>(v: &mut Vec<T>, hash: impl Fn(&T) -> u64) {
    if v.len() < 64 {
        v.sort_by_key(&hash);
        return;
    }
    let mut out = vec![T::default(); v.len()];
    sort_into(v, &mut out, 1, &hash);
    *v = out;
}

/// Each of `hashes` with its position, `(hashes[i], i)`, sorted by hash as [`sort_by_hash`]
/// sorts (stable: a repeated hash's positions in order), without building the pairs unsorted
/// first.
pub fn sort_with_positions(hashes: &[u64]) -> Vec<(u64, u32)> {
    let at = |i: usize| (hashes[i], i as u32);
    let n = hashes.len();
    if n < 64 {
        let mut v: Vec<(u64, u32)> = (0..n).map(at).collect();
        v.sort_by_key(|x| x.0);
        return v;
    }
    let mut out = vec![(0, 0); n];
    sort_items_into(n, at, &mut out, 1, &|x: &(u64, u32)| x.0);
    out
}

/// The buckets of a counting sort on the top `bits` bits of the hashes: the items whose hash
/// starts with `b` are `ends[b - 1]..ends[b]` (from 0 for `b = 0`) of the sorted items. With
/// about two buckets per item, a bucket holds an item or two: finding a hash among the sorted
/// items is a look at its bucket, as in a hash table, with no table to build.
#[derive(Clone, Debug, Default)]
pub struct Buckets {
    bits: u32,
    ends: Vec<u32>,
}

impl Buckets {
    /// The items of `sorted` (as [`sort_into_buckets`] left them) whose hash is `h`.
    pub fn find<'a, T>(&self, sorted: &'a [T], h: u64, hash: impl Fn(&T) -> u64) -> &'a [T] {
        // No buckets (the default): no bits to shift down to, and nothing to find.
        let Some(b) = h.checked_shr(64 - self.bits).map(|b| b as usize) else {
            return &[];
        };
        let Some(&end) = self.ends.get(b) else {
            return &[];
        };
        let start = if b == 0 { 0 } else { self.ends[b - 1] };
        let bucket = &sorted[start as usize..end as usize];
        if bucket.len() <= 4 {
            // The usual bucket: a look at each item beats a binary search's branches.
            let from = bucket.iter().take_while(|x| hash(x) < h).count();
            let len = bucket[from..].iter().take_while(|x| hash(x) == h).count();
            return &bucket[from..from + len];
        }
        // A hash repeated many times (a refrain), or hashes that are not uniform.
        let from = bucket.partition_point(|x| hash(x) < h);
        let to = from + bucket[from..].partition_point(|x| hash(x) == h);
        &bucket[from..to]
    }
}

/// The `n` items `item(0)`, `item(1)`, ... sorted by hash as [`sort_by_hash`] sorts them
/// (made as the sort reads them, with no vector of them unsorted), for a search by hash later:
/// with the counting sort's [`Buckets`].
pub fn sort_into_buckets<T: Copy + Default>(
    n: usize,
    item: impl Fn(usize) -> T,
    hash: impl Fn(&T) -> u64,
) -> (Vec<T>, Buckets) {
    let mut out = vec![T::default(); n];
    let buckets = sort_items_into(n, item, &mut out, 1, &hash);
    (out, buckets)
}

/// `src` sorted by `hash` into `out` (as long): a stable counting sort on the hashes' top bits,
/// into `2^spread` buckets per item (rounded up), then an insertion sort for what is left out of
/// order.
///
/// Items that share a bucket come out in input order, and each one out of place costs the
/// insertion sort a mispredicted branch or two. On the word 3-grams, 5-grams and skeletons of
/// mkspeed articles, one bucket per item left 0.18 moves per item; two buckets per item (a
/// spread of 1) leave 0.09, and sort 3 to 10 % faster despite twice the counters to clear and
/// sum. Sorting millions of anchors in buckets of thousands, where many keys are equal and the
/// counters no longer fit in L1, two per item was 10 % slower: that sort keeps one per item.
fn sort_into<T: Copy>(src: &[T], out: &mut [T], spread: u32, hash: &impl Fn(&T) -> u64) -> Buckets {
    sort_items_into(src.len(), |i| src[i], out, spread, hash)
}

/// [`sort_into`] of the `n` items `item(0)`, `item(1)`, ... made as they are read: no vector of
/// them unsorted.
fn sort_items_into<T: Copy>(
    n: usize,
    item: impl Fn(usize) -> T,
    out: &mut [T],
    spread: u32,
    hash: &impl Fn(&T) -> u64,
) -> Buckets {
    let bits = (n.next_power_of_two().trailing_zeros() + spread).max(1);
    let shift = 64 - bits;
    let mut starts = vec![0u32; (1 << bits) + 1];
    for i in 0..n {
        starts[(hash(&item(i)) >> shift) as usize + 1] += 1;
    }
    // The running sum in a register: written as `starts[i] += starts[i - 1]`, the compiler once
    // kept it in memory, each step waiting for the last one's store (sorting twice as slow).
    let mut sum = 0;
    for s in starts.iter_mut() {
        sum += *s;
        *s = sum;
    }
    for i in 0..n {
        let x = item(i);
        let slot = &mut starts[(hash(&x) >> shift) as usize];
        out[*slot as usize] = x;
        *slot += 1;
    }
    // Hashes that are not uniform (many equal top bits) could make the insertion sort
    // quadratic: past a few moves per item, a stable comparison sort finishes instead.
    // Most items are already in place: the common step is one comparison with the item before.
    let mut moves = 0;
    let mut last = out.first().map_or(0, hash);
    for i in 1..n {
        let x = out[i];
        let h = hash(&x);
        if h >= last {
            last = h;
            continue;
        }
        let mut j = i;
        while j > 0 && hash(&out[j - 1]) > h {
            out[j] = out[j - 1];
            j -= 1;
        }
        out[j] = x;
        moves += i - j;
        if moves > 8 * n {
            out.sort_by_key(hash);
            break;
        }
    }
    Buckets { bits, ends: starts }
}

/// Top bits of the keys that [`par_sort_keyed`] splits on first.
const SPLIT_BITS: u32 = 10;

/// Sorts `(key, document)` entries, keys uniform hashes, as `par_sort_unstable` would, in
/// expected linear time and in parallel: one stable pass on the keys' top bits splits them into
/// a thousand buckets, each then sorted by [`sort_into`] on its own thread. A comparison sort
/// of millions of entries passes over them some twenty times, out of cache; this reads and
/// writes each twice.
///
/// Fastest when the documents of equal keys already come in increasing order (entries appended
/// document by document): the insertion sort then has nothing to move between them.
pub fn par_sort_keyed(v: &mut [(u32, u32)]) {
    if v.len() < 1 << 16 {
        v.par_sort_unstable();
        return;
    }
    let bucket = |e: &(u32, u32)| (e.0 >> (32 - SPLIT_BITS)) as usize;
    // The split is itself parallel: each part of `v` counts its entries per bucket, then
    // scatters them into its own stretch of each bucket (parts in order, so the split is stable).
    let part_len = v.len().div_ceil(4 * rayon::current_num_threads().max(1));
    let counts: Vec<Vec<usize>> = v
        .par_chunks(part_len)
        .map(|part| {
            let mut count = vec![0usize; 1 << SPLIT_BITS];
            for e in part {
                count[bucket(e)] += 1;
            }
            count
        })
        .collect();
    let mut split = vec![(0u32, 0u32); v.len()];
    let mut stretches: Vec<Vec<&mut [(u32, u32)]>> =
        counts.iter().map(|_| Vec::with_capacity(1 << SPLIT_BITS)).collect();
    let mut ends = Vec::with_capacity(1 << SPLIT_BITS);
    let (mut rest, mut at) = (&mut split[..], 0);
    for b in 0..1 << SPLIT_BITS {
        for (count, stretch) in counts.iter().zip(stretches.iter_mut()) {
            let (head, tail) = rest.split_at_mut(count[b]);
            stretch.push(head);
            (rest, at) = (tail, at + count[b]);
        }
        ends.push(at);
    }
    v.par_chunks(part_len).zip(stretches).for_each(|(part, mut stretch)| {
        let mut next = vec![0usize; 1 << SPLIT_BITS];
        for &e in part {
            let b = bucket(&e);
            stretch[b][next[b]] = e;
            next[b] += 1;
        }
    });
    // Each bucket from `split` back into its own place in `v`, sorted on the bits below the split.
    let mut pieces = Vec::with_capacity(ends.len());
    let (mut src, mut dst, mut start) = (&split[..], &mut v[..], 0);
    for &end in &ends {
        let (s, rest) = src.split_at(end - start);
        let (d, tail) = dst.split_at_mut(end - start);
        pieces.push((s, d));
        (src, dst, start) = (rest, tail, end);
    }
    pieces.into_par_iter().for_each(|(s, d)| {
        sort_into(s, d, 0, &|e: &(u32, u32)| ((e.0 as u64) << 32 | e.1 as u64) << SPLIT_BITS);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

    fn tokens(s: &str) -> Vec<Token> {
        let mut t = Vec::new();
        Tokenizer::new().tokenize(s, &mut t);
        t
    }

    #[test]
    fn counts() {
        let t = tokens("one two three four five six seven");
        let mut s = Vec::new();
        let mut out = Vec::new();
        shingles(&t, View::Words, 5, &mut s, &mut out);
        assert_eq!(out.len(), 3);
        out.clear();
        shingles(&t, View::Words, 3, &mut s, &mut out);
        assert_eq!(out.len(), 5);
        out.clear();
        shingles(&tokens("just two"), View::Words, 5, &mut s, &mut out);
        assert_eq!(out.len(), 1, "short texts give one shingle");
        out.clear();
        shingles(&[], View::Words, 5, &mut s, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_views_hashes_are_its_tokens_hashes_in_order() {
        // Token counts around multiples of eight (the AVX-512 path, where the processor has
        // it, takes groups of eight and leaves the rest), a third of them function words.
        for len in [0, 1, 7, 8, 9, 16, 23, 64, 101] {
            let tokens: Vec<Token> = (0..len as u32)
                .map(|i| Token::new(mix(i as u64), i, i + 1, mix(i as u64 ^ 99).is_multiple_of(3)))
                .collect();
            for view in [View::Words, View::Skeleton] {
                let mut out = vec![0; len];
                let kept = view_hashes(&tokens, view, &mut out);
                let want: Vec<u64> =
                    tokens.iter().filter(|t| view == View::Words || t.stopword).map(|t| t.hash).collect();
                assert_eq!(&out[..kept], &want[..], "{len} tokens, {view:?}");
            }
        }
    }

    #[test]
    fn order_matters_and_repeats_collapse_in_sets() {
        let mut s = Vec::new();
        let a = shingle_set(&tokens("a b c a b c a b c"), View::Words, 3, &mut s);
        assert_eq!(a.len(), 3, "abc, bca, cab");
        let b = shingle_set(&tokens("c b a"), View::Words, 3, &mut s);
        assert!(!a.contains(&b[0]));
    }

    #[test]
    fn skeleton_ignores_swapped_content_words() {
        let mut s = Vec::new();
        let a = shingle_set(&tokens("The shares of the company fell in the morning"), View::Skeleton, 3, &mut s);
        let b = shingle_set(
            &tokens("The stock certificates of the firm dropped in the forenoon"),
            View::Skeleton,
            3,
            &mut s,
        );
        assert_eq!(a, b);
        let w = shingle_set(&tokens("The shares of the company"), View::Words, 3, &mut s);
        assert!(w.iter().all(|h| !a.contains(h)), "views do not share hashes");
    }

    #[test]
    fn hashes_sort_like_any_sort() {
        for n in [0, 1, 63, 64, 65, 500, 4097] {
            let mut v: Vec<u64> = (0..n as u64).map(|i| mix(i % 300)).collect();
            v.extend([0, u64::MAX, 1 << 63]);
            let mut want = v.clone();
            want.sort_unstable();
            sort_hashes(&mut v);
            assert_eq!(v, want, "n = {n}");
        }
    }

    #[test]
    fn sorting_by_hash_is_stable() {
        for n in [10, 63, 64, 500, 4097] {
            // Many equal hashes, items in position order.
            let mut v: Vec<(u64, u32)> = (0..n as u32).map(|i| (mix((i % 37) as u64), i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|e| e.0);
            sort_by_hash(&mut v, |e| e.0);
            assert_eq!(v, want, "n = {n}");
            // Hashes that are not uniform at all (every top bit zero): still sorted, still stable.
            let mut v: Vec<(u64, u32)> = (0..n as u32).map(|i| ((i % 37) as u64, i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|e| e.0);
            sort_by_hash(&mut v, |e| e.0);
            assert_eq!(v, want, "n = {n}, small hashes");
        }
    }

    #[test]
    fn hashes_with_positions_sort_stably() {
        for n in [0, 10, 63, 64, 500, 4097] {
            // Many repeated hashes, and hashes that are not uniform at all (every top bit zero).
            for hashes in [(0..n).map(|i| mix(i % 37)).collect::<Vec<u64>>(), (0..n).map(|i| i % 37).collect()] {
                let mut want: Vec<(u64, u32)> = hashes.iter().enumerate().map(|(i, &h)| (h, i as u32)).collect();
                want.sort_by_key(|e| e.0);
                assert_eq!(sort_with_positions(&hashes), want, "n = {n}");
            }
        }
    }

    #[test]
    fn buckets_find_every_item_of_a_hash_and_nothing_else() {
        for n in [0, 1, 2, 10, 64, 500, 4097] {
            for (uniform, repeats) in [(true, 37), (true, 1_000_000), (false, 37)] {
                // Uniform hashes or every top bit zero; many equal or nearly all distinct.
                let key = |i: u32| {
                    let r = (i as u64 * 7919) % repeats;
                    if uniform {
                        mix(r)
                    } else {
                        r
                    }
                };
                let mut want: Vec<(u64, u32)> = (0..n as u32).map(|i| (key(i), i)).collect();
                want.sort_by_key(|e| e.0);
                let (v, buckets) = sort_into_buckets(n, |i| (key(i as u32), i as u32), |e| e.0);
                assert_eq!(v, want, "n = {n}, sorted and stable");
                for probe in (0..n as u32).map(key).chain((0..50).map(|i| mix(i + (1 << 40)))) {
                    let expected: Vec<(u64, u32)> = v.iter().copied().filter(|e| e.0 == probe).collect();
                    assert_eq!(buckets.find(&v, probe, |e| e.0), &expected[..], "n = {n}, hash {probe:x}");
                }
            }
        }
        assert!(Buckets::default().find(&[1u64, 2], 1, |&h| h).is_empty());
    }

    #[test]
    fn keyed_entries_sort_like_a_comparison_sort() {
        // Uniform keys, keys repeated by many documents (in document order, as the scan appends
        // them, and in reverse), small keys (one bucket), and too few entries to split.
        let uniform =
            |n: u32| -> Vec<(u32, u32)> { (0..n).map(|i| ((mix(i as u64 % 5000) >> 32) as u32, i)).collect() };
        let mut reversed = uniform(100_000);
        reversed.reverse();
        let small: Vec<(u32, u32)> = (0..70_000u32).map(|i| (i % 700, i * 7 % 1000)).collect();
        for mut v in [uniform(100_000), uniform(1000), reversed, small, vec![(u32::MAX, 1), (0, 0)]] {
            let mut want = v.clone();
            want.sort_unstable();
            par_sort_keyed(&mut v);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn every_window_is_its_polynomial_mixed() {
        // Lengths around multiples of eight, so that the eight-wide path (where the processor
        // has it) takes whole groups only, and a last group overlapping the one before, and the
        // rolling path takes texts of fewer than eight windows; window sizes up to past the
        // length.
        for len in [1, 7, 8, 9, 16, 23, 64, 101] {
            let hashes: Vec<u64> = (0..len as u64).map(|i| mix(i ^ 0xabc)).collect();
            for n in [1, 2, 3, 5, 8, 9, 40, 200] {
                let mut got = vec![42];
                shingle_hashes(&hashes, n, 7, &mut got);
                let w = n.min(len);
                let seed = mix(7 ^ (w as u64).wrapping_mul(P));
                let mut want = vec![42];
                want.extend(
                    hashes
                        .windows(w)
                        .map(|win| mix(win.iter().fold(0u64, |sum, &h| sum.wrapping_mul(P).wrapping_add(h)) ^ seed)),
                );
                assert_eq!(got, want, "len {len}, n {n}");
                // The rolling path alone, as a processor without AVX-512 takes it throughout.
                let mut rolled = vec![42];
                roll(&hashes, w, seed, &mut rolled);
                assert_eq!(rolled, want, "rolled, len {len}, n {n}");
            }
        }
    }

    #[test]
    fn rolling_equals_hashing_each_window() {
        let hashes: Vec<u64> = (1..40u64).map(mix).collect();
        for n in [1, 3, 5, 39, 50] {
            let mut rolled = Vec::new();
            shingle_hashes(&hashes, n, 7, &mut rolled);
            let mut one = Vec::new();
            let each: Vec<u64> = hashes
                .windows(n.min(hashes.len()))
                .map(|w| {
                    one.clear();
                    shingle_hashes(w, n, 7, &mut one);
                    one[0]
                })
                .collect();
            assert_eq!(rolled, each, "n = {n}");
        }
    }
}
