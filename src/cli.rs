//! Command-line flags and what each command does with them.

use std::hash::{Hash, Hasher};
use std::io::IsTerminal;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use std::sync::Arc;

use wenda::answer::{AnswerRequest, Answerer, DEFAULT_TOP_K, Outcomes, confidence};
use wenda::eval::{self, EvalReport};
use wenda::http::{self, AppState};
use wenda::index::{self, BuildReport, Staleness};
use wenda::journal::{self, Journal};
use wenda::search::{Engine, MAX_LIMIT, Ranking, SearchRequest, SearchResponse};
use wenda::{Error, Result};

/// The bundled corpus, relative to the working directory.
const DEFAULT_CORPUS: &str = "corpus";
/// The index of the bundled corpus, relative to the working directory.
const DEFAULT_INDEX: &str = "index";

#[derive(Parser, Debug)]
#[command(
    name = "wenda",
    version,
    about = "问答 — search and answers for Chinese help-centre content"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the index from corpus directories and print a report.
    Ingest {
        #[command(flatten)]
        source: Source,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API (building the index first if it is missing or stale).
    Serve {
        #[command(flatten)]
        source: Source,
        /// Address to listen on.
        #[arg(long, env = "WENDA_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Key accepted by the Dify retrieval endpoint (`Authorization: Bearer KEY`); repeat for several.
        #[arg(
            long = "api-key",
            value_name = "KEY",
            env = "WENDA_API_KEYS",
            value_delimiter = ','
        )]
        api_keys: Vec<String>,
        /// Where feedback and query logs go.
        #[arg(
            long,
            value_name = "DIR",
            env = "WENDA_LOG_DIR",
            default_value = "logs"
        )]
        log_dir: PathBuf,
    },
    /// What the content team should write next: frequent unanswered
    /// questions and the articles users found unhelpful.
    Report {
        /// The server's log directory.
        #[arg(
            long,
            value_name = "DIR",
            env = "WENDA_LOG_DIR",
            default_value = "logs"
        )]
        log_dir: PathBuf,
        /// Items per list.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search from the terminal.
    Search {
        /// What to search for.
        query: String,
        #[command(flatten)]
        source: Source,
        /// Number of hits.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=MAX_LIMIT as i64))]
        limit: u16,
        /// Only articles under this topic (`A > B`).
        #[arg(long)]
        topic: Option<String>,
        /// Print the response as JSON.
        #[arg(long)]
        json: bool,
        /// Explain each hit's score (shown with --json).
        #[arg(long)]
        explain: bool,
    },
    /// Measure ranking quality on a JSONL query file.
    Eval {
        /// `{"q": "…", "relevant": ["id-or-path", …]}` per line.
        queries: PathBuf,
        #[command(flatten)]
        source: Source,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Turn parts of the ranking off, to see what each adds.
        #[arg(long, value_delimiter = ',', value_enum)]
        without: Vec<Feature>,
    },
    /// Answer one question the way the chatbot endpoint does.
    Answer {
        /// The question.
        question: String,
        #[command(flatten)]
        source: Source,
        /// Print the response as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Talk to wenda in the terminal (one conversation; empty line or Ctrl-D ends).
    Chat {
        #[command(flatten)]
        source: Source,
    },
    /// Fit the answer-confidence model on labelled questions and show its
    /// precision and coverage at each threshold.
    Calibrate {
        /// `CORPUS_DIR=QUERIES.jsonl`; repeat. Queries with an empty
        /// `relevant` list are questions the corpus does not answer.
        #[arg(long = "set", value_name = "DIR=FILE", required = true)]
        sets: Vec<String>,
        /// Print the model and table as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the corpus as JSONL (`{"id","title","body"}`), e.g. for other engines.
    Export {
        #[command(flatten)]
        source: Source,
    },
}

/// Parts of the ranking that `wenda eval --without` can turn off.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Feature {
    /// Matching pairs of ideographs.
    Grams,
    /// Synonym expansion.
    Synonyms,
    /// Typo correction.
    Typos,
    /// Reading Latin letters as pinyin.
    Pinyin,
    /// Title coverage, exact-title and link-page factors.
    Rerank,
}

