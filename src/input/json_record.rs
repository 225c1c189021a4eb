//! Decoding one JSON line into a [`Document`], looking only at the configured fields.
//!
//! This runs once per record on the hot path, so it avoids building a `serde_json::Value`. The
//! usual record (a flat object, the configured fields strings or null) is decoded by a small
//! parser of its own (`flat`); any other line goes to serde_json, where a [`DeserializeSeed`]
//! walks the object, borrows the values of the six interesting keys straight from the line when
//! they have no escapes, and skips every other key without allocating. A test checks the two
//! against each other on random lines: the fast path gives serde_json's values or declines.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::FieldNames;
use crate::document::Document;
use crate::messages::Reason;

/// Positions of the id and text fields in the slot order: id, text, title, url, source, date.
const ID: usize = 0;
const TEXT: usize = 1;

/// The values found for the fields, in the order id, text, title, url, source, date.
type Slots<'de> = [Option<Cow<'de, str>>; 6];

/// Why a line did not become a document: the reason to count and a message for the user.
#[derive(Debug, PartialEq, Eq)]
pub struct Rejected {
    pub reason: Reason,
    pub detail: String,
}

/// Decodes one line (without its line break). Ids that are numbers are turned into strings;
/// `null` counts as absent.
pub fn parse_line(line: &str, fields: &FieldNames) -> Result<Document, Rejected> {
    let names = [
        fields.id.as_str(),
        fields.text.as_str(),
        fields.title.as_str(),
        fields.url.as_str(),
        fields.source.as_str(),
        fields.date.as_str(),
    ];
    let slots = match flat::record(line, &names) {
        Some(slots) => slots,
        None => {
            let mut de = serde_json::Deserializer::from_str(line);
            RecordSeed { names }
                .deserialize(&mut de)
                .and_then(|slots| de.end().map(|()| slots))
                .map_err(|e| Rejected { reason: Reason::MalformedJson, detail: e.to_string() })?
        }
    };
    let [id, text, title, url, source, date] = slots;
    let missing = |name: &str| Rejected {
        reason: Reason::MissingField,
        detail: format!("no field \"{name}\" (or it is null or empty)"),
    };
    let id = id.filter(|s| !s.is_empty()).ok_or_else(|| missing(names[ID]))?;
    let text = text.ok_or_else(|| missing(names[TEXT]))?;
    if text.trim().is_empty() {
        return Err(Rejected {
            reason: Reason::EmptyText,
            detail: format!("field \"{}\" is empty or whitespace", names[TEXT]),
        });
    }
    let owned = |s: Option<Cow<str>>| s.map(Cow::into_owned).unwrap_or_default();
    Ok(Document {
        id: id.into_owned(),
        text: text.into_owned(),
        title: owned(title),
        url: owned(url),
        source: owned(source),
        date: owned(date),
    })
}

/// The fast path for the usual record: one flat object whose keys have no escapes and whose
/// configured fields are strings or null. It finds the strings' ends with `memchr` and decodes a
/// string with escapes straight into a `String` of the right size; serde_json walks them eight
/// bytes at a time and decodes into a scratch buffer that grows by doubling for every line, then
/// is copied. Anything else (a nested value, a number in a configured field, an escaped key, a
/// lone surrogate, any syntax error) gives `None`, and serde_json decodes the line, so values and
/// error messages are its own.
mod flat {
    use std::borrow::Cow;

    use super::Slots;

