//! Evidence: the passages a copy shares with its original, with character offsets into both texts.
//!
//! Verification decides *whether* a page is a copy from shingle sets; a reader wants to see
//! *where*. Here the two token sequences are aligned:
//!
//! 1. every word 3-gram of the copy that also occurs in the original seeds a diagonal, which is
//!    extended to a maximal run of identical normalised words (a *segment*);
//! 2. the heaviest chain of segments that runs forward in both texts is kept (a longest common
//!    subsequence over segments, so a stock phrase repeated elsewhere does not count twice and a
//!    moved paragraph does not tangle the rest);
//! 3. consecutive segments separated by at most [`MAX_CHANGED`] words on each side form one
//!    *passage*: the words between its segments are what a spinner or an editor changed.
//!
//! The cost is linear in the two texts plus the number of segments squared, and the segments are
//! capped at [`MAX_SEGMENTS`] (the longest kept), so a pathological pair stays bounded.

use crate::normalize::Token;
use crate::shingle::{sort_into_buckets, Buckets};

/// Words a segment needs to count: shorter runs of equal words are mostly function words.
pub const MIN_WORDS: usize = 3;
/// Changed words allowed between two segments of one passage (on each side).
pub const MAX_CHANGED: usize = 8;
/// A word 3-gram occurring more often than this in the original seeds nothing (a refrain).
const MAX_REPEATS: usize = 16;
/// Segments considered for the chain, the longest first.
const MAX_SEGMENTS: usize = 4096;

/// A run of identical words: `a` and `b` are first-token indices, `len` the number of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub a: usize,
    pub b: usize,
    pub len: usize,
}

/// One matched segment as reported: `passage` numbers groups (1, 2, ...), offsets are half-open
/// ranges of characters (Unicode scalar values) into each text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub passage: u32,
    pub a_start: usize,
    pub a_end: usize,
    pub b_start: usize,
    pub b_end: usize,
    pub words: usize,
}

fn trigram(t: &[Token]) -> u64 {
    t[0].hash ^ t[1].hash.rotate_left(21) ^ t[2].hash.rotate_left(42)
}

/// An original's side of [`align`], built once for all of its copies.
pub struct Original<'a> {
    tokens: &'a [Token],
    /// Where each word 3-gram of the original starts, sorted by 3-gram (positions in order
    /// within a 3-gram), and the buckets of that sort, to look a 3-gram up in.
    index: Vec<(u64, u32)>,
    buckets: Buckets,
    /// 3-grams too frequent to seed, by position.
    refrain: Vec<bool>,
}

impl<'a> Original<'a> {
    pub fn new(tokens: &'a [Token]) -> Original<'a> {
        if tokens.len() < MIN_WORDS {
            return Original { tokens, index: Vec::new(), buckets: Buckets::default(), refrain: Vec::new() };
        }
        // The counting sort's buckets are the table to look 3-grams up in: building an
        // open-addressing table of the distinct 3-grams besides, as before, took a third of
        // the time of building an original.
        let (index, buckets) =
            sort_into_buckets(tokens.len() - 2, |i| (trigram(&tokens[i..i + 3]), i as u32), |e: &(u64, u32)| e.0);
        let mut refrain = vec![false; index.len()];
        for group in index.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > MAX_REPEATS) {
            group.iter().for_each(|e| refrain[e.1 as usize] = true);
        }
        Original { tokens, index, buckets, refrain }
    }

    /// Where 3-gram `h` starts in the original, in increasing order (empty if nowhere).
    fn starts(&self, h: u64) -> &[(u64, u32)] {
        self.buckets.find(&self.index, h, |e| e.0)
    }
}

/// The ordered chain of matching segments between token sequences `a` (the original) and `b`.
pub fn align(a: &[Token], b: &[Token]) -> Vec<Segment> {
    align_to(&Original::new(a), b)
}

/// [`align`] with the original's side already built.
pub fn align_to(original: &Original, b: &[Token]) -> Vec<Segment> {
    let Original { tokens: a, refrain, .. } = original;
    if a.len() < MIN_WORDS || b.len() < MIN_WORDS {
        return Vec::new();
    }
    // Each 3-gram of `b` is looked up in the original's table. Sorting the copy's 3-grams to
    // merge them with the original's, as before, cost twice as much for the same segments.
    let mut segments = Vec::new();
    for (j, w) in b.windows(3).enumerate() {
        let group = original.starts(trigram(w));
        if group.len() > MAX_REPEATS {
            continue;
        }
        for &(_, i) in group {
            let i = i as usize;
            // Only the start of a diagonal run: its continuation is the same segment (unless
            // the run's previous 3-gram was a refrain that seeded nothing).
            if i > 0 && j > 0 && a[i - 1].hash == b[j - 1].hash && !refrain[i - 1] {
                continue;
            }
            segments.extend(run_from(a, b, i, j));
        }
    }
    longest_chain(segments)
}

