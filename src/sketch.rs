//! MinHash signatures by one-permutation hashing (OPH) with optimal densification.
//!
//! Classic MinHash (Broder 1997) hashes every shingle once per permutation: 128 hashes per
//! shingle. One-permutation hashing (Li, Owen and Zhang 2012) hashes each shingle once, splits the
//! hash range into `k` bins and keeps the minimum per bin; two documents agree on a bin with
//! probability equal to their Jaccard similarity, like classic MinHash. Bins left empty by short
//! documents borrow the value of a bin chosen by a hash of (bin, attempt), "optimal
//! densification" (Shrivastava 2017), which keeps the estimate unbiased. Everything is a pure
//! function of the shingle hashes, so signatures are identical across runs, threads and machines.

use xxhash_rust::xxh3::xxh3_64_with_seed;

const EMPTY: u64 = u64::MAX;

/// Fills `sig` (its length is the number of permutations) with the signature of `shingles`.
/// Returns false, leaving `sig` all empty, when there are no shingles. Builds a [`Sketcher`]
/// for the one call; sketching many documents, keep one.
pub fn minhash(shingles: &[u64], sig: &mut [u64]) -> bool {
    Sketcher::new(sig.len()).sketch(shingles, sig)
}

/// Attempts of the densification whose bins are looked up in a table instead of hashed: with
/// four, fewer than one empty bin in thirty needs a further attempt (measured on mkspeed text).
const TABULATED: usize = 4;

/// MinHash with what densification needs kept between documents: the bins the first attempts
/// of each bin pick, and scratch space. Short texts, and skeletons most of all, leave bins empty
/// (one in seven over both views of mkspeed text), so densification took a third of sketching
/// when every attempt was a hash and every bin a branch on whether it was empty.
#[derive(Clone, Debug, Default)]
pub struct Sketcher {
    /// `picks[i][a]`: the bin attempt `a` of empty bin `i` borrows from.
    picks: Vec<[u32; TABULATED]>,
    /// The signature before densification (empty bins borrow from it, not from each other).
    filled: Vec<u64>,
    /// The empty bins.
    empty: Vec<u32>,
}

impl Sketcher {
    /// A sketcher for signatures of `k` values.
    pub fn new(k: usize) -> Sketcher {
        let picks = (0..k).map(|i| std::array::from_fn(|a| pick(i, a as u64, k) as u32)).collect();
        Sketcher { picks, filled: Vec::with_capacity(k), empty: vec![0; k] }
    }

    /// [`minhash`]: the signature of `shingles` in `sig`, false when there are none.
    pub fn sketch(&mut self, shingles: &[u64], sig: &mut [u64]) -> bool {
        if sig.len() != self.picks.len() {
            *self = Sketcher::new(sig.len());
        }
        sig.fill(EMPTY);
        let k = sig.len() as u128;
        if shingles.is_empty() || k == 0 {
            return false;
        }
        // The bin is the high part of h * k ("fast range"); the value is h itself, so the
        // minimum within a bin is the minimum over the shingles falling into it. For k a power
        // of two (128 by default) the high part is h's top bits: a shift, not a multiplication
        // per shingle.
        // A branch-free minimum: whether a shingle lowers its bin is a coin toss early on.
        if k.is_power_of_two() {
            let shift = 64 - k.trailing_zeros();
            for &h in shingles {
                let slot = &mut sig[h.checked_shr(shift).unwrap_or(0) as usize];
                *slot = (*slot).min(h);
            }
        } else {
            for &h in shingles {
                let slot = &mut sig[((h as u128 * k) >> 64) as usize];
                *slot = (*slot).min(h);
            }
        }
        self.densify(sig);
        true
    }

    /// Optimal densification: each empty bin copies a non-empty bin picked by hashing
    /// (bin, attempt) until a non-empty one comes up. The same values as hashing every attempt,
    /// with no branch that depends on the data but for the rare bin whose tabulated attempts
    /// all come up empty.
    fn densify(&mut self, sig: &mut [u64]) {
        let k = sig.len();
        // Listed without a branch per bin: whether a bin is empty is unpredictable.
        let mut n = 0;
        for (i, &v) in sig.iter().enumerate() {
            self.empty[n] = i as u32;
            n += (v == EMPTY) as usize;
        }
        if n == 0 || n == k {
            return;
        }
        self.filled.clear();
        self.filled.extend_from_slice(sig);
        for &i in &self.empty[..n] {
            let i = i as usize;
            // The first non-empty bin of the tabulated attempts, by selects rather than branches.
            let mut v = EMPTY;
            for &p in &self.picks[i] {
                let c = self.filled[p as usize];
                v = if v == EMPTY { c } else { v };
            }
            if v == EMPTY {
                v = self.untabulated(i);
            }
            sig[i] = v;
        }
    }

