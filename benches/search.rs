//! Tokenizer throughput and search latency.
//!
//! We will:
//! - load a docset (default: the ECS user guide in ../shared; set
//!   `WENDA_BENCH_CORPUS` to use another) and index it in a temp directory;
//! - measure the analyzer over every article body (bytes per second);
//! - measure a search, snippets and facets included, over a query file
//!   (default tests/data/ecs_dev_queries.jsonl; `WENDA_BENCH_QUERIES`).
//!
//! Run: `cargo bench --bench search`.

use std::path::PathBuf;
use std::time::Duration;

mod common;

use common::corpus_dir;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wenda::search::{Engine, SearchRequest};

fn queries() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::var_os("WENDA_BENCH_QUERIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tests/data/ecs_dev_queries.jsonl"));
    let (qs, _) = wenda::eval::read_queries(&path).expect("query file");
    qs.into_iter().map(|q| q.q).collect()
}

fn benches(c: &mut Criterion) {
    let corpus = corpus_dir();
    let tmp = tempfile::tempdir().expect("temp dir");
    let index = tmp.path().join("index");
    wenda::index::build_index(std::slice::from_ref(&corpus), &index, None).expect("index builds");
    let engine = Engine::open(&index).expect("index opens");
    eprintln!(
        "corpus {}: {} articles",
        corpus.display(),
        engine.catalog().len()
    );

    let bodies: Vec<String> = engine
        .catalog()
        .articles()
        .map(|a| a.expect("stored article").body_text())
        .collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    let mut group = c.benchmark_group("analyzer");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("tokens/all-bodies", |b| {
        b.iter(|| {
            bodies
                .iter()
                .map(|t| engine.analyzer().tokens(t).len())
                .sum::<usize>()
        })
    });
    group.finish();

    let qs = queries();
    let mut group = c.benchmark_group("search");
    group.throughput(Throughput::Elements(qs.len() as u64));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("query-set/top10", |b| {
        b.iter(|| {
            for q in &qs {
                let resp = engine
                    .search(&SearchRequest::new(q.as_str()))
                    .expect("search");
                std::hint::black_box(resp);
            }
        })
    });
    group.finish();
}

criterion_group!(search, benches);
criterion_main!(search);
