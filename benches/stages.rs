//! Every stage of the scan on its own, and the scan end to end.
//!
//! ```text
//! read+parse -> normalise -> shingle -> sketch -> band+bucket -> verify -> cluster -> write
//! ```
//!
//! `read_file_parse` is `read_parse` from a file, as the scan reads it. `write` is the CSV tables; `write_texts_and_html` the pass over the clustered texts that
//! writes the evidence, the documents and the HTML pages.
//!
//! The corpus is generated (deterministic pseudo-random news-like text with a tenth of the
//! documents copied, edited or spun from an earlier one), so no data files are needed and the
//! later stages have real candidate pairs and clusters to work on. Each stage gets the output of
//! the one before it, computed once outside the timed loop; criterion prints the throughput in
//! input bytes per second, so the stages can be compared with one another and with the whole:
//! `cargo bench --bench stages` (or `cargo bench --bench stages -- sketch` for one).

use std::io::Write;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use reprint::cluster::{anchored, components, heaviest, Link};
use reprint::input::{read_paths, Chunk, InputOptions};
use reprint::lsh::{band_keys, band_pairs, BandKeys};
use reprint::normalize::{Token, Tokenizer};
use reprint::origin::WireSources;
use reprint::report::csv::{write_clusters, write_pairs};
use reprint::report::html::Pages;
use reprint::report::texts::write_texts;
use reprint::scan::{scan, ScanConfig, ViewConfig};
use reprint::shingle::shingles;
use reprint::sketch::Sketcher;
use reprint::verify::{Measures, Profile};
use reprint::{Document, Messages};

const DOCS: usize = 2000;

