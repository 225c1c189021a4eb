//! Escaping: every string that comes from a document goes through [`text`] or [`attr`], and a URL
//! becomes a link only through [`href`].

use std::fmt::Write;

/// Appends `s` escaped for HTML text or a quoted attribute value: `&`, `<`, `>`, `"` and `'`
/// become character references, so no document text can open a tag or end an attribute. NUL and
/// other C0 controls but tab, newline and carriage return become U+FFFD (HTML forbids them).
pub fn push(out: &mut String, s: &str) {
    // Every byte that needs a replacement is ASCII, and in UTF-8 an ASCII byte is always a whole
    // character, so the text is scanned by bytes, sixteen at a time, and copied in runs.
    let bytes = s.as_bytes();
    let mut last = 0;
    let mut replace = |out: &mut String, i: usize| {
        out.push_str(&s[last..i]);
        out.push_str(replacement(bytes[i]));
        last = i + 1;
    };
    let blocks = bytes.len() / 16 * 16;
    for (k, block) in bytes[..blocks].chunks_exact(16).enumerate() {
        let mut special = special_bytes(block.try_into().unwrap_or(&[0; 16]));
        while special != 0 {
            replace(out, 16 * k + special.trailing_zeros() as usize);
            special &= special - 1;
        }
    }
    for (i, &b) in bytes.iter().enumerate().skip(blocks) {
        if SPECIAL[b as usize] {
            replace(out, i);
        }
    }
    out.push_str(&s[last..]);
}

fn replacement(b: u8) -> &'static str {
    match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        b'\'' => "&#39;",
        _ => "\u{fffd}",
    }
}

/// Bit `k` set where byte `k` of `block` is [`SPECIAL`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_bytes(block: &[u8; 16]) -> u32 {
    // SAFETY: SSE2 is part of every x86_64 processor (the target's baseline), and
    // `sse2_special_bytes` reads memory only through the safe slice it is given.
    unsafe { sse2_special_bytes(block) }
}

/// [`special_bytes`] with a comparison per kind of special byte, all sixteen bytes at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_special_bytes(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    let half = |at: usize| u64::from_le_bytes(block[at..at + 8].try_into().unwrap_or_default()) as i64;
    let v = _mm_set_epi64x(half(8), half(0));
    let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
    let markup =
        _mm_or_si128(_mm_or_si128(is(b'&'), is(b'<')), _mm_or_si128(is(b'>'), _mm_or_si128(is(b'"'), is(b'\''))));
    // C0 controls (signed: a non-ASCII byte is negative, so exclude those) but tab, newline and
    // carriage return, and DEL.
    let c0 = _mm_andnot_si128(_mm_cmplt_epi8(v, _mm_setzero_si128()), _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    let kept = _mm_or_si128(is(b'\t'), _mm_or_si128(is(b'\n'), is(b'\r')));
    let controls = _mm_or_si128(_mm_andnot_si128(kept, c0), is(0x7f));
    _mm_movemask_epi8(_mm_or_si128(markup, controls)) as u32
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn special_bytes(block: &[u8; 16]) -> u32 {
    block.iter().enumerate().fold(0, |m, (k, &b)| m | (SPECIAL[b as usize] as u32) << k)
}

/// The bytes [`push`] replaces: the five markup characters, and C0 controls (but tab, newline
/// and carriage return) and DEL.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    t[0x7f] = true;
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t
};

/// `s` escaped (see [`push`]).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push(&mut out, s);
    out
}

/// `s` escaped for a quoted attribute value (the same rules as text).
pub fn attr(s: &str) -> String {
    text(s)
}

/// The URL if it is safe to link to: `http` or `https` only, so that a `javascript:` or `data:`
/// URL from a crawled page never becomes a link.
pub fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    let scheme = u.split_once(':')?.0.to_ascii_lowercase();
    (matches!(scheme.as_str(), "http" | "https") && !u.chars().any(char::is_control)).then_some(u)
}

/// A link to `url` showing `label` (already HTML), or `label` alone when the URL is not safe.
pub fn link(url: &str, label_html: &str) -> String {
    match safe_url(url) {
        Some(u) => {
            let mut s = String::new();
            let _ = write!(s, "<a href=\"{}\" rel=\"noreferrer noopener\">{label_html}</a>", attr(u));
            s
        }
        None => label_html.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            text("<script>document.title='pwned'</script>"),
            "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"
        );
        assert_eq!(text(r#"<img src=x onerror="alert(1)">"#), "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
        assert_eq!(text("a & b"), "a &amp; b");
        assert_eq!(text("&amp;"), "&amp;amp;", "references in the text are shown, not decoded");
        assert_eq!(text("é\u{0}x\ty\n"), "é\u{fffd}x\ty\n");
        assert_eq!(text("plain"), "plain");
    }

    /// Escaping as its doc comment says, a character at a time.
    fn reference(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                '\t' | '\n' | '\r' => c.to_string(),
                c if (c as u32) < 0x20 || c == '\u{7f}' => "\u{fffd}".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn every_ascii_character_is_escaped_alike_at_every_place_of_a_block() {
        // 35 characters: two blocks of sixteen and a tail; a non-ASCII letter (two bytes) shifts
        // the places by one.
        for c in (0u8..0x80).map(char::from) {
            for at in 0..35 {
                for base in ["abcdefghijklmnopqrstuvwxyz 0123456", "é bcdefghijklmnopqrstuvwxyz 012345"] {
                    let mut chars: Vec<char> = base.chars().collect();
                    chars.insert(at.min(chars.len()), c);
                    let s: String = chars.into_iter().collect();
                    assert_eq!(text(&s), reference(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn the_byte_table_agrees_with_escaping_character_by_character() {
        let all: String = (0u8..0x80).map(char::from).chain("é€😀\u{80}\u{9f}ÿ".chars()).collect();
        for s in [all.as_str(), "a<b", "€<€", "\u{7f}x", ""] {
            assert_eq!(text(s), reference(s), "{s:?}");
        }
    }

    #[test]
    fn links_only_http_urls() {
        assert_eq!(safe_url("https://example.org/a?b=1&c=2"), Some("https://example.org/a?b=1&c=2"));
        assert_eq!(safe_url(" HTTP://x.example "), Some("HTTP://x.example"));
        for bad in ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>", "//x.example", "", "x"] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
        assert_eq!(
            link("https://x.example/?a=\"><script>", "t"),
            "<a href=\"https://x.example/?a=&quot;&gt;&lt;script&gt;\" rel=\"noreferrer noopener\">t</a>"
        );
        assert_eq!(link("javascript:alert(1)", "t"), "t");
    }
}
