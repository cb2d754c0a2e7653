//! How a server runs: one validated [`ServeConfig`] that a `wenda.toml`
//! file, environment variables and command-line flags become before any
//! work starts (precedence: flag > environment > file > default). Every
//! behaviour constant of serving — limits, timeouts, session bounds, rate
//! limits, the answer policy's thresholds, ranking weights — lives here
//! with its default. Keys never go in the file: it names the environment
//! variables that hold them (`admin_keys_env = "WENDA_ADMIN_KEYS"`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::search::Ranking;
use crate::{Error, Result};

/// Where the server listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Where feedback and query logs go unless told otherwise.
pub const DEFAULT_LOG_DIR: &str = "logs";

/// Everything `wenda serve` needs to know, checked by [`ServeConfig::validate`].
/// Its serde form is the `wenda.toml` format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Corpus directories (empty: the bundled `./corpus`).
    pub corpora: Vec<PathBuf>,
    /// Index path (none: derived from the corpora). A link to the current
    /// generation (see [`crate::live`]).
    pub index: Option<PathBuf>,
    /// Follow symbolic links that resolve inside a corpus directory.
    pub follow_links: bool,
    /// Corpus files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
    /// Where feedback and query logs go (none: no logs, feedback disabled).
    pub log_dir: Option<PathBuf>,
    /// Keys accepted by `POST /retrieval` (and, with `require_key`, by the
    /// public API). Never read from or written to the file.
    #[serde(skip)]
    pub api_keys: Vec<String>,
    /// The environment variable holding retrieval keys, comma-separated.
    pub api_keys_env: Option<String>,
    /// Keys accepted by the admin endpoints (and everywhere else). Never
    /// read from or written to the file.
    #[serde(skip)]
    pub admin_keys: Vec<String>,
    /// The environment variable holding admin keys, comma-separated.
    pub admin_keys_env: Option<String>,
    /// Whether search, suggest, answer, feedback, click, articles and
    /// topics need a key too (they are public by default).
    pub require_key: bool,
    /// Origins allowed to call the API from a browser (empty: none).
    pub cors_origins: Vec<String>,
    /// Open connections held at most; past it the longest-idle one is closed.
    pub max_connections: usize,
    /// Caps on request sizes and user strings.
    pub limits: Limits,
    /// How long things may take.
    pub timeouts: Timeouts,
    /// Where conversations are kept, and for how long.
    pub sessions: SessionConfig,
    /// Requests per client.
    pub rate_limit: RateLimit,
    /// Log format and the access log.
    pub log: LogConfig,
    /// Rebuilding and reloading the index while serving.
    pub reload: ReloadConfig,
    /// When to answer, ask or hand over.
    pub answer: AnswerThresholds,
    /// Ranking weights that differ from the shipped ones.
    pub ranking: RankingWeights,
}

impl ServeConfig {
    /// How corpus files are read.
    pub fn load_options(&self) -> crate::corpus::LoadOptions {
        crate::corpus::LoadOptions {
            follow_links: self.follow_links,
            max_file_size: self.max_file_size,
            ..crate::corpus::LoadOptions::default()
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: DEFAULT_ADDR
                .parse()
                .unwrap_or_else(|_| SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 8080))),
            corpora: Vec::new(),
            index: None,
            follow_links: false,
            max_file_size: crate::corpus::walk::DEFAULT_MAX_FILE_SIZE,
            log_dir: Some(PathBuf::from(DEFAULT_LOG_DIR)),
            api_keys: Vec::new(),
            api_keys_env: None,
            admin_keys: Vec::new(),
            admin_keys_env: None,
            require_key: false,
            cors_origins: Vec::new(),
            max_connections: 25_000,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            sessions: SessionConfig::default(),
            rate_limit: RateLimit::default(),
            log: LogConfig::default(),
            reload: ReloadConfig::default(),
            answer: AnswerThresholds::default(),
            ranking: RankingWeights::default(),
        }
    }
}

