//! Word n-grams ("shingles") as 64-bit hashes.
//!
//! A shingle is identified by the hashes of its n tokens, hashed again with xxh3, so the text is
//! scanned once and every shingle costs one short hash. Two views of a document are shingled:
//!
//! * [`View::Words`]: all words; catches exact, reformatted, wrapped, excerpted and edited copies.
//! * [`View::Skeleton`]: only the function words, in order; survives synonym spinning, which
//!   swaps content words but keeps the grammatical skeleton (see [`crate::stopwords`]).

use xxhash_rust::xxh3::xxh3_64_with_seed;

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
    scratch.clear();
    match view {
        View::Words => scratch.extend(tokens.iter().map(|t| t.hash)),
        View::Skeleton => scratch.extend(tokens.iter().filter(|t| t.stopword).map(|t| t.hash)),
    }
    shingle_hashes(scratch, n, view.seed(n), out);
}

/// Hashes every window of `n` consecutive values of `hashes`.
pub fn shingle_hashes(hashes: &[u64], n: usize, seed: u64, out: &mut Vec<u64>) {
    if hashes.is_empty() || n == 0 {
        return;
    }
    let n = n.min(hashes.len());
    let mut buf = [0u8; 8 * 16];
    for window in hashes.windows(n) {
        let len = 8 * window.len().min(16);
        for (i, h) in window.iter().take(16).enumerate() {
            buf[8 * i..8 * i + 8].copy_from_slice(&h.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(&buf[..len], seed));
    }
}

/// Sorted, deduplicated shingles: the exact set that verification intersects.
pub fn shingle_set(tokens: &[Token], view: View, n: usize, scratch: &mut Vec<u64>) -> Vec<u64> {
    let mut out = Vec::with_capacity(tokens.len());
    shingles(tokens, view, n, scratch, &mut out);
    out.sort_unstable();
    out.dedup();
    out
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
}
