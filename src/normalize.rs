//! Normalisation and tokenisation, in one place.
//!
//! Two texts that a reader would call the same must give the same tokens, so the tokeniser folds
//! everything that copy-and-paste, reformatting and aggregator templates change:
//!
//! * Unicode NFKC (full-width letters, ligatures, superscripts become their plain forms);
//! * case folding (lower case, plus `ß` -> `ss` and final sigma -> sigma);
//! * curly and straight apostrophes inside a word are dropped (`don't` = `don’t` = `dont`);
//! * `.` and `,` between digits are dropped (`1,400` = `1400`);
//! * every other punctuation mark, quote, dash or symbol separates words;
//! * whitespace of any kind separates words.
//!
//! Scripts written without spaces (Han, Hiragana, Katakana) give one token per character, so
//! Chinese and Japanese text still shingles into meaningful n-grams.
//!
//! Each token keeps the byte range it came from, so matched passages can be reported as offsets
//! into the original text. ASCII, the bulk of most corpora, takes a fast path that touches each
//! byte once; other characters go through `unicode-normalization` a word at a time.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::shingle::mix;

#[cfg(target_arch = "x86_64")]
mod avx512;

/// A normalised word: its hash, where it came from, and what kind of word it is.
///
/// `repr(C)`, with no padding: the AVX-512 block path writes tokens as three u64 (hash, start
/// and end, flag), and the shingles' AVX-512 path reads them so, which is only defined when
/// every byte is a field's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Token {
    /// [`word_hash`] of the normalised word's UTF-8 bytes.
    pub hash: u64,
    /// Byte range of the word in the original text.
    pub start: u32,
    pub end: u32,
    /// True for function words (see [`crate::stopwords`]); the spin-resistant view keeps only these.
    pub stopword: bool,
    /// Always zero: the bytes the flag's u64 would otherwise leave as padding.
    pad: [u8; 7],
}

const _: () = assert!(std::mem::size_of::<Token>() == 24);

impl Token {
    pub fn new(hash: u64, start: u32, end: u32, stopword: bool) -> Token {
        Token { hash, start, end, stopword, pad: [0; 7] }
    }
}

/// Reusable tokeniser: keeps its scratch buffers between documents.
#[derive(Default)]
pub struct Tokenizer {
    word: Vec<u8>,
    scratch: String,
    wide: Wide,
    /// Tests turn the ASCII fast path off to check it against the general path.
    #[cfg(test)]
    general_only: bool,
}

/// Whether the processor takes the AVX-512 block path (see [`avx512`]): found once per
/// tokeniser.
#[derive(Clone, Copy)]
struct Wide(bool);

impl Default for Wide {
    fn default() -> Self {
        #[cfg(target_arch = "x86_64")]
        return Wide(avx512::available());
        #[cfg(not(target_arch = "x86_64"))]
        Wide(false)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letter, digit or combining mark: part of a word.
    Word,
    /// Apostrophe: dropped, the word goes on.
    Joiner,
    /// `.` or `,`: dropped between two digits, a separator elsewhere.
    Decimal,
    /// A character that is a word on its own (Han, Kana).
    Alone,
    Separator,
}

fn class_of(c: char) -> Class {
    if c.is_ascii() {
        return match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Class::Word,
            '\'' => Class::Joiner,
            '.' | ',' => Class::Decimal,
            _ => Class::Separator,
        };
    }
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{FF07}' => Class::Joiner,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}' => Class::Alone,
        c if c.is_alphanumeric() || is_combining_mark(c) => Class::Word,
        _ => Class::Separator,
    }
}

impl Tokenizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the tokens of `text` to `out` (which is not cleared).
    pub fn tokenize(&mut self, text: &str, out: &mut Vec<Token>) {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut start = 0;
        let mut ascii_only = true;
        self.word.clear();
        // News runs at about one word per six bytes (5.8 in English), so a sixth, as reserved
        // before, was short for nearly every document: a fresh vector (a verification profile,
        // the report's texts) grew once and was copied. A fifth covers the usual range.
        out.reserve(bytes.len() / 5 + 16);
        while i < bytes.len() {
            // Between words, the ASCII fast path takes all it can; what it leaves goes through
            // the general state machine below, one character at a time, until that word ends.
            if self.word.is_empty() && !self.general_only() {
                i = ascii_words(bytes, i, self.wide, out);
                if i >= bytes.len() {
                    break;
                }
            }
            let b = bytes[i];
            let (c, len) = if b < 0x80 {
                (b as char, 1)
            } else {
                let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
                (c, c.len_utf8())
            };
            match class_of(c) {
                Class::Word => {
                    if self.word.is_empty() {
                        start = i;
                        ascii_only = true;
                    }
                    if len == 1 {
                        self.word.push(b.to_ascii_lowercase());
                    } else {
                        ascii_only = false;
                        self.word.extend_from_slice(&bytes[i..i + len]);
                    }
                }
                Class::Joiner if !self.word.is_empty() => {}
                Class::Decimal
                    if !self.word.is_empty()
                        && self.word.last().is_some_and(u8::is_ascii_digit)
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
                Class::Alone => {
                    self.flush(start, i, ascii_only, out);
                    self.word.extend_from_slice(&bytes[i..i + len]);
                    self.flush(i, i + len, false, out);
                }
                _ => self.flush(start, i, ascii_only, out),
            }
            i += len;
        }
        self.flush(start, bytes.len(), ascii_only, out);
    }

    #[cfg(test)]
    fn general_only(&self) -> bool {
        self.general_only
    }

    #[cfg(not(test))]
    #[inline(always)]
    fn general_only(&self) -> bool {
        false
    }

    fn flush(&mut self, start: usize, end: usize, ascii_only: bool, out: &mut Vec<Token>) {
        if self.word.is_empty() {
            return;
        }
        if !ascii_only {
            fold_unicode(&self.word, &mut self.scratch);
            self.word.clear();
            self.word.extend_from_slice(self.scratch.as_bytes());
        }
        if !self.word.is_empty() {
            out.push(word_token(&self.word, start, end));
        }
        self.word.clear();
    }
}

