//! API errors: one table of stable codes, one JSON shape
//! `{"error":{"code","message"}}`. Internal errors are logged, never sent.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

/// Every error code the API returns, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// `q` missing, empty or only whitespace.
    EmptyQuery,
    /// `q` longer than [`crate::http::MAX_QUERY_CHARS`].
    QueryTooLong,
    /// `limit` not a whole number in range.
    InvalidLimit,
    /// `offset` not a whole number in range.
    InvalidOffset,
    /// `question` missing, empty or only whitespace.
    EmptyQuestion,
    /// `top_k` not a whole number in range.
    InvalidTopK,
    /// A query-string or body parameter has the wrong form.
    InvalidParameter,
    /// The request body is not the JSON the endpoint takes.
    InvalidJson,
    /// No article has that id.
    ArticleNotFound,
    /// No such endpoint.
    RouteNotFound,
    /// The endpoint exists but not with that method.
    MethodNotAllowed,
    /// The request body is too large.
    PayloadTooLarge,
    /// The request took too long.
    Timeout,
    /// The server keeps no feedback log (started without one).
    FeedbackDisabled,
    /// Something broke inside wenda; details are in the server log.
    Internal,
}

impl Code {
    /// The stable snake_case name clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::EmptyQuery => "empty_query",
            Code::QueryTooLong => "query_too_long",
            Code::InvalidLimit => "invalid_limit",
            Code::InvalidOffset => "invalid_offset",
            Code::EmptyQuestion => "empty_question",
            Code::InvalidTopK => "invalid_top_k",
            Code::InvalidParameter => "invalid_parameter",
            Code::InvalidJson => "invalid_json",
            Code::ArticleNotFound => "article_not_found",
            Code::RouteNotFound => "route_not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::PayloadTooLarge => "payload_too_large",
            Code::Timeout => "timeout",
            Code::FeedbackDisabled => "feedback_disabled",
            Code::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Code::EmptyQuery
            | Code::QueryTooLong
            | Code::InvalidLimit
            | Code::InvalidOffset
            | Code::EmptyQuestion
            | Code::InvalidTopK
            | Code::InvalidParameter
            | Code::InvalidJson => StatusCode::BAD_REQUEST,
            Code::ArticleNotFound | Code::RouteNotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::Timeout | Code::FeedbackDisabled => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code for a bare status produced outside the handlers.
    pub fn for_status(status: StatusCode) -> Code {
        match status {
            StatusCode::NOT_FOUND => Code::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => Code::Timeout,
            StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => {
                Code::InvalidJson
            }
            s if s.is_client_error() => Code::InvalidParameter,
            _ => Code::Internal,
        }
    }
}

/// An error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The error code.
    pub code: Code,
    /// What went wrong and what to do, for the API user.
    pub message: String,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// An internal error: logged in full, reported without detail.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        ApiError::new(
            Code::Internal,
            "internal error; the server log has the details",
        )
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        let code = match rejection {
            R::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Code::PayloadTooLarge
            }
            _ => Code::InvalidJson,
        };
        ApiError::new(code, format!("request body: {}", rejection.body_text()))
    }
}

impl From<crate::Error> for ApiError {
    fn from(err: crate::Error) -> Self {
        match err {
            crate::Error::Timeout => ApiError::new(Code::Timeout, err.to_string()),
            err => ApiError::internal(err),
        }
    }
}

/// The shape of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorInner,
}

/// A stable code and a message saying what to do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorInner {
    /// Stable snake_case code (see the README's table).
    code: String,
    /// What went wrong and what to do next.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let body = ErrorBody {
            error: ErrorInner {
                code: self.code.as_str().to_string(),
                message: self.message,
            },
        };
        (self.code.status(), Json(body)).into_response()
    }
}

/// Turns any error response that is not JSON (axum rejections, timeouts,
/// layers) into the API's error shape, so clients see one format.
pub async fn json_errors(response: Response<Body>) -> Response<Body> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let code = Code::for_status(status);
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string()
    } else {
        text
    };
    let mut out = ApiError::new(code, message).into_response();
    *out.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    out
}
