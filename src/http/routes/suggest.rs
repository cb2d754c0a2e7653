use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::required_text;
use crate::http::routes::search::parse_bounded;
use crate::index::suggest::{DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS};
use crate::search::Suggestion;

/// Query-string parameters, as text so that every mistake gets our error.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What has been typed so far (required): characters, full pinyin
    /// (`daijinquan`, `dai jin`), initials (`djq`) or both (`代j`).
    q: Option<String>,
    /// Suggestions wanted, 1 to 20 (default 8).
    limit: Option<String>,
}

/// Completions of what has been typed.
#[derive(Serialize, ToSchema)]
pub struct SuggestBody {
    /// The text as received.
    query: String,
    /// Time spent, in milliseconds.
    took_ms: f64,
    /// Best first: article titles and questions matching at their start,
    /// then corpus words, then matches at a word inside a title; the
    /// characters typed before pinyin, before initials.
    suggestions: Vec<SuggestionBody>,
}

/// One completion with the topic of its article.
#[derive(Serialize, ToSchema)]
pub struct SuggestionBody {
    #[serde(flatten)]
    suggestion: Suggestion,
    /// The article's topic path, outermost first (empty for words).
    topic: Vec<String>,
}

/// Completions while typing: titles, questions and words, by characters,
/// pinyin or initials.
#[utoipa::path(
    get,
    path = "/api/suggest",
    params(SuggestParams),
    responses(
        (status = 200, body = SuggestBody),
        (status = 400, body = ErrorBody, description = "`empty_query`, `query_too_long`, `invalid_limit`, `invalid_parameter`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`")
    )
)]
pub async fn suggest(
    State(state): State<AppState>,
    params: Result<Query<SuggestParams>, QueryRejection>,
) -> Result<Json<SuggestBody>, ApiError> {
    let started = std::time::Instant::now();
    let Query(params) = params.map_err(|e| ApiError::new(Code::InvalidParameter, e.body_text()))?;
    let q = params.q.unwrap_or_default();
    required_text(
        &q,
        "parameter `q`",
        Code::EmptyQuery,
        state.config.limits.query_chars,
    )?;
    let limit = parse_bounded(
        params.limit.as_deref(),
        DEFAULT_SUGGESTIONS,
        1,
        MAX_SUGGESTIONS,
    )
    .ok_or_else(|| {
        ApiError::new(
            Code::InvalidLimit,
            format!("parameter `limit` must be a whole number from 1 to {MAX_SUGGESTIONS}"),
        )
    })?;
    // Bounded work (a capped scan of a prefix map): no blocking thread.
    let engine = state.engine();
    let catalog = engine.catalog();
    let suggestions = engine
        .suggester()
        .suggest(&q, limit)
        .into_iter()
        .map(|s| SuggestionBody {
            topic: s
                .article_id
                .as_deref()
                .and_then(|id| catalog.ord_of(id))
                .and_then(|ord| catalog.entry(ord))
                .map(|e| e.topic.clone())
                .unwrap_or_default(),
            suggestion: s,
        })
        .collect();
    Ok(Json(SuggestBody {
        query: q,
        took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        suggestions,
    }))
}
