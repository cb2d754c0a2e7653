use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::article::frontmatter::split_topic_path;
use crate::article::{Article, Link, Procedure, Section, Step};
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::search::page;
use crate::http::routes::short_field;
use crate::search::{ArticleRef, Crumb};

/// Articles per page of a listing when the request does not say.
pub const DEFAULT_LIST_LIMIT: usize = 20;

/// Query-string parameters of a listing, as text so that every mistake
/// gets our error.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only articles under this topic path, `A > B` (all articles without it).
    topic: Option<String>,
    /// Articles per page, 1 to 100 (default 20).
    limit: Option<String>,
    /// Articles to skip, 0 to 10000 (default 0).
    offset: Option<String>,
}

/// One page of the articles under a topic.
#[derive(Serialize, ToSchema)]
pub struct ArticleList {
    /// The topic path listed (empty: every article).
    topic: Vec<String>,
    /// Articles under it in all.
    total: usize,
    /// Articles skipped.
    offset: usize,
    /// Page size asked for.
    limit: usize,
    /// The page, in corpus order (the table of contents' where there is one).
    articles: Vec<ArticleSummary>,
}

/// An article as a listing shows it.
#[derive(Serialize, ToSchema)]
pub struct ArticleSummary {
    id: String,
    title: String,
    /// Topic path, outermost first.
    topic: Vec<String>,
    /// The topic path, each level with the article of that title, if any.
    breadcrumb: Vec<Crumb>,
    url: Option<String>,
    /// Steps of its procedure (0 when it has none).
    step_count: usize,
    /// The first steps.
    steps_preview: Vec<String>,
}

/// The articles under a topic, a page at a time.
#[utoipa::path(
    get,
    path = "/api/articles",
    params(ListParams),
    responses(
        (status = 200, body = ArticleList),
        (status = 400, body = ErrorBody, description = "`invalid_limit`, `invalid_offset`, `invalid_parameter`")
    )
)]
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ArticleList>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::new(Code::InvalidParameter, e.body_text()))?;
    let (limit, offset) = page(p.limit.as_deref(), p.offset.as_deref(), DEFAULT_LIST_LIMIT)?;
    if let Some(t) = &p.topic {
        short_field(t, "parameter `topic`", state.config.limits.field_chars)?;
    }
    let topic = p.topic.map(|t| split_topic_path(&t)).unwrap_or_default();
    let engine = state.engine();
    let listing = engine.browse(Some(&topic), offset, limit)?;
    let catalog = engine.catalog();
    let articles = listing
        .entries
        .into_iter()
        .map(|(ord, e)| ArticleSummary {
            id: e.id.clone(),
            title: e.title.clone(),
            topic: e.topic.clone(),
            breadcrumb: catalog.breadcrumb(ord),
            url: e.url.clone(),
            step_count: e.step_count as usize,
            steps_preview: e.steps_preview.clone(),
        })
        .collect();
    Ok(Json(ArticleList {
        topic,
        total: listing.total,
        offset,
        limit,
        articles,
    }))
}

/// An article as the API shows it: its procedure and everything else.
#[derive(Serialize, ToSchema)]
pub struct ArticleView {
    #[serde(flatten)]
    procedure: StepsView,
    topic: Vec<String>,
    breadcrumb: Vec<Crumb>,
    path: String,
    questions: Vec<String>,
    partial: bool,
    sections: Vec<Section>,
    links: Vec<Link>,
    backlinks: Vec<ArticleRef>,
}

/// Just the procedure, for a chatbot to read out step by step.
#[derive(Serialize, ToSchema)]
pub struct StepsView {
    id: String,
    title: String,
    url: Option<String>,
    prerequisites: Vec<String>,
    constraints: Vec<String>,
    steps: Vec<Step>,
    procedures: Vec<Procedure>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        Code::ArticleNotFound,
        format!("no article with id `{id}`; search with GET /api/search?q=…"),
    )
}

/// Ids may contain `/`, so every article path resolves here: an id that
/// exists wins over the `/steps` suffix.
pub async fn article_or_steps(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    resolve(&state, &path)
}

fn resolve(state: &AppState, path: &str) -> Response {
    let engine = state.engine();
    let catalog = engine.catalog();
    if catalog.ord_of(path).is_none()
        && let Some(base) = path.strip_suffix("/steps")
        && let Some(ord) = catalog.ord_of(base)
    {
        return catalog
            .article(ord)
            .map(|a| Json(steps_view(&a)))
            .map_err(ApiError::from)
            .into_response();
    }
    whole(state, path).map(Json).into_response()
}

/// One article, whole.
#[utoipa::path(
    get,
    path = "/api/articles/{id}",
    params(("id" = String, Path, description = "Article id (may contain `/`)")),
    responses(
        (status = 200, body = ArticleView),
        (status = 404, body = ErrorBody, description = "`article_not_found`")
    )
)]
pub async fn article(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    resolve(&state, &id)
}

/// The procedure of an article.
#[utoipa::path(
    get,
    path = "/api/articles/{id}/steps",
    params(("id" = String, Path, description = "Article id (may contain `/`)")),
    responses(
        (status = 200, body = StepsView),
        (status = 404, body = ErrorBody, description = "`article_not_found`")
    )
)]
pub async fn steps(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    resolve(&state, &format!("{id}/steps"))
}

fn whole(state: &AppState, id: &str) -> Result<ArticleView, ApiError> {
    let engine = state.engine();
    let catalog = engine.catalog();
    let ord = catalog.ord_of(id).ok_or_else(|| not_found(id))?;
    let a = &catalog.article(ord)?;
    Ok(ArticleView {
        procedure: steps_view(a),
        topic: a.topic.clone(),
        breadcrumb: catalog.breadcrumb(ord),
        path: a.path.clone(),
        questions: a.questions.clone(),
        partial: a.partial,
        sections: a.sections.clone(),
        links: a.links.clone(),
        backlinks: catalog.backlinks(ord),
    })
}

fn steps_view(a: &Article) -> StepsView {
    StepsView {
        id: a.id.clone(),
        title: a.title.clone(),
        url: a.url.clone(),
        prerequisites: a.prerequisites.clone(),
        constraints: a.constraints.clone(),
        steps: a.steps().to_vec(),
        procedures: a.procedures.clone(),
    }
}
