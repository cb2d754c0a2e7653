//! Command-line flags: what each command takes, and how `serve`'s flags,
//! their environment variables and a `wenda.toml` become one validated
//! [`ServeConfig`] (flag > environment > file > default).

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use wenda::config::{ConfigFile, DEFAULT_LOG_DIR, LogFormat, ServeConfig, SessionBackend};
use wenda::index;
use wenda::search::{MAX_LIMIT, Ranking};

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
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the index from corpus directories and print a report.
    Ingest {
        #[command(flatten)]
        source: Source,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API (building the index first if it is missing or stale).
    Serve(Box<ServeArgs>),
    /// Check a configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// What the content team should write next: frequent unanswered
    /// questions and the articles users found unhelpful.
    Report {
        #[command(flatten)]
        logs: LogDir,
        /// Items per list.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// What the server has learned from use (helpful and unhelpful
    /// answers), question by question; `--forget ID` drops one for good.
    Learned {
        #[command(flatten)]
        logs: LogDir,
        /// Forget this learned question (its id as listed); a running
        /// server applies it at its next start or reindex, or at once with
        /// `DELETE /api/admin/learned/{id}`.
        #[arg(long, value_name = "ID")]
        forget: Option<String>,
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search from the terminal.
    Search(SearchArgs),
    /// Measure ranking quality on a JSONL query file (or, with `--assist`,
    /// ticket reading and answers on labelled tickets).
    Eval {
        /// `{"q": "…", "relevant": ["id-or-path", …]}` per line.
        #[arg(required_unless_present_any = ["assist", "replay"], conflicts_with_all = ["assist", "replay"])]
        queries: Option<PathBuf>,
        /// Labelled tickets: `{"ticket": "…", "questions": [{"span", "relevant"}]}` per line.
        #[arg(long, value_name = "FILE", conflicts_with = "replay")]
        assist: Option<PathBuf>,
        /// Learning from use: paraphrase pairs `{"a", "b", "relevant"}` per
        /// line; MRR@10 of every `b` before and after a helpful answer to
        /// its `a` is learned.
        #[arg(long, value_name = "FILE")]
        replay: Option<PathBuf>,
        #[command(flatten)]
        source: Source,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Turn parts of the ranking off, to see what each adds.
        #[arg(long, value_delimiter = ',', value_enum)]
        without: Vec<Feature>,
        /// Warm up before timing: one untimed pass over the queries, then
        /// more until this many milliseconds have gone by (0: none, the
        /// timed pass runs on a freshly opened index).
        #[arg(long, value_name = "MS", default_value_t = 0, conflicts_with_all = ["assist", "replay"])]
        warmup_ms: u64,
        /// Timed passes over the queries; latency percentiles are over all
        /// of them, rankings are scored on the first.
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u64).range(1..=1000),
              conflicts_with_all = ["assist", "replay"])]
        rounds: u64,
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
    /// Read a support ticket (a file, or `-` for standard input): each
    /// question's article, steps and status, and a draft reply.
    Assist(AssistArgs),
    /// Talk to wenda in the terminal (one conversation; empty line or Ctrl-D ends).
    Chat {
        #[command(flatten)]
        source: Source,
    },
    /// Fit the answer-confidence model on labelled questions and show its
    /// precision and coverage at each threshold.
    Calibrate {
        /// `CORPUS_DIR=QUERIES.jsonl` (several corpora as one help centre: `DIR,DIR=QUERIES.jsonl`); repeat. Queries with an empty
        /// `relevant` list are questions the corpus does not answer.
        #[arg(long = "set", value_name = "DIR=FILE", required = true)]
        sets: Vec<String>,
        /// Print the model and table as JSON.
        #[arg(long)]
        json: bool,
        /// Also write one JSON line per question to this file: its set, the
        /// features and rightness of its best hits, and what the shipped
        /// policy did (for studying the policy).
        #[arg(long, value_name = "FILE")]
        rows: Option<PathBuf>,
    },
    /// Write the corpus as JSONL (`{"id","title","body"}`), e.g. for other engines.
    Export {
        #[command(flatten)]
        source: Source,
    },
}

