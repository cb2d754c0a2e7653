//! Prometheus metrics: one registry per server (so tests in one process
//! do not share counters), rendered by `GET /metrics` in the text format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

/// Route label of requests no route matched (404s), so that probes of
/// random paths cannot blow up the label set.
pub const UNMATCHED: &str = "unmatched";

/// Everything wenda counts.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    zero_results: IntCounter,
    answers: IntCounterVec,
    handoffs: IntCounter,
    index_articles: IntGauge,
    index_bytes: IntGauge,
    index_built: Gauge,
    index_age: Gauge,
    reloads: IntCounter,
    builds: IntCounterVec,
    sessions: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn seconds_since_epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Metrics {
        // Names and labels are constants, so registering cannot fail;
        // a failure would only leave that metric out of /metrics.
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "wenda_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "wenda_http_request_duration_seconds",
                "Time from a request's head to its response, by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let zero_results = IntCounter::new(
            "wenda_search_zero_results_total",
            "Searches that found nothing",
        )
        .expect("valid metric");
        let answers = IntCounterVec::new(
            Opts::new("wenda_answers_total", "Answers by status and reason"),
            &["status", "reason"],
        )
        .expect("valid metric");
        let handoffs = IntCounter::new(
            "wenda_answer_handoffs_total",
            "Answers that handed the user over to a person",
        )
        .expect("valid metric");
        let index_articles =
            IntGauge::new("wenda_index_articles", "Articles in the index being served")
                .expect("valid metric");
        let index_bytes = IntGauge::new(
            "wenda_index_size_bytes",
            "Size on disk of the index being served",
        )
        .expect("valid metric");
        let index_built = Gauge::new(
            "wenda_index_built_timestamp_seconds",
            "When the index being served was built (Unix time)",
        )
        .expect("valid metric");
        let index_age = Gauge::new(
            "wenda_index_age_seconds",
            "Seconds since the index being served was built",
        )
        .expect("valid metric");
        let reloads = IntCounter::new(
            "wenda_index_reloads_total",
            "Times a new index was swapped in while serving",
        )
        .expect("valid metric");
        let builds = IntCounterVec::new(
            Opts::new(
                "wenda_index_builds_total",
                "Index builds while serving, by result (ok, failed)",
            ),
            &["result"],
        )
        .expect("valid metric");
        let sessions = IntGauge::new("wenda_sessions", "Conversations held (in-memory store)")
            .expect("valid metric");
        let m = Metrics {
            registry,
            requests,
            latency,
            zero_results,
            answers,
            handoffs,
            index_articles,
            index_bytes,
            index_built,
            index_age,
            reloads,
            builds,
            sessions,
        };
        let collectors: [Box<dyn prometheus::core::Collector>; 12] = [
            Box::new(m.requests.clone()),
            Box::new(m.latency.clone()),
            Box::new(m.zero_results.clone()),
            Box::new(m.answers.clone()),
            Box::new(m.handoffs.clone()),
            Box::new(m.index_articles.clone()),
            Box::new(m.index_bytes.clone()),
            Box::new(m.index_built.clone()),
            Box::new(m.index_age.clone()),
            Box::new(m.reloads.clone()),
            Box::new(m.builds.clone()),
            Box::new(m.sessions.clone()),
        ];
        for c in collectors {
            if let Err(e) = m.registry.register(c) {
                tracing::error!(error = %e, "metric not registered");
            }
        }
        // Both build results show from the start, at zero.
        m.builds.with_label_values(&["ok"]);
        m.builds.with_label_values(&["failed"]);
        m
    }

    /// One request served. Methods other than the standard ones count as
    /// `other`, so clients cannot grow the label set.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let method = match method {
            "GET" | "POST" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "PATCH" => method,
            _ => "other",
        };
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route])
            .observe(took.as_secs_f64());
    }

    /// One search, with how many articles it found.
    pub fn search(&self, total: usize) {
        if total == 0 {
            self.zero_results.inc();
        }
    }

    /// One answer's outcome.
    pub fn answer(&self, status: &str, reason: &str, handoff: bool) {
        self.answers.with_label_values(&[status, reason]).inc();
        if handoff {
            self.handoffs.inc();
        }
    }

    /// A new index is being served.
    pub fn index_loaded(&self, articles: usize, bytes: u64, built: SystemTime) {
        self.index_articles
            .set(i64::try_from(articles).unwrap_or(i64::MAX));
        self.index_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        self.index_built.set(seconds_since_epoch(built));
    }

    /// A new index was swapped in while serving.
    pub fn reloaded(&self) {
        self.reloads.inc();
    }

    /// A build while serving finished.
    pub fn built(&self, ok: bool) {
        self.builds
            .with_label_values(&[if ok { "ok" } else { "failed" }])
            .inc();
    }

    /// The text exposition format, with the index age and session count
    /// brought up to date.
    pub fn render(&self, sessions: u64) -> String {
        let built = self.index_built.get();
        if built > 0.0 {
            let now = seconds_since_epoch(SystemTime::now());
            self.index_age.set((now - built).max(0.0));
        }
        self.sessions
            .set(i64::try_from(sessions).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
