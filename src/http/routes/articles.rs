use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::article::{Article, Link, Procedure, Section, Step};
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::search::{ArticleRef, Crumb};

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
