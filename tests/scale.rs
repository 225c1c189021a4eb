//! One story copied many times must not make the scan quadratic: LSH buckets larger than
//! `--max-bucket` link their members to one member instead of to each other, and anchor
//! buckets that large are dropped. Checked on structure (pairs per document), never on time.

mod util;

use std::fs;

use reprint::lsh::MAX_ANCHORS;
use util::*;

/// A deterministic word stream (xorshift), so the test needs no data files.
struct Words(u64);

impl Words {
    fn next(&mut self, vocabulary: &[&'static str]) -> &'static str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        vocabulary[(self.0 % vocabulary.len() as u64) as usize]
    }
}

const VOCABULARY: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "was",
    "for",
    "on",
    "harbour",
    "council",
    "fire",
    "strike",
    "budget",
    "minister",
    "river",
    "school",
    "vote",
    "match",
    "police",
    "rail",
    "week",
    "city",
    "club",
    "season",
    "report",
    "workers",
    "said",
    "officials",
    "plan",
    "million",
    "court",
    "storm",
    "bridge",
    "market",
    "prices",
    "union",
];

#[test]
fn a_story_copied_thousands_of_times_stays_linear() {
    let copies = 1500;
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    let story: Vec<&str> = (0..300).map(|_| words.next(VOCABULARY)).collect();
    let mut lines = String::new();
    let mut push = |id: String, text: String, second: usize| {
        let date = format!("2026-01-01T{:02}:{:02}:{:02}Z", second / 3600, second / 60 % 60, second % 60);
        lines += &serde_json::json!({"id": id, "text": text, "date": date}).to_string();
        lines.push('\n');
    };
    push("story".into(), story.join(" "), 0);
    for c in 0..copies {
        // Up to three words replaced, as a light edit would.
        let mut copy = story.clone();
        for k in 0..c % 4 {
            let at = (c * 7919 + k * 104_729) % copy.len();
            copy[at] = words.next(VOCABULARY);
        }
        push(format!("copy{c}"), copy.join(" "), c + 1);
    }
    // Unrelated documents around it.
    for u in 0..200 {
        let text: Vec<&str> = (0..250).map(|_| words.next(VOCABULARY)).collect();
        push(format!("other{u}"), text.join(" "), 10_000 + u);
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("copies.jsonl");
    fs::write(&input, lines).unwrap();
    let out = dir.path().join("report");
    let max_bucket = 16;
    scan(&[&input], &out, &["--quiet", "--max-bucket", &max_bucket.to_string()]);

    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let docs = summary["documents"]["scanned"].as_u64().unwrap();
    let candidates = summary["pairs"]["candidates"].as_u64().unwrap();
    let verified = summary["pairs"]["verified"].as_u64().unwrap();
    assert_eq!(docs, copies as u64 + 201);
    // A document meets at most `max_bucket - 1` others in each band and in the exact view (larger
    // buckets link to their first member) and in the bucket of each of its anchors (larger ones
    // are dropped), whatever the corpus: the bound is linear in the documents. All pairs of the
    // story's copies would be 1.1 million.
    let bands: u64 =
        summary["parameters"]["views"].as_array().unwrap().iter().map(|v| v["bands"].as_u64().unwrap()).sum();
    let per_doc = bands + 1 + MAX_ANCHORS as u64;
    assert!(candidates <= docs * per_doc * (max_bucket - 1) / 2, "{candidates} candidate pairs for {docs} documents");
    assert!(candidates < (copies * copies / 2 / 10) as u64, "{candidates} candidate pairs");
    assert!(verified <= candidates);
    assert!(summary["pairs"]["by_view"].as_array().unwrap().iter().any(|v| v["oversized"].as_u64().unwrap() > 0));

    let (_, rows) = read_csv(&out.join("clusters.csv"));
    let story_cluster = clusters(&rows).into_iter().find(|c| c.contains("story")).expect("the story is clustered");
    assert_eq!(story_cluster.len(), copies + 1, "every copy is in the story's cluster");
    let original = rows.iter().find(|r| r["role"] == "original" && story_cluster.contains(&r["doc_id"])).unwrap();
    assert_eq!(original["doc_id"], "story", "the earliest is the original");

    // The HTML report: the story's cluster is rendered in parts and spans many pages, its table
    // links every side-by-side where it landed, and `reprint report` rebuilds the same pages.
    let pages = read_pages(&out);
    let anchors = anchors_of(&pages);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let sides: usize = anchors.values().map(|a| a.iter().filter(|id| id.starts_with("c1-")).count()).sum();
    assert_eq!(sides, copies, "a side-by-side for every copy of cluster 1");
    assert!(assert_links_land(&pages, &anchors) > copies);
    let r = bin().arg("report").arg(&out).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let rebuilt = read_pages(&out);
    assert_eq!(rebuilt.keys().collect::<Vec<_>>(), pages.keys().collect::<Vec<_>>());
    for (name, html) in &pages {
        assert!(rebuilt[name] == *html, "{name} differs between the scan and reprint report");
    }
}
