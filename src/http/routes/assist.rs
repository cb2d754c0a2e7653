use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::article::frontmatter::split_topic_path;
use crate::assist::{
    AssistRequest, AssistResponse, MAX_QUESTIONS, Pick, assist as run, gap_events,
};
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::short_field;

/// A support ticket to read and answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistInput {
    /// The ticket as pasted (mail, chat transcript …), at most 20,000 characters.
    ticket: String,
    /// Only articles under this topic path, `A > B`.
    #[serde(default)]
    topic: Option<String>,
    /// The agent's choice of article for some questions (by their `n`),
    /// replacing wenda's in the reply and the draft.
    #[serde(default)]
    picks: Vec<Pick>,
}

/// Each question of a ticket with its articles, steps and status, a draft
/// reply to edit, and the questions the help centre does not cover.
#[utoipa::path(
    post,
    path = "/api/assist",
    request_body = AssistInput,
    responses(
        (status = 200, body = AssistResponse),
        (status = 400, body = ErrorBody, description = "`invalid_json`, `empty_question` (blank ticket), `ticket_too_long`, `invalid_parameter`"),
        (status = 404, body = ErrorBody, description = "`article_not_found` (a pick names no article)"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
        (status = 503, body = ErrorBody, description = "`timeout`")
    )
)]
pub async fn assist(
    State(state): State<AppState>,
    input: Result<Json<AssistInput>, JsonRejection>,
) -> Result<Json<AssistResponse>, ApiError> {
    let Json(input) = input?;
    let limits = &state.config.limits;
    if input.ticket.trim().is_empty() {
        return Err(ApiError::new(
            Code::EmptyQuestion,
            "field `ticket` is required and must not be blank",
        ));
    }
    // Counted lazily: a body far past the cap stops counting at the cap.
    if input.ticket.chars().nth(limits.ticket_chars).is_some() {
        return Err(ApiError::new(
            Code::TicketTooLong,
            format!(
                "field `ticket` is longer than {} characters; paste the customer's latest message",
                limits.ticket_chars
            ),
        ));
    }
    if let Some(t) = &input.topic {
        short_field(t, "field `topic`", limits.field_chars)?;
    }
    if input.picks.len() > MAX_QUESTIONS {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!("field `picks` takes at most {MAX_QUESTIONS} picks"),
        ));
    }
    for p in &input.picks {
        short_field(
            &p.article_id,
            "field `picks[].article_id`",
            limits.field_chars,
        )?;
        if !(1..=MAX_QUESTIONS).contains(&p.question) {
            return Err(ApiError::new(
                Code::InvalidParameter,
                format!(
                    "field `picks[].question` must be a question number from 1 to {MAX_QUESTIONS}"
                ),
            ));
        }
        if state.engine().catalog().ord_of(&p.article_id).is_none() {
            return Err(ApiError::new(
                Code::ArticleNotFound,
                format!("no article with id `{}` to pick", p.article_id),
            ));
        }
    }
    let req = AssistRequest {
        ticket: input.ticket,
        topic: input
            .topic
            .map(|t| split_topic_path(&t))
            .filter(|t| !t.is_empty()),
        picks: input.picks,
        deadline: state.deadline(),
        learned: Some(state.learned()),
    };
    let answerer = state.answerer();
    let chars = req.ticket.chars().count();
    let response = state
        .engine_work(crate::http::Lane::Ticket, chars, move || {
            run(&answerer, &req)
        })
        .await??;
    for event in gap_events(&response) {
        state.log(event);
    }
    Ok(Json(response))
}
