//! Verification: exact measures on a candidate pair, and the decision whether it is a copy.
//!
//! LSH only proposes pairs; here both texts are read back and compared exactly:
//!
//! * `jaccard`: word 5-gram Jaccard similarity, the classic near-duplicate measure;
//! * `containment` in both directions at two shingle sizes (word 3-grams and 5-grams): the share
//!   of one document's shingles found in the other, which stays high for excerpts (the copy is
//!   inside the original) and wrapped copies (the original is inside the copy) where Jaccard is
//!   diluted;
//! * `skeleton`: containment of function-word 5-grams, which survives synonym spinning.
//!
//! Independent coverage of the same event shares names, numbers and quotes, so its word 3-gram
//! containment can reach 0.3 to 0.45 when quotes are long, but its function-word skeleton differs
//! (it is written in other sentences). A spun copy keeps the skeleton. [`Measures::is_copy`]
//! combines the two; its thresholds were set on the development corpus with margins on both
//! sides (see the README's "How copies are verified").

use crate::normalize::{text_fingerprint, Token, Tokenizer};
use crate::shingle::{shingle_set, shingles, View};

/// Shingle sizes used by verification.
pub const SHORT_N: usize = 3;
pub const LONG_N: usize = 5;
pub const SKELETON_N: usize = 5;

/// Everything verification needs to know about one document.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub tokens: Vec<Token>,
    pub fingerprint: u64,
    pub w3: Vec<u64>,
    /// Word 5-grams, each with its position, sorted by hash (for coverage), and as a sorted set
    /// (for intersections). Text order is not kept (the positions give it), so a block of
    /// profiles held for verification is smaller.
    pub w5_at: Vec<(u64, u32)>,
    pub w5: Vec<u64>,
    pub skeleton: Vec<u64>,
}

impl Profile {
    /// The word 5-grams in text order (the `i`th is the shingle starting at word `i`), for
    /// tests that compare with a direct computation.
    #[cfg(test)]
    pub(crate) fn w5_seq(&self) -> Vec<u64> {
        let mut seq = vec![0; self.w5_at.len()];
        for &(h, i) in &self.w5_at {
            seq[i as usize] = h;
        }
        seq
    }

    pub fn new(text: &str) -> Profile {
        let mut tokens = Vec::new();
        Tokenizer::new().tokenize(text, &mut tokens);
        Profile::from_tokens(tokens)
    }

    pub fn from_tokens(tokens: Vec<Token>) -> Profile {
        let mut scratch = Vec::new();
        let mut w5_seq = Vec::with_capacity(tokens.len());
        shingles(&tokens, View::Words, LONG_N, &mut scratch, &mut w5_seq);
        let w5_at = crate::shingle::sort_with_positions(&w5_seq);
        drop(w5_seq);
        let mut w5: Vec<u64> = w5_at.iter().map(|x| x.0).collect();
        w5.dedup();
        Profile {
            fingerprint: text_fingerprint(&tokens),
            w3: shingle_set(&tokens, View::Words, SHORT_N, &mut scratch),
            w5_at,
            w5,
            skeleton: shingle_set(&tokens, View::Skeleton, SKELETON_N, &mut scratch),
            tokens,
        }
    }
}

/// The size of the intersection of two sorted, deduplicated slices. The merge steps without a
/// branch on the comparison: hashes are random, so such a branch would be mispredicted half the
/// time.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += (x == y) as usize;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    n
}

/// Containment of `a` in `b` and of `b` in `a` for one shingle set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Overlap {
    pub shared: usize,
    pub a_in_b: f64,
    pub b_in_a: f64,
    pub jaccard: f64,
}

impl Overlap {
    pub fn of(a: &[u64], b: &[u64]) -> Overlap {
        Overlap::of_counts(intersection(a, b), a.len(), b.len())
    }

