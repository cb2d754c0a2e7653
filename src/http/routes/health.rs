use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::http::AppState;

/// Liveness.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: String,
    /// Articles in the index.
    articles: usize,
}

/// Whether the server is up, and with how many articles.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        articles: state.engine().catalog().len(),
    })
}