/// The ranking with some features off.
fn ranking_without(features: &[Feature]) -> Ranking {
    let mut r = Ranking::default();
    for f in features {
        match f {
            Feature::Grams => r.planning.grams = false,
            Feature::Synonyms => r.planning.synonyms = false,
            Feature::Typos => r.planning.typos = false,
            Feature::Pinyin => r.planning.pinyin = false,
            Feature::Rerank => r.rerank = wenda::search::Rerank::off(),
        }
    }
    r
}

/// Where articles come from and where the index lives.
#[derive(Args, Debug, Clone)]
struct Source {
    /// Corpus directory; repeat for several. Default: ./corpus.
    #[arg(
        long = "corpus",
        value_name = "DIR",
        env = "WENDA_CORPUS",
        value_delimiter = ','
    )]
    corpora: Vec<PathBuf>,
    /// Index directory. Default: ./index for the bundled corpus, else a
    /// directory under the system temp dir named after the corpora.
    #[arg(long, value_name = "DIR", env = "WENDA_INDEX")]
    index: Option<PathBuf>,
}

impl Source {
    fn corpora(&self) -> Vec<PathBuf> {
        if self.corpora.is_empty() {
            vec![PathBuf::from(DEFAULT_CORPUS)]
        } else {
            self.corpora.clone()
        }
    }