    /// The overlap of two sets of `a` and `b` elements that share `shared`.
    fn of_counts(shared: usize, a: usize, b: usize) -> Overlap {
        let ratio = |n: usize| {
            if n == 0 {
                0.0
            } else {
                shared as f64 / n as f64
            }
        };
        Overlap { shared, a_in_b: ratio(a), b_in_a: ratio(b), jaccard: ratio(a + b - shared) }
    }

    /// Containment of the document that is more contained: the smaller one, usually.
    pub fn max(&self) -> f64 {
        self.a_in_b.max(self.b_in_a)
    }
}

/// Exact measures of a pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measures {
    pub same_text: bool,
    pub short: Overlap,
    pub long: Overlap,
    pub skeleton: Overlap,
    pub tokens_a: usize,
    pub tokens_b: usize,
    /// Which words of `a` lie in a word 5-gram found in `b`, and the reverse.
    pub cover_a: Coverage,
    pub cover_b: Coverage,
}

/// How the words of one document are covered by word 5-grams of another: how many, and how
/// scattered. A copy edited in a few places has a few uncovered gaps; a spun copy has a gap at
/// nearly every swapped word; a wrapped original is covered in one block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Coverage {
    pub tokens: u32,
    pub covered: u32,
    /// First and last covered token (the matched span), `first > last` when nothing matched.
    pub first: u32,
    pub last: u32,
    /// Uncovered runs strictly inside the matched span.
    pub gaps: u32,
}

impl Coverage {
    /// Marks the tokens of `p` covered by 5-grams present in `other` (sorted set): one merge of
    /// `p`'s 5-grams in hash order with `other`'s, without a branch on the comparison.
    pub fn of(p: &Profile, other_w5: &[u64]) -> Coverage {
        let mut covered = Coverage::marks(p);
        let (mine, mut i, mut j) = (&p.w5_at, 0, 0);
        while i < mine.len() && j < other_w5.len() {
            let ((x, at), y) = (mine[i], other_w5[j]);
            if x == y {
                covered[at as usize..][..LONG_N].fill(true);
            }
            // `mine` may repeat a 5-gram (at other positions); `other_w5` does not.
            i += (x <= y) as usize;
            j += (y < x) as usize;
        }
        Coverage::from_marks(covered, p.tokens.len())
    }

    /// The word 5-grams `a` and `b` share, and the coverage of each by the other, from one
    /// merge of their 5-grams in hash order: [`Overlap::of`] on the `w5` sets and
    /// [`Coverage::of`] both ways, which would take three.
    pub fn both(a: &Profile, b: &Profile) -> (Overlap, Coverage, Coverage) {
        let (mut cover_a, mut cover_b) = (Coverage::marks(a), Coverage::marks(b));
        let (x, y) = (&a.w5_at, &b.w5_at);
        let (mut i, mut j, mut shared) = (0, 0, 0);
        while i < x.len() && j < y.len() {
            let h = x[i].0;
            match h.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                // A 5-gram may stand at several places of either text: all are covered.
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    while let Some(&(_, at)) = x.get(i).filter(|e| e.0 == h) {
                        cover_a[at as usize..][..LONG_N].fill(true);
                        i += 1;
                    }
                    while let Some(&(_, at)) = y.get(j).filter(|e| e.0 == h) {
                        cover_b[at as usize..][..LONG_N].fill(true);
                        j += 1;
                    }
                }
            }
        }
        let long = Overlap::of_counts(shared, a.w5.len(), b.w5.len());
        (long, Coverage::from_marks(cover_a, a.tokens.len()), Coverage::from_marks(cover_b, b.tokens.len()))
    }

    /// A mark per word of `p`, and LONG_N places of slack past the end, so every 5-gram marks
    /// a constant width (a few stores, not a call to memset); a text shorter than that has one
    /// 5-gram, of all of it, and what lies past its end is not counted.
    fn marks(p: &Profile) -> Vec<bool> {
        vec![false; p.tokens.len() + LONG_N]
    }

    /// The coverage of a text of `n` words marked in `covered`.
    fn from_marks(mut covered: Vec<bool>, n: usize) -> Coverage {
        covered.truncate(n);
        let (Some(first), Some(last)) = (covered.iter().position(|&c| c), covered.iter().rposition(|&c| c)) else {
            return Coverage { tokens: n as u32, covered: 0, first: 1, last: 0, gaps: 0 };
        };
        let gaps = covered[first..=last].windows(2).filter(|w| w[0] && !w[1]).count() as u32;
        let c = covered.iter().filter(|&&c| c).count() as u32;
        Coverage { tokens: n as u32, covered: c, first: first as u32, last: last as u32, gaps }
    }

    /// Share of the document's words covered.
    pub fn share(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.covered as f64 / self.tokens as f64
        }
    }

    /// Share of the matched span that is covered: near 1 for one unbroken block.
    pub fn density(&self) -> f64 {
        if self.first > self.last {
            0.0
        } else {
            self.covered as f64 / (self.last - self.first + 1) as f64
        }
    }

    /// Words outside the matched span (a header and footer around a copied article).
    pub fn outside(&self) -> u32 {
        if self.first > self.last {
            self.tokens
        } else {
            self.tokens.saturating_sub(self.last - self.first + 1)
        }
    }

    /// Uncovered gaps per 100 words of the span.
    pub fn gaps_per_100(&self) -> f64 {
        if self.first > self.last {
            0.0
        } else {
            100.0 * self.gaps as f64 / (self.last - self.first + 1) as f64
        }
    }
}

