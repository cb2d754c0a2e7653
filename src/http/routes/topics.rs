use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::http::AppState;
use crate::search::TopicNode;

/// The topic tree.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Topics {
    /// Articles in the index.
    total: usize,
    /// Top-level topics with their sub-topics.
    topics: Vec<TopicNode>,
}

/// The topic tree with article counts.
#[utoipa::path(get, path = "/api/topics", responses((status = 200, body = Topics)))]
pub async fn topics(State(state): State<AppState>) -> Json<Topics> {
    let engine = state.engine();
    let catalog = engine.catalog();
    Json(Topics {
        total: catalog.len(),
        topics: catalog.topic_tree().to_vec(),
    })
}