/// The ASCII fast path: from `i`, between words, skips separators and tokenises runs of ASCII
/// letters and digits whose end cannot continue the word (no apostrophe, no decimal point
/// between digits, no non-ASCII letter). Returns where it stopped: the end of the text, a
/// non-ASCII byte, or the start of a word the general path must take.
#[inline(always)]
fn ascii_words(bytes: &[u8], mut i: usize, wide: Wide, out: &mut Vec<Token>) -> usize {
    while i + BLOCK <= bytes.len() {
        #[cfg(target_arch = "x86_64")]
        if wide.0 {
            // SAFETY: `Wide` is true only where the processor has what the path uses.
            match unsafe { avx512::block_words(bytes, i, out) } {
                Some(Block::Next(next)) => {
                    i = next;
                    continue;
                }
                Some(Block::Stop(at)) => return at,
                None => {
                    // The block starts with what that path does not take. A word joined
                    // across an apostrophe or a decimal point (or long), or a separator such as
                    // a curly quote, is taken alone, as the scalar path would, and the next
                    // block goes back to the AVX-512 path; anything else goes to the scalar one.
                    if is_ascii_word(bytes[i]) {
                        if let Some((token, next, _)) = joined_word(bytes, i) {
                            out.push(token);
                            i = next;
                            continue;
                        }
                    } else if let Some(len) = separator_len(&bytes[i..]) {
                        i += len;
                        continue;
                    }
                }
            }
        }
        match block_words(bytes, i, out) {
            Block::Next(next) => i = next,
            Block::Stop(at) => return at,
        }
    }
    while i < bytes.len() {
        let b = bytes[i];
        if b >= 0x80 {
            return i;
        }
        if !is_ascii_word(b) {
            i += 1;
            continue;
        }
        // Most words are shorter than eight bytes and end inside one 8-byte load, which gives
        // the word, its length and its hash input at once; nearly all the others end inside the
        // next eight bytes. A space after the word, the usual case, needs no further look.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let chunk = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let other = !word_bytes(chunk) & HIGH;
            let len = (other.trailing_zeros() / 8) as usize;
            if other != 0 {
                if (chunk >> (8 * len)) as u8 == b' ' || ends_clean(bytes, i + len) {
                    let lower = (chunk | (0x20 * ONES)) & low_bytes(len);
                    out.push(short_token(lower, len, i));
                    i += len + 1;
                    continue;
                }
            } else if let Some(next) = bytes.get(i + 8..i + 16) {
                let next = u64::from_le_bytes(next.try_into().unwrap_or_default());
                let other = !word_bytes(next) & HIGH;
                let len = 8 + (other.trailing_zeros() / 8) as usize;
                if other != 0 && ends_clean(bytes, i + len) {
                    let lower = [chunk | (0x20 * ONES), (next | (0x20 * ONES)) & low_bytes(len - 8)];
                    out.push(long_token(lower, len, i));
                    i += len + 1;
                    continue;
                }
            }
        }
        let j = ascii_word_end(bytes, i + 1);
        if ends_clean(bytes, j) && j - i <= FAST_WORD {
            let lower = ascii_lower(bytes, i, j);
            out.push(padded_token(&lower, j - i, i));
            // What ended the word is a separator (ASCII, clean): skip it too.
            i = j + 1;
            continue;
        }
        if let Some((token, next, _)) = joined_word(bytes, i) {
            out.push(token);
            i = next;
            continue;
        }
        return i;
    }
    i
}

/// Bytes the block path looks at at once: one bit per byte in a u64.
const BLOCK: usize = 64;