/// At least this many shared word 3-grams before containment alone can link two documents, so a
/// one-line text inside a long page is not called a copy of it.
const MIN_SHARED_SHORT: usize = 12;
/// Function-word 5-grams a heavily spun copy must share with its original.
const MIN_SHARED_SKELETON: usize = 20;

impl Measures {
    pub fn of(a: &Profile, b: &Profile) -> Measures {
        Measures::deciding(a, b).completed(a, b)
    }

    /// [`Measures::of`] when the pair is a copy; `None` when it is not, found without the
    /// measures that only describe a copy (5-gram overlap, coverage: three of the five merges).
    pub fn of_copy(a: &Profile, b: &Profile) -> Option<Measures> {
        let m = Measures::deciding(a, b);
        m.is_copy().then(|| m.completed(a, b))
    }

    /// The measures [`Measures::is_copy`] decides on; the others are left empty.
    fn deciding(a: &Profile, b: &Profile) -> Measures {
        Measures {
            same_text: a.fingerprint == b.fingerprint && !a.tokens.is_empty(),
            short: Overlap::of(&a.w3, &b.w3),
            skeleton: Overlap::of(&a.skeleton, &b.skeleton),
            tokens_a: a.tokens.len(),
            tokens_b: b.tokens.len(),
            ..Measures::default()
        }
    }

    fn completed(self, a: &Profile, b: &Profile) -> Measures {
        let (long, cover_a, cover_b) = Coverage::both(a, b);
        Measures { long, cover_a, cover_b, ..self }
    }

    /// The same measures seen from the other side: (b, a) instead of (a, b).
    pub fn flipped(&self) -> Measures {
        let f = |o: Overlap| Overlap { a_in_b: o.b_in_a, b_in_a: o.a_in_b, ..o };
        Measures {
            same_text: self.same_text,
            short: f(self.short),
            long: f(self.long),
            skeleton: f(self.skeleton),
            tokens_a: self.tokens_b,
            tokens_b: self.tokens_a,
            cover_a: self.cover_b,
            cover_b: self.cover_a,
        }
    }

