use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::http::AppState;

/// Prometheus metrics in the text exposition format: requests by route
/// and status, latency histograms, zero-result searches, answers by
/// status and reason, handoffs, the index's size, age and reloads, builds
/// by result.
#[utoipa::path(
    get,
    path = "/metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let answerer = state.answerer();
    let sessions = tokio::task::spawn_blocking(move || answerer.sessions().len())
        .await
        .unwrap_or(0);
    let text = state.metrics.render(sessions);
    ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response()
}
