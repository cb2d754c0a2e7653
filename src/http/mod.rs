//! The HTTP API (axum). [`app`] builds the router apart from any socket,
//! so tests drive it in-process; [`serve`] binds it.

pub mod error;
pub mod openapi;
pub mod render;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::map_response;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::answer::Answerer;
use crate::journal::{Journal, QueryEvent};
use crate::search::Engine;
pub use error::{ApiError, Code};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Longest a request may take before it is answered with `timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The search engine over the loaded index.
    pub engine: Arc<Engine>,
    /// Answers and conversations.
    pub answerer: Arc<Answerer>,
    /// Keys accepted by the Dify retrieval endpoint.
    pub api_keys: Arc<Vec<String>>,
    /// Feedback and query logs, when the server keeps them.
    pub journal: Option<Arc<Journal>>,
}

impl AppState {
    /// State around an open engine: default answer policy, no API keys, no logs.
    pub fn new(engine: Engine) -> Self {
        let engine = Arc::new(engine);
        AppState {
            answerer: Arc::new(Answerer::new(engine.clone())),
            engine,
            api_keys: Arc::new(Vec::new()),
            journal: None,
        }
    }

    /// The same state accepting these keys on `/retrieval`.
    pub fn with_api_keys(mut self, keys: Vec<String>) -> Self {
        self.api_keys = Arc::new(keys.into_iter().filter(|k| !k.trim().is_empty()).collect());
        self
    }

    /// The same state writing feedback and query logs to `journal`.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(Arc::new(journal));
        self
    }

    /// Logs a query event when the server keeps logs.
    pub fn log(&self, event: QueryEvent) {
        if let Some(j) = &self.journal {
            j.query(&event);
        }
    }
}

/// Every endpoint: (method, path as documented).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/search"),
    ("get", "/api/topics"),
    ("get", "/api/articles/{id}"),
    ("get", "/api/articles/{id}/steps"),
    ("post", "/api/answer"),
    ("post", "/api/feedback"),
    ("post", "/retrieval"),
    ("get", "/openapi.json"),
];

/// The API router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/api/search", get(routes::search::search))
        .route("/api/topics", get(routes::topics::topics))
        .route(
            "/api/articles/{*id}",
            get(routes::articles::article_or_steps),
        )
        .route("/api/answer", post(routes::answer::answer))
        .route("/api/feedback", post(routes::feedback::feedback))
        .route("/retrieval", post(routes::retrieval::retrieval))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state)
        .layer(map_response(error::json_errors))
        .layer(CatchPanicLayer::custom(routes::panic_response))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
}

/// Serves the API on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
