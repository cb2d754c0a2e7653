//! One file per resource; handlers validate, call the engine, return JSON.
//! [`api`] is the one list of routes: it builds both the router and the
//! OpenAPI document.

pub mod admin;
pub mod answer;
pub mod articles;
pub mod assist;
pub mod click;
pub mod docs;
pub mod feedback;
pub mod health;
pub mod retrieval;
pub mod scrape;
pub mod search;
pub mod suggest;
pub mod topics;
pub mod web;

use std::any::Any;

use axum::body::Body;
use axum::http::{Response, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, Code};
use super::openapi::ApiDoc;

/// Every route with its documentation.
pub fn api() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(search::search))
        .routes(routes!(suggest::suggest))
        .routes(routes!(topics::topics))
        .routes(routes!(articles::list))
        .routes(routes!(answer::answer))
        .routes(routes!(assist::assist))
        .routes(routes!(feedback::feedback))
        .routes(routes!(click::click))
        .routes(routes!(retrieval::retrieval))
        .routes(routes!(admin::reindex))
        .routes(routes!(admin::status))
        .routes(routes!(admin::report))
        .routes(routes!(admin::learned))
        .routes(routes!(admin::forget))
        .routes(routes!(scrape::metrics))
        .routes(routes!(docs::openapi_json))
        .routes(routes!(web::page))
        .routes(routes!(web::app_js))
        .routes(routes!(web::app_css))
        .routes(routes!(web::widget_js));
    // Article ids may contain `/`, which a one-segment `{id}` cannot match:
    // the article paths are documented here and served by wildcards.
    let router = served_by_wildcard(router, routes!(articles::article));
    let router = served_by_wildcard(router, routes!(articles::steps));
    let router = served_by_wildcard(router, routes!(web::article_page));
    router
        .route("/api/articles/{*id}", get(articles::article_or_steps))
        .route("/articles/{*id}", get(web::page))
}

/// Adds a documented route's paths and schemas to the document without
/// routing them (the article wildcard answers them).
fn served_by_wildcard(
    mut router: OpenApiRouter<AppState>,
    (schemas, paths, _): UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let doc = router.get_openapi_mut();
    doc.paths.paths.extend(paths.paths);
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    router
}

/// User text that must be there: trimmed, or `blank` when it is empty and
/// `query_too_long` past `max_chars`. `what` names it in messages
/// (“parameter `q`”).
pub fn required_text(
    value: &str,
    what: &str,
    blank: Code,
    max_chars: usize,
) -> Result<String, ApiError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(ApiError::new(
            blank,
            format!("{what} is required and must not be blank"),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(ApiError::new(
            Code::QueryTooLong,
            format!("{what} is longer than {max_chars} characters"),
        ));
    }
    Ok(text.to_string())
}

/// A short optional field (topic, article id) within `max_chars`.
pub fn short_field(value: &str, what: &str, max_chars: usize) -> Result<(), ApiError> {
    if value.chars().count() > max_chars {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!("{what} is longer than {max_chars} characters"),
        ));
    }
    Ok(())
}

/// What a user said of an article (feedback, a click): the query as
/// [`required_text`] takes it, and an article id that is short and known.
pub fn query_about_article(
    state: &AppState,
    query: &str,
    article_id: &str,
) -> Result<String, ApiError> {
    let limits = &state.config.limits;
    let query = required_text(query, "field `query`", Code::EmptyQuery, limits.query_chars)?;
    short_field(article_id, "field `article_id`", limits.field_chars)?;
    if state.engine().catalog().ord_of(article_id).is_none() {
        return Err(ApiError::new(
            Code::ArticleNotFound,
            format!("no article with id `{article_id}`"),
        ));
    }
    Ok(query)
}

pub async fn not_found(uri: Uri) -> ApiError {
    let mut path = uri.path().to_string();
    if path.len() > 200 {
        let mut cut = 200;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path.truncate(cut);
        path.push('…');
    }
    ApiError::new(
        Code::RouteNotFound,
        format!("no endpoint at {path}; see GET /openapi.json"),
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        Code::MethodNotAllowed,
        "this endpoint does not take that HTTP method",
    )
}

pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    ApiError::internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_json_500_without_details() {
        let response = panic_response(Box::new("index out of bounds: secret detail"));
        assert_eq!(
            response.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal");
        assert!(!body.windows(6).any(|w| w == b"secret"));
    }

    /// Engine work that panics is a JSON 500 behind the app's panic layer,
    /// whether it ran on the async worker (an ordinary input) or on a
    /// blocking thread after the heavy lane (a long one), and the lane is
    /// not left taken.
    #[tokio::test]
    async fn panicking_engine_work_is_a_json_500_on_either_path() {
        use axum::extract::State;
        use tower::ServiceExt;
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        let docset = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/docset");
        crate::index::build_index(&[docset], &index, None).unwrap();
        let state = AppState::new(crate::search::Engine::open(&index).unwrap());
        let lane = state.heavy_lanes().lane(crate::http::Lane::Query).clone();
        let permits = lane.available_permits();
        // The input's length is the path's (a fallback rather than a
        // route: the documented list of routes is checked in the sources).
        let boom = |State(state): State<AppState>, uri: axum::http::Uri| async move {
            let chars = uri.path().trim_start_matches('/').parse().unwrap_or(0);
            state
                .engine_work(crate::http::Lane::Query, chars, || -> u32 {
                    panic!("secret detail")
                })
                .await
                .map(|n| n.to_string())
        };
        let router = axum::Router::new()
            .fallback(boom)
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                panic_response,
            ))
            .with_state(state);
        for chars in [3, crate::http::HEAVY_INPUT_CHARS + 1] {
            let req = axum::http::Request::get(format!("/{chars}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let response = router.clone().oneshot(req).await.unwrap();
            assert_eq!(
                response.status(),
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "{chars}"
            );
            let body = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["error"]["code"], "internal", "{chars}");
        }
        assert_eq!(lane.available_permits(), permits);
    }
}
