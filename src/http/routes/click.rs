use axum::Json;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::query_about_article;
use crate::journal::{ClickRecord, client_key, now_ms};
use crate::search::learned::Signal;

/// Deepest position a click may report.
pub const MAX_POSITION: usize = 10_000;

/// An article opened from results or suggestions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClickInput {
    /// What the user had typed.
    query: String,
    /// The article opened.
    article_id: String,
    /// Where it was shown, 1 for the first (1 to 10000).
    position: i64,
}

/// Acknowledgement.
#[derive(Serialize, ToSchema)]
pub struct ClickAck {
    /// Always true.
    ok: bool,
    /// Whether the click was queued for `clicks.jsonl` (false when the
    /// server keeps no logs, or its log queue is full).
    logged: bool,
}

/// Records that a user opened an article from a list (best effort, like
/// the query log): what ranking learns from.
#[utoipa::path(
    post,
    path = "/api/click",
    request_body = ClickInput,
    responses(
        (status = 200, body = ClickAck),
        (status = 400, body = ErrorBody, description = "`invalid_json`, `empty_query`, `query_too_long`, `invalid_parameter`"),
        (status = 404, body = ErrorBody, description = "`article_not_found`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`")
    )
)]
pub async fn click(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    input: Result<Json<ClickInput>, JsonRejection>,
) -> Result<Json<ClickAck>, ApiError> {
    let Json(input) = input?;
    let query = query_about_article(&state, &input.query, &input.article_id)?;
    let position = usize::try_from(input.position)
        .ok()
        .filter(|p| (1..=MAX_POSITION).contains(p))
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidParameter,
                format!("field `position` must be a whole number from 1 to {MAX_POSITION}"),
            )
        })?;
    let record = ClickRecord {
        ts_ms: now_ms(),
        query,
        article_id: input.article_id,
        position,
        client: peer.map(|Extension(ConnectInfo(p))| client_key(p.ip())),
    };
    let logged = state
        .journal
        .as_ref()
        .is_some_and(|j| j.click(record.clone()));
    // What is on disk is learned now too (and read back from the log at
    // the next start); a click the log could not take is not learned.
    if logged && record.teaches() {
        let learner = state.clone();
        tokio::task::spawn_blocking(move || {
            let client = record.client.as_deref().unwrap_or_default();
            learner.learn(
                &record.query,
                &record.article_id,
                Signal::Click,
                client,
                record.ts_ms,
            );
        })
        .await
        .map_err(ApiError::internal)?;
    }
    Ok(Json(ClickAck { ok: true, logged }))
}
