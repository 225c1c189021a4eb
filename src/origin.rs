//! Naming the original of a cluster, and how each copy was made.
//!
//! The original is the member published first. Where dates tie or are missing, the texts decide:
//! a copy that wraps the original contains all of it plus a little more (a site's header and
//! footer), while an excerpt holds only part of it. Last, a member from a known wire service or
//! publisher (`--wire-sources`) is preferred, then the lowest input position, so the choice is
//! always deterministic.

use serde::Serialize;

use crate::verify::Measures;

/// How a copy relates to its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same normalised text.
    Exact,
    /// The original, whole, inside a longer page.
    Wrapped,
    /// Part of the original.
    Excerpt,
    /// The original with small insertions and deletions.
    Edited,
    /// A synonym or paraphrase rewrite.
    Spun,
}

impl Relation {
    pub fn name(self) -> &'static str {
        match self {
            Relation::Exact => "exact",
            Relation::Wrapped => "wrapped",
            Relation::Excerpt => "excerpt",
            Relation::Edited => "edited",
            Relation::Spun => "spun",
        }
    }

    pub const ALL: [Relation; 5] =
        [Relation::Exact, Relation::Wrapped, Relation::Excerpt, Relation::Edited, Relation::Spun];
}

/// Containment (word 5-grams) from which one text is "inside" another.
const INSIDE: f64 = 0.9;
/// A contained text at least this share of the container's length was wrapped by it; a shorter
/// one is an excerpt of it.
const WRAP_SHARE: f64 = 0.6;

/// Words outside the original's block that make a copy wrapped whatever its length (a site's
/// header and footer are a fixed size, a small share of a long article).
const WRAP_WORDS: u32 = 40;

/// The relation of copy `b` to original `a`, from their measures (`a` first).
///
/// The shape of the word coverage decides (thresholds from the development corpus, where each
/// kind is separated by a wide margin):
/// * a spun copy has a gap in its coverage every few words (at least 4 gaps, one per 100 words);
/// * a wrapped copy covers the whole original in one unbroken block, with extra words around it;
/// * an excerpt is covered almost entirely by the original and is much shorter than it;
/// * an edited copy is what remains: long intact runs with a few changes.
pub fn relation(m: &Measures) -> Relation {
    if m.same_text {
        return Relation::Exact;
    }
    let (ca, cb) = (&m.cover_a, &m.cover_b);
    let scattered = cb.gaps >= 4 && cb.gaps_per_100() >= 1.0;
    if scattered || cb.share() < 0.5 {
        return Relation::Spun;
    }
    // Around the block: a share of a short page, or a fixed-size frame around a long article.
    let framed = cb.outside() as f64 >= 0.05 * m.tokens_b as f64 || cb.outside() >= WRAP_WORDS;
    if ca.share() >= 0.97 && cb.density() >= 0.97 && framed {
        return Relation::Wrapped;
    }
    let length_ratio = m.tokens_b as f64 / m.tokens_a.max(1) as f64;
    if cb.share() >= 0.85 && (length_ratio <= 0.6 || (length_ratio <= 0.8 && ca.gaps == 0)) {
        return Relation::Excerpt;
    }
    Relation::Edited
}

/// What naming needs to know about one member.
#[derive(Clone, Debug)]
pub struct Member {
    /// Position in the input, the last tie-breaker.
    pub index: u32,
    pub timestamp: Option<i64>,
    pub wire: bool,
}

/// Candidates compared with each other in full; beyond this many, a linear pass picks finalists.
const FINALISTS: usize = 16;

/// Which of a pair derives from the other, by containment: `Some(true)` when `a` derives from
/// `b` (`a` is an excerpt of `b`, or `a` is a page wrapping `b`), `Some(false)` for the reverse,
/// `None` when the texts do not tell (same text, or neither inside the other).
fn a_derives_from_b(m: &Measures) -> Option<bool> {
    if m.same_text {
        return None;
    }
    let (ta, tb) = (m.tokens_a as f64, m.tokens_b as f64);
    let a_in_b = m.long.a_in_b >= INSIDE && ta < tb;
    let b_in_a = m.long.b_in_a >= INSIDE && tb < ta;
    // Inside and much shorter: an excerpt of the other. Inside and nearly as long: the other is
    // the original wrapped in a page.
    if (a_in_b && ta < WRAP_SHARE * tb) || (b_in_a && tb >= WRAP_SHARE * ta) {
        Some(true)
    } else if (b_in_a && tb < WRAP_SHARE * ta) || (a_in_b && ta >= WRAP_SHARE * tb) {
        Some(false)
    } else {
        None
    }
}

