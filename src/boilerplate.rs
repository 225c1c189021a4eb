//! Boilerplate: the header, footer and sidebar text a site puts around every article.
//!
//! Two different articles from one aggregator share its boilerplate word for word; on a short
//! article the shared header and footer can outweigh the story, and containment alone would call
//! the pages copies of each other. A story syndicated across sites looks the same from one pair
//! of pages, so frequency alone cannot tell them apart either (a story with 500 copies is the most
//! repeated text in a crawl). What tells them apart is *where* the repetition happens:
//! boilerplate repeats across different pages of one source.
//!
//! The scan already samples content-defined anchors (1 word 5-gram in 16, see
//! [`crate::lsh::anchors`]) and sorts them to find candidates. From the same sorted list, a
//! source whose pages (at least [`MIN_PAGES`] of them, with different texts) share an anchor has
//! a frame. A sample of those pages is read back and the word 5-grams found in at least half of
//! them (and in at least three) are the source's frame: the whole header and footer, not only
//! the sampled anchors. Memory: the frames; time: one pass over the anchors plus up to eight
//! pages per framed source.
//!
//! At verification, for a pair of pages from the same source, the words of frame shingles are
//! taken out of both pages before they are measured. What remains (the articles) decides. Pages from different sources are compared whole: a wire story inside an
//! aggregator's page is still found, and the aggregator's boilerplate lies outside the match.
//!
//! Whole-corpus boilerplate (cookie banners, licence lines shared by many sites) is handled at
//! the candidate stage: anchor buckets larger than `--max-bucket` propose no pairs.

use anyhow::Result;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::shingle::sort_by_hash;
use crate::verify::{Profile, LONG_N};
use crate::Document;

/// Pages of one source, with different texts, that must share an anchor to make it boilerplate.
/// Two is too few: a site that posts a story and its update shares the story's anchors.
pub const MIN_PAGES: usize = 3;
/// Pages of a source sampled to learn its frame.
const SAMPLE_PAGES: usize = 8;

/// A number naming the publisher of a document: its `source` field, or else the host of its
/// `url` (without `www.`), case-folded; 0 when it has neither.
pub fn source_key(doc: &Document) -> u64 {
    let source = doc.source.trim();
    let name = if source.is_empty() { host(&doc.url) } else { source };
    if name.is_empty() {
        return 0;
    }
    // Most names are short and ASCII: case-folded on the stack, not into a new String per page.
    let mut folded = [0u8; 64];
    let key = match folded.get_mut(..name.len()) {
        Some(folded) if name.is_ascii() => {
            folded.copy_from_slice(name.as_bytes());
            folded.make_ascii_lowercase();
            xxh3_64(folded)
        }
        _ => xxh3_64(name.to_lowercase().as_bytes()),
    };
    key.max(1)
}