/// `wenda config …`.
#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Print the configuration `wenda serve` would run with (file,
    /// environment and these flags), or the first error with its line.
    Check(Box<ServeArgs>),
}

/// `wenda search`.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// What to search for.
    pub query: String,
    #[command(flatten)]
    pub source: Source,
    /// Number of hits.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=MAX_LIMIT as i64))]
    pub limit: u16,
    /// Only articles under this topic (`A > B`).
    #[arg(long)]
    pub topic: Option<String>,
    /// Print the response as JSON.
    #[arg(long)]
    pub json: bool,
    /// Explain each hit's score (shown with --json).
    #[arg(long)]
    pub explain: bool,
}

/// `wenda assist`.
#[derive(Args, Debug)]
pub struct AssistArgs {
    /// The ticket: a file, or `-` to read standard input.
    pub ticket: PathBuf,
    #[command(flatten)]
    pub source: Source,
    /// Only articles under this topic (`A > B`).
    #[arg(long)]
    pub topic: Option<String>,
    /// Print the response as JSON (what `POST /api/assist` returns).
    #[arg(long)]
    pub json: bool,
    /// Also log the questions not covered to this log directory, for `wenda report`.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

/// `wenda serve`: every flag has an environment variable; what no flag
/// or variable sets comes from `--config FILE`, then from
/// [`ServeConfig::default`].
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A `wenda.toml` (every setting below, and more: limits, answer
    /// thresholds, ranking weights). Relative paths in it are relative to it.
    #[arg(long, value_name = "FILE", env = "WENDA_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "WENDA_ADDR")]
    addr: Option<SocketAddr>,
    /// Key accepted by the Dify retrieval endpoint (`Authorization: Bearer KEY`); repeat for several.
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "WENDA_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    api_keys: Vec<String>,
    /// Key accepted by the admin endpoints (reindex, status, report) and everywhere else; repeat for several.
    #[arg(
        long = "admin-key",
        value_name = "KEY",
        env = "WENDA_ADMIN_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    admin_keys: Vec<String>,
    /// Make search, suggest, answer, feedback, click, articles and topics need a key too.
    #[arg(long, env = "WENDA_REQUIRE_KEY")]
    require_key: bool,
    /// The log directory (`feedback.jsonl`, `queries.jsonl`; default ./logs).
    #[arg(long, value_name = "DIR", env = "WENDA_LOG_DIR")]
    log_dir: Option<PathBuf>,
    /// `text` (default) or `json`, one object a line.
    #[arg(long, value_name = "FORMAT", env = "WENDA_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    /// One log line per request (default true).
    #[arg(long, value_name = "BOOL", env = "WENDA_ACCESS_LOG")]
    access_log: Option<bool>,
    /// Where conversations live: `memory` (default) or `redis://host:port/db`.
    #[arg(
        long,
        value_name = "STORE",
        env = "WENDA_SESSIONS",
        hide_env_values = true
    )]
    sessions: Option<String>,
    /// Rebuild the index when a corpus file changes (debounced), and swap it in live.
    #[arg(long, env = "WENDA_WATCH")]
    watch: bool,
    /// Origin allowed to call the API from a browser (`https://help.example.com`); repeat for several. Default: none.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "WENDA_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// A request is answered with `timeout` after this (e.g. `10s`, `500ms`).
    #[arg(long, value_name = "DURATION", env = "WENDA_REQUEST_TIMEOUT", value_parser = humantime::parse_duration)]
    request_timeout: Option<Duration>,
    /// A client must send a request's headers within this.
    #[arg(long, value_name = "DURATION", env = "WENDA_HEADER_TIMEOUT", value_parser = humantime::parse_duration)]
    header_timeout: Option<Duration>,
    /// A connection with no request in flight is closed after this.
    #[arg(long, value_name = "DURATION", env = "WENDA_IDLE_TIMEOUT", value_parser = humantime::parse_duration)]
    idle_timeout: Option<Duration>,
    /// On SIGTERM, requests in flight get this long to finish.
    #[arg(long, value_name = "DURATION", env = "WENDA_SHUTDOWN_TIMEOUT", value_parser = humantime::parse_duration)]
    shutdown_timeout: Option<Duration>,
    /// Open connections held at most; past it the longest-idle one is closed.
    #[arg(long, value_name = "N", env = "WENDA_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Requests per second per client on every endpoint; 0 turns limiting off.
    #[arg(long, value_name = "N", env = "WENDA_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Requests a client may send at once before the rate applies.
    #[arg(long, value_name = "N", env = "WENDA_RATE_BURST")]
    rate_burst: Option<u32>,
    /// Limit loopback clients too (they are exempt by default).
    #[arg(long)]
    rate_limit_loopback: bool,
}

