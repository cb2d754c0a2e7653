use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::answer::{AnswerRequest, AnswerResponse, DEFAULT_TOP_K, MAX_TOP_K};
use crate::article::frontmatter::split_topic_path;
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::required_text;
use crate::journal::{QueryEvent, now_ms};

/// A question for the answer engine.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// What the user said.
    question: String,
    /// The conversation to continue (from an earlier response).
    #[serde(default)]
    session_id: Option<String>,
    /// Candidates to return, 1 to 10 (default 3).
    #[serde(default)]
    top_k: Option<i64>,
    /// Only articles under this topic path, `A > B`.
    #[serde(default)]
    topic: Option<String>,
}

/// One answer, a clarifying question, or a handoff.
#[utoipa::path(
    post,
    path = "/api/answer",
    request_body = AnswerInput,
    responses(
        (status = 200, body = AnswerResponse),
        (status = 400, body = ErrorBody, description = "`invalid_json`, `empty_question`, `query_too_long`, `invalid_top_k`")
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    input: Result<Json<AnswerInput>, JsonRejection>,
) -> Result<Json<AnswerResponse>, ApiError> {
    let Json(input) = input?;
    let question = required_text(&input.question, "field `question`", Code::EmptyQuestion)?;
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
    let req = AnswerRequest {
        question,
        session_id: input.session_id,
        top_k,
        topic: input
            .topic
            .map(|t| split_topic_path(&t))
            .filter(|t| !t.is_empty()),
    };
    let asked = req.question.clone();
    let answerer = state.answerer.clone();
    let response = tokio::task::spawn_blocking(move || answerer.answer(&req))
        .await
        .map_err(ApiError::internal)??;
    state.log(QueryEvent {
        ts_ms: now_ms(),
        kind: "answer".into(),
        query: asked,
        total: None,
        status: serde_json::to_value(response.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string)),
        handoff: response.handoff,
        top: response.answer.as_ref().map(|a| a.id.clone()),
    });
    Ok(Json(response))
}
