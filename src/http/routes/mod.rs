//! One file per resource; handlers validate, call the engine, return JSON.

pub mod answer;
pub mod articles;
pub mod feedback;
pub mod health;
pub mod retrieval;
pub mod search;
pub mod topics;

use std::any::Any;

use axum::body::Body;
use axum::http::{Response, Uri};
use axum::response::IntoResponse;

use super::MAX_QUERY_CHARS;
use super::error::{ApiError, Code};

/// User text that must be there: trimmed, or `blank` when it is empty and
/// `query_too_long` past [`MAX_QUERY_CHARS`]. `what` names it in messages
/// (“parameter `q`”).
pub fn required_text(value: &str, what: &str, blank: Code) -> Result<String, ApiError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(ApiError::new(
            blank,
            format!("{what} is required and must not be blank"),
        ));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::new(
            Code::QueryTooLong,
            format!("{what} is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        Code::RouteNotFound,
        format!("no endpoint at {}; see GET /openapi.json", uri.path()),
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
