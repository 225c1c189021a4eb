//! Decoding one JSON line into a [`Document`], looking only at the configured fields.
//!
//! This runs once per record on the hot path, so it avoids building a `serde_json::Value`: a
//! [`DeserializeSeed`] walks the object, borrows the values of the six interesting keys straight
//! from the line when they have no escapes, and skips every other key without allocating.

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
    let mut de = serde_json::Deserializer::from_str(line);
    let slots = RecordSeed { names }
        .deserialize(&mut de)
        .and_then(|slots| de.end().map(|()| slots))
        .map_err(|e| Rejected { reason: Reason::MalformedJson, detail: e.to_string() })?;
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
    }

    #[test]
    fn escaped_keys_match() {
        let d = parse(r#"{"\u0069d":"a","text":"x"}"#).unwrap();
        assert_eq!(d.id, "a");
    }
}