/// Caps checked before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest query or question, in characters (`q`, `question`, feedback
    /// `query`, Dify `query`).
    pub query_chars: usize,
    /// Longest session id, in ASCII characters.
    pub session_id_chars: usize,
    /// Longest support ticket (`POST /api/assist` `ticket`), in characters.
    pub ticket_chars: usize,
    /// Longest other short field (topic, article id, knowledge id), in characters.
    pub field_chars: usize,
    /// Longest feedback comment, in characters.
    pub comment_chars: usize,
    /// Largest request body, in bytes.
    pub body_bytes: usize,
    /// Longest request target (path and query string), in bytes.
    pub uri_bytes: usize,
    /// Largest request head (all header names and values), in bytes.
    pub header_bytes: usize,
    /// Most header lines in one request.
    pub headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query_chars: 1000,
            session_id_chars: 128,
            ticket_chars: 20_000,
            field_chars: 512,
            comment_chars: 2000,
            body_bytes: 2 * 1024 * 1024,
            // A query of the longest kind, percent-encoded, fits.
            uri_bytes: 16 * 1024,
            header_bytes: 32 * 1024,
            headers: 100,
        }
    }
}

/// How long a request, an idle connection and a shutdown may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// A request is answered with `timeout` (503) after this; engine work
    /// is given the same deadline.
    #[serde(with = "humantime_serde")]
    pub request: Duration,
    /// A client must send a request's whole head within this.
    #[serde(with = "humantime_serde")]
    pub header_read: Duration,
    /// A connection with no request in flight is closed after this.
    #[serde(with = "humantime_serde")]
    pub idle: Duration,
    /// On SIGTERM or Ctrl-C, requests in flight get this long to finish.
    #[serde(with = "humantime_serde")]
    pub shutdown: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            request: Duration::from_secs(10),
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            shutdown: Duration::from_secs(10),
        }
    }
}

/// Bounds of the in-memory conversation store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionLimits {
    /// A conversation is forgotten this long after its last question.
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
    /// Conversations kept at most; the least recently used goes first.
    pub capacity: u64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            ttl: Duration::from_secs(30 * 60),
            capacity: 10_000,
        }
    }
}

/// Per-client request rate on every endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second per client; 0 turns limiting off.
    pub per_second: u32,
    /// Requests a client may send at once before the rate applies.
    pub burst: u32,
    /// Whether loopback clients (127.0.0.0/8, ::1) are limited too.
    pub loopback: bool,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 20,
            burst: 60,
            loopback: false,
        }
    }
}

/// Where conversations are kept and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// `memory` (this process) or `redis://host:port/db` (shared by replicas).
    pub store: SessionBackend,
    /// A conversation is forgotten this long after its last question.
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
    /// Conversations kept at most in memory (Redis applies its own memory policy).
    pub capacity: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        let limits = SessionLimits::default();
        SessionConfig {
            store: SessionBackend::Memory,
            ttl: limits.ttl,
            capacity: limits.capacity,
        }
    }
}

impl SessionConfig {
    /// The bounds of an in-memory store.
    pub fn limits(&self) -> SessionLimits {
        SessionLimits {
            ttl: self.ttl,
            capacity: self.capacity,
        }
    }
}

/// Which conversation store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SessionBackend {
    /// In this process's memory (moka): lost on restart, not shared.
    #[default]
    Memory,
    /// In Redis at this URL (`redis://[:password@]host[:port][/db]` or
    /// `redis+unix:///path`): shared by replicas, survives restarts.
    Redis(String),
}

impl TryFrom<String> for SessionBackend {
    type Error = String;

    fn try_from(text: String) -> std::result::Result<Self, String> {
        let t = text.trim();
        if t.is_empty() || t == "memory" {
            Ok(SessionBackend::Memory)
        } else if t.starts_with("redis://") || t.starts_with("redis+unix://") {
            Ok(SessionBackend::Redis(t.to_string()))
        } else if t.starts_with("rediss://") {
            Err("`rediss://` (TLS) is not supported; reach Redis over a private network or a TLS proxy".into())
        } else {
            Err(format!(
                "session store `{t}` must be `memory` or a `redis://` URL"
            ))
        }
    }
}

