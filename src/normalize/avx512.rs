//! The fast path's block of 64 bytes in one AVX-512 register, eight words at a time.
//!
//! One word after another, the scalar block path spends about twenty cycles a word: finding
//! its ends, loading and masking its bytes, the hash's two multiplications, the function-word
//! look-up's third, and writing the token, each word behind the branches of the last. Here the
//! block's word starts and lengths are compressed into byte lanes, each word's bytes are picked
//! out of the register by a byte permutation (no load per word), and eight words are
//! lower-cased, hashed, looked up and written at once. At the first word this path does not
//! take (one that runs on across an apostrophe or a decimal point, or meets a non-ASCII byte) it
//! hands over to the scalar path, which takes that word and gives the same tokens for every
//! block; a block with a word of 16 bytes or more is left to the scalar path whole.

use std::arch::x86_64::*;

use super::{Block, Token, BLOCK, WORD_LEN, WORD_SEED};
use crate::shingle::avx512::mix;
use crate::stopwords;

/// Whether the processor has the instructions [`block_words`] uses.
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512vbmi")
        && is_x86_feature_detected!("avx512vbmi2")
}

/// Byte `k` is `k`: compressed by a mask, the positions of its bits.
const POSITIONS: [u8; 64] = {
    let mut p = [0; 64];
    let mut k = 0;
    while k < 64 {
        p[k] = k as u8;
        k += 1;
    }
    p
};
/// Every byte of lane `k` (of eight bytes) is `k`: picks one byte lane per u64 lane.
const SPREAD: [u8; 64] = {
    let mut p = [0; 64];
    let mut k = 0;
    while k < 64 {
        p[k] = (k / 8) as u8;
        k += 1;
    }
    p
};
/// Byte `j` of every lane is `j`: the offsets of a word's first eight bytes.
const STEPS: [u8; 64] = {
    let mut p = [0; 64];
    let mut k = 0;
    while k < 64 {
        p[k] = (k % 8) as u8;
        k += 1;
    }
    p
};
/// Eight tokens of three u64 each (hash, start and end, function-word flag), written as three
/// registers: for each u64, the lane of hashes (0 to 7) or of starts and ends (8 to 15) it
/// comes from; the flags fill the places of [`FLAGS`] afterwards (their entry here unused).
const LAYOUT: [[i64; 8]; 3] = [[0, 8, 0, 1, 9, 0, 2, 10], [0, 3, 11, 0, 4, 12, 0, 5], [13, 0, 6, 14, 0, 7, 15, 0]];
/// Where the flags go in each register of [`LAYOUT`], and from which lane.
const FLAGS: [(u8, [i64; 8]); 3] = [
    (0b0010_0100, [0, 0, 0, 0, 0, 1, 0, 0]),
    (0b0100_1001, [2, 0, 0, 3, 0, 0, 4, 0]),
    (0b1001_0010, [0, 5, 0, 0, 6, 0, 0, 7]),
];

