//! English function words: the words a synonym spinner leaves alone.
//!
//! Spinners replace content words (nouns, verbs, adjectives, adverbs) with dictionary synonyms
//! but keep the grammatical skeleton: articles, prepositions, pronouns, auxiliaries and
//! conjunctions. The sequence of these words survives spinning far better than word n-grams do
//! (the idea behind stopword n-grams, Stamatatos 2011, and the "immutable" skeleton of DSpin,
//! Zhang et al. 2014). The list is ours: short, high-frequency words only, because a word a
//! spinner might swap ("big", "said") would make the skeleton fragile.

/// The longest function word, in bytes: at most seven, so a word's first eight bytes packed
/// into a u64 (zero-padded) identify it exactly.
const LONGEST: usize = 7;
/// Slots of the hash table of function words: every word sits in its home slot (checked when
/// the table is built, at compile time), so a look-up is one probe. 512 slots of 8 bytes stay
/// in the L1 cache.
const SLOT_BITS: u32 = 9;
const SLOTS: usize = 1 << SLOT_BITS;
/// Multiplier of the table's hash (multiply-shift of the packed word): the first of a seeded
/// random search that sends the 104 words to 104 different slots (about one multiplier in
/// 40,000 does). A word added to the list may need a new one: the table's build says so.
const MULTIPLIER: u64 = 0xb2d3_e362_0c0f_584d;

/// True when `word` (normalised: lower case) is one of the function words.
#[inline]
pub fn is_stopword(word: &[u8]) -> bool {
    is_stopword_packed(word.len(), pack(word))
}

/// [`is_stopword`] for a word given by its length and its first eight bytes packed
/// little-endian, zero-padded (what the tokeniser's fast path has at hand): one probe of a
/// small table, without branches. The slot comes from the packed bytes, not from the word's
/// hash, so the look-up does not wait for the hash to be computed.
#[inline(always)]
pub fn is_stopword_packed(len: usize, packed: u64) -> bool {
    let home = slot(packed);
    // 1 to LONGEST bytes: an empty word packs to 0, as an empty slot reads.
    (len.wrapping_sub(1) < LONGEST) & (TABLE[home] == packed)
}

#[inline(always)]
const fn slot(packed: u64) -> usize {
    (packed.wrapping_mul(MULTIPLIER) >> (64 - SLOT_BITS)) as usize
}

/// [`is_stopword_packed`] for eight words at once, lane by lane (AVX-512): the same
/// multiply-shift for the slot, the table's slots gathered.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    use super::{LONGEST, MULTIPLIER, SLOT_BITS, TABLE};

    /// Bit `k` set when lane `k` of `len` and `packed` is a function word.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    pub fn are_stopwords(len: __m512i, packed: __m512i) -> __mmask8 {
        let lanes = |x: u64| _mm512_set1_epi64(x as i64);
        let home = _mm512_srli_epi64::<{ 64 - SLOT_BITS }>(_mm512_mullo_epi64(packed, lanes(MULTIPLIER)));
        let table = TABLE.as_ptr().cast();
        // SAFETY: a home slot is below `SLOTS` (the top SLOT_BITS bits of a u64), the table's
        // length, so the gather reads within it.
        let at = unsafe { _mm512_i64gather_epi64::<8>(home, table) };
        let listed = _mm512_cmpeq_epi64_mask(at, packed);
        // 1 to LONGEST bytes, by a wrapping subtraction as `is_stopword_packed` has it.
        listed & _mm512_cmplt_epu64_mask(_mm512_sub_epi64(len, lanes(1)), lanes(LONGEST as u64))
    }
}

/// A word's first eight bytes as a little-endian u64, zero-padded.
#[inline(always)]
const fn pack(word: &[u8]) -> u64 {
    let mut packed = 0u64;
    let mut j = 0;
    while j < 8 && j < word.len() {
        packed |= (word[j] as u64) << (8 * j);
        j += 1;
    }
    packed
}

/// The packed function words by slot; 0 is empty (no word packs to 0). Built at compile time.
static TABLE: [u64; SLOTS] = build_table();

const fn build_table() -> [u64; SLOTS] {
    let mut table = [0u64; SLOTS];
    let mut w = 0;
    while w < WORDS.len() {
        let word = WORDS[w].as_bytes();
        assert!(!word.is_empty() && word.len() <= LONGEST, "a function word of 1 to 7 bytes");
        let home = slot(pack(word));
        // A look-up probes the home slot only.
        assert!(table[home] == 0, "two function words share a slot: change MULTIPLIER");
        table[home] = pack(word);
        w += 1;
    }
    table
}

/// The function words, lower case.
pub const WORDS: [&str; 104] = [
    "a", "about", "after", "against", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because", "been",
    "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does", "during", "each", "for",
    "from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "may", "me", "might", "more", "most", "must", "my", "no", "nor", "not", "of", "on", "once", "one", "only", "or",
    "other", "our", "out", "over", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "under", "until", "up", "us", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_words_only() {
        for w in ["the", "of", "and", "would", "a"] {
            assert!(is_stopword(w.as_bytes()), "{w}");
        }
        for w in ["fire", "said", "The", "", "thee", "abouts", "wh", "thereof", "betweenness"] {
            assert!(!is_stopword(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn the_table_agrees_with_the_list() {
        for w in WORDS {
            assert!(is_stopword(w.as_bytes()), "{w}");
        }
        // Every word of up to three letters, and each function word with a letter changed,
        // added or dropped.
        let letters = b"abcdefghijklmnopqrstuvwxyz";
        let mut words: Vec<Vec<u8>> = Vec::new();
        for &x in letters {
            words.push(vec![x]);
            for &y in letters {
                words.push(vec![x, y]);
                words.extend(letters.iter().map(|&z| vec![x, y, z]));
            }
        }
        for w in WORDS {
            let w = w.as_bytes();
            for i in 0..=w.len() {
                for &x in letters {
                    words.push([&w[..i], &[x], &w[i..]].concat());
                    if i < w.len() {
                        words.push([&w[..i], &[x], &w[i + 1..]].concat());
                    }
                }
                if i < w.len() {
                    words.push([&w[..i], &w[i + 1..]].concat());
                }
            }
        }
        for w in &words {
            let listed = WORDS.iter().any(|l| l.as_bytes() == w.as_slice());
            assert_eq!(is_stopword(w), listed, "{}", String::from_utf8_lossy(w));
        }
    }
}