/// Where [`block_words`] left off.
#[derive(Debug, PartialEq, Eq)]
enum Block {
    /// Go on with the block starting here (between words, or at the start of a word that
    /// runs past the block).
    Next(usize),
    /// Here starts what the general path must take.
    Stop(usize),
}

/// The fast path for the 64 bytes from `i` (between words): the block's masks (see
/// [`block_masks`]) give every word's start and end at once, so finding the next word does not
/// wait for the previous word's length, and the words' hashes overlap.
/// Takes the words that end inside the block and cleanly (see [`ends_clean`]).
#[inline(always)]
fn block_words(bytes: &[u8], i: usize, out: &mut Vec<Token>) -> Block {
    let block: &[u8; BLOCK] = bytes[i..i + BLOCK].try_into().unwrap_or(&[0; BLOCK]);
    let masks = block_masks(block);
    // Non-ASCII bytes other than common separators: where the general path must take over.
    // (Most blocks have none, and skip the call: measurably faster on news text.)
    let high = if masks.high == 0 { 0 } else { masks.high & !separators(block, masks.high) };
    let (word, unclean) = (masks.word, masks.unclean(high));
    // The block starts between words, so a word byte at bit 0 starts a word.
    let mut starts = word & !(word << 1);
    let mut ends = !word & (word << 1);
    let non_ascii = if high == 0 { BLOCK as u32 } else { high.trailing_zeros() };
    while starts != 0 {
        let s = starts.trailing_zeros();
        if s > non_ascii {
            return Block::Stop(i + non_ascii as usize);
        }
        if ends == 0 {
            // The word runs past the block: the next block starts with it, unless it fills
            // this one.
            return if s == 0 { Block::Stop(i) } else { Block::Next(i + s as usize) };
        }
        let e = ends.trailing_zeros();
        starts &= starts - 1;
        ends &= ends - 1;
        let (start, len) = (i + s as usize, (e - s) as usize);
        if len > FAST_WORD {
            return Block::Stop(start);
        }
        if unclean & (1 << e) != 0 {
            // The letters run on across an apostrophe or a decimal point ("don't", "3.5"), or
            // stop at a non-ASCII character: a word joined across the first two is taken here.
            let Some((token, next, passed_high)) = joined_word(bytes, start) else {
                return Block::Stop(start);
            };
            out.push(token);
            let off = next - i;
            if passed_high || off >= BLOCK {
                // The block's masks no longer say where the general path must take over.
                return Block::Next(next);
            }
            // Words starting or ending inside the joined word were part of it.
            let within = (1u64 << off) - 1;
            starts &= !within;
            ends &= !(within | (1 << off));
            continue;
        }
        out.push(ascii_token(bytes, start, len));
    }
    if high != 0 {
        return Block::Stop(i + non_ascii as usize);
    }
    Block::Next(i + BLOCK)
}

/// Classes of the 64 bytes of a block, as bit masks (byte `k` at bit `k`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BlockMasks {
    /// ASCII letters and digits.
    word: u64,
    /// Non-ASCII bytes.
    high: u64,
    digit: u64,
    apostrophe: u64,
    /// `.` and `,`.
    decimal: u64,
}

impl BlockMasks {
    /// The bytes after which an ASCII word does not end cleanly (see [`ends_clean`]): an
    /// apostrophe, a non-ASCII byte of `high` (those not known to separate words), or `.` or
    /// `,` between two digits. The byte after the block is unknown, so a `.` or `,` at its end
    /// counts as between digits (the general path then decides).
    #[inline(always)]
    fn unclean(&self, high: u64) -> u64 {
        let digit_after = (self.digit >> 1) | (1 << (BLOCK - 1));
        self.apostrophe | high | (self.decimal & (self.digit << 1) & digit_after)
    }
}

/// The bytes of `block` that belong to the non-ASCII separators news text is full of (curly
/// double quotes, dashes, the ellipsis, the no-break space, the pound sign), from the first
/// non-ASCII byte (bits of `high`) up to the first that is not one: the fast path goes on over
/// them as over a space. The general path would also only end the words they touch. A
/// character cut by the block's end is left to the general path.
#[inline]
fn separators(block: &[u8; BLOCK], mut high: u64) -> u64 {
    let mut found = 0;
    while high != 0 {
        let at = high.trailing_zeros() as usize;
        let Some(len) = separator_len(&block[at..]) else { break };
        let bits = ((1u64 << len) - 1) << at;
        found |= bits;
        high &= !bits;
    }
    found
}