impl From<SessionBackend> for String {
    fn from(b: SessionBackend) -> String {
        match b {
            SessionBackend::Memory => "memory".into(),
            SessionBackend::Redis(url) => url,
        }
    }
}

impl SessionBackend {
    /// The store as it may be shown in logs: a Redis password is hidden.
    pub fn redacted(&self) -> String {
        match self {
            SessionBackend::Memory => "memory".into(),
            SessionBackend::Redis(url) => redact_url(url),
        }
    }
}

/// `scheme://user:secret@host` → `scheme://user:***@host`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(u, _)| u);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// How the server logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` (one object a line) for log collectors.
    pub format: LogFormat,
    /// One line per request (`wenda::access`): method, route, status, time, request id.
    pub access: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            access: true,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (colours only on a terminal).
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format `{other}` must be `text` or `json`")),
        }
    }
}

/// Rebuilding the index while serving, and following one built elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadConfig {
    /// Rebuild when a corpus file changes.
    pub watch: bool,
    /// Quiet time after the last change before a rebuild starts.
    #[serde(with = "humantime_serde")]
    pub debounce: Duration,
    /// How often to look whether another process (`wenda ingest`, another
    /// replica) published a new generation of the index; 0 never.
    #[serde(with = "humantime_serde")]
    pub poll: Duration,
    /// Old generations kept beside the current one.
    pub keep: usize,
}

impl Default for ReloadConfig {
    fn default() -> Self {
        ReloadConfig {
            watch: false,
            debounce: Duration::from_millis(500),
            poll: Duration::from_secs(2),
            keep: crate::live::DEFAULT_KEEP,
        }
    }
}

/// The answer policy's thresholds (the confidence model itself is fitted
/// by `wenda calibrate` and compiled in). The defaults are the shipped
/// policy's (`answer::Policy::default`; a test checks that they agree —
/// this module does not import `answer`, which imports it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerThresholds {
    /// Answer from this confidence on.
    pub answer: f32,
    /// From this confidence on, answer even when many words are unknown.
    pub sure: f32,
    /// Below this, never offer choices; hand over instead.
    pub clarify: f32,
    /// A second article is close at this share of the best one's score.
    pub close: f32,
    /// Below this share of known words, the question is out of domain.
    pub known: f32,
}

impl Default for AnswerThresholds {
    fn default() -> Self {
        AnswerThresholds {
            answer: 0.65,
            sure: 0.85,
            clarify: 0.3,
            close: 0.8,
            known: 0.5,
        }
    }
}

/// Ranking weights that differ from the shipped [`Ranking`]: every field
/// is optional and named as in [`Ranking`]'s parts (planning switches,
/// field boosts, rerank multipliers), in one flat table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankingWeights {
    /// Title field weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<f32>,
    /// Alternative questions weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<f32>,
    /// Section headings weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headings: Option<f32>,
    /// Steps and console paths weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<f32>,
    /// Body weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<f32>,
    /// Title and question ideograph pairs weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_grams: Option<f32>,
    /// Body ideograph pairs weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_grams: Option<f32>,
    /// Match ideograph pairs at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grams: Option<bool>,
    /// What a concept's other alternatives and fields add beyond the best.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_breaker: Option<f32>,
    /// Expand synonyms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synonyms: Option<bool>,
    /// Expand the help-desk lexicon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lexicon: Option<bool>,
    /// Expand the vocabulary mined from the corpus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mined: Option<bool>,
    /// Correct typos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typos: Option<bool>,
    /// Read Latin letters as pinyin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinyin: Option<bool>,
    /// Bonus for a title covering the whole query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_coverage: Option<f32>,
    /// Bonus for a title made only of query words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_precision: Option<f32>,
    /// Multiplier when the query is exactly a title or question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_match: Option<f32>,
    /// Multiplier for pages that are mostly links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_page: Option<f32>,
    /// Bonus for a body holding the whole query in one passage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proximity: Option<f32>,
    /// Candidates reranked beyond the requested page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<usize>,
    /// Indexes with at least this many documents search in two steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_step_from: Option<u64>,
    /// Indexes with fewer documents score every match with the score tree
    /// over the postings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_below: Option<u64>,
    /// Candidates of the first of two steps per candidate kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrieval_depth: Option<usize>,
}