impl ServeArgs {
    /// The file, the environment and the flags as one validated
    /// configuration; an error names the file's line where it can.
    pub fn config(self) -> wenda::Result<ServeConfig> {
        let file = self.config.as_deref().map(ConfigFile::read).transpose()?;
        let mut c = match &file {
            Some(f) => f.parse()?,
            None => ServeConfig::default(),
        };
        if !self.source.corpora.is_empty() {
            c.corpora = self.source.corpora.clone();
        }
        if let Some(index) = self.source.index.clone() {
            c.index = Some(index);
        }
        c.follow_links |= self.source.follow_links;
        if self.source.max_file_size != wenda::corpus::walk::DEFAULT_MAX_FILE_SIZE {
            c.max_file_size = self.source.max_file_size;
        }
        let source = Source {
            corpora: c.corpora.clone(),
            index: c.index.clone(),
            follow_links: c.follow_links,
            max_file_size: c.max_file_size,
        };
        c.corpora = source.corpora();
        c.index = Some(source.index_dir());
        c.addr = self.addr.unwrap_or(c.addr);
        if !self.api_keys.is_empty() {
            c.api_keys = self.api_keys;
        }
        if !self.admin_keys.is_empty() {
            c.admin_keys = self.admin_keys;
        }
        c.require_key |= self.require_key;
        if let Some(dir) = self.log_dir {
            c.log_dir = Some(dir);
        }
        c.log.format = self.log_format.unwrap_or(c.log.format);
        c.log.access = self.access_log.unwrap_or(c.log.access);
        if let Some(store) = self.sessions {
            c.sessions.store = SessionBackend::try_from(store).map_err(wenda::Error::Invalid)?;
        }
        c.reload.watch |= self.watch;
        if !self.cors_origins.is_empty() {
            c.cors_origins = self.cors_origins;
        }
        let t = &mut c.timeouts;
        t.request = self.request_timeout.unwrap_or(t.request);
        t.header_read = self.header_timeout.unwrap_or(t.header_read);
        t.idle = self.idle_timeout.unwrap_or(t.idle);
        t.shutdown = self.shutdown_timeout.unwrap_or(t.shutdown);
        c.max_connections = self.max_connections.unwrap_or(c.max_connections);
        let r = &mut c.rate_limit;
        r.per_second = self.rate_limit.unwrap_or(r.per_second);
        r.burst = self.rate_burst.unwrap_or(r.burst);
        r.loopback |= self.rate_limit_loopback;
        let located = |p: wenda::config::Problem| match &file {
            Some(f) => f.locate(&p),
            None => wenda::Error::Invalid(p.to_string()),
        };
        c.read_key_variables().map_err(located)?;
        c.check().map_err(located)?;
        Ok(c)
    }
}

