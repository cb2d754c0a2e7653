//! One function per command. Each opens what it needs, does the work in
//! the library and hands the result to a printer.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use wenda::answer::confidence::{self, Calibration};
use wenda::answer::{AnswerRequest, Answerer, DEFAULT_TOP_K, Outcomes};
use wenda::config::ServeConfig;
use wenda::eval;
use wenda::http::{self, AppState};
use wenda::index::{self, BuildReport, Staleness};
use wenda::journal;
use wenda::search::{Engine, SearchRequest};
use wenda::{Error, Result, live};

use super::args::{Feature, SearchArgs, Source, ranking_without};
use super::print;

/// `wenda ingest`.
pub fn ingest(source: &Source, json: bool) -> Result<ExitCode> {
    let report = build(source)?;
    if json {
        print::json(&report)?;
    } else {
        report_build(&report, &source.index_dir());
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda serve`.
pub fn serve(config: ServeConfig) -> Result<ExitCode> {
    let source = Source {
        corpora: config.corpora.clone(),
        index: config.index.clone(),
        follow_links: config.follow_links,
        max_file_size: config.max_file_size,
    };
    ensure_fresh(&source)?;
    if config.api_keys.is_empty() && config.admin_keys.is_empty() {
        tracing::warn!("no --api-key given: POST /retrieval refuses every request");
    }
    if config.admin_keys.is_empty() {
        tracing::info!("no --admin-key given: the admin endpoints refuse every request");
    }
    tracing::info!(
        sessions = %config.sessions.store.redacted(),
        watch = config.reload.watch,
        "starting"
    );
    let state = AppState::open(config)?;
    let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
    let result = runtime.block_on(http::serve(state));
    // Engine work still running has passed its own deadline: abandon it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(50));
    result?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `wenda config check`: the configuration `serve` would run with.
pub fn config_check(config: ServeConfig) -> Result<ExitCode> {
    let text = config.to_toml();
    print::stdout(|w| write!(w, "{text}"))?;
    Ok(ExitCode::SUCCESS)
}

/// `wenda report`.
pub fn report(log_dir: &Path, top: usize, json: bool) -> Result<ExitCode> {
    let r = journal::report(log_dir, top)?;
    if json {
        print::json(&r)?;
    } else {
        print::stdout(|w| print::gaps(w, &r, log_dir))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda learned`.
pub fn learned(log_dir: &Path, forget: Option<&str>, json: bool) -> Result<ExitCode> {
    // Listing needs no index: a question's words matter only for matching.
    let plain = |q: &str| wenda::search::learned::Learnable {
        text: q.to_string(),
        ..Default::default()
    };
    let learned = journal::learned(log_dir, &plain)?;
    if let Some(id) = forget {
        if !learned.list().iter().any(|q| q.id == id) {
            return Err(Error::Invalid(format!(
                "no learned question with id `{id}` in {}",
                log_dir.display()
            )));
        }
        journal::forget(log_dir, id)?;
        eprintln!("forgot {id}");
        return Ok(ExitCode::SUCCESS);
    }
    let list = learned.list();
    if json {
        print::json(&list)?;
    } else {
        print::stdout(|w| print::learned(w, &list))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda search`.
pub fn search(args: SearchArgs) -> Result<ExitCode> {
    let engine = open_fresh(&args.source)?;
    let mut req = SearchRequest::new(args.query);
    req.explain = args.explain;
    req.limit = usize::from(args.limit);
    req.topic = args
        .topic
        .map(|t| wenda::article::frontmatter::split_topic_path(&t));
    let resp = engine.search(&req)?;
    if args.json {
        print::json(&resp)?;
    } else {
        print::stdout(|w| print::hits(w, &resp))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda eval`.
pub fn eval(
    queries: &Path,
    source: &Source,
    json: bool,
    without: &[Feature],
    timing: eval::Timing,
) -> Result<ExitCode> {
    let engine = open_fresh(source)?.with_ranking(ranking_without(without));
    let (qs, warnings) = eval::read_queries(queries)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let report = eval::evaluate_timed(&engine, &qs, timing)?;
    if json {
        print::json(&report)?;
    } else {
        print::stdout(|w| print::eval(w, &report, queries))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda eval --replay`: what learning from use adds.
pub fn replay(pairs: &Path, source: &Source, json: bool, without: &[Feature]) -> Result<ExitCode> {
    let engine = open_fresh(source)?.with_ranking(ranking_without(without));
    let pairs = eval::read_pairs(pairs)?;
    let report = eval::replay(&engine, &pairs)?;
    if json {
        print::json(&report)?;
    } else {
        println!(
            "{} pairs: MRR@10 of the paraphrases {:.3} before, {:.3} after learning the first asking (R@1 {:.2} → {:.2})",
            report.pairs,
            report.before.mrr_at_10,
            report.after.mrr_at_10,
            report.before.recall_at_1,
            report.after.recall_at_1
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda answer`.
pub fn answer(question: String, source: &Source, json: bool) -> Result<ExitCode> {
    let answerer = Answerer::new(Arc::new(open_fresh(source)?));
    let resp = answerer.answer(&AnswerRequest {
        question,
        top_k: DEFAULT_TOP_K,
        ..Default::default()
    })?;
    if json {
        print::json(&resp)?;
    } else {
        print::stdout(|w| print::answer(w, &resp))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda chat`: one conversation, a question a line.
pub fn chat(source: &Source) -> Result<ExitCode> {
    let answerer = Answerer::new(Arc::new(open_fresh(source)?));
    let mut session: Option<String> = None;
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = stdin.lock();
    loop {
        if interactive {
            eprint!("你> ");
        }
        let mut line = String::new();
        let read = input
            .read_line(&mut line)
            .map_err(|source| Error::Terminal {
                stream: "stdin",
                source,
            })?;
        let line = line.trim();
        if read == 0 || line.is_empty() {
            break;
        }
        let resp = answerer.answer(&AnswerRequest {
            question: line.to_string(),
            session_id: session.clone(),
            top_k: DEFAULT_TOP_K,
            ..Default::default()
        })?;
        session = Some(resp.session_id.clone());
        print::stdout(|w| {
            print::answer(w, &resp)?;
            writeln!(w)
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda calibrate --json`: the calibration and what the shipped policy does.
#[derive(Serialize)]
struct CalibrateReport {
    #[serde(flatten)]
    calibration: Calibration,
    shipped_outcomes: Outcomes,
}

/// `wenda calibrate`.
pub fn calibrate(sets: &[String], json: bool, rows: Option<&Path>) -> Result<ExitCode> {
    let mut examples = Vec::new();
    let mut outcomes = Outcomes::default();
    let mut lines = String::new();
    // A path that cannot be written fails now, not after every set has run.
    let mut rows_file = rows
        .map(|p| std::fs::File::create(p).map_err(|e| Error::io(p, e)))
        .transpose()?;
    for set in sets {
        let (dirs, file) = set.split_once('=').ok_or_else(|| {
            Error::Invalid(format!("--set {set}: expected CORPUS_DIR=QUERIES.jsonl"))
        })?;
        // Several corpora make one help centre: `A,B,C=QUERIES.jsonl`.
        let mut source = Source::corpus(PathBuf::new());
        source.corpora = dirs.split(',').map(PathBuf::from).collect();
        let engine = Arc::new(open_fresh(&source)?);
        let (qs, warnings) = eval::read_labelled(Path::new(file), true)?;
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        examples.extend(confidence::examples(&engine, &qs)?);
        let answerer = Answerer::new(engine.clone());
        outcomes.add(&answerer, &qs)?;
        if rows.is_some() {
            for row in confidence::rows(&answerer, &qs)? {
                let mut v = serde_json::to_value(&row).map_err(Error::json("row"))?;
                v["set"] = serde_json::Value::from(file);
                lines.push_str(&v.to_string());
                lines.push('\n');
            }
        }
    }
    if let (Some(path), Some(f)) = (rows, rows_file.as_mut()) {
        std::io::Write::write_all(f, lines.as_bytes()).map_err(|e| Error::io(path, e))?;
    }
    let calibration = confidence::calibrate(&examples);
    if json {
        print::json(&CalibrateReport {
            calibration,
            shipped_outcomes: outcomes,
        })?;
    } else {
        print::stdout(|w| print::calibration(w, &calibration, &outcomes))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda export`: one JSON line per article.
pub fn export(source: &Source) -> Result<ExitCode> {
    let engine = open_fresh(source)?;
    let mut lines = Vec::with_capacity(engine.catalog().len());
    for a in engine.catalog().articles() {
        let a = a?;
        lines.push(serde_json::to_string(&a.export_record()).map_err(Error::json(&a.id))?);
    }
    print::stdout(|w| lines.iter().try_for_each(|l| writeln!(w, "{l}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Builds a new generation of the index and publishes it (see
/// `wenda::live`), with a progress bar when a person is watching.
fn build(source: &Source) -> Result<BuildReport> {
    let index_dir = source.index_dir();
    let corpora = source.corpora();
    let options = source.load_options();
    if !std::io::stderr().is_terminal() {
        return live::rebuild(&corpora, &index_dir, &options, live::DEFAULT_KEEP, None);
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "indexing {bar:30} {pos}/{len} articles, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut tick = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report = live::rebuild(
        &corpora,
        &index_dir,
        &options,
        live::DEFAULT_KEEP,
        Some(&mut tick),
    );
    bar.finish_and_clear();
    report
}

/// The ingest report on stderr (as log events when logs are JSON); a
/// closed stderr is no reason to fail.
fn report_build(report: &BuildReport, index_dir: &Path) {
    if super::json_logs() {
        tracing::info!(
            index = %index_dir.display(),
            articles = report.articles,
            topics = report.topics,
            skipped = report.skipped.len(),
            warnings = report.warnings.len(),
            took_ms = report.took_ms as u64,
            "index built"
        );
        for w in &report.warnings {
            tracing::warn!(warning = %w, "ingest");
        }
        return;
    }
    let _ = print::build_report(&mut std::io::stderr().lock(), report, index_dir);
}

/// Opens the index, building it first when it is missing or older than the corpus.
pub(super) fn open_fresh(source: &Source) -> Result<Engine> {
    ensure_fresh(source)?;
    Engine::open(&source.index_dir())
}

/// Builds the index when it is missing or older than the corpus.
fn ensure_fresh(source: &Source) -> Result<()> {
    let index_dir = source.index_dir();
    match index::staleness_with(&index_dir, &source.corpora(), &source.load_options()) {
        Staleness::Fresh => {}
        Staleness::Missing => {
            tracing::info!("no index at {}; building it", index_dir.display());
            report_build(&build(source)?, &index_dir);
        }
        Staleness::Stale(why) => {
            tracing::info!(
                "index at {} is stale ({why}); rebuilding",
                index_dir.display()
            );
            report_build(&build(source)?, &index_dir);
        }
    }
    Ok(())
}
