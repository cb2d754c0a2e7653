use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::http::AppState;
use crate::search::TopicNode;

#[derive(Serialize)]
pub struct Topics {
    /// Articles in the index.
    total: usize,
    /// Top-level topics with their sub-topics.
    topics: Vec<TopicNode>,
}

pub async fn topics(State(state): State<AppState>) -> Json<Topics> {
    let catalog = state.engine.catalog();
    Json(Topics {
        total: catalog.len(),
        topics: catalog.topic_tree(),
    })
}
