use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::required_text;
use crate::journal::{FeedbackRecord, now_ms};

/// Longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

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
        (status = 503, body = ErrorBody, description = "`feedback_disabled`")
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    input: Result<Json<FeedbackInput>, JsonRejection>,
) -> Result<Json<FeedbackAck>, ApiError> {
    let Json(input) = input?;
    let query = required_text(&input.query, "field `query`", Code::EmptyQuery)?;
    if input
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!("field `comment` is longer than {MAX_COMMENT_CHARS} characters"),
        ));
    }
    if state.engine.catalog().ord_of(&input.article_id).is_none() {
        return Err(ApiError::new(
            Code::ArticleNotFound,
            format!("no article with id `{}`", input.article_id),
        ));
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
    };
    tokio::task::spawn_blocking(move || journal.feedback(&record))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(FeedbackAck { ok: true }))
}