/// The scalar `block_words` for the 64 bytes from `i` (between words), up to the first word
/// that is not plain (see the module's comment): then `Block::Next` says where the scalar path
/// takes over, and `None` leaves the block, untouched, to it.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vbmi,avx512vbmi2")]
pub(super) fn block_words(bytes: &[u8], i: usize, out: &mut Vec<Token>) -> Option<Block> {
    let block: &[u8; BLOCK] = bytes.get(i..i + BLOCK)?.try_into().ok()?;
    // Tokens keep their offsets as u32.
    if i + BLOCK > u32::MAX as usize {
        return None;
    }
    let byte = |b: u8| _mm512_set1_epi8(b as i8);
    let lanes = |x: u64| _mm512_set1_epi64(x as i64);
    // SAFETY (both): 64 bytes from an array of 64 bytes; unaligned loads.
    let load = |a: &[u8; 64]| unsafe { _mm512_loadu_si512(a.as_ptr().cast()) };
    let load_lanes = |a: &[i64; 8]| unsafe { _mm512_loadu_si512(a.as_ptr().cast()) };
    let v = load(block);
    let high = _mm512_movepi8_mask(v);
    let digit = _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, byte(b'0')), byte(9));
    let letter = _mm512_cmple_epu8_mask(_mm512_sub_epi8(_mm512_or_si512(v, byte(0x20)), byte(b'a')), byte(25));
    let word = digit | letter;
    let decimal = _mm512_cmpeq_epi8_mask(v, byte(b'.')) | _mm512_cmpeq_epi8_mask(v, byte(b','));
    // As `BlockMasks::unclean`: an apostrophe, a non-ASCII byte (here even a separator's), or
    // `.` or `,` between digits (the byte after the block counted as a digit).
    let digit_after = (digit >> 1) | (1 << (BLOCK - 1));
    let unclean = _mm512_cmpeq_epi8_mask(v, byte(b'\'')) | high | (decimal & (digit << 1) & digit_after);
    // The block starts between words, so a word byte at bit 0 starts a word.
    let starts = word & !(word << 1);
    let ends = !word & (word << 1);
    // Where the scalar path must take over: the first non-ASCII byte or the start of the first
    // word that does not end cleanly, whichever comes first. The words before it are taken here
    // (a sixth of the blocks of mkspeed text have such a word).
    let mut stop = high.trailing_zeros() as usize;
    let unclean_ends = unclean & ends;
    if unclean_ends != 0 {
        let before = starts & ((1 << unclean_ends.trailing_zeros()) - 1);
        stop = stop.min((BLOCK - 1) - before.leading_zeros() as usize);
    }
    let (found, next) = match stop {
        0 => return None,
        BLOCK => (ends.count_ones() as usize, after_block(starts, ends, i)),
        _ => ((starts & ((1 << stop) - 1)).count_ones() as usize, Block::Next(i + stop)),
    };
    if found == 0 {
        return Some(next);
    }
    let positions = load(&POSITIONS);
    let start_of = _mm512_maskz_compress_epi8(starts, positions);
    let len_of = _mm512_sub_epi8(_mm512_maskz_compress_epi8(ends, positions), start_of);
    // At most 32 words end in 64 bytes.
    if _mm512_cmpgt_epu8_mask(len_of, byte(15)) & ((1u64 << found) - 1) != 0 {
        return None;
    }
    let (spread, steps) = (load(&SPREAD), load(&STEPS));
    let groups = found.div_ceil(8);
    out.reserve(8 * groups);
    let written = out.len();
    // Tokens are three u64 (`Token` is `repr(C)`, 24 bytes).
    let to = out.spare_capacity_mut().as_mut_ptr().cast::<__m512i>();
    for g in 0..groups {
        // Lane k (eight bytes) is word 8g + k: its start and length in every byte.
        let pick = _mm512_add_epi8(spread, byte(8 * g as u8));
        let (start, len) = (_mm512_permutexvar_epi8(pick, start_of), _mm512_permutexvar_epi8(pick, len_of));
        let at = _mm512_add_epi8(start, steps);
        // The word's bytes 0 to 7 and 8 to 15 (indices past the block wrap, and are masked off
        // with every byte past the word's length), lower-cased: OR 0x20 keeps a digit.
        let lower = |at, from| {
            let keep = _mm512_cmplt_epu8_mask(_mm512_add_epi8(steps, byte(from)), len);
            _mm512_maskz_mov_epi8(keep, _mm512_or_si512(_mm512_permutexvar_epi8(at, v), byte(0x20)))
        };
        let (first, rest) = (lower(at, 0), lower(_mm512_add_epi8(at, byte(8)), 8));
        let len = _mm512_and_si512(len, lanes(0xff));
        let start = _mm512_add_epi64(_mm512_and_si512(start, lanes(0xff)), lanes(i as u64));
        // `word_hash`: the finaliser of the length's seed and the first eight bytes, and again
        // with the next eight for a word longer than eight.
        let seeded = _mm512_xor_si512(lanes(WORD_SEED), _mm512_mullo_epi64(len, lanes(WORD_LEN)));
        let one = mix(_mm512_xor_si512(seeded, first));
        let two = mix(_mm512_xor_si512(one, rest));
        let hash = _mm512_mask_blend_epi64(_mm512_cmpgt_epu64_mask(len, lanes(8)), one, two);
        let span = _mm512_or_si512(start, _mm512_slli_epi64::<32>(_mm512_add_epi64(start, len)));
        let flag = _mm512_maskz_mov_epi64(stopwords::avx512::are_stopwords(len, first), lanes(1));
        // (Indexing, not `array::map` or iterator adapters: generic code is compiled without
        // these target features, and does not inline the loads: three times slower.)
        for k in 0..3 {
            let (places, from) = FLAGS[k];
            let fields = _mm512_permutex2var_epi64(hash, load_lanes(&LAYOUT[k]), span);
            let fields = _mm512_mask_permutexvar_epi64(fields, places, load_lanes(&from), flag);
            // SAFETY: the spare capacity holds `8 * groups` tokens, 3 registers per group.
            unsafe { _mm512_storeu_si512(to.add(3 * g + k), fields) };
        }
    }
    // SAFETY: the first `found` tokens of the spare capacity are written above, each u64 of
    // them (a flag is 0 or 1, so the `bool` is valid, and the `pad` bytes after it zero).
    unsafe { out.set_len(written + found) };
    Some(next)
}

