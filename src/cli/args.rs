//! Command-line flags: what each command takes, and how `serve`'s flags
//! become one validated [`ServeConfig`].

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use wenda::config::{DEFAULT_ADDR, DEFAULT_LOG_DIR, ServeConfig};
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
    /// Search from the terminal.
    Search(SearchArgs),
    /// Measure ranking quality on a JSONL query file (or, with `--assist`,
    /// ticket reading and answers on labelled tickets).
    Eval {
        /// `{"q": "…", "relevant": ["id-or-path", …]}` per line.
        #[arg(required_unless_present = "assist", conflicts_with = "assist")]
        queries: Option<PathBuf>,
        /// Labelled tickets: `{"ticket": "…", "questions": [{"span", "relevant"}]}` per line.
        #[arg(long, value_name = "FILE")]
        assist: Option<PathBuf>,
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

/// `wenda serve`: every flag has an environment variable and a default
/// from [`ServeConfig::default`].
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    source: Source,
    /// Address to listen on.
    #[arg(long, env = "WENDA_ADDR", default_value = DEFAULT_ADDR)]
    addr: SocketAddr,
    /// Key accepted by the Dify retrieval endpoint (`Authorization: Bearer KEY`); repeat for several.
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "WENDA_API_KEYS",
        value_delimiter = ','
    )]
    api_keys: Vec<String>,
    #[command(flatten)]
    logs: LogDir,
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
    /// The flags as a validated configuration.
    pub fn config(self) -> wenda::Result<ServeConfig> {
        let mut c = ServeConfig {
            addr: self.addr,
            corpora: self.source.corpora(),
            index: Some(self.source.index_dir()),
            log_dir: Some(self.logs.log_dir),
            api_keys: self.api_keys,
            cors_origins: self.cors_origins,
            ..ServeConfig::default()
        };
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
        c.validate()
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
pub fn ranking_without(features: &[Feature]) -> Ranking {
    let mut r = Ranking::default();
    for f in features {
        match f {
            Feature::Grams => r.grams = false,
            Feature::Synonyms => r.synonyms = false,
            Feature::Typos => r.typos = false,
            Feature::Pinyin => r.pinyin = false,
            Feature::Rerank => {
                r.title_coverage = 0.0;
                r.title_precision = 0.0;
                r.exact_match = 1.0;
                r.link_page = 1.0;
            }
        }
    }
    r
}

/// Where articles come from and where the index lives.
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Corpus directory; repeat for several. Default: ./corpus.
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
}

impl Source {
    /// One corpus directory with its default index.
    pub fn corpus(dir: PathBuf) -> Source {
        Source {
            corpora: vec![dir],
            index: None,
        }
    }

    pub fn corpora(&self) -> Vec<PathBuf> {
        if self.corpora.is_empty() {
            vec![PathBuf::from(DEFAULT_CORPUS)]
        } else {
            self.corpora.clone()
        }
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