    pub fn record<'a>(line: &'a str, names: &[&str; 6]) -> Option<Slots<'a>> {
        let b = line.as_bytes();
        let mut slots: Slots<'a> = Default::default();
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return (skip_ws(b, i + 1) == b.len()).then_some(slots);
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            // A key with escapes is left to serde_json (it would have to be compared decoded).
            let (Cow::Borrowed(key), end) = string(line, i)? else { return None };
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let wanted = names.contains(&key);
            let mut value = match *b.get(i)? {
                b'"' => {
                    let (value, next) = string(line, i)?;
                    i = next;
                    Some(value)
                }
                b'n' => {
                    i = literal(b, i, b"null")?;
                    None
                }
                b't' if !wanted => {
                    i = literal(b, i, b"true")?;
                    None
                }
                b'f' if !wanted => {
                    i = literal(b, i, b"false")?;
                    None
                }
                b'-' | b'0'..=b'9' if !wanted => {
                    i = number(b, i)?;
                    None
                }
                _ => return None,
            };
            if wanted {
                // Moved into the last slot it fills (the only one, unless two fields are
                // configured with one name): a decoded text is not copied again.
                let last = names.iter().rposition(|name| *name == key).unwrap_or_default();
                for (k, (slot, name)) in slots.iter_mut().zip(names).enumerate() {
                    if *name == key {
                        *slot = if k == last { value.take() } else { value.clone() };
                    }
                }
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(slots),
                _ => return None,
            }
        }
    }

    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
            i += 1;
        }
        i
    }

    /// A control character, which JSON does not allow unescaped in a string. Or-ing over the
    /// whole slice (no early exit) lets the compiler check many bytes per instruction.
    fn has_control(s: &[u8]) -> bool {
        s.iter().fold(false, |any, &c| any | (c < 0x20))
    }

    fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
        b[i..].starts_with(word).then_some(i + word.len())
    }

    /// The end of the JSON number at `i`: `-`, an integer without leading zeros, a fraction and
    /// an exponent, as the grammar has it.
    fn number(b: &[u8], mut i: usize) -> Option<usize> {
        let digits = |i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if b[i] == b'-' {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digits(i),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return None;
            }
            i = end;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return None;
            }
            i = end;
        }
        Some(i)
    }

    /// The string whose opening quote is at `i`, decoded, and the index after its closing quote.
    fn string(line: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
        let b = line.as_bytes();
        let start = i + 1;
        let mut at = start + memchr::memchr2(b'"', b'\\', &b[start..])?;
        if has_control(&b[start..at]) {
            return None;
        }
        if b[at] == b'"' {
            return Some((Cow::Borrowed(&line[start..at]), at + 1));
        }
        // Decoded as it is scanned, into room for the rest of the line (a string is never longer
        // decoded than written), given back at the end if much of it is left.
        let mut out = String::with_capacity(b.len() - start);
        out.push_str(&line[start..at]);
        loop {
            let c = match *b.get(at + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let high = hex4(b, at + 2)?;
                    at += 4;
                    let code = match high {
                        0xD800..=0xDBFF => {
                            if b.get(at + 2..at + 4) != Some(b"\\u") {
                                return None;
                            }
                            let low = hex4(b, at + 4)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            at += 6;
                            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return None,
                        code => code,
                    };
                    char::from_u32(code)?
                }
                _ => return None,
            };
            out.push(c);
            let from = at + 2;
            at = from + memchr::memchr2(b'"', b'\\', &b[from..])?;
            if has_control(&b[from..at]) {
                return None;
            }
            out.push_str(&line[from..at]);
            if b[at] == b'"' {
                break;
            }
        }
        if out.capacity() > 2 * out.len() + 64 {
            out.shrink_to_fit();
        }
        Some((Cow::Owned(out), at + 1))
    }

    /// The four hex digits at `at`.
    fn hex4(b: &[u8], at: usize) -> Option<u32> {
        b.get(at..at + 4)?.iter().try_fold(0u32, |v, &c| Some(v * 16 + (c as char).to_digit(16)?))
    }
}

/// Visits the top-level object and fills a slot for each configured field name it meets.
struct RecordSeed<'f> {
    names: [&'f str; 6],
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Slots<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Slots<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots: Slots<'de> = Default::default();
        while let Some(key) = map.next_key_seed(StrSeed)? {
            // One key may fill several roles (e.g. `--id-field url`), so match all of them.
            let mut hits = [false; 6];
            for (hit, name) in hits.iter_mut().zip(self.names) {
                *hit = *name == *key;
            }
            if !hits.contains(&true) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(ValueSeed)?;
            for (slot, hit) in slots.iter_mut().zip(hits) {
                if hit {
                    *slot = value.clone();
                }
            }
        }
        Ok(slots)
    }
}