/// Picks the original among `members` (at least one). `measures(i, j)` gives the measures of
/// members `i` and `j` (positions in `members`, `i` first).
///
/// Members dated earliest, and undated ones (they may be earlier), are the candidates. Up to
/// [`FINALISTS`] of them are compared pairwise: the one most others derive from wins. With more
/// (a story reposted thousands of times without dates), one pass in tie-break order keeps the
/// text the current best derives from, and that text joins the first candidates as finalists:
/// at most `n + FINALISTS^2` comparisons instead of `n^2`.
pub fn pick_original(members: &[Member], measures: &mut dyn FnMut(usize, usize) -> Measures) -> usize {
    let earliest = members.iter().filter_map(|m| m.timestamp).min();
    // Known wire first, then dated before undated, then input order.
    let order = |i: &usize| {
        let m = &members[*i];
        (!m.wire, m.timestamp.is_none(), m.index)
    };
    let mut candidates: Vec<usize> =
        (0..members.len()).filter(|&i| members[i].timestamp.is_none() || members[i].timestamp == earliest).collect();
    if candidates.len() == 1 {
        return candidates[0];
    }
    if candidates.len() > FINALISTS {
        candidates.sort_by_key(order);
        let mut best = candidates[0];
        for &y in &candidates[1..] {
            if a_derives_from_b(&measures(best, y)) == Some(true) {
                best = y;
            }
        }
        candidates.retain(|&c| c != best);
        candidates.truncate(FINALISTS - 1);
        candidates.push(best);
    }
    // Containment: count, for each candidate, the candidates that derive from it (wrap it or are
    // excerpts of it) minus those it derives from.
    let mut score = vec![0i32; candidates.len()];
    for x in 0..candidates.len() {
        for y in x + 1..candidates.len() {
            match a_derives_from_b(&measures(candidates[x], candidates[y])) {
                Some(true) => {
                    score[y] += 1;
                    score[x] -= 1;
                }
                Some(false) => {
                    score[x] += 1;
                    score[y] -= 1;
                }
                None => {}
            }
        }
    }
    // Best containment score, then the tie-break order.
    let best = (0..candidates.len()).min_by_key(|&i| (std::cmp::Reverse(score[i]), order(&candidates[i])));
    candidates[best.unwrap_or(0)]
}

/// Known wire services and publishers, matched against a document's `source`.
#[derive(Clone, Debug, Default)]
pub struct WireSources {
    names: Vec<String>,
}

impl WireSources {
    pub fn new(names: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        WireSources {
            names: names.into_iter().map(|n| n.as_ref().trim().to_lowercase()).filter(|n| !n.is_empty()).collect(),
        }
    }

