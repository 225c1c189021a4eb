//! `reprint scan` on the bundled sample corpus, as the README runs it.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use util::*;

const WIRES: &str = "--wire-sources=harborwire,continental-press";

struct Expected {
    clusters: BTreeSet<BTreeSet<String>>,
    role: BTreeMap<String, String>,
    kind: BTreeMap<String, String>,
}

fn expected() -> Expected {
    let text = fs::read_to_string(sample_corpus().join("EXPECTED.tsv")).unwrap();
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut role, mut kind) = (BTreeMap::new(), BTreeMap::new());
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        by.entry(f[0].to_string()).or_default().insert(f[1].to_string());
        role.insert(f[1].to_string(), f[2].to_string());
        kind.insert(f[1].to_string(), f[3].to_string());
    }
    Expected { clusters: by.into_values().collect(), role, kind }
}

#[test]
fn finds_exactly_the_expected_clusters_originals_and_relations() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet", WIRES]);
    let (headers, rows) = read_csv(&out.path().join("clusters.csv"));
    assert_eq!(
        headers,
        ["cluster_id", "doc_id", "role", "relation", "similarity", "containment", "source", "url", "date", "title"]
    );
    let exp = expected();
    assert_eq!(clusters(&rows), exp.clusters);
    for r in &rows {
        let id = &r["doc_id"];
        assert_eq!(&r["role"], &exp.role[id], "role of {id}");
        // The expectations name how each copy was made; reprint reports reformatted copies as
        // exact (same normalised text) and spun copies as spun, wrapped or not.
        let want = match exp.kind[id].as_str() {
            "original" => "",
            "reformat" => "exact",
            "spun_wrapped" => "spun",
            k => k,
        };
        assert_eq!(&r["relation"], want, "relation of {id}");
        if r["role"] == "copy" {
            let s: f64 = r["similarity"].parse().unwrap();
            let c: f64 = r["containment"].parse().unwrap();
            assert!((0.0..=1.0).contains(&s) && (s..=1.0).contains(&c), "{id}: {s} {c}");
        }
    }
}

#[test]
fn independent_coverage_and_boilerplate_traps_stay_out() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet"]);
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));
    for r in &rows {
        assert!(!r["doc_id"].starts_with("independent/"), "{} was clustered", r["doc_id"]);
        assert_ne!(r["doc_id"], "aggregators/dailybuzz-now/otter-twins-marrowgate-zoo.md");
    }
    // Every verified pair joins two members of the same expected story.
    let exp = expected();
    let story = |id: &str| exp.clusters.iter().position(|c| c.contains(id));
    let (headers, pairs) = read_csv(&out.path().join("pairs.csv"));
    assert_eq!(headers, ["doc_a", "doc_b", "jaccard", "containment", "relation"]);
    assert!(!pairs.is_empty());
    for p in &pairs {
        assert!(story(&p["doc_a"]).is_some() && story(&p["doc_a"]) == story(&p["doc_b"]), "{p:?}");
    }
}

#[test]
fn summary_accounts_for_every_file() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet"]);
    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    let files = walk_count(&sample_corpus());
    let d = &s["documents"];
    assert_eq!(d["read"].as_u64().unwrap(), files as u64);
    assert_eq!(d["scanned"].as_u64().unwrap() + d["skipped"].as_u64().unwrap(), d["read"].as_u64().unwrap());
    assert_eq!(d["skipped_by_reason"]["unsupported_format"], 1, "EXPECTED.tsv is not an article");
    assert_eq!(s["clusters"], 6);
    assert_eq!(s["parameters"]["views"][0]["bands"], 25);
    assert_eq!(s["parameters"]["views"][0]["rows"], 5);
    let t = &s["timings_seconds"];
    let stages: Vec<f64> = ["read_and_sketch", "candidates", "verify", "cluster", "report"]
        .iter()
        .map(|stage| t[stage].as_f64().unwrap_or_else(|| panic!("{stage}")))
        .collect();
    // The total and the speed are end to end: every stage, the report included.
    let total = t["total"].as_f64().unwrap();
    assert!(total >= stages.iter().sum::<f64>() - 1e-9, "total {total} < stages {stages:?}");
    let speed = s["megabytes_per_second"].as_f64().unwrap();
    let bytes = s["input_bytes"].as_f64().unwrap();
    assert!((speed - bytes / 1e6 / total).abs() <= 1e-6 * speed.max(1.0), "{speed} MB/s from {bytes} B in {total} s");
}

fn walk_count(dir: &std::path::Path) -> usize {
    fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).map(|p| if p.is_dir() { walk_count(&p) } else { 1 }).sum()
}

#[test]
fn reports_are_identical_across_thread_counts() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scan(&[&sample_corpus()], one.path(), &["--quiet", "--threads", "1"]);
    scan(&[&sample_corpus()], two.path(), &["--quiet", "--threads", "2"]);
    for f in ["clusters.csv", "pairs.csv", "matches.csv", "documents.jsonl"] {
        let (a, b) = (fs::read(one.path().join(f)).unwrap(), fs::read(two.path().join(f)).unwrap());
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
}