    /// The value empty bin `i` borrows when its tabulated attempts all came up empty: hashed,
    /// attempt after attempt (kept out of the loop above, which it would slow).
    #[cold]
    #[inline(never)]
    fn untabulated(&self, i: usize) -> u64 {
        let k = self.filled.len();
        (TABULATED as u64..).map(|a| self.filled[pick(i, a, k)]).find(|&v| v != EMPTY).unwrap_or(EMPTY)
    }
}

/// The bin that attempt `attempt` of empty bin `bin` borrows from, of `k`.
fn pick(bin: usize, attempt: u64, k: usize) -> usize {
    (xxh3_64_with_seed(&attempt.to_le_bytes(), bin as u64) % k as u64) as usize
}

/// Bytes kept per document to check a band collision: the low byte of the first `CHECK_BYTES`
/// signature values ("b-bit minwise hashing", Li and König 2010, with b = 8).
pub const CHECK_BYTES: usize = 64;

/// Equal low bytes a band collision needs to count as a candidate. Two documents agree on a
/// value with probability `J` (their Jaccard similarity), and on its low byte by chance with
/// probability 1/256 otherwise, so the number of equal bytes is binomial with `p = J + (1 - J) /
/// 256` over 64 values. Requiring 4 drops 0.04 % of the pairs at J = 0.2 (the skeleton view's
/// threshold), 0.8 % at 0.15, and 93 % of the chance collisions at J = 0.02 whose number grows
/// with the square of the corpus.
pub const MIN_AGREEMENT: usize = 4;

/// Appends the low bytes of the first [`CHECK_BYTES`] values of `sig` to `out`.
pub fn low_bytes(sig: &[u64], out: &mut Vec<u8>) {
    out.extend(sig.iter().take(CHECK_BYTES).map(|&v| v as u8));
    out.extend(std::iter::repeat_n(0, CHECK_BYTES.saturating_sub(sig.len())));
}

