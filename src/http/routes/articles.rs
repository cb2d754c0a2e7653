use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::article::Section;
use crate::http::AppState;
use crate::http::error::{ApiError, Code};

/// An article as the API shows it.
#[derive(Serialize)]
pub struct ArticleView {
    id: String,
    title: String,
    topic: Vec<String>,
    path: String,
    url: Option<String>,
    questions: Vec<String>,
    sections: Vec<Section>,
}

pub async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ArticleView>, ApiError> {
    let entry = state.engine.catalog().by_id(&id).ok_or_else(|| {
        ApiError::new(
            Code::ArticleNotFound,
            format!("no article with id `{id}`; search with GET /api/search?q=…"),
        )
    })?;
    let a = &entry.article;
    Ok(Json(ArticleView {
        id: a.id.clone(),
        title: a.title.clone(),
        topic: a.topic.clone(),
        path: a.path.clone(),
        url: a.url.clone(),
        questions: a.questions.clone(),
        sections: a.sections.clone(),
    }))
}
