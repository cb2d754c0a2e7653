use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use crate::article::frontmatter::split_topic_path;
use utoipa::IntoParams;

use crate::config::Limits;
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::render::snippet_html;
use crate::http::routes::{required_text, short_field};
use crate::journal::{QueryEvent, now_ms};
use crate::search::{
    DEFAULT_LIMIT, Facets, Hit, HitExplanation, MAX_LIMIT, QueryExplanation, SearchRequest,
    SearchResponse, Snippet,
};

/// A search response as the API sends it: the engine's, with each
/// snippet rendered as HTML.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchResponse)]
pub struct SearchBody {
    /// The query as received.
    pub query: String,
    /// Matching articles in all.
    pub total: usize,
    /// Time spent in the engine, in milliseconds.
    pub took_ms: f64,
    /// The requested page of hits.
    pub hits: Vec<HitBody>,
    /// Topic counts over all matches.
    pub facets: Facets,
    /// “Did you mean”: the query with typos corrected or pinyin read, or,
    /// when only the fallback found anything, the best hit's title.
    pub suggestion: Option<String>,
    /// Nothing matched the query's words: the hits only share single
    /// characters with it (each hit says so too). Show them as “nothing
    /// found; perhaps …”, never as answers.
    pub fallback: bool,
    /// How the query was read (with `explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<QueryExplanation>,
}

/// One ranked article as the API sends it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Hit)]
pub struct HitBody {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Topic path, outermost first.
    pub topic: Vec<String>,
    /// Source file relative to its corpus.
    pub path: String,
    /// Web address, if known.
    pub url: Option<String>,
    /// Relevance score (higher is better; comparable within one response).
    pub score: f32,
    /// Body text around the matches, HTML-escaped, matches in `<mark>`.
    pub snippet: String,
    /// The same snippet as plain text with the matches' character ranges.
    pub snippet_parts: Snippet,
    /// Number of steps of the article's procedure (0 when it has none).
    pub step_count: usize,
    /// The first steps, for a preview.
    pub steps_preview: Vec<String>,
    /// Ids of near-identical articles folded into this hit.
    pub duplicates: Vec<String>,
    /// Found only by the single-character fallback.
    pub fallback: bool,
    /// Why the hit scored what it did (with `explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<HitExplanation>,
}

impl From<Hit> for HitBody {
    fn from(h: Hit) -> Self {
        HitBody {
            snippet: snippet_html(&h.snippet),
            id: h.id,
            title: h.title,
            topic: h.topic,
            path: h.path,
            url: h.url,
            score: h.score,
            snippet_parts: h.snippet,
            step_count: h.step_count,
            steps_preview: h.steps_preview,
            duplicates: h.duplicates,
            fallback: h.fallback,
            explain: h.explain,
        }
    }
}

impl From<SearchResponse> for SearchBody {
    fn from(r: SearchResponse) -> Self {
        SearchBody {
            query: r.query,
            total: r.total,
            took_ms: r.took_ms,
            hits: r.hits.into_iter().map(HitBody::from).collect(),
            facets: r.facets,
            suggestion: r.suggestion,
            fallback: r.fallback,
            explain: r.explain,
        }
    }
}

/// Deepest page start accepted.
pub const MAX_OFFSET: usize = 10_000;

/// Query-string parameters, all as text so that every mistake gets our error.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What the user typed (required; never parsed as query syntax).
    q: Option<String>,
    /// Hits per page, 1 to 100 (default 10).
    limit: Option<String>,
    /// Hits to skip, 0 to 10000 (default 0).
    offset: Option<String>,
    /// Only articles under this topic path, `A > B`.
    topic: Option<String>,
    /// `true` to explain each hit's score.
    explain: Option<String>,
}

/// Ranked, highlighted hits with topic facets.
#[utoipa::path(
    get,
    path = "/api/search",
    params(SearchParams),
    responses(
        (status = 200, body = SearchBody),
        (status = 400, body = ErrorBody, description = "`empty_query`, `query_too_long`, `invalid_limit`, `invalid_offset`, `invalid_parameter`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
        (status = 503, body = ErrorBody, description = "`timeout`")
    )
)]
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchBody>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::new(Code::InvalidParameter, e.body_text()))?;
    let mut req = validate(params, &state.config.limits)?;
    req.deadline = state.deadline();
    req.learned = Some(state.learned());
    let engine = state.engine();
    let chars = req.query.chars().count();
    let response = state
        .engine_work(crate::http::Lane::Query, chars, move || engine.search(&req))
        .await??;
    // A search only the single-character fallback answered found nothing.
    let found = if response.fallback { 0 } else { response.total };
    state.metrics.search(found);
    state.log(QueryEvent {
        ts_ms: now_ms(),
        kind: "search".into(),
        query: response.query.clone(),
        total: Some(found),
        status: None,
        handoff: false,
        top: response.hits.first().map(|h| h.id.clone()),
    });
    Ok(Json(SearchBody::from(response)))
}

fn validate(p: SearchParams, limits: &Limits) -> Result<SearchRequest, ApiError> {
    // The query goes on as typed; only its emptiness and length are judged.
    let q = p.q.unwrap_or_default();
    required_text(&q, "parameter `q`", Code::EmptyQuery, limits.query_chars)?;
    let (limit, offset) = page(p.limit.as_deref(), p.offset.as_deref(), DEFAULT_LIMIT)?;
    if let Some(t) = &p.topic {
        short_field(t, "parameter `topic`", limits.field_chars)?;
    }
    let topic = p
        .topic
        .map(|t| split_topic_path(&t))
        .filter(|t| !t.is_empty());
    let explain = match p.explain.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(ApiError::new(
                Code::InvalidParameter,
                "parameter `explain` must be true or false",
            ));
        }
    };
    Ok(SearchRequest {
        query: q,
        limit,
        offset,
        topic,
        explain,
        ..SearchRequest::default()
    })
}

/// `None` when the text is present but not a number within `min..=max`.
/// A page of a list: `limit` (1..=[`MAX_LIMIT`], `default_limit` when
/// absent) and `offset` (0..=[`MAX_OFFSET`]), each with its own code.
pub fn page(
    limit: Option<&str>,
    offset: Option<&str>,
    default_limit: usize,
) -> Result<(usize, usize), ApiError> {
    let limit = parse_bounded(limit, default_limit, 1, MAX_LIMIT).ok_or_else(|| {
        ApiError::new(
            Code::InvalidLimit,
            format!("parameter `limit` must be a whole number from 1 to {MAX_LIMIT}"),
        )
    })?;
    let offset = parse_bounded(offset, 0, 0, MAX_OFFSET).ok_or_else(|| {
        ApiError::new(
            Code::InvalidOffset,
            format!("parameter `offset` must be a whole number from 0 to {MAX_OFFSET}"),
        )
    })?;
    Ok((limit, offset))
}

pub fn parse_bounded(text: Option<&str>, default: usize, min: usize, max: usize) -> Option<usize> {
    match text.map(str::trim) {
        None | Some("") => Some(default),
        Some(t) => t.parse::<usize>().ok().filter(|n| (min..=max).contains(n)),
    }
}
