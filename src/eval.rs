//! Retrieval quality over a JSONL file of queries
//! (`{"q": "…", "relevant": ["id-or-path", …]}`): MRR@10, recall@1/5/10,
//! the queries missed, and the engine's time per query.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::corpus::Warning;
use crate::search::{Engine, Hit, SearchRequest};
use crate::{Error, Result};

/// Ranks looked at.
pub const DEPTH: usize = 10;

/// One evaluation query.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct EvalQuery {
    /// What the user types.
    pub q: String,
    /// Ids or paths of the articles that answer it.
    pub relevant: Vec<String>,
}

/// Reads a query file; malformed lines are warnings, not errors. Every
/// query needs at least one relevant entry.
pub fn read_queries(path: &Path) -> Result<(Vec<EvalQuery>, Vec<Warning>)> {
    read_labelled(path, false)
}

/// Reads a query file where `relevant` may be empty when
/// `allow_unanswerable` (questions the corpus does not answer).
pub fn read_labelled(
    path: &Path,
    allow_unanswerable: bool,
) -> Result<(Vec<EvalQuery>, Vec<Warning>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut queries = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<EvalQuery>(line) {
            Ok(q) if !q.q.trim().is_empty() && (allow_unanswerable || !q.relevant.is_empty()) => {
                queries.push(q)
            }
            Ok(_) => warnings.push(Warning {
                file: path.display().to_string(),
                line: Some(i + 1),
                message: "query needs a non-empty `q` and `relevant`".into(),
            }),
            Err(e) => warnings.push(Warning {
                file: path.display().to_string(),
                line: Some(i + 1),
                message: format!("invalid JSON line: {e}"),
            }),
        }
    }
    Ok((queries, warnings))
}

/// Whether a hit is one of the relevant entries: same id, same path, or a
/// path that ends with `/entry`.
pub fn is_relevant(hit: &Hit, relevant: &[String]) -> bool {
    matches_entry(&hit.id, &hit.corpus, &hit.path, relevant)
}

/// Whether an article (by id, corpus name and path) is one of the relevant
/// entries: its id, its path (or a path ending in `/entry`), or
/// `corpus/path` when one help centre is made of several guides.
pub fn matches_entry(id: &str, corpus: &str, path: &str, relevant: &[String]) -> bool {
    relevant.iter().any(|r| {
        id == r
            || path == r
            || path.ends_with(&format!("/{r}"))
            || r.strip_prefix(corpus)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| rest == path)
    })
}

/// Two people asking for the same thing in different words.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Pair {
    /// The first asking: its helpful answer is learned.
    pub a: String,
    /// The second asking: measured before and after.
    pub b: String,
    /// Articles that answer both.
    pub relevant: Vec<String>,
}

/// Reads a file of paraphrase pairs; a malformed line is an error naming it.
pub fn read_pairs(path: &Path) -> Result<Vec<Pair>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let p: Pair = serde_json::from_str(line).map_err(|e| {
            Error::Invalid(format!("{}:{}: not a pair: {e}", path.display(), i + 1))
        })?;
        out.push(p);
    }
    Ok(out)
}

/// What learning from use did to the second askings of paraphrase pairs.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// Pairs replayed.
    pub pairs: usize,
    /// The second askings before anything was learned.
    pub before: EvalReport,
    /// The same after each first asking's helpful answer was learned.
    pub after: EvalReport,
}

/// Learning from use, measured: every `b` is evaluated, then each `a` is
/// recorded as a helpful answer of its first relevant article that the
/// index holds (as the answer endpoint's feedback would), then every `b` is
/// evaluated again with what was learned.
pub fn replay(engine: &Engine, pairs: &[Pair]) -> Result<ReplayReport> {
    let second: Vec<EvalQuery> = pairs
        .iter()
        .map(|p| EvalQuery {
            q: p.b.clone(),
            relevant: p.relevant.clone(),
        })
        .collect();
    let before = evaluate(engine, &second)?;
    let mut learned = crate::search::learned::Learned::default();
    let catalog = engine.catalog();
    for (i, p) in pairs.iter().enumerate() {
        let article = (0..catalog.len()).find_map(|ord| {
            let e = catalog.entry(ord)?;
            matches_entry(&e.id, &e.corpus, &e.path, &p.relevant).then(|| e.id.clone())
        });
        if let Some(id) = article {
            learned.record(
                &engine.learnable(&p.a),
                &id,
                crate::search::learned::Signal::Helpful,
                // Each pair is another person's question.
                &format!("replay-{i}"),
                i as u64,
            );
        }
    }
    let after = evaluate_learned(engine, &second, Some(std::sync::Arc::new(learned)))?;
    Ok(ReplayReport {
        pairs: pairs.len(),
        before,
        after,
    })
}

/// A query whose relevant article was not first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Miss {
    /// The query.
    pub q: String,
    /// 1-based rank of the first relevant hit within the top ten, if any.
    pub rank: Option<usize>,
    /// What was expected.
    pub relevant: Vec<String>,
    /// The top three ids returned.
    pub got: Vec<String>,
}

/// Figures over a query set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    /// Queries evaluated.
    pub queries: usize,
    /// Mean reciprocal rank of the first relevant hit in the top ten.
    pub mrr_at_10: f64,
    /// Share of queries with a relevant hit first.
    pub recall_at_1: f64,
    /// Share with one in the top five.
    pub recall_at_5: f64,
    /// Share with one in the top ten.
    pub recall_at_10: f64,
    /// Median engine time per query, in milliseconds.
    pub p50_ms: f64,
    /// 99th-percentile engine time per query, in milliseconds.
    pub p99_ms: f64,
    /// Timed searches behind the percentiles (queries × timed rounds).
    pub timed_searches: usize,
    /// Queries whose relevant article was not first.
    pub missed: Vec<Miss>,
    /// Engine time of each query of the scored pass, in milliseconds.
    #[serde(skip)]
    pub times: Vec<f64>,
}