/// The run of equal words from `a[i]` and `b[j]`, if it is long enough to be a segment.
fn run_from(a: &[Token], b: &[Token], i: usize, j: usize) -> Option<Segment> {
    let len = a[i..].iter().zip(&b[j..]).take_while(|(x, y)| x.hash == y.hash).count();
    (len >= MIN_WORDS).then_some(Segment { a: i, b: j, len })
}

/// The [`chain`] of `segments`, of the [`MAX_SEGMENTS`] longest when there are more.
fn longest_chain(mut segments: Vec<Segment>) -> Vec<Segment> {
    if segments.len() > MAX_SEGMENTS {
        segments.sort_unstable_by(|x, y| y.len.cmp(&x.len).then((x.a, x.b).cmp(&(y.a, y.b))));
        segments.truncate(MAX_SEGMENTS);
    }
    chain(segments)
}

/// The heaviest chain of segments ordered in both texts without overlap (dynamic programming over
/// segments sorted by their position in `a`).
fn chain(mut segs: Vec<Segment>) -> Vec<Segment> {
    if segs.is_empty() {
        return segs;
    }
    segs.sort_unstable_by_key(|s| (s.a, s.b));
    let mut best = vec![0usize; segs.len()];
    let mut prev = vec![usize::MAX; segs.len()];
    for k in 0..segs.len() {
        let s = segs[k];
        best[k] = s.len;
        for p in 0..k {
            let t = segs[p];
            if t.a + t.len <= s.a && t.b + t.len <= s.b && best[p] + s.len > best[k] {
                best[k] = best[p] + s.len;
                prev[k] = p;
            }
        }
    }
    let mut k = (0..segs.len()).max_by_key(|&k| (best[k], std::cmp::Reverse(k))).unwrap_or(0);
    let mut out = Vec::new();
    loop {
        out.push(segs[k]);
        if prev[k] == usize::MAX {
            break;
        }
        k = prev[k];
    }
    out.reverse();
    out
}

/// Converts increasing byte offsets of `text` into character offsets in one pass.
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl CharCounter<'_> {
    fn at(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            // Not increasing (the `b` side of a chain is, but stay correct anyway).
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text.get(self.byte..byte).map_or(0, |s| s.chars().count());
        self.byte = byte;
        self.chars
    }
}

/// The matched segments of `b` (a copy) against `a` (its original), grouped into passages, with
/// character offsets into `a_text` and `b_text` (the texts the tokens were read from).
pub fn matches(a_text: &str, a: &[Token], b_text: &str, b: &[Token]) -> Vec<Match> {
    matches_to(a_text, &Original::new(a), b_text, b)
}