    /// True when `source` is one of the names, or a domain or phrase containing one as a whole
    /// word (`reuters` matches `Reuters`, `reuters.com` and `Thomson Reuters`).
    pub fn contains(&self, source: &str) -> bool {
        let s = source.trim().to_lowercase();
        if s.is_empty() {
            return false;
        }
        self.names.iter().any(|n| {
            s == *n
                || s.split(|c: char| !c.is_alphanumeric() && c != '-').any(|w| w == n)
                || (n.contains(|c: char| !c.is_alphanumeric()) && s.contains(n.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::tests::STORY;
    use crate::verify::{Measures, Profile};

    fn member(index: u32, timestamp: Option<i64>, wire: bool) -> Member {
        Member { index, timestamp, wire }
    }

    #[test]
    fn relations() {
        let o = Profile::new(STORY);
        let wrapped = Profile::new(&format!("Site news. Home. Sport. {STORY} Subscribe now."));
        let excerpt = Profile::new(&STORY[..STORY.find("The cause").unwrap()]);
        let edited = Profile::new(&STORY.replace("Nobody was hurt, but", "Two people were treated for smoke, and"));
        assert_eq!(relation(&Measures::of(&o, &o)), Relation::Exact);
        assert_eq!(relation(&Measures::of(&o, &wrapped)), Relation::Wrapped);
        assert_eq!(relation(&Measures::of(&o, &excerpt)), Relation::Excerpt);
        assert_eq!(relation(&Measures::of(&o, &edited)), Relation::Edited);
        // A long article in a fixed-size frame is wrapped, though the frame is a small share.
        let long = [STORY; 20].join("\n\n");
        let frame = "Site news. Home. World. Sport. Business. Culture. Sign in. Subscribe to our daily \
            newsletter for the best of the web. Posted five hours ago by the news desk.";
        let footer = "Copyright all rights reserved. Related articles. Share this story on every network. \
            Back to top of the page. Contact the editors.";
        let framed = format!("{frame}\n\n{long}\n\n{footer}");
        let m = Measures::of(&Profile::new(&long), &Profile::new(&framed));
        assert!((m.cover_b.outside() as f64) < 0.05 * m.tokens_b as f64, "the frame is a small share");
        assert_eq!(relation(&m), Relation::Wrapped);
    }

    #[test]
    fn earliest_date_wins() {
        let ms = [member(0, Some(200), false), member(1, Some(100), false), member(2, None, true)];
        let o = Profile::new(STORY);
        let unrelated = |_, _| Measures::of(&o, &Profile::new("something else entirely here"));
        // Member 1 is dated earliest; member 2 is undated, so it may be earlier: the texts do not
        // tell, and member 2 is a wire service.
        assert_eq!(pick_original(&ms, &mut unrelated.clone()), 2);
        let ms = [member(0, Some(200), false), member(1, Some(100), false), member(2, None, false)];
        assert_eq!(pick_original(&ms, &mut unrelated.clone()), 1, "dated before undated");
        let only = [member(0, Some(5), false), member(1, Some(9), false)];
        assert_eq!(pick_original(&only, &mut |_, _| unreachable!()), 0);
    }

    #[test]
    fn without_dates_the_wrapped_copy_points_to_the_original() {
        let profiles = [Profile::new(&format!("Site news. Home. Sport. {STORY} Subscribe now.")), Profile::new(STORY)];
        let ms = [member(0, None, false), member(1, None, false)];
        assert_eq!(pick_original(&ms, &mut |i, j| Measures::of(&profiles[i], &profiles[j])), 1);
        // An excerpt (well under the wrap share) points the other way.
        let profiles = [Profile::new(&STORY[..120]), Profile::new(STORY)];
        assert_eq!(pick_original(&ms, &mut |i, j| Measures::of(&profiles[i], &profiles[j])), 1);
    }

    #[test]
    fn thousands_of_undated_copies_take_linear_comparisons() {
        // 2,000 undated excerpts of one story, the story itself last in input order.
        let (story, excerpt) = (Profile::new(STORY), Profile::new(&STORY[..150]));
        let n = 2000;
        let ms: Vec<Member> = (0..n).map(|i| member(i as u32, None, false)).collect();
        let mut calls = 0;
        let o = pick_original(&ms, &mut |i, j| {
            calls += 1;
            let p = |k: usize| if k == n - 1 { &story } else { &excerpt };
            Measures::of(p(i), p(j))
        });
        assert_eq!(o, n - 1, "the text the excerpts come from");
        assert!(calls <= n + FINALISTS * FINALISTS, "{calls} comparisons");
    }

    #[test]
    fn tie_goes_to_the_wire() {
        let o = Profile::new(STORY);
        let ms = [member(0, Some(7), false), member(1, Some(7), true)];
        assert_eq!(pick_original(&ms, &mut |_, _| Measures::of(&o, &o)), 1);
    }

    #[test]
    fn wire_names() {
        let w = WireSources::new(["reuters", "ap", "apnews.com"]);
        assert!(w.contains("Reuters"));
        assert!(w.contains("reuters.com"));
        assert!(w.contains("Thomson Reuters"));
        assert!(w.contains("AP"));
        assert!(w.contains("https://apnews.com"));
        assert!(!w.contains("apple-daily"));
        assert!(!w.contains(""));
    }
}