impl RankingWeights {
    /// Whether every weight is the shipped one.
    pub fn is_default(&self) -> bool {
        *self == RankingWeights::default()
    }

    /// The shipped ranking with these weights.
    pub fn ranking(&self) -> Ranking {
        let mut r = Ranking::default();
        let set = |slot: &mut f32, v: Option<f32>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut r.boosts.title, self.title);
        set(&mut r.boosts.questions, self.questions);
        set(&mut r.boosts.headings, self.headings);
        set(&mut r.boosts.steps, self.steps);
        set(&mut r.boosts.body, self.body);
        set(&mut r.boosts.title_grams, self.title_grams);
        set(&mut r.boosts.body_grams, self.body_grams);
        set(&mut r.boosts.tie_breaker, self.tie_breaker);
        set(&mut r.rerank.title_coverage, self.title_coverage);
        set(&mut r.rerank.title_precision, self.title_precision);
        set(&mut r.rerank.exact_match, self.exact_match);
        set(&mut r.rerank.link_page, self.link_page);
        set(&mut r.rerank.proximity, self.proximity);
        r.planning.grams = self.grams.unwrap_or(r.planning.grams);
        r.planning.synonyms = self.synonyms.unwrap_or(r.planning.synonyms);
        r.planning.lexicon = self.lexicon.unwrap_or(r.planning.lexicon);
        r.planning.mined = self.mined.unwrap_or(r.planning.mined);
        r.planning.typos = self.typos.unwrap_or(r.planning.typos);
        r.planning.pinyin = self.pinyin.unwrap_or(r.planning.pinyin);
        r.rerank.pool = self.pool.unwrap_or(r.rerank.pool);
        let retrieval = &mut r.retrieval;
        retrieval.two_step_from = self.two_step_from.unwrap_or(retrieval.two_step_from);
        retrieval.tree_below = self.tree_below.unwrap_or(retrieval.tree_below);
        retrieval.depth = self.retrieval_depth.unwrap_or(retrieval.depth);
        r
    }

    fn weights(&self) -> [(&'static str, Option<f32>); 13] {
        [
            ("title", self.title),
            ("questions", self.questions),
            ("headings", self.headings),
            ("steps", self.steps),
            ("body", self.body),
            ("title_grams", self.title_grams),
            ("body_grams", self.body_grams),
            ("tie_breaker", self.tie_breaker),
            ("title_coverage", self.title_coverage),
            ("title_precision", self.title_precision),
            ("exact_match", self.exact_match),
            ("link_page", self.link_page),
            ("proximity", self.proximity),
        ]
    }
}

/// A configuration value that is not usable: which one (its dotted key in
/// `wenda.toml`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key, as in the file (`rate_limit.burst`).
    pub key: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

fn problem<T>(key: &str, message: impl Into<String>) -> std::result::Result<T, Problem> {
    Err(Problem {
        key: key.to_string(),
        message: message.into(),
    })
}