/// Where the server's feedback and query logs are.
#[derive(Args, Debug, Clone)]
pub struct LogDir {
    /// The log directory (`feedback.jsonl`, `queries.jsonl`).
    #[arg(
        long,
        value_name = "DIR",
        env = "WENDA_LOG_DIR",
        default_value = DEFAULT_LOG_DIR
    )]
    pub log_dir: PathBuf,
}

/// Parts of the ranking that `wenda eval --without` can turn off.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// Matching pairs of ideographs.
    Grams,
    /// The hand-written product synonyms.
    Synonyms,
    /// The help-desk lexicon.
    Lexicon,
    /// Vocabulary mined from the corpus.
    Mined,
    /// Typo correction.
    Typos,
    /// Reading Latin letters as pinyin.
    Pinyin,
    /// Title coverage, exact-title, link-page and proximity factors.
    Rerank,
    /// The query's words said together in one passage of the body.
    Proximity,
}

/// The ranking with some features off.
pub fn ranking_without(features: &[Feature]) -> Ranking {
    let mut r = Ranking::default();
    for f in features {
        match f {
            Feature::Grams => r.planning.grams = false,
            Feature::Synonyms => r.planning.synonyms = false,
            Feature::Lexicon => r.planning.lexicon = false,
            Feature::Mined => r.planning.mined = false,
            Feature::Typos => r.planning.typos = false,
            Feature::Pinyin => r.planning.pinyin = false,
            Feature::Rerank => r.rerank = wenda::search::Rerank::off(),
            Feature::Proximity => r.rerank.proximity = 0.0,
        }
    }
    r
}

/// Where articles come from and where the index lives.
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Corpus directory; repeat for several. Default: the directories an
    /// existing `--index` was built from, else ./corpus.
    #[arg(
        long = "corpus",
        value_name = "DIR",
        env = "WENDA_CORPUS",
        value_delimiter = ','
    )]
    pub corpora: Vec<PathBuf>,
    /// Index directory. Default: ./index for the bundled corpus, else a
    /// directory under the system temp dir named after the corpora.
    #[arg(long, value_name = "DIR", env = "WENDA_INDEX")]
    pub index: Option<PathBuf>,
    /// Follow symbolic links that resolve inside the corpus directory
    /// (by default no link is followed).
    #[arg(long, env = "WENDA_FOLLOW_LINKS", value_parser = clap::builder::BoolishValueParser::new())]
    pub follow_links: bool,
    /// Skip corpus files larger than this many bytes (with a warning).
    #[arg(
        long,
        value_name = "BYTES",
        env = "WENDA_MAX_FILE_SIZE",
        default_value_t = wenda::corpus::walk::DEFAULT_MAX_FILE_SIZE
    )]
    pub max_file_size: u64,
}

impl Source {
    /// One corpus directory with its default index.
    pub fn corpus(dir: PathBuf) -> Source {
        Source {
            corpora: vec![dir],
            index: None,
            follow_links: false,
            max_file_size: wenda::corpus::walk::DEFAULT_MAX_FILE_SIZE,
        }
    }

    /// How corpus files are read.
    pub fn load_options(&self) -> wenda::corpus::LoadOptions {
        wenda::corpus::LoadOptions {
            follow_links: self.follow_links,
            max_file_size: self.max_file_size,
            ..wenda::corpus::LoadOptions::default()
        }
    }

    /// The corpus directories: those named; else, for an index named
    /// without them, the ones it was built from (so it is checked against
    /// them, not rebuilt from the bundled corpus); else the bundled corpus.
    pub fn corpora(&self) -> Vec<PathBuf> {
        if !self.corpora.is_empty() {
            return self.corpora.clone();
        }
        if let Some(dir) = &self.index
            && let Ok(manifest) = index::manifest::Manifest::read(dir)
            && !manifest.corpora.is_empty()
        {
            return manifest.corpora.into_iter().map(|c| c.path).collect();
        }
        vec![PathBuf::from(DEFAULT_CORPUS)]
    }

    pub fn index_dir(&self) -> PathBuf {
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
