//! One side of a side-by-side: a document's text, escaped, with the passages it shares with the
//! other side in `<mark class="copied">` and, inside a passage, the words between two matching
//! segments (what a spinner or editor changed) in `<mark class="changed">`.
//!
//! Segments come from `matches.csv` with character offsets into the text. A passage's span runs
//! from its first segment to its last on this side; the gaps between its segments that hold a
//! word are the changed words, marked from their first to their last letter or digit (a gap of
//! spaces or punctuation only is still copied text).
//! Passages that overlap on this side (possible on the copy's side if it reordered or repeated
//! text) are clipped so that marks never nest wrongly.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Result};

use super::escape;
use crate::report::load::Segment;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The original: a segment's `a` offsets.
    Original,
    /// The copy: `b` offsets.
    Copy,
}

/// How much of a text is shown.
#[derive(Clone, Copy, Debug)]
pub struct TextLimits {
    /// Characters shown per text at most; the rest is left out with a note.
    pub max_chars: usize,
    /// A stretch outside every passage longer than this (in characters) is shown as its first and
    /// last `keep` characters around a note, when the text has passages at all.
    pub collapse: usize,
    pub keep: usize,
}

impl Default for TextLimits {
    fn default() -> Self {
        TextLimits { max_chars: 100_000, collapse: 2_000, keep: 400 }
    }
}

/// A highlighted text.
#[derive(Debug, Default)]
pub struct Highlighted {
    pub html: String,
    /// Words inside passages but outside segments: changed by the spinner or editor.
    pub changed_words: usize,
    /// Characters inside passages.
    pub copied_chars: usize,
    pub truncated: bool,
}

struct Passage {
    number: u32,
    span: Range<usize>,
    /// Changed stretches inside `span`, in order.
    changed: Vec<Range<usize>>,
}

/// Walks a text forwards, turning character offsets into byte offsets in one pass. Runs of
/// ASCII, where a character is a byte, are skipped whole.
struct Cursor<'a> {
    text: &'a str,
    at_char: usize,
    at_byte: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, at_char: 0, at_byte: 0 }
    }

    /// Byte offset of character `c` (not before the last one asked for).
    fn byte(&mut self, c: usize) -> usize {
        let bytes = self.text.as_bytes();
        while self.at_char < c && self.at_byte < bytes.len() {
            let want = (c - self.at_char).min(bytes.len() - self.at_byte);
            let window = &bytes[self.at_byte..self.at_byte + want];
            let ascii = ascii_prefix(window);
            self.at_byte += ascii;
            self.at_char += ascii;
            if ascii < want {
                // One multi-byte character: its length from its first byte.
                let len = match bytes[self.at_byte] {
                    b if b >= 0xf0 => 4,
                    b if b >= 0xe0 => 3,
                    _ => 2,
                };
                self.at_byte = (self.at_byte + len).min(bytes.len());
                self.at_char += 1;
            }
        }
        self.at_byte.min(self.text.len())
    }
}

/// How many bytes at the start of `bytes` are ASCII: eight at a time, by their high bits.
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        let high = u64::from_le_bytes(chunk.try_into().unwrap_or_default()) & 0x8080_8080_8080_8080;
        if high != 0 {
            return n + (high.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..].iter().position(|b| !b.is_ascii()).unwrap_or(bytes.len() - n)
}

/// Writes escaped text, counting characters against the limit.
struct Emitter<'a> {
    cursor: Cursor<'a>,
    out: String,
    left: usize,
    truncated: bool,
}

impl Emitter<'_> {
    fn text(&mut self, r: Range<usize>) {
        if self.truncated || r.is_empty() {
            return;
        }
        let end = if r.len() > self.left {
            self.truncated = true;
            r.start + self.left
        } else {
            r.end
        };
        self.left -= end - r.start;
        let (a, b) = (self.cursor.byte(r.start), self.cursor.byte(end));
        escape::push(&mut self.out, &self.cursor.text[a..b]);
    }

    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }
}

fn has_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn count_words(s: &str) -> usize {
    s.split_whitespace().filter(|w| has_word(w)).count()
}