/// How the engine's time per query is measured. By default one pass, the
/// one that is scored, straight after opening (caches cold). A warm-up and
/// several timed rounds measure it the way the Lucene baseline's harness
/// does (one untimed pass, more until `warmup` has gone by, then timed
/// rounds), for side-by-side latencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Untimed passes before timing: none when zero, else at least one and
    /// as many as fit in this time.
    pub warmup: Duration,
    /// Timed passes over the queries (at least one); percentiles are over
    /// every timed query, rankings are scored on the first timed pass.
    pub rounds: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            warmup: Duration::ZERO,
            rounds: 1,
        }
    }
}

/// Runs every query and scores the rankings.
pub fn evaluate(engine: &Engine, queries: &[EvalQuery]) -> Result<EvalReport> {
    evaluate_timed(engine, queries, Timing::default())
}

/// [`evaluate`], timed as `timing` says.
pub fn evaluate_timed(
    engine: &Engine,
    queries: &[EvalQuery],
    timing: Timing,
) -> Result<EvalReport> {
    if !timing.warmup.is_zero() {
        let started = Instant::now();
        loop {
            for q in queries {
                timed_search(engine, q, None)?;
            }
            if started.elapsed() >= timing.warmup {
                break;
            }
        }
    }
    let mut report = evaluate_learned(engine, queries, None)?;
    if timing.rounds > 1 {
        let mut times = Vec::with_capacity(queries.len() * timing.rounds);
        times.extend_from_slice(&report.times);
        for _ in 1..timing.rounds {
            for q in queries {
                times.push(timed_search(engine, q, None)?.1);
            }
        }
        times.sort_by(f64::total_cmp);
        report.p50_ms = percentile(&times, 0.50);
        report.p99_ms = percentile(&times, 0.99);
        report.timed_searches = times.len();
    }
    Ok(report)
}

/// One evaluation search (the top [`DEPTH`]) and the engine's time for
/// it in milliseconds.
fn timed_search(
    engine: &Engine,
    q: &EvalQuery,
    learned: Option<std::sync::Arc<crate::search::Learned>>,
) -> Result<(crate::search::SearchResponse, f64)> {
    let mut req = SearchRequest::new(q.q.clone());
    req.limit = DEPTH;
    req.learned = learned;
    let started = Instant::now();
    let resp = engine.search(&req)?;
    Ok((resp, started.elapsed().as_secs_f64() * 1000.0))
}

/// [`evaluate`] with questions learned from use applied.
pub fn evaluate_learned(
    engine: &Engine,
    queries: &[EvalQuery],
    learned: Option<std::sync::Arc<crate::search::Learned>>,
) -> Result<EvalReport> {
    let mut rr_sum = 0.0;
    let (mut r1, mut r5, mut r10) = (0usize, 0usize, 0usize);
    let mut times = Vec::with_capacity(queries.len());
    let mut missed = Vec::new();
    for q in queries {
        let (resp, ms) = timed_search(engine, q, learned.clone())?;
        times.push(ms);
        let rank = resp
            .hits
            .iter()
            .position(|h| is_relevant(h, &q.relevant))
            .map(|i| i + 1);
        if let Some(r) = rank {
            rr_sum += 1.0 / r as f64;
            r1 += usize::from(r <= 1);
            r5 += usize::from(r <= 5);
            r10 += usize::from(r <= 10);
        }
        if rank != Some(1) {
            missed.push(Miss {
                q: q.q.clone(),
                rank,
                relevant: q.relevant.clone(),
                got: resp.hits.iter().take(3).map(|h| h.id.clone()).collect(),
            });
        }
    }
    let n = queries.len().max(1) as f64;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(EvalReport {
        queries: queries.len(),
        mrr_at_10: rr_sum / n,
        recall_at_1: r1 as f64 / n,
        recall_at_5: r5 as f64 / n,
        recall_at_10: r10 as f64 / n,
        p50_ms: percentile(&sorted, 0.50),
        p99_ms: percentile(&sorted, 0.99),
        timed_searches: sorted.len(),
        missed,
        times,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, path: &str) -> Hit {
        Hit {
            id: id.into(),
            title: String::new(),
            topic: vec![],
            path: path.into(),
            corpus: "guide".into(),
            url: None,
            score: 0.0,
            snippet: Default::default(),
            step_count: 0,
            steps_preview: vec![],
            duplicates: vec![],
            fallback: false,
            explain: None,
        }
    }

    #[test]
    fn relevance_by_id_path_or_path_suffix() {
        let rel = vec!["更改时区.md".to_string(), "po-cancel".to_string()];
        assert!(is_relevant(&hit("x", "更改时区.md"), &rel));
        assert!(is_relevant(&hit("x", "guide/更改时区.md"), &rel));
        assert!(is_relevant(&hit("po-cancel", "a.md"), &rel));
        assert!(!is_relevant(&hit("x", "guide/不更改时区.md"), &rel));
        // Corpus-qualified entries, for help centres of several guides.
        let qualified = vec!["guide/更改时区.md".to_string()];
        assert!(is_relevant(&hit("x", "更改时区.md"), &qualified));
        assert!(!is_relevant(&hit("x", "其他.md"), &qualified));
        let other = vec!["other/更改时区.md".to_string()];
        assert!(!is_relevant(&hit("x", "更改时区.md"), &other));
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