    fn index_dir(&self) -> PathBuf {
        if let Some(dir) = &self.index {
            return dir.clone();
        }
        let corpora = self.corpora();
        if corpora == [PathBuf::from(DEFAULT_CORPUS)] {
            return PathBuf::from(DEFAULT_INDEX);
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for c in &corpora {
            index::manifest::canonical(c).hash(&mut h);
        }
        std::env::temp_dir().join(format!("wenda-index-{:016x}", h.finish()))
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest { source, json } => {
            let report = build(&source)?;
            if json {
                print_json(&report)?;
            } else {
                print_report(&report, &source.index_dir());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            source,
            addr,
            api_keys,
            log_dir,
        } => {
            let engine = open_fresh(&source)?;
            if api_keys.is_empty() {
                tracing::warn!("no --api-key given: POST /retrieval refuses every request");
            }
            let state = AppState::new(engine)
                .with_api_keys(api_keys)
                .with_journal(Journal::open(&log_dir)?);
            let runtime =
                tokio::runtime::Runtime::new().map_err(|e| Error::io("tokio runtime", e))?;
            runtime
                .block_on(http::serve(state, addr))
                .map_err(|e| Error::io(addr.to_string(), e))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { log_dir, top, json } => {
            let r = journal::report(&log_dir, top)?;
            if json {
                print_json(&r)?;
            } else {
                print_gaps(&r, &log_dir);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            source,
            limit,
            topic,
            json,
            explain,
        } => {
            let engine = open_fresh(&source)?;
            let mut req = SearchRequest::new(query);
            req.explain = explain;
            req.limit = usize::from(limit);
            req.topic = topic.map(|t| wenda::article::frontmatter::split_topic_path(&t));
            let resp = engine.search(&req)?;
            if json {
                print_json(&resp)?;
            } else {
                print_hits(&resp);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            queries,
            source,
            json,
            without,
        } => {
            let engine = open_fresh(&source)?.with_ranking(ranking_without(&without));
            let (qs, warnings) = eval::read_queries(&queries)?;
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            let report = eval::evaluate(&engine, &qs)?;
            if json {
                print_json(&report)?;
            } else {
                print_eval(&report, &queries);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Answer {
            question,
            source,
            json,
        } => {
            let answerer = Answerer::new(Arc::new(open_fresh(&source)?));
            let resp = answerer.answer(&AnswerRequest {
                question,
                top_k: DEFAULT_TOP_K,
                ..Default::default()
            })?;
            if json {
                print_json(&resp)?;
            } else {
                print_answer(&resp);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat { source } => {
            let answerer = Answerer::new(Arc::new(open_fresh(&source)?));
            let mut session: Option<String> = None;
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            loop {
                if interactive {
                    eprint!("你> ");
                }
                let mut line = String::new();
                if stdin
                    .read_line(&mut line)
                    .map_err(|e| Error::io("stdin", e))?
                    == 0
                {
                    break;
                }
                let line = line.trim();
                if line.is_empty() {
                    break;
                }
                let resp = answerer.answer(&AnswerRequest {
                    question: line.to_string(),
                    session_id: session.clone(),
                    top_k: DEFAULT_TOP_K,
                    topic: None,
                })?;
                session = Some(resp.session_id.clone());
                print_answer(&resp);
                println!();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calibrate { sets, json } => {
            let mut examples = Vec::new();
            let mut outcomes = Outcomes::default();
            for set in &sets {
                let (dir, file) = set.split_once('=').ok_or_else(|| {
                    Error::Invalid(format!("--set {set}: expected CORPUS_DIR=QUERIES.jsonl"))
                })?;
                let source = Source {
                    corpora: vec![PathBuf::from(dir)],
                    index: None,
                };
                let engine = open_fresh(&source)?;
                let (qs, warnings) = eval::read_labelled(Path::new(file), true)?;
                for w in &warnings {
                    eprintln!("warning: {w}");
                }
                examples.extend(confidence::examples(&engine, &qs)?);
                outcomes.add(&Answerer::new(Arc::new(engine)), &qs)?;
            }
            let training: Vec<_> = examples.iter().map(|e| (e.features, e.correct)).collect();
            let model = confidence::Model::fit(&training);
            let thresholds: Vec<f32> = (1..=19).map(|i| i as f32 * 0.05).collect();
            let points = confidence::operating_points(&model, &examples, &thresholds);
            let shipped =
                confidence::operating_points(&confidence::DEFAULT_MODEL, &examples, &thresholds);
            if json {
                print_json(&serde_json::json!({
                    "examples": examples.len(),
                    "fitted": model,
                    "fitted_points": points,
                    "shipped": confidence::DEFAULT_MODEL,
                    "shipped_points": shipped,
                    "shipped_outcomes": outcomes,
                }))?;
            } else {
                let answerable = examples.iter().filter(|e| e.answerable).count();
                println!(
                    "{} questions ({} answerable, {} not)",
                    examples.len(),
                    answerable,
                    examples.len() - answerable
                );
                println!(
                    "fitted model: {}",
                    serde_json::to_string(&model).unwrap_or_default()
                );
                println!(
                    "shipped answer policy: {}",
                    serde_json::to_string(&outcomes).unwrap_or_default()
                );
                println!(
                    "| threshold | precision | coverage | false answers | shipped precision | shipped coverage | shipped false answers |"
                );
                println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                for (p, q) in points.iter().zip(&shipped) {
                    println!(
                        "| {:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
                        p.threshold,
                        p.precision,
                        p.coverage,
                        p.false_answers,
                        q.precision,
                        q.coverage,
                        q.false_answers
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { source } => {
            let engine = open_fresh(&source)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for a in engine.catalog().articles() {
                let a = a?;
                let mut body = a.questions.join("\n");
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&a.body_text());
                let line = serde_json::json!({"id": a.id, "title": a.title, "body": body});
                writeln!(out, "{line}").map_err(|e| Error::io("stdout", e))?;
            }
            out.flush().map_err(|e| Error::io("stdout", e))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| Error::Json {
        context: "output".into(),
        source,
    })?;
    println!("{text}");
    Ok(())
}

/// Builds the index, with a progress bar when a person is watching.
fn build(source: &Source) -> Result<BuildReport> {
    let index_dir = source.index_dir();
    let corpora = source.corpora();
    if !std::io::stderr().is_terminal() {
        return index::build_index(&corpora, &index_dir, None);
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
    let report = index::build_index(&corpora, &index_dir, Some(&mut tick));
    bar.finish_and_clear();
    report
}

/// Opens the index, building it first when it is missing or older than the corpus.
fn open_fresh(source: &Source) -> Result<Engine> {
    let index_dir = source.index_dir();
    match index::staleness(&index_dir, &source.corpora()) {
        Staleness::Fresh => {}
        Staleness::Missing => {
            tracing::info!("no index at {}; building it", index_dir.display());
            let report = build(source)?;
            print_report(&report, &index_dir);
        }
        Staleness::Stale(why) => {
            tracing::info!(
                "index at {} is stale ({why}); rebuilding",
                index_dir.display()
            );
            let report = build(source)?;
            print_report(&report, &index_dir);
        }
    }
    Engine::open(&index_dir)
}

fn print_report(r: &BuildReport, index_dir: &Path) {
    eprintln!(
        "ingested {} articles in {} topics from {} into {} ({} ms)",
        r.articles,
        r.topics,
        r.corpora.join(", "),
        index_dir.display(),
        r.took_ms
    );
    eprintln!(
        "  files: {} ({} not articles), tables of contents: {}, dictionary words: {}, synonym groups: {}",
        r.files,
        r.ignored_files,
        r.tocs.len(),
        r.dictionary_words,
        r.synonym_groups
    );
    eprintln!(
        "  articles with steps: {}, links: {} resolved, {} external, {} unresolved",
        r.articles_with_steps,
        r.links.resolved,
        r.links.external,
        r.links.unresolved.len()
    );
    for u in &r.links.unresolved {
        eprintln!("    unresolved in {}: {}", u.article, u.text);
    }
    if !r.skipped.is_empty() {
        eprintln!("  skipped ({}):", r.skipped.len());
        for s in &r.skipped {
            eprintln!("    {s}");
        }
    }
    if r.warnings.is_empty() {
        eprintln!("  warnings: none");
    } else {
        eprintln!("  warnings ({}):", r.warnings.len());
        for w in &r.warnings {
            eprintln!("    {w}");
        }
    }
}

fn print_hits(resp: &SearchResponse) {
    println!("{} results ({} ms)", resp.total, resp.took_ms);
    for (i, h) in resp.hits.iter().enumerate() {
        let topic = if h.topic.is_empty() {
            String::new()
        } else {
            format!("  [{}]", wenda::search::topic_value(&h.topic))
        };
        println!(
            "{:>2}. {}{}  ({:.2}, {})",
            i + 1,
            h.title,
            topic,
            h.score,
            h.id
        );
        let snippet: String = h
            .snippet
            .pieces()
            .into_iter()
            .map(|(p, hit)| {
                if hit {
                    format!("【{p}】")
                } else {
                    p.to_string()
                }
            })
            .collect();
        println!("    {snippet}");
    }
}

fn print_gaps(r: &journal::Report, dir: &Path) {
    println!("from {}", dir.display());
    println!("searches that found nothing:");
    for c in &r.zero_results {
        println!("  {:>5}  {}", c.count, c.query);
    }
    println!("questions handed over to a person:");
    for c in &r.handoffs {
        println!("  {:>5}  {}", c.count, c.query);
    }
    println!("articles marked unhelpful:");
    for v in &r.unhelpful {
        println!(
            "  {:>5} unhelpful, {} helpful  {}  {}",
            v.unhelpful,
            v.helpful,
            v.article_id,
            v.comments.join(" / ")
        );
    }
    if r.unreadable_lines > 0 {
        println!("({} log lines could not be read)", r.unreadable_lines);
    }
}

fn print_answer(r: &wenda::answer::AnswerResponse) {
    let status = serde_json::to_value(r.status).unwrap_or_default();
    let reason = serde_json::to_value(r.reason).unwrap_or_default();
    println!(
        "[{} · {} · confidence {:.2}{}]",
        status.as_str().unwrap_or("?"),
        reason.as_str().unwrap_or("?"),
        r.confidence,
        if r.handoff { " · handoff" } else { "" }
    );
    println!("{}", r.reply);
}

fn print_eval(r: &EvalReport, file: &Path) {
    println!("{}: {} queries", file.display(), r.queries);
    println!(
        "MRR@10 {:.3}   R@1 {:.3}   R@5 {:.3}   R@10 {:.3}   p50 {:.3} ms   p99 {:.3} ms",
        r.mrr_at_10, r.recall_at_1, r.recall_at_5, r.recall_at_10, r.p50_ms, r.p99_ms
    );
    if !r.missed.is_empty() {
        println!("not first ({}):", r.missed.len());
        for m in &r.missed {
            let rank = m.rank.map_or("-".to_string(), |r| r.to_string());
            println!(
                "  [{rank:>2}] {}  want {}  got {}",
                m.q,
                m.relevant.join(" | "),
                m.got.join(" | ")
            );
        }
    }
}
