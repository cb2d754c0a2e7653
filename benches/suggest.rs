//! Suggestion latency while typing.
//!
//! We will:
//! - load a corpus (default: the ECS user guide in ../shared; set
//!   `WENDA_BENCH_CORPUS` to use another, e.g. a directory of JSONL files
//!   from `scale-corpus.py`) and index it in a temp directory (or open
//!   `WENDA_BENCH_INDEX`, building it there first when it is missing);
//! - make what people type on the way to titles: for up to 2,000 titles
//!   spread over the corpus, each prefix of 1 to 4 characters, the pinyin
//!   initials of the 2- to 4-character prefixes, the full pinyin of the
//!   2-character prefix and one character followed by an initial (`代j`);
//! - time every one of them 20 times, one call at a time, and print p50,
//!   p99 and the worst (what the README reports), then let criterion
//!   measure the whole set.
//!
//! Run: `cargo bench --bench suggest`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

use common::corpus_dir;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wenda::index::suggest::{DEFAULT_SUGGESTIONS, initials};
use wenda::search::Engine;

fn pinyin(text: &str) -> String {
    use pinyin::ToPinyin;
    text.chars()
        .map(|c| {
            c.to_pinyin()
                .map_or(c.to_string(), |p| p.plain().to_string())
        })
        .collect()
}

/// What people type on the way to the titles.
fn typed(titles: &[String]) -> Vec<String> {
    let step = (titles.len() / 2000).max(1);
    let mut out = Vec::new();
    for title in titles.iter().step_by(step) {
        let chars: Vec<char> = title.chars().filter(|c| !c.is_whitespace()).collect();
        for k in 1..=4.min(chars.len()) {
            let prefix: String = chars[..k].iter().collect();
            if k >= 2 {
                let ini = initials(&prefix);
                if !ini.is_empty() {
                    out.push(ini);
                }
            }
            if k == 2 {
                out.push(pinyin(&prefix));
                let second = initials(&chars[1].to_string());
                out.push(format!("{}{second}", chars[0]));
            }
            out.push(prefix);
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn benches(c: &mut Criterion) {
    let corpus = corpus_dir();
    let tmp = tempfile::tempdir().expect("temp dir");
    let index = std::env::var_os("WENDA_BENCH_INDEX")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("index"));
    if !index.join("wenda.json").is_file() {
        let started = Instant::now();
        wenda::index::build_index(std::slice::from_ref(&corpus), &index, None)
            .expect("index builds");
        eprintln!("indexed in {:.1} s", started.elapsed().as_secs_f64());
    }
    let engine = Engine::open(&index).expect("index opens");
    let catalog = engine.catalog();
    let titles: Vec<String> = (0..catalog.len())
        .filter_map(|o| catalog.entry(o))
        .map(|e| e.title.clone())
        .collect();
    let queries = typed(&titles);
    let suggester = engine.suggester();
    eprintln!(
        "corpus {}: {} articles, {} suggestible texts, {} typed queries",
        corpus.display(),
        titles.len(),
        suggester.len(),
        queries.len()
    );

    let mut times = Vec::with_capacity(queries.len() * 20);
    let mut empty = 0usize;
    for q in &queries {
        if suggester.suggest(q, DEFAULT_SUGGESTIONS).is_empty() {
            empty += 1;
        }
        for _ in 0..20 {
            let t = Instant::now();
            let n = suggester.suggest(q, DEFAULT_SUGGESTIONS).len();
            times.push(t.elapsed());
            std::hint::black_box(n);
        }
    }
    times.sort();
    eprintln!(
        "suggest, one call at a time ({} calls): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {} of {} queries suggest nothing",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        empty,
        queries.len()
    );

    let mut group = c.benchmark_group("suggest");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("typed-prefixes/top8", |b| {
        b.iter(|| {
            queries
                .iter()
                .map(|q| suggester.suggest(q, DEFAULT_SUGGESTIONS).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(suggest, benches);
criterion_main!(suggest);
