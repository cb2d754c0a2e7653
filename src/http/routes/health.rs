use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::http::AppState;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    articles: usize,
}

pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        articles: state.engine.catalog().len(),
    })
}
