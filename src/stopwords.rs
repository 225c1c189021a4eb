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
/// Slots of the hash table of function words: a power of two large enough that every word
/// sits in its home slot or the next one (checked by a test), so a look-up is two probes and no
/// loop.
const SLOTS: usize = 1024;

/// [`is_stopword`] for a word whose xxh3 hash is known: two probes of a small table, without
/// branches, instead of comparing the word with every function word of its length. A slot holds
/// a function word's hash and its bytes packed into a u64, so a hit is exact.
#[inline]
pub fn is_stopword_hashed(word: &[u8], hash: u64) -> bool {
    if word.len() > LONGEST {
        return false;
    }
    let table = TABLE.get_or_init(build_table);
    let packed = pack(word);
    let home = (hash >> 54) as usize;
    let hit = |s: &(u64, u64)| (s.0 == hash) & (s.1 == packed);
    hit(&table[home]) | hit(&table[home + 1])
}

/// A word of at most 8 bytes as a little-endian u64, zero-padded.
#[inline(always)]
fn pack(word: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..word.len().min(8)].copy_from_slice(&word[..word.len().min(8)]);
    u64::from_le_bytes(b)
}

/// (hash, packed word) per slot, one spare slot at the end; (0, 0) is empty.
static TABLE: OnceLock<Box<[(u64, u64); SLOTS + 1]>> = OnceLock::new();

fn build_table() -> Box<[(u64, u64); SLOTS + 1]> {
    let mut table = Box::new([(0u64, 0u64); SLOTS + 1]);
    for w in WORDS {
        let h = xxh3_64(w.as_bytes());
        let mut slot = (h >> 54) as usize;
        while table[slot] != (0, 0) {
            slot += 1;
        }
        table[slot] = (h, pack(w.as_bytes()));
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
        let table = TABLE.get_or_init(build_table);
        for w in WORDS {
            let home = (xxh3_64(w.as_bytes()) >> 54) as usize;
            assert!(
                table[home].1 == pack(w.as_bytes()) || table[home + 1].1 == pack(w.as_bytes()),
                "{w} is two slots away"
            );
        }
        for w in WORDS.iter().copied().chain(["fire", "said", "The", "", "thee", "abouts", "wh"]) {
            assert_eq!(is_stopword_hashed(w.as_bytes(), xxh3_64(w.as_bytes())), is_stopword(w.as_bytes()), "{w}");
        }
    }
}