/// Comma-separated keys from an environment variable, blanks dropped.
pub fn split_keys(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

impl ServeConfig {
    /// Checks every value, returning the configuration or the first problem.
    pub fn validate(mut self) -> Result<ServeConfig> {
        match self.check() {
            Ok(()) => Ok(self),
            Err(p) => Err(Error::Invalid(p.to_string())),
        }
    }

    /// Reads keys named by `api_keys_env` and `admin_keys_env` when none
    /// were given directly.
    pub fn read_key_variables(&mut self) -> std::result::Result<(), Problem> {
        for (keys, var, key) in [
            (&mut self.api_keys, &self.api_keys_env, "api_keys_env"),
            (&mut self.admin_keys, &self.admin_keys_env, "admin_keys_env"),
        ] {
            if !keys.is_empty() {
                continue;
            }
            let Some(var) = var else { continue };
            match std::env::var(var) {
                Ok(text) => *keys = split_keys(&text),
                Err(_) => {
                    return problem(
                        key,
                        format!("names the environment variable {var}, which is not set"),
                    );
                }
            }
        }
        Ok(())
    }

    /// The first unusable value, if any (blank keys are dropped first).
    pub fn check(&mut self) -> std::result::Result<(), Problem> {
        self.api_keys.retain(|k| !k.trim().is_empty());
        self.admin_keys.retain(|k| !k.trim().is_empty());
        for origin in &self.cors_origins {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !ok {
                return problem(
                    "cors_origins",
                    format!(
                        "CORS origin `{origin}` must be scheme://host[:port], e.g. https://help.example.com"
                    ),
                );
            }
        }
        if self.require_key && self.api_keys.is_empty() && self.admin_keys.is_empty() {
            return problem(
                "require_key",
                "every request would be refused: give keys with --api-key or --admin-key (or api_keys_env / admin_keys_env)",
            );
        }
        for key in self.api_keys.iter().chain(&self.admin_keys) {
            if !key.bytes().all(|b| b.is_ascii_graphic()) {
                return problem("api_keys_env", "keys must be visible ASCII without spaces");
            }
        }
        let l = &self.limits;
        if l.query_chars == 0 {
            return problem("limits.query_chars", "must be at least 1");
        }
        if l.ticket_chars == 0 {
            return problem("limits.ticket_chars", "must be at least 1");
        }
        if l.session_id_chars == 0 {
            return problem("limits.session_id_chars", "must be at least 1");
        }
        if l.field_chars == 0 {
            return problem("limits.field_chars", "must be at least 1");
        }
        if l.body_bytes < 1024 {
            return problem("limits.body_bytes", "must be at least 1024");
        }
        if l.uri_bytes < 256 {
            return problem("limits.uri_bytes", "must be at least 256");
        }
        if l.header_bytes < 1024 {
            return problem("limits.header_bytes", "must be at least 1024");
        }
        if l.headers < 8 {
            return problem("limits.headers", "must be at least 8");
        }
        let t = &self.timeouts;
        for (key, d) in [
            ("timeouts.request", t.request),
            ("timeouts.header_read", t.header_read),
            ("timeouts.idle", t.idle),
        ] {
            if d.is_zero() {
                return problem(key, "must be above zero");
            }
        }
        if self.max_connections == 0 {
            return problem("max_connections", "must be at least 1");
        }
        if self.sessions.capacity == 0 {
            return problem("sessions.capacity", "must be at least 1");
        }
        if self.sessions.ttl.is_zero() {
            return problem("sessions.ttl", "must be above zero");
        }
        if self.rate_limit.per_second > 0 && self.rate_limit.burst == 0 {
            return problem("rate_limit.burst", "must be at least 1 when limiting is on");
        }
        if self.reload.debounce.is_zero() {
            return problem("reload.debounce", "must be above zero");
        }
        let a = &self.answer;
        for (key, v) in [
            ("answer.answer", a.answer),
            ("answer.sure", a.sure),
            ("answer.clarify", a.clarify),
            ("answer.close", a.close),
            ("answer.known", a.known),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return problem(key, format!("{v} is not between 0 and 1"));
            }
        }
        if a.clarify > a.answer || a.answer > a.sure {
            return problem("answer", "thresholds must satisfy clarify ≤ answer ≤ sure");
        }
        for (name, v) in self.ranking.weights() {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                return problem(
                    &format!("ranking.{name}"),
                    format!("{v} is not a finite weight ≥ 0"),
                );
            }
        }
        if self.ranking.pool == Some(0) {
            return problem("ranking.pool", "must be at least 1");
        }
        if self.ranking.retrieval_depth == Some(0) {
            return problem("ranking.retrieval_depth", "must be at least 1");
        }
        Ok(())
    }

    /// The configuration as `wenda.toml` text, keys counted but not shown,
    /// a Redis password hidden.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        shown.sessions.store = match &self.sessions.store {
            SessionBackend::Memory => SessionBackend::Memory,
            SessionBackend::Redis(_) => SessionBackend::Redis(self.sessions.store.redacted()),
        };
        let body = toml::to_string(&shown)
            .unwrap_or_else(|e| format!("# (cannot show the configuration: {e})\n"));
        format!(
            "# effective configuration: flags > environment > file > defaults\n\
             # retrieval keys: {}, admin keys: {} (keys are never shown)\n{body}",
            self.api_keys.len(),
            self.admin_keys.len()
        )
    }
}