/// The length of the non-ASCII separator `rest` starts with (see [`separators`]), if it starts
/// with one.
#[inline(always)]
fn separator_len(rest: &[u8]) -> Option<usize> {
    match rest {
        [0xe2, 0x80, 0x93 | 0x94 | 0x9c | 0x9d | 0xa6, ..] => Some(3),
        [0xc2, 0xa0 | 0xa3, ..] => Some(2),
        _ => None,
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_masks(block: &[u8; BLOCK]) -> BlockMasks {
    // SAFETY: SSE2 is part of every x86_64 processor (the target's baseline), and
    // `sse2_block_masks` reads memory only through the safe slice it is given.
    unsafe { sse2_block_masks(block) }
}

/// [`block_masks`] sixteen bytes at a time: a comparison per class, and one instruction to
/// gather the bytes' results into bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_block_masks(block: &[u8; BLOCK]) -> BlockMasks {
    use std::arch::x86_64::*;
    let mut m = BlockMasks { word: 0, high: 0, digit: 0, apostrophe: 0, decimal: 0 };
    let set = |b: u8| _mm_set1_epi8(b as i8);
    for (k, part) in block.chunks_exact(16).enumerate() {
        let half = |at: usize| u64::from_le_bytes(part[at..at + 8].try_into().unwrap_or_default()) as i64;
        let v = _mm_set_epi64x(half(8), half(0));
        // Signed comparisons: a non-ASCII byte is negative, so in no range.
        let within = |x, lo: u8, hi: u8| _mm_and_si128(_mm_cmpgt_epi8(x, set(lo - 1)), _mm_cmplt_epi8(x, set(hi + 1)));
        let bits = |x| (_mm_movemask_epi8(x) as u16 as u64) << (16 * k);
        let digit = within(v, b'0', b'9');
        m.word |= bits(_mm_or_si128(digit, within(_mm_or_si128(v, set(0x20)), b'a', b'z')));
        m.high |= bits(v);
        m.digit |= bits(digit);
        m.apostrophe |= bits(_mm_cmpeq_epi8(v, set(b'\'')));
        m.decimal |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, set(b'.')), _mm_cmpeq_epi8(v, set(b','))));
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn block_masks(block: &[u8; BLOCK]) -> BlockMasks {
    portable_block_masks(block)
}

/// [`block_masks`] a byte at a time, for other processors (and to test the fast one against).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn portable_block_masks(block: &[u8; BLOCK]) -> BlockMasks {
    let mut m = BlockMasks { word: 0, high: 0, digit: 0, apostrophe: 0, decimal: 0 };
    for (k, &b) in block.iter().enumerate() {
        let bit = |on: bool| (on as u64) << k;
        m.word |= bit(b.is_ascii_alphanumeric());
        m.high |= bit(b >= 0x80);
        m.digit |= bit(b.is_ascii_digit());
        m.apostrophe |= bit(b == b'\'');
        m.decimal |= bit(b == b'.' || b == b',');
    }
    m
}

/// The word of ASCII letters and digits at `start` joined across apostrophes (`'`, `’`, `‘`)
/// and across `.` or `,` between digits, as the general path joins them: its token, where it
/// ends (the byte after it), and whether it went over non-ASCII bytes. `None` for a word the
/// general path must take: one that meets another non-ASCII character (a letter, say) before
/// its end, or that is longer than [`FAST_WORD`] once the joiners are dropped.
#[inline(never)]
fn joined_word(bytes: &[u8], start: usize) -> Option<(Token, usize, bool)> {
    let mut lower = [0u8; FAST_WORD];
    let (mut len, mut i, mut passed_high) = (0, start, false);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => {
                *lower.get_mut(len)? = b | 0x20;
                len += 1;
                i += 1;
            }
            b'\'' => i += 1,
            b'.' | b','
                if len > 0 && lower[len - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) =>
            {
                i += 1
            }
            0x80.. => match bytes[i..] {
                [0xe2, 0x80, 0x98 | 0x99, ..] => {
                    passed_high = true;
                    i += 3;
                }
                // A separator of `separators` ends the word like a space.
                _ if separator_len(&bytes[i..]).is_some() => break,
                _ => return None,
            },
            _ => break,
        }
    }
    let mut token = padded_token(&lower, len, start);
    token.end = i as u32;
    Some((token, i, passed_high))
}

/// The token of the ASCII word of `len` letters and digits (at most [`FAST_WORD`]) at `start`.
#[inline(always)]
fn ascii_token(bytes: &[u8], start: usize, len: usize) -> Token {
    if let (true, Some(two)) = (len < 16, bytes.get(start..start + 16)) {
        // Both eight-byte halves are loaded and masked without a branch on the length; the
        // second hash step is only taken for a word longer than eight bytes. Computing it for
        // every word and picking by the length (no branch to mispredict) was 9 % slower on
        // mkspeed text, where one word in twelve is that long: the branch is mostly right.
        let first = u64::from_le_bytes(two[..8].try_into().unwrap_or_default());
        let next = u64::from_le_bytes(two[8..].try_into().unwrap_or_default());
        let first = (first | (0x20 * ONES)) & (u64::MAX >> (64 - 8 * len.min(8)));
        let next = (next | (0x20 * ONES)) & low_bytes(len.saturating_sub(8));
        let one = mix(WORD_SEED ^ (len as u64).wrapping_mul(WORD_LEN) ^ first);
        let hash = if len > 8 { mix(one ^ next) } else { one };
        let stopword = crate::stopwords::is_stopword_packed(len, first);
        return Token::new(hash, start as u32, (start + len) as u32, stopword);
    }
    padded_token(&ascii_lower(bytes, start, start + len), len, start)
}

