use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::answer::{AnswerRequest, AnswerResponse, DEFAULT_TOP_K, MAX_TOP_K};
use crate::article::frontmatter::split_topic_path;
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::{required_text, short_field};
use crate::journal::{QueryEvent, now_ms};

/// A question for the answer engine.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// What the user said.
    question: String,
    /// The conversation to continue (from an earlier response): visible
    /// ASCII, at most 128 characters.
    #[serde(default)]
    session_id: Option<String>,
    /// Candidates to return, 1 to 10 (default 3).
    #[serde(default)]
    top_k: Option<i64>,
    /// Only articles under this topic path, `A > B`.
    #[serde(default)]
    topic: Option<String>,
}

/// A session id as clients may send it: visible ASCII within the cap. An
/// empty one starts a new conversation.
fn session_id(id: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    let Some(id) = id.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    if id.len() > max_chars || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            Code::InvalidSessionId,
            format!(
                "field `session_id` must be at most {max_chars} visible ASCII characters; pass back the one a reply gave"
            ),
        ));
    }
    Ok(Some(id))
}

/// One answer, a clarifying question, or a handoff.
#[utoipa::path(
    post,
    path = "/api/answer",
    request_body = AnswerInput,
    responses(
        (status = 200, body = AnswerResponse),
        (status = 400, body = ErrorBody, description = "`invalid_json`, `empty_question`, `query_too_long`, `invalid_top_k`, `invalid_session_id`, `invalid_parameter`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
        (status = 503, body = ErrorBody, description = "`timeout`")
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    input: Result<Json<AnswerInput>, JsonRejection>,
) -> Result<Json<AnswerResponse>, ApiError> {
    let Json(input) = input?;
    let limits = &state.config.limits;
    let question = required_text(
        &input.question,
        "field `question`",
        Code::EmptyQuestion,
        limits.query_chars,
    )?;
    let session_id = session_id(input.session_id, limits.session_id_chars)?;
    let top_k = match input.top_k {
        None => DEFAULT_TOP_K,
        Some(k) if (1..=MAX_TOP_K as i64).contains(&k) => k as usize,
        Some(_) => {
            return Err(ApiError::new(
                Code::InvalidTopK,
                format!("field `top_k` must be a whole number from 1 to {MAX_TOP_K}"),
            ));
        }
    };
    if let Some(t) = &input.topic {
        short_field(t, "field `topic`", limits.field_chars)?;
    }
    let req = AnswerRequest {
        question,
        session_id,
        top_k,
        topic: input
            .topic
            .map(|t| split_topic_path(&t))
            .filter(|t| !t.is_empty()),
        deadline: state.deadline(),
        learned: Some(state.learned()),
    };
    let asked = req.question.clone();
    let answerer = state.answerer();
    let chars = req.question.chars().count();
    let response = state
        .engine_work(crate::http::Lane::Query, chars, move || {
            answerer.answer(&req)
        })
        .await??;
    state.metrics.answer(
        response.status.as_str(),
        response.reason.as_str(),
        response.handoff,
    );
    state.log(QueryEvent {
        ts_ms: now_ms(),
        kind: "answer".into(),
        query: asked,
        total: None,
        status: Some(response.status.as_str().to_string()),
        handoff: response.handoff,
        top: response.answer.as_ref().map(|a| a.id.clone()),
    });
    Ok(Json(response))
}
