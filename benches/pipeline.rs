//! Throughput of the per-document hot path: read (JSON lines) + normalise + shingle + sketch.
//!
//! Runs on a generated corpus (deterministic pseudo-random news-like words), so it needs no data
//! files. criterion prints the throughput in bytes per second: `cargo bench --bench pipeline`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use reprint::input::{Chunk, InputOptions};
use reprint::lsh::{band_keys, choose_bands};
use reprint::normalize::Tokenizer;
use reprint::shingle::{shingles, View};
use reprint::sketch::Sketcher;
use reprint::Messages;

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "minister",
    "said",
    "on",
    "that",
    "was",
    "for",
    "government",
    "with",
    "council",
    "harbour",
    "fire",
    "police",
    "week",
    "by",
    "strike",
    "rail",
    "vote",
    "budget",
    "it",
    "is",
    "at",
    "from",
    "as",
    "million",
    "report",
    "workers",
    "city",
    "club",
    "season",
    "player",
    "“new”",
    "plan,",
    "Tuesday.",
    "2026",
    "£3.3bn",
    "élite",
    "he",
    "she",
    "they",
    "would",
    "could",
    "after",
    "before",
    "officials",
];

/// A JSON-lines corpus of `docs` documents of 150 to 900 words.
fn corpus(docs: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::new();
    for d in 0..docs {
        let n = 150 + (next() % 750) as usize;
        let text: Vec<&str> = (0..n).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect();
        let line = serde_json::json!({"id": format!("d{d}"), "title": "t", "source": "s", "date": "2026-01-01", "text": text.join(" ")});
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn hot_path(c: &mut Criterion) {
    let data = corpus(300);
    let opts = InputOptions::default();
    let msgs = Messages::silent();
    let words = choose_bands(0.5, 128);
    let skeleton = choose_bands(0.3, 128);
    let mut group = c.benchmark_group("read+normalise+shingle+sketch");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_with_input(BenchmarkId::from_parameter(format!("{} KB", data.len() / 1000)), &data, |b, data| {
        let mut tok = Tokenizer::new();
        let (mut tokens, mut scratch, mut sh, mut keys, mut docs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut sketcher, mut sig) = (Sketcher::new(128), vec![0u64; 128]);
        b.iter(|| {
            docs.clear();
            Chunk::JsonLines { file: "bench".into(), first_line: 1, data: data.clone().into(), source: None }
                .parse(&opts, &msgs, &mut docs);
            keys.clear();
            for d in &docs {
                tokens.clear();
                tok.tokenize(&d.text, &mut tokens);
                for (view, n, bands) in [(View::Words, 5, words), (View::Skeleton, 5, skeleton)] {
                    sh.clear();
                    shingles(&tokens, view, n, &mut scratch, &mut sh);
                    sketcher.sketch(&sh, &mut sig);
                    band_keys(&sig, bands, &mut keys);
                }
            }
            keys.len()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = hot_path
}
criterion_main!(benches);