/// Whether the ASCII word ending at `j` (exclusive) ends there for good: what follows cannot
/// continue it (no apostrophe, no decimal point between digits, no non-ASCII letter).
#[inline(always)]
fn ends_clean(bytes: &[u8], j: usize) -> bool {
    match bytes.get(j) {
        None => true,
        Some(b'\'') => false,
        Some(b'.' | b',') => !(bytes[j - 1].is_ascii_digit() && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)),
        Some(&c) => c < 0x80,
    }
}

/// Longest word the fast path lower-cases on the stack; longer ones take the general path.
const FAST_WORD: usize = 32;

/// ASCII letters and digits, by table: the inner loop of the fast path.
static ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

#[inline(always)]
fn is_ascii_word(b: u8) -> bool {
    ASCII_WORD[b as usize]
}

/// Every byte 0x01, and every byte's high bit: for work on eight bytes at once (SWAR).
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `chunk` that is an ASCII letter or digit, eight bytes at once
/// (SWAR): range checks by adding or subtracting so that the high bit of a byte tells which
/// side of the bound it falls on, on the low seven bits only, so no carry crosses a byte.
#[inline(always)]
fn word_bytes(chunk: u64) -> u64 {
    let x = chunk & !HIGH;
    let at_least = |v: u64, lo: u64| v + (0x80 - lo) * ONES;
    let at_most = |v: u64, hi: u64| (0x80 + hi) * ONES - v;
    let digit = at_least(x, b'0' as u64) & at_most(x, b'9' as u64);
    let lower = x | (0x20 * ONES);
    let letter = at_least(lower, b'a' as u64) & at_most(lower, b'z' as u64);
    (digit | letter) & !chunk & HIGH
}