/// [`matches`] with the original's side of the alignment already built: a cluster's copies
/// are all aligned to one original.
pub fn matches_to(a_text: &str, original: &Original, b_text: &str, b: &[Token]) -> Vec<Match> {
    let a = original.tokens;
    let segments = align_to(original, b);
    let mut ca = CharCounter { text: a_text, byte: 0, chars: 0 };
    let mut cb = CharCounter { text: b_text, byte: 0, chars: 0 };
    let mut out = Vec::with_capacity(segments.len());
    let mut passage = 0;
    let mut last: Option<Segment> = None;
    for s in segments {
        let near = last.is_some_and(|p| s.a - (p.a + p.len) <= MAX_CHANGED && s.b - (p.b + p.len) <= MAX_CHANGED);
        if !near {
            passage += 1;
        }
        last = Some(s);
        let (a_start, b_start) = (ca.at(a[s.a].start as usize), cb.at(b[s.b].start as usize));
        let (a_end, b_end) = (ca.at(a[s.a + s.len - 1].end as usize), cb.at(b[s.b + s.len - 1].end as usize));
        out.push(Match { passage, a_start, a_end, b_start, b_end, words: s.len });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

    fn tokens(text: &str) -> Vec<Token> {
        let mut t = Vec::new();
        Tokenizer::new().tokenize(text, &mut t);
        t
    }

    fn slice(text: &str, start: usize, end: usize) -> String {
        text.chars().skip(start).take(end - start).collect()
    }

    fn run(a: &str, b: &str) -> Vec<Match> {
        matches(a, &tokens(a), b, &tokens(b))
    }

    #[test]
    fn an_exact_copy_is_one_segment_covering_both_texts() {
        let a = "The council voted on Tuesday to raise the property tax by two percent.";
        let m = run(a, a);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].a_start, m[0].b_start, m[0].words), (0, 0, 13));
        assert_eq!(slice(a, m[0].a_start, m[0].a_end), &a[..a.len() - 1]);
    }

    #[test]
    fn spun_words_split_one_passage_into_segments() {
        let a = "The council voted on Tuesday to raise the property tax by two percent next year.";
        let b = "Header text here. The council decided on Tuesday to raise the land tax by two percent next year.";
        let m = run(a, b);
        let words: Vec<String> = m.iter().map(|m| slice(b, m.b_start, m.b_end)).collect();
        assert_eq!(words, ["on Tuesday to raise the", "tax by two percent next year"]);
        // Both segments belong to one passage; the gap between them is the changed word.
        assert!(m.iter().all(|m| m.passage == 1));
        assert_eq!(slice(a, m[0].a_end, m[1].a_start).trim(), "property");
        assert_eq!(slice(b, m[0].b_end, m[1].b_start).trim(), "land");
        for m in &m {
            assert_eq!(slice(a, m.a_start, m.a_end).to_lowercase(), slice(b, m.b_start, m.b_end).to_lowercase());
        }
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let a = "Zoë Müller said the café near the river will reopen in spring after repairs.";
        let b = "«Breaking» Zoë Müller said the café near the river will reopen in spring.";
        let m = run(a, b);
        assert_eq!(m.len(), 1);
        assert_eq!(slice(a, m[0].a_start, m[0].a_end), "Zoë Müller said the café near the river will reopen in spring");
        assert_eq!(slice(b, m[0].b_start, m[0].b_end), "Zoë Müller said the café near the river will reopen in spring");
    }

    #[test]
    fn distant_segments_are_separate_passages_and_order_is_kept() {
        let a = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen \
                 sixteen seventeen eighteen nineteen twenty";
        // The second half comes first in the copy: only one of the two halves can be in the chain.
        let b = "sixteen seventeen eighteen nineteen twenty x one two three four five";
        let m = run(a, b);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].words, 5);
        let c = "one two three four a b c d e f g h i j k l m n sixteen seventeen eighteen";
        let m = run(a, c);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].passage, m[1].passage), (1, 2));
    }

    #[test]
    fn one_original_aligned_to_many_copies_as_to_each_alone() {
        let a = "The council voted on Tuesday to raise the property tax by two percent. The mayor said \
                 the money would go to schools, and the vote was the council's third this year. The \
                 council voted to raise the tax. The council voted to raise the tax.";
        let copies = [
            a.to_string(),
            format!("Breaking: {a} Read more at our site."),
            "The council decided on Tuesday to raise the land tax by two percent. The mayor said".to_string(),
            "the money would go to schools, and the vote was the third this year.".to_string(),
            "Nothing in common with it at all, not one phrase.".to_string(),
            "The".to_string(),
        ];
        let ta = tokens(a);
        let original = Original::new(&ta);
        for b in &copies {
            let tb = tokens(b);
            assert_eq!(matches_to(a, &original, b, &tb), matches(a, &ta, b, &tb), "{b}");
        }
        let short = tokens("two words");
        assert!(matches_to("two words", &Original::new(&short), a, &ta).is_empty());
    }

    /// The segments every pair of positions with the same 3-gram seeds, found by trying them
    /// all: what the original's table must find, probe by probe.
    fn seeds_by_brute_force(a: &[Token], b: &[Token]) -> Vec<Segment> {
        let tri = |t: &[Token], i: usize| trigram(&t[i..i + 3]);
        let count = |h: u64| (0..a.len().saturating_sub(2)).filter(|&i| tri(a, i) == h).count();
        let refrain = |i: usize| count(tri(a, i)) > MAX_REPEATS;
        let mut segments = Vec::new();
        for j in 0..b.len().saturating_sub(2) {
            for i in 0..a.len().saturating_sub(2) {
                if tri(a, i) != tri(b, j) || refrain(i) {
                    continue;
                }
                if i > 0 && j > 0 && a[i - 1].hash == b[j - 1].hash && !refrain(i - 1) {
                    continue;
                }
                segments.extend(run_from(a, b, i, j));
            }
        }
        longest_chain(segments)
    }

    #[test]
    fn the_table_finds_every_seed_that_trying_all_pairs_finds() {
        // Texts over a few words, so 3-grams repeat, some past MAX_REPEATS (refrains), and
        // tables fill with colliding home slots.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let words = ["the", "council", "voted", "tax", "on", "a", "of", "rise", "mayor", "said"];
        for round in 0..300 {
            let vocabulary = 2 + (round % 9) as u64;
            let (len_a, len_b) = (next(400), next(400));
            let mut text = |len: u64| (0..len).map(|_| words[next(vocabulary) as usize]).collect::<Vec<_>>().join(" ");
            let (a, b) = (text(len_a), text(len_b));
            let (ta, tb) = (tokens(&a), tokens(&b));
            let original = Original::new(&ta);
            let expected =
                if ta.len() < MIN_WORDS || tb.len() < MIN_WORDS { Vec::new() } else { seeds_by_brute_force(&ta, &tb) };
            assert_eq!(align_to(&original, &tb), expected, "{a} / {b}");
        }
    }

    #[test]
    fn unrelated_texts_have_no_matches() {
        assert!(run("the cat sat on the mat today", "a dog ran in the park yesterday").is_empty());
        assert!(run("", "anything at all here").is_empty());
    }
}
