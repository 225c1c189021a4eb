//! `clusters.csv` and `pairs.csv` (`matches.csv` comes with the texts, see
//! [`crate::report::texts`]).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::scan::ScanResult;

/// One row of `clusters.csv`.
#[derive(Serialize)]
struct ClusterRow<'a> {
    cluster_id: usize,
    doc_id: &'a str,
    role: &'static str,
    relation: &'static str,
    similarity: String,
    containment: String,
    source: &'a str,
    url: &'a str,
    date: &'a str,
    title: &'a str,
}

pub const CLUSTER_COLUMNS: [&str; 10] =
    ["cluster_id", "doc_id", "role", "relation", "similarity", "containment", "source", "url", "date", "title"];
pub const MATCH_COLUMNS: [&str; 8] = ["doc_a", "doc_b", "passage", "a_start", "a_end", "b_start", "b_end", "words"];
pub const PAIR_COLUMNS: [&str; 5] = ["doc_a", "doc_b", "jaccard", "containment", "relation"];

/// Four decimals: enough to rank, stable across platforms.
pub(crate) fn fixed(x: f64) -> String {
    decimals(x, 4)
}

/// `x` with `digits` decimals, as `format!("{x:.digits$}")` writes it. That formatting works
/// from the exact decimal value of `x` and often falls back to big-number arithmetic (3 % of
/// the report stage's samples at 1 GB). For a figure from 0 to 10,000 with up to four
/// decimals, the scaled value `x * 10^digits` is within 1e-8 of the exact one, so where it is
/// not within 1e-6 of a rounding tie, rounding it gives the same digits; anything else goes to
/// `format!`.
pub(crate) fn decimals(x: f64, digits: usize) -> String {
    const SCALE: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10000.0];
    if let Some(&scale) = SCALE.get(digits) {
        // False for NaN; -0.0 is left to `format!` too.
        if (0.0..10_000.0).contains(&x) && x.is_sign_positive() {
            let y = x * scale;
            if (y - y.floor() - 0.5).abs() > 1e-6 {
                let r = y.round() as u64;
                if digits == 0 {
                    return r.to_string();
                }
                let p = 10u64.pow(digits as u32);
                return format!("{}.{:0digits$}", r / p, r % p);
            }
        }
    }
    format!("{x:.digits$}")
}

pub fn write_clusters(r: &ScanResult, w: &mut dyn Write) -> Result<()> {
    // Headers are written by hand so that an empty report still has them.
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    out.write_record(CLUSTER_COLUMNS)?;
    for (n, c) in r.clusters.iter().enumerate() {
        let id = n + 1;
        let o = r.corpus.metadata(c.original)?;
        out.serialize(ClusterRow {
            cluster_id: id,
            doc_id: &o.id,
            role: "original",
            relation: "",
            similarity: String::new(),
            containment: String::new(),
            source: &o.source,
            url: &o.url,
            date: &o.date,
            title: &o.title,
        })?;
        for cp in &c.copies {
            let d = r.corpus.metadata(cp.doc)?;
            out.serialize(ClusterRow {
                cluster_id: id,
                doc_id: &d.id,
                role: "copy",
                relation: cp.relation.name(),
                similarity: fixed(cp.measures.similarity),
                containment: fixed(cp.measures.containment),
                source: &d.source,
                url: &d.url,
                date: &d.date,
                title: &d.title,
            })?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn write_pairs(r: &ScanResult, w: &mut dyn Write) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(PAIR_COLUMNS)?;
    for p in &r.pairs {
        let (a, b) = (r.corpus.metadata(p.a)?, r.corpus.metadata(p.b)?);
        out.write_record([
            &*a.id,
            &*b.id,
            &fixed(p.measures.similarity()),
            &fixed(p.measures.containment()),
            p.relation.name(),
        ])?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_what_format_writes() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values: Vec<f64> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        // Near and at ties (0.125 is one at two decimals, 0.00005 near one at four), the ends of
        // the fast range, and what it leaves to `format!`.
        for k in 0..20_000u32 {
            let x = k as f64 / 20_000.0;
            values.extend([x, x + 0.000_05, x - 0.000_05, x + 0.005, x * 100.0 + 0.5, k as f64 / 8.0]);
        }
        values.extend([0.0, -0.0, 1.0, 0.125, 0.375, 2.5, 9_999.999_95, 10_000.0, 1e7, -0.3, f64::NAN, f64::INFINITY]);
        for x in values {
            for digits in 0..6 {
                assert_eq!(decimals(x, digits), format!("{x:.digits$}"), "{x:e} to {digits} decimals");
            }
        }
    }
}
