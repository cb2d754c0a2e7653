use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::article::{Link, Procedure, Section, Step};
use crate::http::AppState;
use crate::http::error::{ApiError, Code};
use crate::search::{ArticleRef, Crumb, Entry};

/// An article as the API shows it.
#[derive(Serialize)]
pub struct ArticleView {
    id: String,
    title: String,
    topic: Vec<String>,
    breadcrumb: Vec<Crumb>,
    path: String,
    url: Option<String>,
    questions: Vec<String>,
    partial: bool,
    sections: Vec<Section>,
    prerequisites: Vec<String>,
    constraints: Vec<String>,
    steps: Vec<Step>,
    procedures: Vec<Procedure>,
    links: Vec<Link>,
    backlinks: Vec<ArticleRef>,
}

/// Just the procedure, for a chatbot to read out step by step.
#[derive(Serialize)]
pub struct StepsView {
    id: String,
    title: String,
    url: Option<String>,
    prerequisites: Vec<String>,
    constraints: Vec<String>,
    steps: Vec<Step>,
    procedures: Vec<Procedure>,
}

/// `GET /api/articles/{id}` and `GET /api/articles/{id}/steps`. Ids may
/// contain `/`, so both share one wildcard route; an id that exists wins
/// over the `/steps` suffix.
pub async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let catalog = state.engine.catalog();
    if let Some(ord) = catalog.ord_of(&id) {
        return Ok(Json(article_view(&state, ord)).into_response());
    }
    if let Some(base) = id.strip_suffix("/steps")
        && let Some(entry) = catalog.by_id(base)
    {
        return Ok(Json(steps_view(entry)).into_response());
    }
    Err(ApiError::new(
        Code::ArticleNotFound,
        format!("no article with id `{id}`; search with GET /api/search?q=…"),
    ))
}

fn article_view(state: &AppState, ord: usize) -> ArticleView {
    let catalog = state.engine.catalog();
    let a = &catalog.get(ord).expect("ord from the catalog").article;
    ArticleView {
        id: a.id.clone(),
        title: a.title.clone(),
        topic: a.topic.clone(),
        breadcrumb: catalog.breadcrumb(ord),
        path: a.path.clone(),
        url: a.url.clone(),
        questions: a.questions.clone(),
        partial: a.partial,
        sections: a.sections.clone(),
        prerequisites: a.prerequisites.clone(),
        constraints: a.constraints.clone(),
        steps: a.steps().to_vec(),
        procedures: a.procedures.clone(),
        links: a.links.clone(),
        backlinks: catalog.backlinks(ord).to_vec(),
    }
}

fn steps_view(entry: &Entry) -> StepsView {
    let a = &entry.article;
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
