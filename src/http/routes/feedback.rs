use axum::Json;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::{query_about_article, short_field};
use crate::journal::{FeedbackRecord, client_key, now_ms};
use crate::search::learned::Signal;

/// A user's judgement of an article.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// What the user asked.
    query: String,
    /// The article judged.
    article_id: String,
    /// Whether it helped.
    helpful: bool,
    /// What the user said.
    #[serde(default)]
    comment: Option<String>,
}

/// Acknowledgement: the record is on disk.
#[derive(Serialize, ToSchema)]
pub struct FeedbackAck {
    /// Always true.
    ok: bool,
}

/// Records whether an article helped; on disk before the reply.
#[utoipa::path(
    post,
    path = "/api/feedback",
    request_body = FeedbackInput,
    responses(
        (status = 200, body = FeedbackAck),
        (status = 400, body = ErrorBody, description = "`invalid_json`, `empty_query`, `query_too_long`, `invalid_parameter`"),
        (status = 404, body = ErrorBody, description = "`article_not_found`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
        (status = 503, body = ErrorBody, description = "`feedback_disabled`, `timeout`")
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    input: Result<Json<FeedbackInput>, JsonRejection>,
) -> Result<Json<FeedbackAck>, ApiError> {
    let Json(input) = input?;
    let query = query_about_article(&state, &input.query, &input.article_id)?;
    if let Some(c) = &input.comment {
        short_field(c, "field `comment`", state.config.limits.comment_chars)?;
    }
    let Some(journal) = state.journal.clone() else {
        return Err(ApiError::new(
            Code::FeedbackDisabled,
            "this server keeps no feedback log; start it with --log-dir",
        ));
    };
    let record = FeedbackRecord {
        ts_ms: now_ms(),
        query,
        article_id: input.article_id,
        helpful: input.helpful,
        comment: input.comment.filter(|c| !c.trim().is_empty()),
        client: peer.map(|Extension(ConnectInfo(p))| client_key(p.ip())),
    };
    let learner = state.clone();
    tokio::task::spawn_blocking(move || {
        journal.feedback(&record)?;
        // On disk first, then learned: the running server uses it at once.
        let signal = if record.helpful {
            Signal::Helpful
        } else {
            Signal::Unhelpful
        };
        let client = record.client.as_deref().unwrap_or_default();
        learner.learn(
            &record.query,
            &record.article_id,
            signal,
            client,
            record.ts_ms,
        );
        Ok::<(), crate::Error>(())
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(FeedbackAck { ok: true }))
}
