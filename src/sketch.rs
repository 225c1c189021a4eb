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
/// Returns false, leaving `sig` all empty, when there are no shingles.
pub fn minhash(shingles: &[u64], sig: &mut [u64]) -> bool {
    sig.fill(EMPTY);
    let k = sig.len() as u128;
    if shingles.is_empty() || k == 0 {
        return false;
    }
    for &h in shingles {
        // The bin is the high part of h * k ("fast range"); the value is h itself, so the
        // minimum within a bin is the minimum over the shingles falling into it.
        let bin = ((h as u128 * k) >> 64) as usize;
        // A branch-free minimum: whether a shingle lowers its bin is a coin toss early on.
        let slot = &mut sig[bin];
        *slot = (*slot).min(h);
    }
    densify(sig);
    true
}

/// Optimal densification: each empty bin copies a non-empty bin picked by hashing
/// (bin, attempt) until a non-empty one comes up.
fn densify(sig: &mut [u64]) {
    let k = sig.len() as u64;
    if !sig.contains(&EMPTY) || sig.iter().all(|&v| v == EMPTY) {
        return;
    }
    let filled: Vec<u64> = sig.to_vec();
    for (i, slot) in sig.iter_mut().enumerate() {
        if *slot != EMPTY {
            continue;
        }
        let mut attempt = 0u64;
        loop {
            let pick = xxh3_64_with_seed(&attempt.to_le_bytes(), i as u64) % k;
            if filled[pick as usize] != EMPTY {
                *slot = filled[pick as usize];
                break;
            }
            attempt += 1;
        }
    }
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

    #[test]
    fn empty_input() {
        let mut s = vec![0; 16];
        assert!(!minhash(&[], &mut s));
        assert!(!minhash(&[], &mut []));
    }
}