    /// Is one document a copy of the other (in either direction)?
    ///
    /// * Literal copies (exact, reformatted, wrapped, excerpted, edited) keep most of their word
    ///   3-grams: containment of at least 0.55 of the smaller document.
    /// * Spun copies lose many word 3-grams (0.25 to 0.55 remain) but keep at least 0.4 of their
    ///   function-word skeleton, which independent writing does not share (at most 0.39 on the
    ///   development corpus, 0.31 for all but one pair in a thousand).
    /// * Heavier spinners leave fewer word 3-grams (down to about 0.12) but then the skeleton
    ///   must match closely: 0.6 of at least 20 function-word 5-grams.
    pub fn is_copy(&self) -> bool {
        if self.same_text {
            return true;
        }
        if self.short.shared < MIN_SHARED_SHORT {
            return false;
        }
        let c3 = self.short.max();
        let sk = self.skeleton.max();
        c3 >= 0.55
            || (c3 >= 0.25 && sk >= 0.40)
            || (c3 >= 0.12 && sk >= 0.60 && self.skeleton.shared >= MIN_SHARED_SKELETON)
    }

    /// Similarity reported for a pair: word 5-gram Jaccard.
    pub fn similarity(&self) -> f64 {
        if self.same_text {
            1.0
        } else {
            self.long.jaccard
        }
    }