/// The end of the run of ASCII letters and digits that goes on at `from`.
#[inline(always)]
fn ascii_word_end(bytes: &[u8], mut from: usize) -> usize {
    while from + 8 <= bytes.len() {
        let chunk = u64::from_le_bytes(bytes[from..from + 8].try_into().unwrap_or_default());
        let other = !word_bytes(chunk) & HIGH;
        if other != 0 {
            return from + (other.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < bytes.len() && is_ascii_word(bytes[from]) {
        from += 1;
    }
    from
}

/// `bytes[start..end]` (ASCII letters and digits, at most [`FAST_WORD`] of them) lower-cased,
/// zero-padded: OR 0x20 lower-cases a letter and keeps a digit. Written eight bytes at a time
/// where the text allows, so the hash reads back whole stores.
#[inline(always)]
fn ascii_lower(bytes: &[u8], start: usize, end: usize) -> [u8; FAST_WORD] {
    let mut lower = [0u8; FAST_WORD];
    let len = end - start;
    if start + FAST_WORD <= bytes.len() {
        let mut k = 0;
        while k < len {
            let chunk = u64::from_le_bytes(bytes[start + k..start + k + 8].try_into().unwrap_or_default());
            let keep = if len - k >= 8 { u64::MAX } else { (1u64 << (8 * (len - k))) - 1 };
            lower[k..k + 8].copy_from_slice(&((chunk | (0x20 * ONES)) & keep).to_le_bytes());
            k += 8;
        }
    } else {
        for (l, &c) in lower.iter_mut().zip(&bytes[start..end]) {
            *l = c | 0x20;
        }
    }
    lower
}

/// The token of a normalised word.
#[inline]
fn word_token(word: &[u8], start: usize, end: usize) -> Token {
    let hash = word_hash(word);
    Token::new(hash, start as u32, end as u32, crate::stopwords::is_stopword(word))
}

/// The token of a word the fast path lower-cased into a zero-padded buffer: [`word_token`]
/// without copying the word, reading the buffer eight bytes at a time.
#[inline(always)]
fn padded_token(lower: &[u8; FAST_WORD], len: usize, start: usize) -> Token {
    let mut hash = WORD_SEED ^ (len as u64).wrapping_mul(WORD_LEN);
    let mut k = 0;
    loop {
        let chunk = u64::from_le_bytes(lower[k..k + 8].try_into().unwrap_or_default());
        hash = mix(hash ^ chunk);
        k += 8;
        if k >= len {
            break;
        }
    }
    let first = u64::from_le_bytes(lower[..8].try_into().unwrap_or_default());
    let stopword = crate::stopwords::is_stopword_packed(len, first);
    Token::new(hash, start as u32, (start + len) as u32, stopword)
}

/// The token of a word of one to seven bytes, lower-cased and packed into `lower`: one step of
/// [`word_hash`].
#[inline(always)]
fn short_token(lower: u64, len: usize, start: usize) -> Token {
    let hash = mix(WORD_SEED ^ (len as u64).wrapping_mul(WORD_LEN) ^ lower);
    let stopword = crate::stopwords::is_stopword_packed(len, lower);
    Token::new(hash, start as u32, (start + len) as u32, stopword)
}

/// The token of a word of eight to fifteen bytes, lower-cased and packed into two u64 (the
/// second zero-padded, all zero for an eight-byte word): [`word_hash`] in one or two steps. No
/// function word is that long.
#[inline(always)]
fn long_token(lower: [u64; 2], len: usize, start: usize) -> Token {
    let mut hash = mix(WORD_SEED ^ (len as u64).wrapping_mul(WORD_LEN) ^ lower[0]);
    if len > 8 {
        hash = mix(hash ^ lower[1]);
    }
    Token::new(hash, start as u32, (start + len) as u32, false)
}

/// A mask of the low `n` bytes of a u64, `n` below 8.
#[inline(always)]
fn low_bytes(n: usize) -> u64 {
    (1u64 << (8 * n)) - 1
}

/// Arbitrary, but fixed: every shingle hash, and so which borderline pairs LSH proposes,
/// follows from it.
const WORD_SEED: u64 = 0x2545_f491_4f6c_dd1e;
const WORD_LEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The hash of a normalised word: its bytes eight at a time (the last eight zero-padded), each
/// folded in by the MurmurHash3 finaliser, starting from its length. A word is hashed once per
/// occurrence, hundreds of millions of times in a large crawl, so this is a few multiplications
/// rather than a general-purpose hash: for a word of up to eight bytes (most words) it is one
/// finaliser call, a bijection, so two such words of the same length never collide.
pub const fn word_hash(word: &[u8]) -> u64 {
    let mut hash = WORD_SEED ^ (word.len() as u64).wrapping_mul(WORD_LEN);
    let mut k = 0;
    while k < word.len() {
        let mut chunk = 0u64;
        let mut j = 0;
        while j < 8 && k + j < word.len() {
            chunk |= (word[k + j] as u64) << (8 * j);
            j += 1;
        }
        hash = mix(hash ^ chunk);
        k += 8;
    }
    hash
}

/// NFKC, then case folding, keeping only letters, digits and marks.
fn fold_unicode(word: &[u8], out: &mut String) {
    out.clear();
    let word = String::from_utf8_lossy(word);
    for c in word.nfkc() {
        if !(c.is_alphanumeric() || is_combining_mark(c)) {
            continue;
        }
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            c => out.extend(c.to_lowercase()),
        }
    }
    // Recompose what lower-casing may have decomposed, so `É` and `é` fold alike.
    if !out.is_ascii() {
        let composed: String = out.nfc().collect();
        *out = composed;
    }
}

/// The normalised text as words joined by single spaces: what "same normalised text" means for
/// the `exact` relation, and a readable way to see what the tokeniser does.
pub fn normalize(text: &str) -> String {
    let mut tokenizer = Tokenizer::new();
    let mut tokens = Vec::new();
    tokenizer.tokenize(text, &mut tokens);
    let mut out = String::with_capacity(text.len());
    let mut scratch = String::new();
    for t in &tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        let raw = &text[t.start as usize..t.end as usize];
        let cleaned: String = raw.chars().filter(|c| class_of(*c) != Class::Joiner && *c != '.' && *c != ',').collect();
        if cleaned.is_ascii() {
            out.push_str(&cleaned.to_ascii_lowercase());
        } else {
            fold_unicode(cleaned.as_bytes(), &mut scratch);
            out.push_str(&scratch);
        }
    }
    out
}

/// A fingerprint of the whole normalised text: equal for texts that differ only in what
/// normalisation folds away.
pub fn text_fingerprint(tokens: &[Token]) -> u64 {
    // A polynomial in an odd multiplier over the word hashes (order matters). Where the
    // processor has AVX-512, the words up to a multiple of eight go eight at a time, one per
    // lane (it was a quarter of the sketching worker's own samples). The rest four words at a
    // time: h * K^4 + (a K^3 + b K^2 + c K + d) is four steps of h * K + word, but only one
    // multiplication and one addition wait on the previous words.
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = K.wrapping_mul(K);
    const K3: u64 = K2.wrapping_mul(K);
    const K4: u64 = K2.wrapping_mul(K2);
    let (done, mut sum) = eight_at_a_time(tokens, K);
    let mut fours = tokens[done..].chunks_exact(4);
    for w in &mut fours {
        let next = (w[0].hash.wrapping_mul(K3))
            .wrapping_add(w[1].hash.wrapping_mul(K2))
            .wrapping_add(w[2].hash.wrapping_mul(K))
            .wrapping_add(w[3].hash);
        sum = sum.wrapping_mul(K4).wrapping_add(next);
    }
    for t in fours.remainder() {
        sum = sum.wrapping_mul(K).wrapping_add(t.hash);
    }
    mix(sum ^ tokens.len() as u64)
}

/// The polynomial in `k` of the hashes of the first tokens, a multiple of eight, eight at a
/// time where the processor has AVX-512: how many tokens, and the polynomial (0 for none).
#[cfg(target_arch = "x86_64")]
fn eight_at_a_time(tokens: &[Token], k: u64) -> (usize, u64) {
    if !(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq")) {
        return (0, 0);
    }
    // SAFETY: the processor has AVX-512 F and DQ (checked just above).
    unsafe { crate::shingle::avx512::hash_polynomial(tokens, k) }
}

#[cfg(not(target_arch = "x86_64"))]
fn eight_at_a_time(_: &[Token], _: u64) -> (usize, u64) {
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_the_polynomial_of_the_word_hashes() {
        let tokens: Vec<Token> = (0..40u64).map(|i| Token::new(mix(i), 0, 0, false)).collect();
        for n in 0..tokens.len() {
            let one_by_one =
                tokens[..n].iter().fold(0u64, |h, t| h.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(t.hash));
            assert_eq!(text_fingerprint(&tokens[..n]), mix(one_by_one ^ n as u64), "{n} words");
        }
    }

    fn words(text: &str) -> Vec<String> {
        let n = normalize(text);
        if n.is_empty() {
            vec![]
        } else {
            n.split(' ').map(String::from).collect()
        }
    }

    fn hashes(text: &str) -> Vec<u64> {
        let mut t = Vec::new();
        Tokenizer::new().tokenize(text, &mut t);
        t.iter().map(|t| t.hash).collect()
    }

    #[test]
    fn folds_case_quotes_and_dashes() {
        assert_eq!(words("“Don’t PANIC” — he said"), ["dont", "panic", "he", "said"]);
        assert_eq!(hashes("“Don’t PANIC” — he said"), hashes("\"don't panic\" - He SAID"));
    }

    #[test]
    fn numbers_keep_their_digits_together() {
        assert_eq!(words("1,400 tickets, 6.7% up. End."), ["1400", "tickets", "67", "up", "end"]);
    }

    #[test]
    fn nfkc_and_case_folding() {
        // Full-width letters, a ligature, sharp s, decomposed accents.
        assert_eq!(words("ＡＢＣ ﬁnal Straße Cafe\u{301}"), ["abc", "final", "strasse", "café"]);
        assert_eq!(hashes("CAFÉ"), hashes("cafe\u{301}"));
        assert_eq!(words("ΟΔΟΣ"), words("οδος"));
    }

    #[test]
    fn whitespace_and_punctuation_only() {
        assert!(words(" \t\n ... --- !!! ").is_empty());
        assert!(words("").is_empty());
    }

    #[test]
    fn han_characters_are_tokens_of_their_own() {
        assert_eq!(words("北京大学 opened"), ["北", "京", "大", "学", "opened"]);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "  Hello, “wörld”!";
        let mut t = Vec::new();
        Tokenizer::new().tokenize(text, &mut t);
        assert_eq!(t.len(), 2);
        assert_eq!(&text[t[0].start as usize..t[0].end as usize], "Hello");
        assert_eq!(&text[t[1].start as usize..t[1].end as usize], "wörld");
    }

    #[test]
    fn fast_path_agrees_with_the_general_path() {
        let texts = [
            "Don't PANIC: it's 1,400.5 km, not 1, 400. 3.x y.3 A1b2 rock'n'roll dogs' tails'",
            "naïve café's Straße ﬁnal 北京 ok' 'ok ''",
            "word",
            "x,",
            "9.",
            "end 4,5",
            "a-very-long-hyphenated-thing and averyveryveryverylongwordofmorethanthirtytwoletters.",
            "tab\tnew\nline\r\ncarriage  “quoted” — dash",
        ];
        for text in texts {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            Tokenizer::new().tokenize(text, &mut fast);
            Tokenizer { general_only: true, ..Tokenizer::new() }.tokenize(text, &mut general);
            assert_eq!(fast, general, "{text}");
        }
    }

    #[test]
    fn fast_path_agrees_with_the_general_path_on_random_text() {
        // Pieces that end words in every way the fast path treats specially.
        let pieces = [
            "a",
            "Zx",
            "9",
            "12",
            ".",
            ",",
            "'",
            "\u{2019}",
            " ",
            "  ",
            "-",
            "\n",
            "é",
            "ß",
            "北",
            "word",
            "Tuesdays",
            "Kelmsport1",
            "averyveryveryverylongwordofmorethanthirtytwo",
            "3.5",
            "1,2",
            "x.",
            "\t",
            "\u{301}",
            "\u{201c}",
            "\u{201d}",
            "\u{2014}",
            "\u{2013}",
            "\u{2026}",
            "\u{a0}",
            "\u{a3}",
            "\u{2018}",
            "\u{20ac}",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..5000 {
            // Short texts, and texts of several 64-byte blocks (the block path), so that every
            // piece also falls across a block's end.
            let mut text = String::new();
            for _ in 0..[12, 40, 90][round % 3] {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            Tokenizer::new().tokenize(&text, &mut fast);
            Tokenizer { general_only: true, ..Tokenizer::new() }.tokenize(&text, &mut general);
            assert_eq!(fast, general, "{text:?}");
        }
    }

    #[test]
    fn separators_are_found_up_to_the_first_other_non_ascii_character() {
        let block_of = |text: &str| -> [u8; BLOCK] {
            let mut block = [b' '; BLOCK];
            block[..text.len()].copy_from_slice(text.as_bytes());
            block
        };
        let high = |b: &[u8; BLOCK]| b.iter().enumerate().fold(0u64, |m, (k, &c)| m | ((c >= 0x80) as u64) << k);
        let bits = |from: usize, len: usize| ((1u64 << len) - 1) << from;
        // “ at 0, — at 5, no-break space at 10, £ at 14; then é, and a ” after it not looked at.
        let b = block_of("\u{201c}ab\u{2014}xy\u{a0}z\u{a3}3 \u{e9} \u{201d}");
        assert_eq!(separators(&b, high(&b)), bits(0, 3) | bits(5, 3) | bits(10, 2) | bits(13, 2));
        // The right single quote joins words (don’t), so it is not a separator.
        let b = block_of("don\u{2019}t \u{2026}");
        assert_eq!(separators(&b, high(&b)), 0);
        // A separator cut by the block's end is left alone.
        let mut b = [b'a'; BLOCK];
        b[BLOCK - 2..].copy_from_slice(&[0xe2, 0x80]);
        assert_eq!(separators(&b, high(&b)), 0);
        b[BLOCK - 3..].copy_from_slice(&[0xe2, 0x80, 0x94]);
        assert_eq!(separators(&b, high(&b)), bits(BLOCK - 3, 3));
    }

    #[test]
    fn block_masks_classify_every_byte_at_every_place() {
        // A sentence of every class, 64 bytes long.
        let text = |end: u8| -> [u8; BLOCK] {
            let mut block = [b' '; BLOCK];
            let s = "The 3.5 per cent rise, Mr O'Neill said, is 1,400 jobs é ok";
            block[..s.len()].copy_from_slice(s.as_bytes());
            block[BLOCK - 1] = end;
            block
        };
        for b in 0..=255u8 {
            for at in 0..BLOCK {
                let mut block = text(b'_');
                block[at] = b;
                let m = block_masks(&block);
                assert_eq!(m, portable_block_masks(&block), "byte {b:#x} at {at}");
                let bit = |mask: u64| mask >> at & 1 == 1;
                assert_eq!(bit(m.word), b.is_ascii_alphanumeric(), "byte {b:#x} at {at}");
                assert_eq!(bit(m.high), b >= 0x80);
                assert_eq!(bit(m.digit), b.is_ascii_digit());
                assert_eq!(bit(m.apostrophe), b == b'\'');
                assert_eq!(bit(m.decimal), b == b'.' || b == b',');
            }
        }
        // A word's end is unclean where ends_clean says so (and at a `.` or `,` that ends the
        // block, whose next byte is not in it).
        let mut block = text(b'.');
        block[BLOCK - 2] = b'7';
        let unclean = {
            let m = block_masks(&block);
            m.unclean(m.high)
        };
        for j in 1..BLOCK - 1 {
            assert_eq!(unclean >> j & 1 == 1, !ends_clean(&block, j), "at {j}");
        }
        assert_eq!(unclean >> (BLOCK - 1), 1);
    }

    #[test]
    fn eight_bytes_at_a_time_classifies_like_the_table() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let chunk = (b as u64) << (8 * at) | u64::from_le_bytes(*b"aZ09zA9m") & !(0xff << (8 * at));
                let want = (0..8).fold(0u64, |m, k| {
                    let byte = (chunk >> (8 * k)) as u8;
                    m | if is_ascii_word(byte) { 0x80 << (8 * k) } else { 0 }
                });
                assert_eq!(word_bytes(chunk), want, "byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn stopwords_are_flagged() {
        let mut t = Vec::new();
        Tokenizer::new().tokenize("The fire at the Docks", &mut t);
        let flags: Vec<bool> = t.iter().map(|t| t.stopword).collect();
        assert_eq!(flags, [true, false, true, true, false]);
    }

    #[test]
    fn fingerprint_ignores_formatting() {
        let tok = |s: &str| {
            let mut t = Vec::new();
            Tokenizer::new().tokenize(s, &mut t);
            text_fingerprint(&t)
        };
        assert_eq!(tok("One two.\n\nThree"), tok("ONE   two three"));
        assert_ne!(tok("one two three"), tok("one three two"));
    }
}