/// An object key, borrowed from the input unless it had escapes.
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A field value: a string (borrowed when possible), a number (as written) or null.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a number or null")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Document, Rejected> {
        parse_line(line, &FieldNames::default())
    }

    #[test]
    fn all_fields_and_extra_keys() {
        let d = parse(
            r#"{"id":"a1","extra":{"x":[1,2]},"text":"Body \"q\" \u00e9","title":"T","url":"u","source":"s","date":"2024"}"#,
        )
        .unwrap();
        assert_eq!(d.id, "a1");
        assert_eq!(d.text, "Body \"q\" é");
        assert_eq!((&*d.title, &*d.url, &*d.source, &*d.date), ("T", "u", "s", "2024"));
    }

    #[test]
    fn number_ids_are_stringified() {
        assert_eq!(parse(r#"{"id":42,"text":"x"}"#).unwrap().id, "42");
        assert_eq!(parse(r#"{"id":-7,"text":"x"}"#).unwrap().id, "-7");
        assert_eq!(parse(r#"{"id":1.5,"text":"x"}"#).unwrap().id, "1.5");
    }

    #[test]
    fn null_optional_fields_are_empty() {
        let d = parse(r#"{"id":"a","text":"x","title":null,"date":null}"#).unwrap();
        assert_eq!(d.title, "");
        assert_eq!(d.date, "");
    }

    #[test]
    fn missing_or_null_required_fields() {
        let e = parse(r#"{"id":"a"}"#).unwrap_err();
        assert_eq!(e.reason, Reason::MissingField);
        assert!(e.detail.contains("\"text\""), "{}", e.detail);
        let e = parse(r#"{"text":"x","id":null}"#).unwrap_err();
        assert_eq!(e.reason, Reason::MissingField);
        assert!(e.detail.contains("\"id\""), "{}", e.detail);
        assert_eq!(parse(r#"{"id":"","text":"x"}"#).unwrap_err().reason, Reason::MissingField);
    }

    #[test]
    fn empty_text() {
        let e = parse(r#"{"id":"a","text":"  \n\t"}"#).unwrap_err();
        assert_eq!(e.reason, Reason::EmptyText);
    }

    #[test]
    fn malformed() {
        for line in
            [r#"{"id":"a","text":"x""#, r#"[1,2]"#, r#"{"id":"a","text":"x"} trailing"#, r#"{"id":"a","text":["x"]}"#]
        {
            assert_eq!(parse(line).unwrap_err().reason, Reason::MalformedJson, "{line}");
        }
    }

    #[test]
    fn custom_field_names_and_shared_names() {
        let fields = FieldNames {
            id: "url".into(),
            text: "body".into(),
            title: "headline".into(),
            url: "url".into(),
            source: "site".into(),
            date: "published".into(),
        };
        let d = parse_line(
            r#"{"url":"https://a.test/1","body":"B","headline":"H","site":"S","published":"P","text":"ignored"}"#,
            &fields,
        )
        .unwrap();
        assert_eq!(d.id, "https://a.test/1");
        assert_eq!(d.url, "https://a.test/1");
        assert_eq!((&*d.text, &*d.title, &*d.source, &*d.date), ("B", "H", "S", "P"));
        // A shared field whose value is decoded (it has escapes) fills both.
        let d = parse_line(r#"{"url":"https://a.test/\u00e9","body":"B \"q\""}"#, &fields).unwrap();
        assert_eq!((&*d.id, &*d.url, &*d.text), ("https://a.test/\u{e9}", "https://a.test/\u{e9}", "B \"q\""));
    }

    /// The slots serde_json alone gives for `line` (the path taken when the fast one declines).
    fn serde_slots<'a>(line: &'a str, names: [&str; 6]) -> Result<Slots<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(line);
        RecordSeed { names }.deserialize(&mut de).and_then(|slots| de.end().map(|()| slots))
    }

    /// A pseudo-random JSON-ish line: mostly valid records, with every kind of value, escape and
    /// whitespace the fast path handles or must decline, and some broken ones.
    fn random_line(next: &mut impl FnMut() -> u64) -> String {
        const KEYS: [&str; 9] = ["id", "text", "title", "url", "source", "date", "extra", "n", "\\u0069d"];
        const PIECES: [&str; 24] = [
            "plain words ",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b\\f\\n\\r\\t",
            "\\u00e9",
            "\\u201c",
            "\\ud83d\\ude00",
            "\\ud83d",
            "\\ude00",
            "\\ud83d\\u0041",
            "\\x",
            "\\u12",
            "\\u00G0",
            "é ",
            "\u{1F600}",
            "\t",
            "\u{1}",
            "'",
            "\\u0000",
            "{[,:]}",
            "\\",
            "中文",
            "\\u0022",
        ];
        const VALUES: [&str; 18] = [
            "null",
            "nul",
            "true",
            "false",
            "fals",
            "0",
            "-7",
            "42",
            "1.5",
            "1.5e+3",
            "2E-2",
            "01",
            "1.",
            "-",
            "1e",
            "{\"a\":[1,2]}",
            "[]",
            "\"\"",
        ];
        const SPACES: [&str; 5] = ["", " ", "\t", "\r\n ", "  "];
        let mut pick = |n: usize| (next() % n as u64) as usize;
        let mut line = String::from(SPACES[pick(5)]);
        line.push('{');
        for f in 0..pick(7) {
            if f > 0 {
                line.push(',');
            }
            line.push_str(SPACES[pick(5)]);
            line.push('"');
            line.push_str(KEYS[pick(KEYS.len())]);
            line.push('"');
            line.push_str(SPACES[pick(5)]);
            line.push(':');
            line.push_str(SPACES[pick(5)]);
            if pick(3) == 0 {
                line.push_str(VALUES[pick(VALUES.len())]);
            } else {
                line.push('"');
                for _ in 0..pick(6) {
                    line.push_str(PIECES[pick(PIECES.len())]);
                }
                line.push('"');
            }
            line.push_str(SPACES[pick(5)]);
        }
        line.push('}');
        match pick(12) {
            0 => line.push_str(" x"),
            1 => {
                line.pop();
            }
            2 => line.insert(line.len() - 1, ','),
            _ => line.push_str(SPACES[pick(5)]),
        }
        line
    }

    #[test]
    fn the_fast_path_decodes_as_serde_json_does_or_declines() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let names = ["id", "text", "title", "url", "source", "date"];
        let (mut taken, mut valid) = (0, 0);
        for _ in 0..20_000 {
            let line = random_line(&mut next);
            let fast = flat::record(&line, &names);
            let slow = serde_slots(&line, names);
            valid += slow.is_ok() as usize;
            if let Some(fast) = fast {
                taken += 1;
                assert_eq!(Some(&fast), slow.as_ref().ok(), "{line}");
            }
        }
        // Most valid lines take the fast path; the test would prove nothing if none did.
        assert!(taken * 2 > valid && valid > 2_000, "fast path took {taken} of {valid} valid lines");
    }

    #[test]
    fn escaped_keys_match() {
        let d = parse(r#"{"\u0069d":"a","text":"x"}"#).unwrap();
        assert_eq!(d.id, "a");
    }
}
