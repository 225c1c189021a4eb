//! English function words: the words a synonym spinner leaves alone.
//!
//! Spinners replace content words (nouns, verbs, adjectives, adverbs) with dictionary synonyms
//! but keep the grammatical skeleton: articles, prepositions, pronouns, auxiliaries and
//! conjunctions. The sequence of these words survives spinning far better than word n-grams do
//! (the idea behind stopword n-grams, Stamatatos 2011, and the "immutable" skeleton of DSpin,
//! Zhang et al. 2014). The list is ours: short, high-frequency words only, because a word a
//! spinner might swap ("big", "said") would make the skeleton fragile.

use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64;

/// The longest function word, in bytes.
const LONGEST: usize = 7;
/// Slots of the hash table of function words (a power of two, about five times their number).
const SLOTS: usize = 512;

/// [`is_stopword`] for a word whose xxh3 hash is known: one or two probes of a small table
/// instead of comparing the word with every function word of its length. The table holds the
/// hashes of the function words (open addressing, linear probing), and a hit is confirmed on the
/// word itself, so the answer is exactly that of [`is_stopword`].
#[inline]
pub fn is_stopword_hashed(word: &[u8], hash: u64) -> bool {
    if word.len() > LONGEST {
        return false;
    }
    let table = TABLE.get_or_init(build_table);
    let mut slot = (hash >> 55) as usize & (SLOTS - 1);
    loop {
        match table[slot] {
            (0, _) => return false,
            (h, w) if h == hash => return WORDS[w as usize].as_bytes() == word,
            _ => slot = (slot + 1) & (SLOTS - 1),
        }
    }
}

/// (hash, index in [`WORDS`]) per slot; hash 0 marks an empty slot.
static TABLE: OnceLock<Box<[(u64, u8); SLOTS]>> = OnceLock::new();

fn build_table() -> Box<[(u64, u8); SLOTS]> {
    let mut table = Box::new([(0u64, 0u8); SLOTS]);
    for (i, w) in WORDS.iter().enumerate() {
        let h = xxh3_64(w.as_bytes());
        let mut slot = (h >> 55) as usize & (SLOTS - 1);
        while table[slot].0 != 0 {
            slot = (slot + 1) & (SLOTS - 1);
        }
        table[slot] = (h, i as u8);
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
        for w in WORDS.iter().copied().chain(["fire", "said", "The", "", "thee", "abouts", "wh"]) {
            assert_eq!(is_stopword_hashed(w.as_bytes(), xxh3_64(w.as_bytes())), is_stopword(w.as_bytes()), "{w}");
        }
    }
}
