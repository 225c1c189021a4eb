//! English function words: the words a synonym spinner leaves alone.
//!
//! Spinners replace content words (nouns, verbs, adjectives, adverbs) with dictionary synonyms
//! but keep the grammatical skeleton: articles, prepositions, pronouns, auxiliaries and
//! conjunctions. The sequence of these words survives spinning far better than word n-grams do
//! (the idea behind stopword n-grams, Stamatatos 2011, and the "immutable" skeleton of DSpin,
//! Zhang et al. 2014). The list is ours: short, high-frequency words only, because a word a
//! spinner might swap ("big", "said") would make the skeleton fragile.

/// True when `word` (normalised: lower case ASCII) is one of the function words.
pub fn is_stopword(word: &[u8]) -> bool {
    matches!(
        word,
        b"a" | b"about"
            | b"after"
            | b"against"
            | b"all"
            | b"also"
            | b"an"
            | b"and"
            | b"any"
            | b"are"
            | b"as"
            | b"at"
            | b"be"
            | b"because"
            | b"been"
            | b"before"
            | b"being"
            | b"between"
            | b"both"
            | b"but"
            | b"by"
            | b"can"
            | b"could"
            | b"did"
            | b"do"
            | b"does"
            | b"during"
            | b"each"
            | b"for"
            | b"from"
            | b"had"
            | b"has"
            | b"have"
            | b"he"
            | b"her"
            | b"here"
            | b"him"
            | b"his"
            | b"how"
            | b"i"
            | b"if"
            | b"in"
            | b"into"
            | b"is"
            | b"it"
            | b"its"
            | b"may"
            | b"me"
            | b"might"
            | b"more"
            | b"most"
            | b"must"
            | b"my"
            | b"no"
            | b"nor"
            | b"not"
            | b"of"
            | b"on"
            | b"once"
            | b"one"
            | b"only"
            | b"or"
            | b"other"
            | b"our"
            | b"out"
            | b"over"
            | b"she"
            | b"should"
            | b"so"
            | b"some"
            | b"such"
            | b"than"
            | b"that"
            | b"the"
            | b"their"
            | b"them"
            | b"then"
            | b"there"
            | b"these"
            | b"they"
            | b"this"
            | b"those"
            | b"through"
            | b"to"
            | b"under"
            | b"until"
            | b"up"
            | b"us"
            | b"was"
            | b"we"
            | b"were"
            | b"what"
            | b"when"
            | b"where"
            | b"which"
            | b"while"
            | b"who"
            | b"whom"
            | b"why"
            | b"will"
            | b"with"
            | b"would"
            | b"you"
            | b"your"
    )
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
}