    /// Containment reported for a pair: the larger of the two directions, word 5-grams.
    pub fn containment(&self) -> f64 {
        if self.same_text {
            1.0
        } else {
            self.long.max()
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// A short wire story shared by the tests of verification and naming.
    pub(crate) const STORY: &str = "Fire crews spent the night fighting a blaze that destroyed a warehouse on the \
        Kelmsport docks, the harbour authority said on Tuesday. Nobody was hurt, but the building \
        and the grain stored in it were lost. The cause of the fire is not yet known, and an \
        investigation will begin once the site is safe. Dock workers said they saw smoke rising \
        from the roof shortly after midnight and called the fire brigade at once.";

    use super::*;

    #[test]
    fn intersection_of_sorted_sets() {
        assert_eq!(intersection(&[1, 3, 5, 7], &[2, 3, 7, 9]), 2);
        assert_eq!(intersection(&[], &[1]), 0);
    }

    #[test]
    fn coverage_marks_the_words_of_shared_five_grams() {
        // A passage repeated within the copy (its 5-grams repeat), an edit, and an unmatched tail.
        let a = Profile::new(STORY);
        let copy = format!(
            "{} {} Extra words nobody copied from anywhere at all today.",
            STORY.replace("the harbour authority", "port officials"),
            &STORY[..120]
        );
        let b = Profile::new(&copy);
        for (p, other) in [(&a, &b), (&b, &a)] {
            let mut covered = vec![false; p.tokens.len()];
            for (i, h) in p.w5_seq().iter().enumerate() {
                if other.w5.binary_search(h).is_ok() {
                    covered[i..i + LONG_N].iter_mut().for_each(|c| *c = true);
                }
            }
            let c = Coverage::of(p, &other.w5);
            assert_eq!(c.covered as usize, covered.iter().filter(|&&c| c).count());
            assert_eq!(Some(c.first as usize), covered.iter().position(|&c| c));
            assert_eq!(Some(c.last as usize), covered.iter().rposition(|&c| c));
        }
        let c = Coverage::of(&b, &a.w5);
        assert!(c.gaps >= 1, "the edit leaves a gap");
        assert!(c.outside() >= 9, "the tail is not covered");
    }

    #[test]
    fn one_merge_measures_as_the_three() {
        // Texts with repeated passages (5-grams at several places), edits, and short ones.
        let edited = STORY.replace("the harbour authority", "port officials");
        let repeated = format!("{} {} {}", &STORY[..150], STORY, &STORY[40..200]);
        let texts = [STORY, &edited, &repeated, "one two three", "one two three four five six", ""];
        for a in texts.map(Profile::new) {
            for b in texts.map(Profile::new) {
                let (long, cover_a, cover_b) = Coverage::both(&a, &b);
                assert_eq!(long, Overlap::of(&a.w5, &b.w5));
                assert_eq!(cover_a, Coverage::of(&a, &b.w5));
                assert_eq!(cover_b, Coverage::of(&b, &a.w5));
            }
        }
    }

    #[test]
    fn coverage_of_texts_shorter_than_a_five_gram() {
        for text in ["one", "one two", "one two three four"] {
            let p = Profile::new(text);
            let c = Coverage::of(&p, &p.w5);
            let n = p.tokens.len() as u32;
            assert_eq!((c.tokens, c.covered, c.first, c.last, c.gaps), (n, n, 0, n - 1, 0), "{text}");
            let none = Coverage::of(&p, &[]);
            assert_eq!((none.covered, none.outside()), (0, n), "{text}");
        }
    }

    #[test]
    fn a_copy_is_decided_without_the_measures_that_only_describe_it() {
        let unrelated = "Markets rallied on Friday after the central bank held its rate, and traders \
            said the decision had been expected for weeks by most of the people they spoke to.";
        let excerpt = &STORY[..200];
        let wrapped = format!("Home | News | Sport. {STORY} Share this story. All rights reserved.");
        let spun = STORY.replace("fighting", "battling").replace("destroyed", "wrecked").replace("lost", "gone");
        let texts = [STORY, unrelated, excerpt, wrapped.as_str(), spun.as_str()];
        let mut copies = 0;
        for x in texts {
            for y in texts {
                let (a, b) = (Profile::new(x), Profile::new(y));
                let full = Measures::of(&a, &b);
                assert_eq!(Measures::deciding(&a, &b).is_copy(), full.is_copy());
                assert_eq!(Measures::of_copy(&a, &b), full.is_copy().then_some(full));
                copies += full.is_copy() as usize;
            }
        }
        assert_eq!(copies, 4 * 4 + 1, "the story's four versions are copies of each other");
    }

    #[test]
    fn exact_and_reformatted_copies() {
        let a = Profile::new(STORY);
        let b = Profile::new(&STORY.to_uppercase().replace(", ", " , "));
        let m = Measures::of(&a, &b);
        assert!(m.same_text && m.is_copy());
        assert_eq!(m.similarity(), 1.0);
    }

    #[test]
    fn wrapped_copy_contains_the_original() {
        let wrapped = format!("DailyBuzz | Home | World | Sport. Posted 3 hours ago by Staff.\n\n{STORY}\n\nSubscribe to our newsletter. Cookies help us deliver our services. All rights reserved.");
        let m = Measures::of(&Profile::new(STORY), &Profile::new(&wrapped));
        assert!(m.is_copy());
        assert!(m.long.a_in_b > 0.99);
        assert!(m.long.jaccard < 0.9);
    }

    #[test]
    fn spun_copy_is_caught_and_unrelated_text_is_not() {
        let spun = "Fire teams spent the evening battling a inferno that wrecked a storehouse on the \
        Kelmsport wharves, the harbour authority declared on Tuesday. Nobody was injured, but the \
        edifice and the corn kept in it were lost. The origin of the blaze is not yet identified, \
        and an inquiry will commence once the location is secure. Wharf labourers said they \
        observed fumes climbing from the roof soon after midnight and phoned the fire brigade at once.";
        let m = Measures::of(&Profile::new(STORY), &Profile::new(spun));
        assert!(m.long.jaccard < 0.3, "{m:?}");
        assert!(m.is_copy(), "{m:?}");
        let other = "The harbour authority in Kelmsport confirmed on Tuesday that a warehouse fire \
        had wrecked grain stocks overnight. According to officials, firefighters were on the scene \
        until dawn. Investigators hope to establish a cause later this week, a spokesperson added, \
        while dock staff described seeing smoke just after midnight.";
        let m = Measures::of(&Profile::new(STORY), &Profile::new(other));
        assert!(!m.is_copy(), "{m:?}");
    }

    #[test]
    fn a_short_line_inside_a_page_is_not_a_copy() {
        let m = Measures::of(&Profile::new("the harbour authority said on Tuesday"), &Profile::new(STORY));
        assert!(!m.is_copy());
    }
}
