//! Publication dates, parsed just enough to order documents.
//!
//! Accepted: ISO 8601 / RFC 3339 (`2026-03-14`, `2026-03-14T09:05`, `2026-03-14 09:05:00.250Z`,
//! `2026-03-14T10:05:00+01:00`) and RFC 2822 / HTTP dates (`Sat, 14 Mar 2026 09:05:00 GMT`).
//! A date without a time is taken as midnight UTC, a time without an offset as UTC. Anything else
//! counts as "no date" when naming originals, and is still printed as given in the reports.

/// Seconds since 1970-01-01T00:00:00Z, or None when `s` is not a date reprint understands.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso(s).or_else(|| parse_rfc2822(s))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Howard Hinnant's algorithm for the proleptic Gregorian calendar.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn valid(y: i64, mo: i64, d: i64, h: i64, mi: i64, sec: i64) -> bool {
    (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=60).contains(&sec)
        && (0..=9999).contains(&y)
}

fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?);
    let mut rest = &s[10..];
    let (mut h, mut mi, mut sec, mut offset) = (0, 0, 0, 0);
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        if r.len() < 5 || r.as_bytes()[2] != b':' {
            return None;
        }
        h = num(&r[0..2])?;
        mi = num(&r[3..5])?;
        rest = &r[5..];
        if let Some(r) = rest.strip_prefix(':') {
            sec = num(r.get(0..2)?)?;
            rest = &r[2..];
            if let Some(r) = rest.strip_prefix(['.', ',']) {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                rest = &r[digits..];
            }
        }
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(['Z', 'z']) {
            rest = r;
        } else if let Some(sign) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
            let r = &rest[1..];
            let (oh, om, used) = if r.len() >= 5 && r.as_bytes()[2] == b':' {
                (num(&r[0..2])?, num(&r[3..5])?, 5)
            } else if r.len() >= 4 {
                (num(&r[0..2])?, num(&r[2..4])?, 4)
            } else {
                (num(r.get(0..2)?)?, 0, 2)
            };
            offset = (oh * 3600 + om * 60) * if sign == '+' { 1 } else { -1 };
            rest = &r[used..];
        }
    }
    if !rest.trim().is_empty() || !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

fn parse_rfc2822(s: &str) -> Option<i64> {
    // [Day,] DD Mon YYYY HH:MM[:SS] [zone]
    let s = match s.find(',') {
        Some(i) => &s[i + 1..],
        None => s,
    };
    let mut parts = s.split_whitespace();
    let d = num(parts.next()?)?;
    let mon = parts.next()?.to_ascii_lowercase();
    let mo = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .iter()
        .position(|m| mon.starts_with(m))? as i64
        + 1;
    let y = num(parts.next()?)?;
    let time = parts.next().unwrap_or("00:00:00");
    let mut t = time.split(':');
    let h = num(t.next()?)?;
    let mi = num(t.next()?)?;
    let sec = t.next().map(num).unwrap_or(Some(0))?;
    let offset = match parts.next() {
        None | Some("GMT") | Some("UT") | Some("UTC") | Some("Z") => 0,
        Some(z) if (z.starts_with('+') || z.starts_with('-')) && z.len() == 5 => {
            let v = num(&z[1..3])? * 3600 + num(&z[3..5])? * 60;
            if z.starts_with('-') {
                -v
            } else {
                v
            }
        }
        Some(_) => return None,
    };
    if !valid(y, mo, d, h, mi, sec) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(parse_timestamp("2026-03-14T09:05:00Z"), Some(1_773_479_100));
        assert_eq!(parse_timestamp("2026-03-14T10:05:00+01:00"), parse_timestamp("2026-03-14T09:05:00Z"));
        assert_eq!(parse_timestamp("2026-03-14 09:05:00.250"), parse_timestamp("2026-03-14T09:05Z"));
        assert_eq!(parse_timestamp("2004-02-14T01:57:00"), Some(1_076_723_820));
    }

    #[test]
    fn rfc2822_forms() {
        assert_eq!(parse_timestamp("Sat, 14 Mar 2026 09:05:00 GMT"), parse_timestamp("2026-03-14T09:05:00Z"));
        assert_eq!(parse_timestamp("14 Mar 2026 10:05:00 +0100"), parse_timestamp("2026-03-14T09:05:00Z"));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        for s in ["", "yesterday", "2026-13-01", "2026-03-14Tnoon", "14/03/2026", "2026-03-14 junk"] {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
    }
}
