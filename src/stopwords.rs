//! English function words: the words a synonym spinner leaves alone.
//!
//! Spinners replace content words (nouns, verbs, adjectives, adverbs) with dictionary synonyms
//! but keep the grammatical skeleton: articles, prepositions, pronouns, auxiliaries and
//! conjunctions. The sequence of these words survives spinning far better than word n-grams do
//! (the idea behind stopword n-grams, Stamatatos 2011, and the "immutable" skeleton of DSpin,
//! Zhang et al. 2014). The list is ours: short, high-frequency words only, because a word a
//! spinner might swap ("big", "said") would make the skeleton fragile.

use crate::normalize::word_hash;

/// The longest function word, in bytes.
const LONGEST: usize = 7;
/// Slots of the hash table of function words: a power of two large enough that every word
/// sits in its home slot or the next one (checked by a test), so a look-up is two probes and no
/// loop.
const SLOTS: usize = 1024;

/// [`is_stopword`] for a word whose [`word_hash`] is known: two probes of a small table,
/// without branches, instead of comparing the word with every function word of its length. A
/// slot holds a function word's hash and its bytes packed into a u64, so a hit is exact.
#[inline]
pub fn is_stopword_hashed(word: &[u8], hash: u64) -> bool {
    is_stopword_packed(word.len(), pack(word), hash)
}

/// [`is_stopword_hashed`] for a word given by its length and its first eight bytes packed
/// little-endian, zero-padded (what the tokeniser's fast path has at hand).
#[inline(always)]
pub fn is_stopword_packed(len: usize, packed: u64, hash: u64) -> bool {
    let home = (hash >> 54) as usize;
    let hit = |s: &(u64, u64)| (s.0 == hash) & (s.1 == packed);
    (len <= LONGEST) & (hit(&TABLE[home]) | hit(&TABLE[home + 1]))
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

/// (hash, packed word) per slot, one spare slot at the end; (0, 0) is empty. Built at compile
/// time.
static TABLE: [(u64, u64); SLOTS + 1] = build_table();

const fn build_table() -> [(u64, u64); SLOTS + 1] {
    let mut table = [(0u64, 0u64); SLOTS + 1];
    let mut w = 0;
    while w < WORDS.len() {
        let word = WORDS[w].as_bytes();
        let h = word_hash(word);
        let home = (h >> 54) as usize;
        let mut slot = home;
        while table[slot].0 != 0 || table[slot].1 != 0 {
            slot += 1;
        }
        // A look-up probes two slots only.
        assert!(slot <= home + 1, "a function word is two slots from home: change the word hash's seed");
        table[slot] = (h, pack(word));
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

/// True when `word` (normalised: lower case ASCII) is one of the function words.
pub fn is_stopword(word: &[u8]) -> bool {
    WORDS.iter().any(|w| w.as_bytes() == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_words_only() {
        for w in ["the", "of", "and", "would", "a"] {
            assert!(is_stopword(w.as_bytes()), "{w}");
        }
        for w in ["fire", "said", "The", "", "thee"] {
            assert!(!is_stopword(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn the_hash_table_agrees_with_the_list() {
        assert!(WORDS.iter().all(|w| w.len() <= LONGEST));
        let table = &TABLE;
        for w in WORDS {
            let home = (word_hash(w.as_bytes()) >> 54) as usize;
            assert!(
                table[home].1 == pack(w.as_bytes()) || table[home + 1].1 == pack(w.as_bytes()),
                "{w} is two slots away"
            );
        }
        for w in WORDS.iter().copied().chain(["fire", "said", "The", "", "thee", "abouts", "wh"]) {
            assert_eq!(is_stopword_hashed(w.as_bytes(), word_hash(w.as_bytes())), is_stopword(w.as_bytes()), "{w}");
        }
    }
}
