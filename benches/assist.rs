//! Support tickets answered in-process: reading, one judgement per
//! question, the draft.
//!
//! We will:
//! - load a docset (default: the ECS user guide in ../shared; set
//!   `WENDA_BENCH_CORPUS` to use another) and index it in a temp directory;
//! - build two tickets of exactly 20,000 characters (the cap of
//!   `POST /api/assist`) from a labelled ticket file (default
//!   tests/data/tickets_ecs.jsonl; `WENDA_BENCH_TICKETS`):
//!   - *questions*: every labelled question in a paragraph of its own, over and
//!     over — the worst case, as many questions as the cap allows (the first
//!     30 are looked up);
//!   - *thread*: the first ticket, then earlier mail quoted below it up to
//!     the cap — what a long mail thread looks like;
//! - measure `wenda::assist::assist` on each;
//! - measure reading alone (`wenda::assist::ticket::read`) on the
//!   *questions* text cut to 2,000, 20,000 and 200,000 characters, to show
//!   that it grows linearly with the ticket.
//!
//! Run: `cargo bench --bench assist`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::corpus_dir;
use criterion::{Criterion, criterion_group, criterion_main};
use wenda::answer::Answerer;
use wenda::assist::{AssistRequest, assist};
use wenda::search::Engine;

/// The cap of `POST /api/assist`, in characters.
const TICKET_CHARS: usize = 20_000;

fn tickets() -> Vec<wenda::assist::eval::LabelledTicket> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::var_os("WENDA_BENCH_TICKETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tests/data/tickets_ecs.jsonl"));
    let (tickets, _) = wenda::assist::eval::read_tickets(&path).expect("ticket file");
    assert!(!tickets.is_empty(), "no tickets in {}", path.display());
    tickets
}

/// `head`, then `fill` repeated, cut to exactly `n` characters.
fn exactly(n: usize, head: &str, fill: &str) -> String {
    let mut out = head.to_string();
    while out.chars().count() < n {
        out.push_str(fill);
    }
    out.chars().take(n).collect()
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
    let answerer = Answerer::new(Arc::new(engine));

    let tickets = tickets();
    let questions: String = tickets
        .iter()
        .flat_map(|t| t.questions.iter().map(|q| format!("{}\n\n", q.span)))
        .collect();
    let quoted: String = tickets
        .iter()
        .map(|t| {
            let body: String = t.ticket.lines().map(|l| format!("> {l}\n")).collect();
            format!("\n-----原始邮件-----\n发件人：customer@example.com\n\n{body}")
        })
        .collect();
    let cases = [
        ("20k-chars/questions", exactly(TICKET_CHARS, "", &questions)),
        (
            "20k-chars/thread",
            exactly(TICKET_CHARS, &tickets[0].ticket, &quoted),
        ),
    ];

    let mut group = c.benchmark_group("assist");
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(30);
    for (name, ticket) in &cases {
        let req = AssistRequest {
            ticket: ticket.clone(),
            ..Default::default()
        };
        let r = assist(&answerer, &req).expect("assist");
        eprintln!(
            "{name}: {} characters, {} questions looked up, {} more",
            ticket.chars().count(),
            r.questions.len(),
            r.more_questions
        );
        group.bench_function(*name, |b| {
            b.iter(|| std::hint::black_box(assist(&answerer, &req).expect("assist")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read");
    group.sample_size(20);
    for n in [2_000, 20_000, 200_000] {
        let text = exactly(n, "", &questions);
        group.throughput(criterion::Throughput::Elements(n as u64));
        group.bench_function(format!("{n}-chars"), |b| {
            b.iter(|| std::hint::black_box(wenda::assist::ticket::read(&text)))
        });
    }
    group.finish();
}

criterion_group!(assist_bench, benches);
criterion_main!(assist_bench);
