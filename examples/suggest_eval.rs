//! How well `/api/suggest` completes titles: for every title of a corpus,
//! each prefix of 2 to 4 characters and the pinyin initials of that prefix
//! are suggested, and the title must be among the first five suggestions.
//!
//! ```sh
//! cargo run --release --example suggest_eval -- ../shared/corpora/huaweicloud-ecs-guide [--missed N] [--json]
//! ```
//!
//! The index is built into a temporary directory. `scripts/suggest-eval.sh`
//! runs this on the ECS guide for the README; the test
//! `suggest::title_prefixes_find_their_title` runs the same computation on
//! the fixture docsets.

use std::path::PathBuf;

use wenda::index::build_index;
use wenda::index::suggest::coverage;
use wenda::search::Engine;

fn main() {
    let mut corpora: Vec<PathBuf> = Vec::new();
    let mut missed = 0usize;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--missed" => missed = args.next().and_then(|n| n.parse().ok()).unwrap_or(20),
            "--json" => json = true,
            _ => corpora.push(PathBuf::from(a)),
        }
    }
    if corpora.is_empty() {
        corpora.push(PathBuf::from("corpus"));
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let index = dir.path().join("index");
    if let Err(e) = build_index(&corpora, &index, None) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let engine = Engine::open(&index).expect("the index opens");
    let catalog = engine.catalog();
    let titles: Vec<(String, String)> = (0..catalog.len())
        .filter_map(|ord| catalog.entry(ord))
        .map(|e| (e.id.clone(), e.title.clone()))
        .collect();
    let c = coverage(engine.suggester(), &titles, 2..=4, 5);
    if json {
        let v = serde_json::json!({
            "titles": titles.len(),
            "prefixes": c.prefixes, "prefixes_found": c.prefixes_found,
            "initials": c.initials, "initials_found": c.initials_found,
            "rate": c.rate(),
        });
        println!("{v}");
        return;
    }
    println!(
        "{} titles; title among the first 5 suggestions for {}/{} prefixes of 2-4 characters ({:.1}%), {}/{} of their pinyin initials ({:.1}%); together {:.1}%",
        titles.len(),
        c.prefixes_found,
        c.prefixes,
        100.0 * c.prefix_rate(),
        c.initials_found,
        c.initials,
        100.0 * c.initials_rate(),
        100.0 * c.rate()
    );
    for (typed, title) in c.missed.iter().take(missed) {
        println!("  missed: {typed:<12} {title}");
    }
}
