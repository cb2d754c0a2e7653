//! The three ways wenda can retrieve, whatever the index size: every match
//! scored by the score tree over the postings, every match scored by
//! tantivy's nested query, and two steps. For each query of a file, the
//! hits, totals and topic counts of the last two against the first, and the
//! in-process latency of each (after a warming pass, rotating which runs
//! first).
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
        eprintln!("usage: two_step INDEX_DIR QUERIES.jsonl [RETRIEVAL_DEPTH]");
        std::process::exit(2);
    };
    // The two steps' candidates per result kept (default: the shipped one).
    let depth = args
        .next()
        .and_then(|d| d.parse().ok())
        .unwrap_or(Retrieval::default().depth);
    let open = |retrieval: Retrieval| {
        Engine::open(Path::new(&index))
            .expect("index opens")
            .with_ranking(Ranking {
                retrieval,
                ..Ranking::default()
            })
    };
    // Every match scored (the score tree over the postings) is the
    // reference; the others are compared with it.
    let ways = [
        (
            "every match, score tree",
            open(Retrieval {
                tree_below: u64::MAX,
                ..Retrieval::exhaustive()
            }),
        ),
        (
            "every match, nested query",
            open(Retrieval {
                tree_below: 0,
                ..Retrieval::exhaustive()
            }),
        ),
        (
            "two steps",
            open(Retrieval {
                two_step_from: 0,
                depth,
                ..Retrieval::default()
            }),
        ),
    ];
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
    // A first pass warms every engine's caches and the page cache.
    for q in &queries {
        for (_, engine) in &ways {
            run(engine, q, &mut Vec::new());
        }
    }
    let k = ways.len();
    let mut times = vec![Vec::new(); k];
    // Per way: same top 10, first hit, total, topic counts as the reference.
    let mut same = vec![[0usize; 4]; k];
    for (i, q) in queries.iter().enumerate() {
        // Which way runs first rotates from query to query.
        let mut responses: Vec<Option<SearchResponse>> = vec![None; k];
        for j in 0..k {
            let w = (i + j) % k;
            responses[w] = Some(run(&ways[w].1, q, &mut times[w]));
        }
        let responses: Vec<SearchResponse> = responses.into_iter().flatten().collect();
        let ids = |r: &SearchResponse| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        let reference = &responses[0];
        for (w, r) in responses.iter().enumerate() {
            same[w][0] += usize::from(ids(r) == ids(reference));
            same[w][1] += usize::from(ids(r).first() == ids(reference).first());
            same[w][2] += usize::from(r.total == reference.total);
            same[w][3] += usize::from(r.facets == reference.facets);
        }
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    let n = queries.len();
    let docs = ways[0].1.docs();
    let shipped = Retrieval::default();
    let shipped = if docs >= shipped.two_step_from {
        ways[2].0
    } else if docs < shipped.tree_below {
        ways[0].0
    } else {
        ways[1].0
    };
    println!("{n} queries on {docs} documents (shipped: {shipped})");
    for (w, (name, _)) in ways.iter().enumerate() {
        let [top10, first, totals, facets] = same[w];
        println!(
            "{name}: p50 {:.2} ms, p99 {:.2} ms; as the score tree: top 10 {top10}/{n}, first hit {first}/{n}, total {totals}/{n}, topic counts {facets}/{n}",
            pct(&mut times[w], 0.5),
            pct(&mut times[w], 0.99),
        );
    }
}
