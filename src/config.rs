//! How a server runs: one validated [`ServeConfig`] that command-line
//! flags (and later a `wenda.toml`) become before any work starts. Every
//! behaviour constant of serving — limits, timeouts, session bounds, rate
//! limits — lives here with its default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Result};

/// Where the server listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Where feedback and query logs go unless told otherwise.
pub const DEFAULT_LOG_DIR: &str = "logs";

/// Everything `wenda serve` needs to know, checked by [`ServeConfig::validate`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Corpus directories (empty: the bundled `./corpus`).
    pub corpora: Vec<PathBuf>,
    /// Index directory (none: derived from the corpora).
    pub index: Option<PathBuf>,
    /// Where feedback and query logs go (none: no logs, feedback disabled).
    pub log_dir: Option<PathBuf>,
    /// Keys accepted by `POST /retrieval`.
    pub api_keys: Vec<String>,
    /// Origins allowed to call the API from a browser (empty: none).
    pub cors_origins: Vec<String>,
    /// Caps on request sizes and user strings.
    pub limits: Limits,
    /// How long things may take.
    pub timeouts: Timeouts,
    /// Open connections held at most; past it the longest-idle one is closed.
    pub max_connections: usize,
    /// Conversations kept in memory.
    pub sessions: SessionLimits,
    /// Requests per client.
    pub rate_limit: RateLimit,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: DEFAULT_ADDR
                .parse()
                .unwrap_or_else(|_| SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 8080))),
            corpora: Vec::new(),
            index: None,
            log_dir: Some(PathBuf::from(DEFAULT_LOG_DIR)),
            api_keys: Vec::new(),
            cors_origins: Vec::new(),
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            max_connections: 25_000,
            sessions: SessionLimits::default(),
            rate_limit: RateLimit::default(),
        }
    }
}

/// Caps checked before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

impl ServeConfig {
    /// Checks every value, returning the configuration or the first problem.
    pub fn validate(mut self) -> Result<ServeConfig> {
        let bad = |what: &str| Err(Error::Invalid(what.to_string()));
        self.api_keys.retain(|k| !k.trim().is_empty());
        for origin in &self.cors_origins {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !ok {
                return Err(Error::Invalid(format!(
                    "CORS origin `{origin}` must be scheme://host[:port], e.g. https://help.example.com"
                )));
            }
        }
        let l = &self.limits;
        if l.query_chars == 0
            || l.session_id_chars == 0
            || l.field_chars == 0
            || l.ticket_chars == 0
        {
            return bad("limits: query, session id, ticket and field lengths must be at least 1");
        }
        if l.body_bytes < 1024 || l.uri_bytes < 256 || l.header_bytes < 1024 || l.headers < 8 {
            return bad(
                "limits: body ≥ 1024 bytes, URI ≥ 256 bytes, head ≥ 1024 bytes, headers ≥ 8",
            );
        }
        let t = &self.timeouts;
        if t.request.is_zero() || t.header_read.is_zero() || t.idle.is_zero() {
            return bad("timeouts: request, header_read and idle must be above zero");
        }
        if self.max_connections == 0 {
            return bad("max_connections must be at least 1");
        }
        if self.sessions.capacity == 0 || self.sessions.ttl.is_zero() {
            return bad("sessions: capacity and ttl must be above zero");
        }
        if self.rate_limit.per_second > 0 && self.rate_limit.burst == 0 {
            return bad("rate_limit: burst must be at least 1 when limiting is on");
        }
        Ok(self)
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
}
