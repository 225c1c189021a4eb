//! Charts drawn as inline SVG: no script, no external resource, text escaped like the rest.

use std::fmt::Write;

use super::escape;
use crate::origin::Relation;

/// Fill colour of each relation, in [`Relation::ALL`] order (also used by the CSS badges).
pub const RELATION_COLOURS: [&str; 5] = ["#4c78a8", "#72b7b2", "#54a24b", "#d6a91f", "#e45756"];

pub fn relation_colour(r: Relation) -> &'static str {
    RELATION_COLOURS[Relation::ALL.iter().position(|&x| x == r).unwrap_or(0)]
}

/// A horizontal bar chart: one bar per `(label, value, colour)`.
pub fn bars(title: &str, items: &[(String, u64, &str)]) -> String {
    const LABEL_W: f64 = 190.0;
    const BAR_W: f64 = 300.0;
    const ROW_H: f64 = 22.0;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let h = ROW_H * items.len().max(1) as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{h}\" viewBox=\"0 0 {} {h}\">",
        escape::attr(title),
        LABEL_W + BAR_W + 60.0,
        LABEL_W + BAR_W + 60.0
    );
    for (i, (label, value, colour)) in items.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = (*value as f64 / max * BAR_W).max(if *value > 0 { 1.0 } else { 0.0 });
        let shown: String =
            if label.chars().count() > 28 { label.chars().take(27).chain(['…']).collect() } else { label.clone() };
        let _ = write!(
            s,
            "<g><title>{}: {value}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text></g>",
            escape::text(label),
            LABEL_W - 6.0,
            y + 15.0,
            escape::text(&shown),
            y + 3.0,
            ROW_H - 6.0,
            LABEL_W + w + 4.0,
            y + 15.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// A histogram of similarities: `bins` equal bins over 0..=1, each stacked by relation.
pub fn histogram(bins: &[[u64; 5]]) -> String {
    const W: f64 = 520.0;
    const H: f64 = 160.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    let n = bins.len().max(1) as f64;
    let max = bins.iter().map(|b| b.iter().sum::<u64>()).max().unwrap_or(0).max(1) as f64;
    let bw = W / n;
    let mut s = String::new();
    let (tw, th) = (LEFT + W + 10.0, H + BOTTOM + 10.0);
    let _ = write!(
        s,
        "<svg class=\"chart\" role=\"img\" aria-label=\"Similarity of each copy with its original\" \
         width=\"{tw}\" height=\"{th}\" viewBox=\"0 0 {tw} {th}\">"
    );
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>\
         <text x=\"{}\" y=\"14\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        H + 5.0,
        LEFT + W,
        H + 5.0,
        LEFT - 4.0,
        LEFT - 4.0,
        H + 5.0
    );
    for (i, bin) in bins.iter().enumerate() {
        let x = LEFT + bw * i as f64;
        let mut y = H + 5.0;
        let total: u64 = bin.iter().sum();
        if total == 0 {
            continue;
        }
        let _ = write!(s, "<g><title>similarity {:.2}–{:.2}: {total} copies</title>", i as f64 / n, (i + 1) as f64 / n);
        for (k, &c) in bin.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let h = c as f64 / max * (H - 10.0);
            y -= h;
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                x + 1.0,
                bw - 2.0,
                RELATION_COLOURS[k]
            );
        }
        s.push_str("</g>");
    }
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(s, "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{t}</text>", LEFT + W * t, H + BOTTOM);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_labels_are_escaped_and_values_drawn() {
        let s = bars("t", &[("<b>evil</b>".into(), 4, "#000"), ("ok".into(), 2, "#111")]);
        assert!(!s.contains("<b>"), "{s}");
        assert!(s.contains("&lt;b&gt;evil&lt;/b&gt;"));
        assert!(s.contains("width=\"300.0\""), "the largest bar is full width: {s}");
        assert!(s.contains("width=\"150.0\""), "half the largest is half width: {s}");
    }

    #[test]
    fn histogram_stacks_relations_in_each_bin() {
        let mut bins = vec![[0u64; 5]; 20];
        bins[19][0] = 3;
        bins[2][4] = 1;
        bins[2][3] = 1;
        let s = histogram(&bins);
        assert_eq!(s.matches("<rect").count(), 3);
        assert!(s.contains("similarity 0.10–0.15: 2 copies"), "{s}");
        assert!(s.contains(RELATION_COLOURS[4]) && s.contains(RELATION_COLOURS[0]));
    }
}