/// Function words (kept by spinning) and a made-up vocabulary of content words.
const FUNCTION: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "on", "with", "as", "by", "at", "from", "it",
    "he", "she", "they", "would", "could", "after", "before", "but", "not", "has", "have", "had", "will",
];
const SYLLABLES: &[&str] =
    &["ka", "lo", "mer", "sta", "ri", "ven", "do", "pol", "tes", "har", "bu", "nor", "gal", "si", "ment", "quo"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn content_word(rng: &mut Rng) -> String {
    // Skewed towards short (frequent) words, like a Zipf tail.
    let syllables = 1 + rng.below(3).min(rng.below(4));
    let mut w: String = (0..syllables).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
    match rng.below(40) {
        0 => w.push(','),
        1 => w.push('.'),
        2 => w = format!("“{w}”"),
        3 => w = w.to_uppercase(),
        _ => {}
    }
    w
}

fn article(rng: &mut Rng) -> Vec<String> {
    let n = 150 + rng.below(750);
    (0..n)
        .map(|_| if rng.below(100) < 45 { FUNCTION[rng.below(FUNCTION.len())].to_string() } else { content_word(rng) })
        .collect()
}

/// `DOCS` JSON lines: nine in ten original articles, one in ten a copy of an earlier one (exact,
/// a few words changed, or every fourth content word spun).
fn corpus() -> Vec<u8> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut originals: Vec<Vec<String>> = Vec::new();
    let mut out = Vec::new();
    for d in 0..DOCS {
        let words = if !originals.is_empty() && rng.below(10) == 0 {
            let mut w = originals[rng.below(originals.len())].clone();
            match rng.below(3) {
                0 => {}
                1 => (0..3).for_each(|_| {
                    let i = rng.below(w.len());
                    w[i] = content_word(&mut rng);
                }),
                _ => {
                    for i in (0..w.len()).step_by(4) {
                        if !FUNCTION.contains(&w[i].as_str()) {
                            w[i] = content_word(&mut rng);
                        }
                    }
                }
            }
            w
        } else {
            let w = article(&mut rng);
            originals.push(w.clone());
            w
        };
        let line = serde_json::json!({"id": format!("d{d}"), "title": words[..8].join(" "), "source": format!("site{}", d % 50),
            "url": format!("https://site{}.example/{d}", d % 50), "date": format!("2026-01-{:02}", 1 + d % 28), "text": words.join(" ")});
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn config(inputs: Vec<PathBuf>) -> ScanConfig {
    ScanConfig {
        inputs,
        input: InputOptions::default(),
        num_perm: 128,
        views: ScanConfig::default_views(128, 5, 0.5, None, None),
        anchors: true,
        max_bucket: 64,
        wire_sources: WireSources::new(["site0"]),
        progress: false,
        temp_dir: None,
    }
}

/// Everything the stages hand each other, computed once.
struct Prepared {
    data: Vec<u8>,
    docs: Vec<Document>,
    tokens: Vec<Vec<Token>>,
    shingles: Vec<Vec<Vec<u64>>>,
    views: Vec<ViewConfig>,
    pairs: Vec<(u32, u32)>,
    links: Vec<Link>,
}

fn prepare() -> Prepared {
    let data = corpus();
    let mut docs = Vec::new();
    Chunk::JsonLines { file: "bench".into(), first_line: 1, data: data.clone().into(), source: None }.parse(
        &InputOptions::default(),
        &Messages::silent(),
        &mut docs,
    );
    let mut tokenizer = Tokenizer::new();
    let tokens: Vec<Vec<Token>> = docs
        .iter()
        .map(|d| {
            let mut t = Vec::new();
            tokenizer.tokenize(&d.text, &mut t);
            t
        })
        .collect();
    let views = config(Vec::new()).views;
    let mut scratch = Vec::new();
    let shingled: Vec<Vec<Vec<u64>>> = tokens
        .iter()
        .map(|t| {
            views
                .iter()
                .map(|v| {
                    let mut out = Vec::new();
                    shingles(t, v.kind, v.shingle, &mut scratch, &mut out);
                    out
                })
                .collect()
        })
        .collect();
    let (mut sketcher, mut sig) = (Sketcher::new(128), vec![0u64; 128]);
    let keys: Vec<BandKeys> = views
        .iter()
        .enumerate()
        .map(|(v, view)| {
            let mut keys = Vec::new();
            for s in &shingled {
                sketcher.sketch(&s[v], &mut sig);
                band_keys(&sig, view.bands, &mut keys);
            }
            let mut bands = BandKeys::new(view.bands.bands);
            bands.push(&keys);
            bands
        })
        .collect();
    let mut pairs: Vec<(u32, u32)> =
        views.iter().zip(&keys).flat_map(|(view, keys)| band_pairs(keys, 0..view.bands.bands, 64).0).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let profiles: Vec<Profile> = docs.iter().map(|d| Profile::new(&d.text)).collect();
    let links = pairs
        .iter()
        .filter_map(|&(a, b)| {
            let m = Measures::of(&profiles[a as usize], &profiles[b as usize]);
            m.is_copy().then(|| Link { a, b, weight: m.short.max().max(m.skeleton.max()) })
        })
        .collect();
    Prepared { data, docs, tokens, shingles: shingled, views, pairs, links }
}

fn stages(c: &mut Criterion) {
    let p = prepare();
    let opts = InputOptions::default();
    let msgs = Messages::silent();
    let mut g = c.benchmark_group("stage");
    g.throughput(Throughput::Bytes(p.data.len() as u64));

    g.bench_function("read_parse", |b| {
        let mut docs = Vec::new();
        b.iter(|| {
            docs.clear();
            Chunk::JsonLines { file: "bench".into(), first_line: 1, data: p.data.clone().into(), source: None }
                .parse(&opts, &msgs, &mut docs);
            docs.len()
        })
    });

    // The same corpus from a file, as the scan reads it: cut into ranges of whole lines, each
    // read from the file and parsed as it comes.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("corpus.jsonl");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(&p.data)).expect("writing the corpus");
    g.bench_function("read_file_parse", |b| {
        let mut docs = Vec::new();
        b.iter(|| {
            docs.clear();
            read_paths(std::slice::from_ref(&path), &opts, &msgs, &mut |chunk| {
                // The bench corpus has no bad lines: nothing held to report.
                let _ = chunk.parse(&opts, &msgs, &mut docs);
                true
            })
            .expect("reading the corpus");
            docs.len()
        })
    });

    g.bench_function("normalise", |b| {
        let mut tokenizer = Tokenizer::new();
        let mut tokens = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for d in &p.docs {
                tokens.clear();
                tokenizer.tokenize(&d.text, &mut tokens);
                n += tokens.len();
            }
            n
        })
    });

    g.bench_function("shingle", |b| {
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        b.iter(|| {
            let mut n = 0;
            for t in &p.tokens {
                for v in &p.views {
                    out.clear();
                    shingles(t, v.kind, v.shingle, &mut scratch, &mut out);
                    n += out.len();
                }
            }
            n
        })
    });

    g.bench_function("sketch", |b| {
        let (mut sketcher, mut sig) = (Sketcher::new(128), vec![0u64; 128]);
        b.iter(|| {
            let mut n = 0;
            for s in &p.shingles {
                for view in s {
                    n += sketcher.sketch(view, &mut sig) as usize;
                }
            }
            n
        })
    });

    g.bench_function("band_bucket", |b| {
        let (mut sketcher, mut sig) = (Sketcher::new(128), vec![0u64; 128]);
        let sigs: Vec<Vec<Vec<u64>>> = p
            .shingles
            .iter()
            .map(|s| {
                s.iter()
                    .map(|view| {
                        sketcher.sketch(view, &mut sig);
                        sig.clone()
                    })
                    .collect()
            })
            .collect();
        b.iter(|| {
            let mut n = 0;
            for (v, view) in p.views.iter().enumerate() {
                let mut keys = Vec::with_capacity(p.docs.len() * view.bands.bands);
                for s in &sigs {
                    band_keys(&s[v], view.bands, &mut keys);
                }
                let mut bands = BandKeys::new(view.bands.bands);
                bands.push(&keys);
                n += band_pairs(&bands, 0..view.bands.bands, 64).0.len();
            }
            n
        })
    });

    g.bench_function("verify", |b| {
        b.iter(|| {
            // As the scan does it: one profile per first document of a group of pairs.
            let mut copies = 0;
            for group in p.pairs.chunk_by(|x, y| x.0 == y.0) {
                let a = Profile::new(&p.docs[group[0].0 as usize].text);
                for &(_, y) in group {
                    copies += Measures::of(&a, &Profile::new(&p.docs[y as usize].text)).is_copy() as usize;
                }
            }
            copies
        })
    });

    g.bench_function("cluster", |b| {
        let edges: Vec<(u32, u32)> = p.links.iter().map(|l| (l.a, l.b)).collect();
        let nodes: Vec<u32> = edges.iter().flat_map(|e| [e.0, e.1]).collect();
        b.iter(|| {
            let comps = components(&nodes, &edges);
            comps.iter().map(|comp| anchored(comp, &p.links, &mut heaviest, &mut |_, _| false).len()).sum::<usize>()
        })
    });

    let cfg = config(vec![path]);
    let result = scan(&cfg, &msgs).expect("the scan");
    g.bench_function("write", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            write_clusters(&result, &mut out).expect("clusters.csv");
            write_pairs(&result, &mut out).expect("pairs.csv");
            out.len()
        })
    });

    // The pass over the clusters' texts: matches.csv, documents.jsonl and the HTML pages.
    g.bench_function("write_texts_and_html", |b| {
        let opts = reprint::HtmlOptions::default();
        let contents = reprint::report::texts::contents(&result, opts.index_rows).expect("the contents");
        let (mut matches, mut documents) = (Vec::new(), Vec::new());
        b.iter(|| {
            matches.clear();
            documents.clear();
            let mut pages = Pages::new(dir.path(), &opts, true).expect("the pages");
            write_texts(&result, &mut matches, &mut documents, Some(&mut pages)).expect("the texts");
            pages.finish(&contents, None).expect("report.html").total_bytes + documents.len() as u64
        })
    });

    g.bench_function("scan_end_to_end", |b| b.iter(|| scan(&cfg, &msgs).expect("the scan").clusters.len()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
