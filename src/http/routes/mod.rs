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

use super::error::{ApiError, Code};

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
