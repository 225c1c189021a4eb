//! The table of the largest clusters printed on stderr at the end of a scan.
//!
//! Colour only when asked ([`crate::config::use_colour`]: stderr is a terminal, `NO_COLOR` unset,
//! `TERM` not `dumb`). Titles and ids come from the input, so control characters in them are
//! escaped: a crafted title must not move the cursor or recolour the terminal.

use std::fmt::Write;

use crate::origin::Relation;
use crate::report::summary::LargestCluster;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn relation_colour(r: Relation) -> &'static str {
    match r {
        Relation::Exact => "\x1b[34m",
        Relation::Wrapped => "\x1b[36m",
        Relation::Excerpt => "\x1b[32m",
        Relation::Edited => "\x1b[33m",
        Relation::Spun => "\x1b[1;31m",
    }
}

/// `s` with control characters escaped, cut to `max` characters.
pub fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The table, one line per cluster under a header line, each line starting with `reprint: `.
/// Empty when there are no clusters.
pub fn clusters_table(largest: &[LargestCluster], colour: bool) -> String {
    if largest.is_empty() {
        return String::new();
    }
    let paint = |code: &str, s: &str| if colour { format!("{code}{s}{RESET}") } else { s.to_string() };
    let mut s = String::new();
    let mut header = format!("{:>7} {:>5}", "cluster", "docs");
    for r in Relation::ALL {
        let _ = write!(header, " {:>7}", r.name());
    }
    header += "  original";
    let _ = writeln!(s, "reprint: {}", paint(BOLD, &header));
    for c in largest {
        let mut line = format!("{:>7} {:>5}", c.cluster_id, c.size);
        for r in Relation::ALL {
            let n = c.copies.get(r.name()).copied().unwrap_or(0);
            let cell = format!(" {:>7}", if n == 0 { "-".to_string() } else { n.to_string() });
            line += &if n == 0 { paint(DIM, &cell) } else { paint(relation_colour(r), &cell) };
        }
        let title = sanitize(&c.title, 48);
        let id = sanitize(&c.original, 60);
        if title.is_empty() {
            let _ = writeln!(s, "reprint: {line}  {id}");
        } else {
            let _ = writeln!(s, "reprint: {line}  {title} {}", paint(DIM, &format!("({id})")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cluster(id: usize, title: &str) -> LargestCluster {
        let mut copies = BTreeMap::new();
        copies.insert("spun", 2);
        copies.insert("exact", 1);
        LargestCluster { cluster_id: id, original: "wire/a.md".into(), title: title.into(), size: 4, copies }
    }

    #[test]
    fn plain_table_has_counts_per_relation_and_no_escape_codes() {
        let t = clusters_table(&[cluster(1, "Fire on the docks"), cluster(2, "")], false);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert_eq!(lines[0], "reprint: cluster  docs   exact wrapped excerpt  edited    spun  original");
        assert_eq!(
            lines[1],
            "reprint:       1     4       1       -       -       -       2  Fire on the docks (wire/a.md)"
        );
        assert!(lines[2].ends_with("  wire/a.md"));
        assert!(!t.contains('\x1b'));
        assert_eq!(clusters_table(&[], false), "");
    }

    #[test]
    fn coloured_table_paints_counts() {
        let t = clusters_table(&[cluster(1, "x")], true);
        assert!(t.contains("\x1b[1;31m       2\x1b[0m"), "{t:?}");
        assert!(t.contains(BOLD));
    }

    #[test]
    fn control_characters_in_titles_are_escaped() {
        let t = clusters_table(&[cluster(1, "evil\x1b[2Jtitle\nnext")], false);
        assert!(!t.contains('\x1b'), "{t:?}");
        assert!(t.contains("evil\\u{1b}[2Jtitle\\nnext"), "{t:?}");
        assert_eq!(t.lines().count(), 2);
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }
}
