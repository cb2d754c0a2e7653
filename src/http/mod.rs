//! The HTTP API (axum). [`app`] builds the router apart from any socket,
//! so tests drive it in-process; [`serve`] binds it with wenda's own
//! connection handling (`server`).

pub mod error;
pub mod guard;
pub mod openapi;
pub mod render;
mod routes;
pub mod server;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::answer::Answerer;
use crate::config::ServeConfig;
use crate::journal::{Journal, QueryEvent};
use crate::search::Engine;
pub use error::{ApiError, Code};
use guard::RateLimiter;
pub use routes::docs::document as openapi_document;
pub use server::serve;

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The search engine over the loaded index.
    pub engine: Arc<Engine>,
    /// Answers and conversations.
    pub answerer: Arc<Answerer>,
    /// Limits, timeouts, keys, origins: how this server runs.
    pub config: Arc<ServeConfig>,
    /// Feedback and query logs, when the server keeps them.
    pub journal: Option<Arc<Journal>>,
    limiter: Option<Arc<RateLimiter>>,
}

impl AppState {
    /// State around an open engine: default answer policy and
    /// configuration, no API keys, no logs.
    pub fn new(engine: Engine) -> Self {
        let engine = Arc::new(engine);
        let answerer = Answerer::new(engine.clone());
        AppState::with_config(engine, answerer, ServeConfig::default())
    }

    /// State with its own answerer and a validated configuration.
    pub fn with_config(engine: Arc<Engine>, answerer: Answerer, config: ServeConfig) -> Self {
        AppState {
            engine,
            answerer: Arc::new(answerer),
            limiter: RateLimiter::new(&config.rate_limit).map(Arc::new),
            config: Arc::new(config),
            journal: None,
        }
    }

    /// The same state with a changed configuration (tests, embedding).
    pub fn configure(mut self, change: impl FnOnce(&mut ServeConfig)) -> Self {
        let config = Arc::make_mut(&mut self.config);
        change(config);
        config.api_keys.retain(|k| !k.trim().is_empty());
        self.limiter = RateLimiter::new(&config.rate_limit).map(Arc::new);
        self
    }

    /// The same state accepting these keys on `/retrieval`.
    pub fn with_api_keys(self, keys: Vec<String>) -> Self {
        self.configure(|c| c.api_keys = keys)
    }

    /// The same state writing feedback and query logs to `journal`.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(Arc::new(journal));
        self
    }

    /// Logs a query event when the server keeps logs (queued; never waits).
    pub fn log(&self, event: QueryEvent) {
        if let Some(j) = &self.journal {
            j.query(event);
        }
    }

    /// When engine work started now must stop: the request timeout.
    pub fn deadline(&self) -> Option<Instant> {
        Instant::now().checked_add(self.config.timeouts.request)
    }
}

/// The API router: the documented routes, the JSON fallbacks, and the
/// layers every request passes through.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::api().split_for_parts();
    let config = state.config.clone();
    let router = router
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.limits.body_bytes))
        .layer(CatchPanicLayer::custom(routes::panic_response))
        .layer(from_fn_with_state(state.clone(), guard::guard))
        .with_state(state);
    let router = match cors(&config.cors_origins) {
        Some(layer) => router.layer(layer),
        None => router,
    };
    router.layer(TraceLayer::new_for_http())
}

/// CORS for the configured origins; none (browsers refuse cross-origin
/// calls) when there are none.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
    )
}