/// A `wenda.toml` file, kept as text so that errors can name their line.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    text: String,
}

impl ConfigFile {
    /// Reads a configuration file.
    pub fn read(path: &Path) -> Result<ConfigFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// A configuration file from text (tests).
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<String>) -> ConfigFile {
        ConfigFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// The configuration it describes, over the defaults; the first error
    /// names its line (`wenda.toml:7:`).
    pub fn parse(&self) -> Result<ServeConfig> {
        for secret in ["api_keys", "admin_keys"] {
            if let Some(line) = self.line_of(secret) {
                return Err(self.at(
                    line,
                    format!(
                        "{secret}: keys do not go in the file; name the environment variable that holds them with {secret}_env = \"WENDA_{}\"",
                        secret.to_ascii_uppercase()
                    ),
                ));
            }
        }
        let mut config: ServeConfig = toml::from_str(&self.text).map_err(|e| {
            let line = e.span().map_or(1, |s| self.line_at(s.start));
            self.at(line, e.message().trim().to_string())
        })?;
        // Relative paths the file sets are relative to the file (defaults
        // stay relative to the working directory).
        let dir = self.path.parent().unwrap_or(Path::new(""));
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        if self.line_of("corpora").is_some() {
            config.corpora.iter_mut().for_each(rebase);
        }
        if self.line_of("index").is_some() {
            config.index.iter_mut().for_each(rebase);
        }
        if self.line_of("log_dir").is_some() {
            config.log_dir.iter_mut().for_each(rebase);
        }
        Ok(config)
    }

    /// `problem` as an error, naming the line of its key when the file sets it.
    pub fn locate(&self, problem: &Problem) -> Error {
        match self.line_of(&problem.key) {
            Some(line) => self.at(line, problem.to_string()),
            None => Error::Invalid(problem.to_string()),
        }
    }

    fn at(&self, line: usize, message: String) -> Error {
        Error::Invalid(format!("{}:{line}: {message}", self.path.display()))
    }

    fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// The line where a dotted key is set, if the file sets it.
    pub fn line_of(&self, dotted: &str) -> Option<usize> {
        use toml::de::{DeTable, DeValue};
        let doc = DeTable::parse(&self.text).ok()?;
        let mut table = doc.get_ref();
        let mut parts = dotted.split('.').peekable();
        while let Some(part) = parts.next() {
            let (key, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
            if parts.peek().is_none() {
                return Some(self.line_at(key.span().start));
            }
            match value.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return Some(self.line_at(key.span().start)),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(ServeConfig::default().validate().is_ok());
        let c = ServeConfig {
            cors_origins: vec!["*".into()],
            ..ServeConfig::default()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("CORS origin `*`"), "{err}");
        let c = ServeConfig {
            max_connections: 0,
            ..ServeConfig::default()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn retrieval_keys_reach_the_ranking() {
        let c: ServeConfig = toml::from_str(
            "[ranking]\ntwo_step_from = 1000\ntree_below = 0\nretrieval_depth = 4\n",
        )
        .unwrap();
        let r = c.ranking.ranking().retrieval;
        assert_eq!((r.two_step_from, r.tree_below, r.depth), (1000, 0, 4));
        assert_eq!(
            RankingWeights::default().ranking().retrieval,
            crate::search::Retrieval::default()
        );
        let mut bad = c.clone();
        bad.ranking.retrieval_depth = Some(0);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("ranking.retrieval_depth"), "{err}");
    }

    #[test]
    fn it_deserializes_with_defaults_and_human_durations() {
        let c: ServeConfig = serde_json::from_str(
            r#"{"addr": "0.0.0.0:9000", "timeouts": {"request": "250ms"}, "rate_limit": {"per_second": 0}}"#,
        )
        .unwrap();
        assert_eq!(c.addr.port(), 9000);
        assert_eq!(c.timeouts.request, Duration::from_millis(250));
        assert_eq!(c.timeouts.idle, Timeouts::default().idle);
        assert_eq!(c.rate_limit.per_second, 0);
        assert_eq!(c.limits, Limits::default());
        assert!(serde_json::from_str::<ServeConfig>(r#"{"adr": "x"}"#).is_err());
    }

    #[test]
    fn the_printed_configuration_reads_back_the_same() {
        let mut c = ServeConfig {
            corpora: vec![PathBuf::from("/srv/corpus")],
            index: Some(PathBuf::from("/srv/index")),
            api_keys: vec!["secret-key".into()],
            ..ServeConfig::default()
        };
        c.ranking.title = Some(4.0);
        c.ranking.two_step_from = Some(50_000);
        c.ranking.retrieval_depth = Some(8);
        c.sessions.store = SessionBackend::Redis("redis://:pw@cache:6379/1".into());
        let text = c.to_toml();
        assert!(
            !text.contains("secret-key") && !text.contains(":pw@"),
            "{text}"
        );
        let back: ServeConfig = toml::from_str(&text).unwrap();
        assert_eq!(back.ranking, c.ranking);
        assert_eq!(back.limits, c.limits);
        assert_eq!(back.corpora, c.corpora);
        assert_eq!(
            back.sessions.store,
            SessionBackend::Redis("redis://:***@cache:6379/1".into())
        );
    }

    #[test]
    fn a_file_names_the_line_of_a_key_and_of_a_parse_error() {
        let f = ConfigFile::from_text(
            "w.toml",
            "addr = \"127.0.0.1:1\"\n\n[rate_limit]\nper_second = 3\nburst = 0\n",
        );
        assert_eq!(f.line_of("rate_limit.burst"), Some(5));
        assert_eq!(f.line_of("rate_limit"), Some(3));
        assert_eq!(f.line_of("timeouts.idle"), None);
        let mut c = f.parse().unwrap();
        let p = c.check().unwrap_err();
        assert_eq!(p.key, "rate_limit.burst");
        assert!(
            f.locate(&p)
                .to_string()
                .starts_with("w.toml:5: rate_limit.burst")
        );
        let bad = ConfigFile::from_text("w.toml", "[timeouts]\nrequest = \"soon\"\n");
        assert!(
            bad.parse()
                .unwrap_err()
                .to_string()
                .starts_with("w.toml:2:")
        );
        let rel = ConfigFile::from_text("/etc/wenda/w.toml", "corpora = [\"c\"]\n")
            .parse()
            .unwrap();
        assert_eq!(rel.corpora, vec![PathBuf::from("/etc/wenda/c")]);
        assert_eq!(
            rel.log_dir,
            Some(PathBuf::from(DEFAULT_LOG_DIR)),
            "defaults stay as they are"
        );
        assert!(SessionBackend::try_from("memcached://x".to_string()).is_err());
        assert_eq!(
            SessionBackend::try_from(" memory ".to_string()),
            Ok(SessionBackend::Memory)
        );
    }
}