/// Highlights `text` (the document `doc_id`) on `side` with `segments` (rows of `matches`, the
/// path used in errors). An offset past the end of the text is an error naming the row's line.
pub fn highlight(
    text: &str,
    segments: &[Segment],
    side: Side,
    limits: &TextLimits,
    doc_id: &str,
    matches: &Path,
) -> Result<Highlighted> {
    let len = text.chars().count();
    let mut by_passage: BTreeMap<u32, Vec<Range<usize>>> = BTreeMap::new();
    for s in segments {
        let r = match side {
            Side::Original => s.a.clone(),
            Side::Copy => s.b.clone(),
        };
        if r.end > len {
            bail!(
                "{}:{}: offset {} is past the end of the text of {doc_id:?} ({len} characters)",
                matches.display(),
                s.line,
                r.end
            );
        }
        if !r.is_empty() {
            by_passage.entry(s.passage).or_default().push(r);
        }
    }
    // Gaps are read as text to tell words from spaces, through their own cursor.
    let mut gap_cursor = Cursor::new(text);
    let mut passages: Vec<Passage> = by_passage
        .into_iter()
        .map(|(number, mut rs)| {
            rs.sort_by_key(|r| (r.start, r.end));
            let span = rs[0].start..rs.iter().map(|r| r.end).max().unwrap_or(rs[0].end);
            let mut changed = Vec::new();
            let mut end = rs[0].end;
            for r in &rs[1..] {
                if r.start > end {
                    changed.push(end..r.start);
                }
                end = end.max(r.end);
            }
            Passage { number, span, changed }
        })
        .collect();
    passages.sort_by_key(|p| (p.span.start, p.number));
    // Clip overlaps, then keep only gaps with a word in them.
    let mut prev_end = 0;
    passages.retain_mut(|p| {
        p.span.start = p.span.start.max(prev_end);
        if p.span.is_empty() {
            return false;
        }
        prev_end = p.span.end;
        let span = p.span.clone();
        p.changed.retain_mut(|g| {
            g.start = g.start.max(span.start);
            g.start < g.end
        });
        true
    });
    let mut changed_words = 0;
    for p in &mut passages {
        p.changed.retain_mut(|g| {
            let (a, b) = (gap_cursor.byte(g.start), gap_cursor.byte(g.end));
            let s = &text[a..b];
            changed_words += count_words(s);
            // Only the words are marked; spaces and punctuation around them stay copied text.
            g.start += s.chars().take_while(|c| !c.is_alphanumeric()).count();
            g.end -= s.chars().rev().take_while(|c| !c.is_alphanumeric()).count();
            g.start < g.end
        });
    }

    let mut e = Emitter { cursor: Cursor::new(text), out: String::new(), left: limits.max_chars, truncated: false };
    let collapse = !passages.is_empty();
    let plain = |e: &mut Emitter, r: Range<usize>| {
        if collapse && r.len() > limits.collapse && limits.collapse > 2 * limits.keep {
            e.text(r.start..r.start + limits.keep);
            if !e.truncated {
                e.raw(&format!(
                    "<span class=\"skip\">[… {} characters not matched …]</span>",
                    r.len() - 2 * limits.keep
                ));
            }
            e.text(r.end - limits.keep..r.end);
        } else {
            e.text(r);
        }
    };
    let mut at = 0;
    let mut copied_chars = 0;
    for p in &passages {
        plain(&mut e, at..p.span.start);
        if e.truncated {
            break;
        }
        copied_chars += p.span.len();
        e.raw(&format!("<mark class=\"copied\" data-p=\"{0}\" title=\"passage {0}\">", p.number));
        let mut inner = p.span.start;
        for g in &p.changed {
            e.text(inner..g.start);
            e.raw("<mark class=\"changed\">");
            e.text(g.clone());
            e.raw("</mark>");
            inner = g.end;
        }
        e.text(inner..p.span.end);
        e.raw("</mark>");
        at = p.span.end;
    }
    plain(&mut e, at..len);
    if e.truncated {
        e.raw(&format!(
            "<span class=\"skip\">[… the text goes on: {} characters in all, see documents.jsonl]</span>",
            len
        ));
    }
    Ok(Highlighted { html: e.out, changed_words, copied_chars, truncated: e.truncated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_prefix_stops_at_the_first_non_ascii_byte() {
        for len in 0..20 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if at < len {
                    bytes[at] = 0xc3;
                }
                assert_eq!(ascii_prefix(&bytes), at, "{len} {at}");
            }
        }
    }

    #[test]
    fn the_cursor_finds_the_byte_of_each_character() {
        let text = "ab é€ cd😀e\u{301}fg";
        let bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
        let mut cursor = Cursor::new(text);
        for (c, &b) in bytes.iter().enumerate() {
            assert_eq!(cursor.byte(c), b, "character {c}");
        }
        assert_eq!(cursor.byte(bytes.len() + 5), text.len(), "past the end");
        // Jumps ahead, as the highlighter asks.
        let mut cursor = Cursor::new(text);
        assert_eq!((cursor.byte(3), cursor.byte(9), cursor.byte(10)), (bytes[3], bytes[9], bytes[10]));
    }

    fn seg(passage: u32, a: Range<usize>, b: Range<usize>) -> Segment {
        Segment { passage, words: 1, a, b, line: 7 }
    }

    fn hl(text: &str, segs: &[Segment], side: Side) -> Highlighted {
        highlight(text, segs, side, &TextLimits::default(), "d", Path::new("matches.csv")).unwrap()
    }

    /// Character range of `needle` in `hay` (first occurrence).
    fn find(hay: &str, needle: &str) -> Range<usize> {
        let b = hay.find(needle).unwrap();
        let s = hay[..b].chars().count();
        s..s + needle.chars().count()
    }

    #[test]
    fn marks_passages_and_changed_words_on_both_sides() {
        let a = "Intro. The big dog ran <fast> over the hill today. Bye.";
        let b = "Über! The big hound ran <fast> over the hill today";
        let segs = [
            seg(1, find(a, "The big"), find(b, "The big")),
            seg(1, find(a, "ran <fast> over the hill today"), find(b, "ran <fast> over the hill today")),
        ];
        let ha = hl(a, &segs, Side::Original);
        assert_eq!(
            ha.html,
            "Intro. <mark class=\"copied\" data-p=\"1\" title=\"passage 1\">The big <mark class=\"changed\">dog</mark> \
             ran &lt;fast&gt; over the hill today</mark>. Bye."
        );
        assert_eq!(ha.changed_words, 1);
        let hb = hl(b, &segs, Side::Copy);
        assert!(hb.html.starts_with("Über! <mark class=\"copied\""), "{}", hb.html);
        assert!(hb.html.contains("big <mark class=\"changed\">hound</mark> ran"), "{}", hb.html);
        assert!(hb.html.ends_with("today</mark>"), "{}", hb.html);
    }

    #[test]
    fn a_gap_without_words_stays_copied_text() {
        let a = "one two, three";
        let segs = [seg(1, 0..7, 0..7), seg(1, 9..14, 9..14)];
        let h = hl(a, &segs, Side::Original);
        assert!(!h.html.contains("changed"), "{}", h.html);
        assert_eq!(h.changed_words, 0);
    }

    #[test]
    fn separate_passages_get_separate_marks() {
        let a = "alpha beta gamma delta epsilon";
        let segs = [seg(1, 0..5, 0..5), seg(2, 17..22, 6..11)];
        let h = hl(a, &segs, Side::Original);
        assert_eq!(h.html.matches("<mark class=\"copied\"").count(), 2);
        assert!(h.html.contains("data-p=\"2\""));
        assert!(!h.html.contains("changed"));
    }

    #[test]
    fn overlapping_passages_are_clipped_not_nested() {
        let b = "alpha beta gamma delta";
        // Passage 2 repeats part of passage 1 on the copy's side.
        let segs = [seg(1, 0..10, 0..10), seg(2, 20..30, 6..16)];
        let h = hl(b, &segs, Side::Copy);
        assert_eq!(
            h.html,
            "<mark class=\"copied\" data-p=\"1\" title=\"passage 1\">alpha beta</mark>\
             <mark class=\"copied\" data-p=\"2\" title=\"passage 2\"> gamma</mark> delta"
        );
    }

    #[test]
    fn offsets_past_the_end_are_an_error_naming_the_line() {
        let e =
            highlight("short", &[seg(1, 0..9, 0..2)], Side::Original, &TextLimits::default(), "x", Path::new("m.csv"))
                .unwrap_err();
        assert!(e.to_string().contains("m.csv:7") && e.to_string().contains("\"x\""), "{e}");
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let a = "ééé copied words";
        let segs = [seg(1, 4..16, 0..12)];
        let h = hl(a, &segs, Side::Original);
        assert!(h.html.starts_with("ééé <mark"), "{}", h.html);
        assert!(h.html.contains(">copied words</mark>"));
    }

    #[test]
    fn long_unmatched_text_is_collapsed_and_long_texts_truncated() {
        let a = format!("{}MATCH{}", "x".repeat(5000), "y".repeat(50));
        let segs = [seg(1, 5000..5005, 0..5)];
        let lim = TextLimits { max_chars: 1_000_000, collapse: 100, keep: 10 };
        let h = highlight(&a, &segs, Side::Original, &lim, "d", Path::new("m")).unwrap();
        assert!(h.html.contains("4980 characters not matched"), "{}", h.html);
        assert!(h.html.len() < 300, "{}", h.html.len());
        let lim = TextLimits { max_chars: 30, collapse: 100_000, keep: 10 };
        let h = highlight(&a, &segs, Side::Original, &lim, "d", Path::new("m")).unwrap();
        assert!(h.truncated);
        assert!(!h.html.contains("<mark"), "the mark is past the limit");
        assert!(h.html.contains("5055 characters in all"), "{}", h.html);
        // Without passages nothing is collapsed.
        let h = highlight(&a, &[], Side::Original, &TextLimits::default(), "d", Path::new("m")).unwrap();
        assert_eq!(h.html, a);
    }

    #[test]
    fn document_text_is_escaped_inside_and_outside_marks() {
        let a = "<script>document.title='pwned'</script> and <img src=x onerror=alert(1)>";
        let segs = [seg(1, 0..20, 0..20)];
        let h = hl(a, &segs, Side::Original);
        assert!(!h.html.contains("<script") && !h.html.contains("<img"), "{}", h.html);
        assert!(h.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
