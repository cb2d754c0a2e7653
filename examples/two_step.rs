//! Two-step retrieval against scoring every match: for each query of a
//! file, the hits, totals and topic counts in two steps (whatever the
//! index size) and with [`Retrieval::exhaustive`], and the in-process
//! latency of each (after a warming pass, alternating which runs first).
//!
//! ```sh
//! cargo run --release --example two_step -- INDEX_DIR QUERIES.jsonl
//! ```
//!
//! `scripts/two-step.sh` runs it on the indexes `scripts/scale.sh` leaves.

use std::path::Path;
use std::time::Instant;

use wenda::search::{Engine, Ranking, Retrieval, SearchRequest, SearchResponse};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(index), Some(queries)) = (args.next(), args.next()) else {
        eprintln!("usage: two_step INDEX_DIR QUERIES.jsonl");
        std::process::exit(2);
    };
    let open = || Engine::open(Path::new(&index)).expect("index opens");
    let two_step = open().with_ranking(Ranking {
        retrieval: Retrieval {
            two_step_from: 0,
            ..Retrieval::default()
        },
        ..Ranking::default()
    });
    let exhaustive = open().with_ranking(Ranking {
        retrieval: Retrieval::exhaustive(),
        ..Ranking::default()
    });
    let text = std::fs::read_to_string(&queries).expect("query file");
    let queries: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect();
    let run = |engine: &Engine, q: &str, times: &mut Vec<f64>| -> SearchResponse {
        let started = Instant::now();
        let response = engine.search(&SearchRequest::new(q)).expect("search");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        response
    };
    // A first pass warms both engines' caches and the page cache.
    for q in &queries {
        run(&two_step, q, &mut Vec::new());
        run(&exhaustive, q, &mut Vec::new());
    }
    let (mut t_two, mut t_all) = (Vec::new(), Vec::new());
    let (mut top10, mut first, mut totals, mut facets) = (0, 0, 0, 0);
    for (i, q) in queries.iter().enumerate() {
        let (a, b) = if i % 2 == 0 {
            let a = run(&two_step, q, &mut t_two);
            (a, run(&exhaustive, q, &mut t_all))
        } else {
            let b = run(&exhaustive, q, &mut t_all);
            (run(&two_step, q, &mut t_two), b)
        };
        let ids = |r: &SearchResponse| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        top10 += usize::from(ids(&a) == ids(&b));
        first += usize::from(ids(&a).first() == ids(&b).first());
        totals += usize::from(a.total == b.total);
        facets += usize::from(a.facets == b.facets);
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    let n = queries.len();
    let shipped = if two_step.docs() >= Retrieval::default().two_step_from {
        "two steps"
    } else {
        "every match scored"
    };
    println!(
        "{n} queries on {} documents (shipped: {shipped})",
        two_step.docs()
    );
    println!(
        "same top 10: {top10}/{n}, same first hit: {first}/{n}, same total: {totals}/{n}, same topic counts: {facets}/{n}"
    );
    println!(
        "two steps: p50 {:.2} ms, p99 {:.2} ms; every match scored: p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut t_two, 0.5),
        pct(&mut t_two, 0.99),
        pct(&mut t_all, 0.5),
        pct(&mut t_all, 0.99)
    );
}
