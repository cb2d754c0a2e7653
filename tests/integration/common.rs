//! Shared fixtures: indexes built once per test run.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use wenda::http::{AppState, app};
use wenda::index::build_index;
use wenda::search::Engine;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

/// An index built from `corpora` in a directory that lives as long as the tests.
pub fn build(corpora: &[PathBuf]) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().join("index");
    build_index(corpora, &index, None).expect("index builds");
    let engine = Engine::open(&index).expect("index opens");
    (dir, engine)
}

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
    state: AppState,
}

fn fixture(corpora: &[PathBuf]) -> Fixture {
    let (dir, engine) = build(corpora);
    let state = AppState::new(engine);
    Fixture {
        _dir: dir,
        engine: state.engine(),
        state,
    }
}

static BUNDLED: LazyLock<Fixture> = LazyLock::new(|| fixture(&[repo().join("corpus")]));
static DOCSET: LazyLock<Fixture> = LazyLock::new(|| fixture(&[data("docset")]));

/// The app over the bundled corpus.
pub fn bundled() -> Router {
    app(BUNDLED.state.clone())
}

/// The app over the fixture docset with a table of contents.
pub fn docset() -> Router {
    app(DOCSET.state.clone())
}

/// State over the fixture docset.
pub fn docset_state() -> AppState {
    DOCSET.state.clone()
}

/// State over the bundled corpus, to extend (keys, logs) per test.
pub fn bundled_state() -> AppState {
    BUNDLED.state.clone()
}

/// Engine over the bundled corpus.
pub fn bundled_engine() -> &'static Engine {
    &BUNDLED.engine
}

/// Sends a request and returns status and JSON body.
pub async fn send(app: Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = app.oneshot(req).await.expect("router answers");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(
        content_type.starts_with("application/json"),
        "{status}: content-type {content_type:?}, body {:?}",
        String::from_utf8_lossy(&bytes)
    );
    let json = serde_json::from_slice(&bytes).expect("JSON body");
    (status, json)
}

/// GET a path (already percent-encoded where needed).
pub async fn get(app: Router, uri: &str) -> (StatusCode, Value) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Percent-encodes a query-string value.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// GET /api/search with `q` and extra raw parameters.
pub async fn search(app: Router, q: &str, extra: &str) -> (StatusCode, Value) {
    get(app, &format!("/api/search?q={}{extra}", enc(q))).await
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

/// Ids of a search response's hits.
pub fn hit_ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