fn host(url: &str) -> &str {
    let rest = url.trim().split_once("://").map_or("", |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("");
    host.strip_prefix("www.").unwrap_or(host)
}

/// Pages that carry an anchor shared by [`MIN_PAGES`] pages of their source with different
/// texts, found bucket by bucket with buffers kept between buckets (there are hundreds of
/// thousands of buckets).
#[derive(Default)]
struct FramedPages {
    /// (source, page), one page per text of each source with enough of them.
    framed: Vec<(u64, u32)>,
    pages: Vec<(u64, u32)>,
    texts: Vec<(u64, u32)>,
}

impl FramedPages {
    fn add_bucket(&mut self, bucket: &[(u32, u32)], sources: &[u64], fingerprint: impl Fn(u32) -> u64) {
        self.pages.clear();
        self.pages.extend(bucket.iter().map(|&(_, d)| (sources[d as usize], d)).filter(|p| p.0 != 0));
        if self.pages.len() < MIN_PAGES {
            return;
        }
        // Source keys are hashes, so the linear-time sort applies; it is stable, and the bucket's
        // documents come in increasing order, so each source's pages stay in document order, as
        // sorting the pairs would leave them. Buckets are large: 4.3 of the 9.7 million anchors
        // of the 1 GB mkspeed corpus are in buckets of more than 64 (stock phrases).
        sort_by_hash(&mut self.pages, |p| p.0);
        // Most buckets hold one story on different sites: no source has enough pages, and no
        // text fingerprint is looked up.
        for site in self.pages.chunk_by(|x, y| x.0 == y.0).filter(|s| s.len() >= MIN_PAGES) {
            self.texts.clear();
            self.texts.extend(site.iter().map(|&(_, d)| (fingerprint(d), d)));
            self.texts.sort_unstable();
            self.texts.dedup_by_key(|t| t.0);
            if self.texts.len() >= MIN_PAGES {
                self.framed.extend(self.texts.iter().map(|&(_, d)| (site[0].0, d)));
            }
        }
    }
}

/// The frame of every source that has one: its boilerplate word 5-grams, as (source, shingle)
/// sorted.
#[derive(Clone, Debug, Default)]
pub struct Boilerplate {
    frames: Vec<(u64, u64)>,
    sources: usize,
}

impl Boilerplate {
    /// Finds the sources with boilerplate from `(anchor, doc)` entries sorted by anchor, the
    /// source key and text fingerprint of every document, then learns each such source's frame
    /// from a sample of its pages (`w5` reads one back and gives its set of word 5-grams, sorted):
    /// the word 5-grams found in at least half of the sampled pages (and at least [`MIN_PAGES`]).
    pub fn find(
        anchors: &[(u32, u32)],
        sources: &[u64],
        fingerprint: impl Fn(u32) -> u64 + Sync,
        w5: impl Fn(u32) -> Result<Vec<u64>> + Sync,
    ) -> Result<Boilerplate> {
        // Pages of each source that carry an anchor shared by MIN_PAGES pages of that source
        // (buckets looked at in parallel).
        let mut framed: Vec<(u64, u32)> = anchors
            .par_chunk_by(|x, y| x.0 == y.0)
            .filter(|b| b.len() >= MIN_PAGES)
            .fold(FramedPages::default, |mut f, bucket| {
                f.add_bucket(bucket, sources, &fingerprint);
                f
            })
            .flat_map_iter(|f| f.framed)
            .collect();
        framed.sort_unstable();
        framed.dedup();
        let sites: Vec<&[(u64, u32)]> = framed.chunk_by(|x, y| x.0 == y.0).collect();
        let frames: Vec<Result<Vec<(u64, u64)>>> = sites
            .par_iter()
            .map(|site| {
                // The first pages in input order, one per text.
                let mut seen = Vec::new();
                let mut all = Vec::new();
                for &(_, d) in site.iter() {
                    let f = fingerprint(d);
                    if seen.contains(&f) {
                        continue;
                    }
                    seen.push(f);
                    all.extend(w5(d)?);
                    if seen.len() == SAMPLE_PAGES {
                        break;
                    }
                }
                let need = MIN_PAGES.max(seen.len().div_ceil(2));
                all.sort_unstable();
                Ok(all.chunk_by(|x, y| x == y).filter(|run| run.len() >= need).map(|run| (site[0].0, run[0])).collect())
            })
            .collect();
        let mut out = Vec::new();
        for f in frames {
            out.extend(f?);
        }
        let sources = out.chunk_by(|x, y| x.0 == y.0).count();
        Ok(Boilerplate { frames: out, sources })
    }

    /// Boilerplate shingles found, and the number of sources they belong to.
    pub fn counts(&self) -> (usize, usize) {
        (self.frames.len(), self.sources)
    }

    fn frame(&self, source: u64) -> &[(u64, u64)] {
        let from = self.frames.partition_point(|e| e.0 < source);
        let to = self.frames[from..].partition_point(|e| e.0 == source) + from;
        &self.frames[from..to]
    }

    /// The profiles of two pages of the same `source` without its frame, or `None` when neither
    /// holds any of it.
    pub fn strip(&self, source: u64, a: &Profile, b: &Profile) -> Option<(Profile, Profile)> {
        let frame = self.frame(source);
        if source == 0 || frame.is_empty() {
            return None;
        }
        let in_frame = |h: &u64| frame.binary_search_by_key(h, |e| e.1).is_ok();
        let (ka, kb) = (unframed(a, in_frame), unframed(b, in_frame));
        if ka.is_none() && kb.is_none() {
            return None;
        }
        let kept = |p: &Profile, keep: Option<Vec<bool>>| match keep {
            None => p.clone(),
            Some(keep) => {
                Profile::from_tokens(p.tokens.iter().zip(keep).filter(|(_, k)| *k).map(|(t, _)| *t).collect())
            }
        };
        Some((kept(a, ka), kept(b, kb)))
    }
}

/// Which tokens of a page stay once the words of frame shingles are taken out; `None` when none
/// are.
fn unframed(p: &Profile, in_frame: impl Fn(&u64) -> bool) -> Option<Vec<bool>> {
    let n = p.tokens.len();
    let width = LONG_N.min(n);
    let mut keep = vec![true; n];
    let mut removed = false;
    // In hash order: which words a frame shingle covers does not depend on the order visited.
    for &(h, i) in &p.w5_at {
        let i = i as usize;
        if in_frame(&h) {
            keep[i..i + width].iter_mut().for_each(|k| *k = false);
            removed = true;
        }
    }
    removed.then_some(keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsh::anchors;
    use crate::verify::Measures;

    const HEADER: &str = "DailyBuzz Now your daily dose of what matters most home world politics business \
        sport entertainment lifestyle trending videos podcasts newsletters sign in subscribe today and \
        never miss a story from the team that brings you the best of the web every single morning";
    const FOOTER: &str = "Share this story with your friends on every network you use and leave a comment \
        below the article telling us what you think. DailyBuzz Now is an independent aggregator of \
        news from around the world. Copyright all rights reserved by the owners of the content here.";

    fn page(story: &str) -> String {
        format!("{HEADER}\n\n{story}\n\n{FOOTER}")
    }

    fn doc(source: &str, url: &str) -> Document {
        Document { source: source.into(), url: url.into(), ..Document::default() }
    }

    #[test]
    fn source_is_the_field_or_the_host() {
        assert_eq!(source_key(&doc("DailyBuzz", "")), source_key(&doc(" dailybuzz ", "https://x.example/")));
        assert_eq!(source_key(&doc("", "https://www.buzz.example:8080/a/b?c")), source_key(&doc("buzz.example", "")));
        assert_eq!(source_key(&doc("", "not a url")), 0);
        assert_ne!(source_key(&doc("a", "")), source_key(&doc("b", "")));
        // Short ASCII names are folded on the stack, others into a string: the same keys.
        let long = "Agence-Presse-Internationale-".repeat(3);
        for name in ["DailyBuzz", "ÉCHO Du Matin", long.as_str()] {
            let expected = xxh3_64(name.to_lowercase().as_bytes()).max(1);
            assert_eq!(source_key(&doc(name, "")), expected, "{name}");
        }
        assert_eq!(source_key(&doc("ÉCHO du matin", "")), source_key(&doc("écho DU MATIN", "")));
    }

    /// Boilerplate of a site with four different stories, found as the scan would find it.
    fn site_boilerplate(pages: &[Profile]) -> Boilerplate {
        let mut entries = Vec::new();
        for (d, p) in pages.iter().enumerate() {
            let mut a = Vec::new();
            anchors(&p.w5_seq(), &mut Vec::new(), &mut a);
            entries.extend(a.into_iter().map(|x| (x, d as u32)));
        }
        entries.sort_unstable();
        let sources = vec![7; pages.len()];
        let fingerprints: Vec<u64> = pages.iter().map(|p| p.fingerprint).collect();
        Boilerplate::find(&entries, &sources, |d| fingerprints[d as usize], |d| Ok(pages[d as usize].w5.clone()))
            .unwrap()
    }

    const STORIES: [&str; 4] = [
        "The town council approved a new library for the east side after a long debate on Monday night.",
        "Two otters born at the city zoo in spring were shown to visitors for the first time this week.",
        "A late frost damaged apple orchards across the valley and growers fear a poor harvest this year.",
        "The local football club signed a young striker from the second division on a three year deal.",
    ];

    #[test]
    fn different_stories_in_one_sites_frame_are_not_copies_once_stripped() {
        let pages: Vec<Profile> = STORIES.iter().map(|s| Profile::new(&page(s))).collect();
        // Whole, the frame makes the pages look like copies of each other.
        assert!(Measures::of(&pages[0], &pages[1]).is_copy());
        let b = site_boilerplate(&pages);
        let (shingles, sources) = b.counts();
        assert_eq!(sources, 1);
        assert!(shingles > 60, "the whole frame is learnt, not only its anchors: {shingles}");
        let (x, y) = b.strip(7, &pages[0], &pages[1]).expect("boilerplate shared");
        assert!(!Measures::of(&x, &y).is_copy());
        assert!((15..=19).contains(&x.tokens.len()), "only the story (19 words) remains: {}", x.tokens.len());
        // Another source has no boilerplate.
        assert!(b.strip(8, &pages[0], &pages[1]).is_none());
    }

    #[test]
    fn the_same_story_twice_on_one_site_is_still_a_copy() {
        let mut pages: Vec<Profile> = STORIES.iter().map(|s| Profile::new(&page(s))).collect();
        let story = crate::verify::tests::STORY;
        pages.push(Profile::new(&page(story)));
        pages.push(Profile::new(&page(&story.replace("Tuesday", "Wednesday"))));
        let b = site_boilerplate(&pages);
        let (x, y) = b.strip(7, &pages[4], &pages[5]).expect("boilerplate shared");
        assert!(Measures::of(&x, &y).is_copy());
    }

    #[test]
    fn two_pages_are_not_enough_to_call_text_boilerplate() {
        let pages: Vec<Profile> = STORIES[..2].iter().map(|s| Profile::new(&page(s))).collect();
        assert_eq!(site_boilerplate(&pages).counts(), (0, 0));
    }
}