/// Lowercased words of a passage, apostrophes dropped, for comparing the two sides of a match.
fn words(text: &str) -> Vec<String> {
    let apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    text.split(|c: char| !c.is_alphanumeric() && !apostrophe(c))
        .map(|w| w.to_lowercase().replace(apostrophe, ""))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn evidence_points_at_the_same_words_in_both_texts() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet", WIRES]);
    let (_, clustered) = read_csv(&out.path().join("clusters.csv"));
    let mut texts: BTreeMap<String, Vec<char>> = BTreeMap::new();
    for line in fs::read_to_string(out.path().join("documents.jsonl")).unwrap().lines() {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        texts.insert(d["id"].as_str().unwrap().into(), d["text"].as_str().unwrap().chars().collect());
    }
    let ids: BTreeSet<String> = clustered.iter().map(|r| r["doc_id"].clone()).collect();
    assert_eq!(texts.keys().cloned().collect::<BTreeSet<_>>(), ids, "documents.jsonl holds the clustered documents");

    let (headers, rows) = read_csv(&out.path().join("matches.csv"));
    assert_eq!(headers, ["doc_a", "doc_b", "passage", "a_start", "a_end", "b_start", "b_end", "words"]);
    let original_of: BTreeMap<&str, &str> = clustered
        .iter()
        .filter(|r| r["role"] == "copy")
        .map(|r| {
            let o = clustered.iter().find(|o| o["cluster_id"] == r["cluster_id"] && o["role"] == "original").unwrap();
            (r["doc_id"].as_str(), o["doc_id"].as_str())
        })
        .collect();
    let mut matched_words: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        assert_eq!(original_of.get(r["doc_b"].as_str()), Some(&r["doc_a"].as_str()), "{r:?}");
        let n = |k: &str| r[k].parse::<usize>().unwrap();
        let (a, b) = (&texts[&r["doc_a"]], &texts[&r["doc_b"]]);
        assert!(n("a_start") < n("a_end") && n("a_end") <= a.len(), "{r:?}");
        assert!(n("b_start") < n("b_end") && n("b_end") <= b.len(), "{r:?}");
        let wa = words(&a[n("a_start")..n("a_end")].iter().collect::<String>());
        let wb = words(&b[n("b_start")..n("b_end")].iter().collect::<String>());
        assert_eq!(wa, wb, "{r:?}");
        // reprint keeps "4.5" as one word where this split makes two.
        assert!(wa.len() >= n("words") && n("words") >= 3, "{r:?}");
        *matched_words.entry(&r["doc_b"]).or_default() += n("words");
    }
    // Every copy has evidence; a spun one is matched in many short pieces.
    for copy in original_of.keys() {
        assert!(matched_words.get(copy).copied().unwrap_or(0) >= 20, "{copy} has too little evidence");
    }
    let spun: Vec<&Row> = clustered.iter().filter(|r| r["relation"] == "spun").collect();
    assert!(!spun.is_empty());
    for s in spun {
        let segments = rows.iter().filter(|r| r["doc_b"] == s["doc_id"]).count();
        assert!(segments >= 10, "{}: {segments} segments", s["doc_id"]);
    }
}

/// Copies with the same words (an exact repost in capitals, its punctuation changed) share one
/// profile in verification; each pair's figures must still be those of its own two texts.
#[test]
fn pairs_with_texts_of_the_same_words_are_measured_on_their_own_texts() {
    use reprint::verify::{Measures, Profile};
    let story = fs::read_to_string(sample_corpus().join("wire/kelmsport-fire.md")).unwrap();
    let story = story.rsplit("---\n").next().unwrap().to_string();
    // Same words: capitals, and every comma that ends a clause a semicolon.
    let loud = story.to_uppercase().replace(", ", "; ");
    // An edited copy: its third paragraph dropped and a few words changed.
    let paragraphs: Vec<&str> = story.split("\n\n").collect();
    let edited = [&paragraphs[..2], &paragraphs[3..]]
        .concat()
        .join("\n\n")
        .replace("Saturday", "Sunday")
        .replace("black smoke", "thick grey smoke");
    let docs = [("orig", "wire", &story), ("loud", "shouty", &loud), ("edit", "daily", &edited)];
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, source, text)| serde_json::json!({"id": id, "source": source, "text": text}).to_string())
        .collect();
    fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    scan(&[&corpus], &out, &["--quiet"]);
    let (_, pairs) = read_csv(&out.join("pairs.csv"));
    let text = |id: &str| docs.iter().find(|d| d.0 == id).unwrap().2;
    let mut seen = BTreeSet::new();
    for p in &pairs {
        let m = Measures::of(&Profile::new(text(&p["doc_a"])), &Profile::new(text(&p["doc_b"])));
        assert_eq!(p["jaccard"], format!("{:.4}", m.similarity()), "{p:?}");
        assert_eq!(p["containment"], format!("{:.4}", m.containment()), "{p:?}");
        seen.insert(BTreeSet::from([p["doc_a"].clone(), p["doc_b"].clone()]));
    }
    assert_eq!(seen.len(), 3, "every two of the three are copies: {pairs:?}");
    let figures = |a: &str, b: &str| {
        let p = pairs.iter().find(|p| BTreeSet::from([&p["doc_a"][..], &p["doc_b"][..]]) == BTreeSet::from([a, b]));
        p.map(|p| (p["jaccard"].clone(), p["containment"].clone())).unwrap()
    };
    assert_eq!(figures("orig", "edit"), figures("loud", "edit"));
    let same = pairs.iter().find(|p| p["doc_a"] != "edit" && p["doc_b"] != "edit").unwrap();
    assert_eq!(same["relation"], "exact", "{same:?}");
    assert_ne!(figures("orig", "edit").0, "1.0000");
}