/// How many positions of two [`low_bytes`] blocks are equal.
pub fn agreement(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

/// The share of equal positions: an unbiased estimate of the Jaccard similarity.
pub fn estimate_jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::mix;

    /// A deterministic stream of pseudo-random u64s (splitmix64).
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    /// The estimate stays within three standard errors of the true Jaccard on random sets of
    /// many sizes and overlaps (including sets smaller than the signature, which need
    /// densification).
    #[test]
    fn estimate_within_three_standard_errors() {
        let k = 128;
        let mut next = rng(7);
        let mut outside = 0;
        let mut trials = 0;
        for &(size, shared) in &[(1000, 500), (1000, 900), (200, 50), (5000, 1000), (60, 30), (30, 20), (400, 0)] {
            for _ in 0..20 {
                let common: Vec<u64> = (0..shared).map(|_| next()).collect();
                let mut a = common.clone();
                let mut b = common.clone();
                a.extend((0..size - shared).map(|_| next()));
                b.extend((0..size - shared).map(|_| next()));
                let j = shared as f64 / (2 * size - shared) as f64;
                let (mut sa, mut sb) = (vec![0; k], vec![0; k]);
                assert!(minhash(&a, &mut sa));
                assert!(minhash(&b, &mut sb));
                let est = estimate_jaccard(&sa, &sb);
                let se = (j * (1.0 - j) / k as f64).sqrt().max(1.0 / k as f64);
                trials += 1;
                if (est - j).abs() > 3.0 * se {
                    outside += 1;
                }
            }
        }
        // Three standard errors hold about 99.7 % of the time; allow for one unlucky draw.
        assert!(outside <= 1, "{outside} of {trials} estimates off by more than 3 SE");
    }

    #[test]
    fn identical_sets_identical_signatures_and_order_does_not_matter() {
        let mut next = rng(1);
        let a: Vec<u64> = (0..50).map(|_| next()).collect();
        let mut b = a.clone();
        b.reverse();
        let (mut sa, mut sb) = (vec![0; 128], vec![0; 128]);
        minhash(&a, &mut sa);
        minhash(&b, &mut sb);
        assert_eq!(sa, sb);
        assert!(sa.iter().all(|&v| v != EMPTY), "densified");
    }

    #[test]
    fn low_bytes_agree_about_as_often_as_the_sets_overlap() {
        let mut next = rng(3);
        let common: Vec<u64> = (0..300).map(|_| next()).collect();
        let mut a = common.clone();
        let mut b = common;
        a.extend((0..300).map(|_| next()));
        b.extend((0..300).map(|_| next()));
        let other: Vec<u64> = (0..600).map(|_| next()).collect();
        let (mut sa, mut sb, mut so) = (vec![0; 128], vec![0; 128], vec![0; 128]);
        minhash(&a, &mut sa);
        minhash(&b, &mut sb);
        minhash(&other, &mut so);
        let (mut la, mut lb, mut lo) = (Vec::new(), Vec::new(), Vec::new());
        low_bytes(&sa, &mut la);
        low_bytes(&sb, &mut lb);
        low_bytes(&so, &mut lo);
        assert_eq!(la.len(), CHECK_BYTES);
        // J = 1/3: about 21 of 64 agree; unrelated sets agree by chance only.
        assert!(agreement(&la, &lb) >= 10, "{}", agreement(&la, &lb));
        assert!(agreement(&la, &lo) < MIN_AGREEMENT, "{}", agreement(&la, &lo));
    }

    /// Densification as first written: a hash per attempt, a branch per bin.
    fn reference(shingles: &[u64], k: usize) -> Vec<u64> {
        let mut sig = vec![EMPTY; k];
        for &h in shingles {
            let bin = ((h as u128 * k as u128) >> 64) as usize;
            sig[bin] = sig[bin].min(h);
        }
        let filled = sig.clone();
        for (i, slot) in sig.iter_mut().enumerate().filter(|(_, v)| **v == EMPTY) {
            *slot = (0..).map(|a| filled[pick(i, a, k)]).find(|&v| v != EMPTY).unwrap_or(EMPTY);
        }
        sig
    }

    /// The table and the selects give the values hashing every attempt gives, for sets from one
    /// shingle (nearly every bin empty, most past the tabulated attempts) to many (none
    /// empty), and for signatures of other lengths with one sketcher reused across them.
    #[test]
    fn tabulated_densification_is_the_direct_one() {
        let mut next = rng(11);
        let mut sketcher = Sketcher::new(128);
        for k in [128, 64, 200, 1] {
            for size in [1, 2, 3, 5, 10, 20, 40, 80, 128, 200, 400, 1000] {
                let set: Vec<u64> = (0..size).map(|_| next()).collect();
                let mut sig = vec![0; k];
                assert!(sketcher.sketch(&set, &mut sig));
                assert_eq!(sig, reference(&set, k), "k = {k}, {size} shingles");
                assert!(sig.iter().all(|&v| v != EMPTY));
            }
        }
    }

    #[test]
    fn each_bin_keeps_the_least_shingle_of_its_range() {
        // Enough shingles that no bin is empty (no densification), for sizes that are powers
        // of two (bins by a shift) and others (by a multiplication): the same bins.
        let shingles: Vec<u64> = (0..5000u64).map(|i| mix(i * 7 + 1)).collect();
        for k in [1usize, 2, 64, 100, 128, 127] {
            let mut want = vec![u64::MAX; k];
            for &h in &shingles {
                let bin = ((h as u128 * k as u128) >> 64) as usize;
                want[bin] = want[bin].min(h);
            }
            assert!(want.iter().all(|&v| v != u64::MAX), "k = {k}: a bin is empty");
            let mut sig = vec![0; k];
            assert!(minhash(&shingles, &mut sig));
            assert_eq!(sig, want, "k = {k}");
        }
    }

    #[test]
    fn empty_input() {
        let mut s = vec![0; 16];
        assert!(!minhash(&[], &mut s));
        assert!(!minhash(&[], &mut []));
    }
}