/// Where the scalar path goes on after a block whose words all end cleanly: after the block, or
/// at the start of a word that runs past it (the block's only start without an end), unless
/// that word fills the block.
#[inline(always)]
fn after_block(starts: u64, ends: u64, i: usize) -> Block {
    if starts.count_ones() == ends.count_ones() {
        return Block::Next(i + BLOCK);
    }
    match (BLOCK - 1) - starts.leading_zeros() as usize {
        0 => Block::Stop(i),
        last => Block::Next(i + last),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{block_words as scalar_block_words, Tokenizer, Wide};
    use super::*;

    /// Pieces of ASCII text: words of every length around the path's limits (15 and 16 bytes,
    /// over 32), function words, and everything that ends a word unusually.
    const PIECES: [&str; 24] = [
        "a",
        "Zx",
        "9",
        "12",
        "the",
        "OF",
        "and",
        "Tuesdays",
        "Kelmsport1",
        "fifteenletters1",
        "sixteenletters12",
        "averyveryveryverylongwordofmorethanthirtytwo",
        ".",
        ",",
        "'",
        " ",
        "  ",
        "-",
        "\n",
        "3.5",
        "1,2",
        "x.",
        "don't",
        "\u{201c}",
    ];

    fn random_text(state: &mut u64, bytes: usize) -> String {
        let mut text = String::new();
        while text.len() < bytes {
            *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let k = (*state >> 33) as usize;
            // Mostly words and spaces, as in prose, so that many blocks are plain.
            let piece = if k.is_multiple_of(12) {
                PIECES[k / 12 % PIECES.len()]
            } else {
                [" the", " word", " Harbor", " "][k / 3 % 4]
            };
            text.push_str(piece);
        }
        text
    }

    #[test]
    fn a_block_gives_what_the_scalar_path_gives_up_to_where_it_hands_over() {
        if !available() {
            eprintln!("no AVX-512 VBMI2 here: the scalar path is the only one");
            return;
        }
        let mut state = 0x9e37_79b9_7f4a_7c15;
        let (mut taken, mut early, mut left) = (0, 0, 0);
        for round in 0..20_000 {
            let text = random_text(&mut state, 80 + round % 64);
            let bytes = text.as_bytes();
            // Blocks start between words: at the text's start, or just after a space.
            let after_space = bytes.iter().position(|&b| b == b' ').map(|p| p + 1);
            for i in std::iter::once(0).chain(after_space).filter(|i| i + BLOCK <= bytes.len()) {
                let (mut wide, mut scalar) = (vec![Token::new(1, 2, 3, true)], vec![]);
                scalar.clone_from(&wide);
                // SAFETY: `available` said the processor has what the path uses.
                let block = unsafe { block_words(bytes, i, &mut wide) };
                let expected = scalar_block_words(bytes, i, &mut scalar);
                match block {
                    Some(block) if block == expected => {
                        assert_eq!(wide, scalar, "{text:?} from {i}");
                        taken += 1;
                    }
                    Some(Block::Next(at)) => {
                        // Handed over early: the scalar path's tokens that start before `at`.
                        assert!(i < at && at < i + BLOCK, "{text:?} from {i}: {at}");
                        // (Both start with the token put there to see that nothing is lost.)
                        let before = 1 + scalar[1..].iter().take_while(|t| (t.start as usize) < at).count();
                        assert_eq!(wide, scalar[..before], "{text:?} from {i} to {at}");
                        early += 1;
                    }
                    Some(other) => panic!("{text:?} from {i}: {other:?}, not {expected:?}"),
                    None => {
                        assert_eq!(wide.len(), 1, "nothing written for a block left to the scalar path");
                        left += 1;
                    }
                }
            }
        }
        assert!(taken > 10_000 && early > 5_000 && left > 1_000, "every way taken: {taken}, {early}, {left}");
    }

    #[test]
    fn whole_texts_tokenise_the_same_either_way() {
        let mut state = 0x2545_f491_4f6c_dd1d;
        for round in 0..2_000 {
            let text = random_text(&mut state, round % 700);
            let (mut wide, mut scalar) = (Vec::new(), Vec::new());
            Tokenizer::new().tokenize(&text, &mut wide);
            Tokenizer { wide: Wide(false), ..Tokenizer::new() }.tokenize(&text, &mut scalar);
            assert_eq!(wide, scalar, "{text:?}");
        }
    }
}
