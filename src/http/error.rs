//! API errors: one table of stable codes — Dify's included — and one JSON
//! shape `{"error":{"code","message"}}`. On `/retrieval` the same errors
//! also carry Dify's `error_code` and `error_msg`. Internal errors are
//! logged, never sent.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

/// Every error code the API returns, with its HTTP status and Dify code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// `q` (or a feedback `query`) missing, empty or only whitespace.
    EmptyQuery,
    /// A query or question longer than the configured cap.
    QueryTooLong,
    /// A support ticket longer than the configured cap.
    TicketTooLong,
    /// `limit` not a whole number in range.
    InvalidLimit,
    /// `offset` not a whole number in range.
    InvalidOffset,
    /// `question` missing, empty or only whitespace.
    EmptyQuestion,
    /// `top_k` not a whole number in range.
    InvalidTopK,
    /// `session_id` too long or not visible ASCII.
    InvalidSessionId,
    /// A query-string or body parameter has the wrong form or length.
    InvalidParameter,
    /// The request body is not the JSON the endpoint takes.
    InvalidJson,
    /// No article has that id.
    ArticleNotFound,
    /// No learned question has that id.
    LearnedQuestionNotFound,
    /// No such endpoint.
    RouteNotFound,
    /// The endpoint exists but not with that method.
    MethodNotAllowed,
    /// The request body is too large.
    PayloadTooLarge,
    /// The request target (path and query) is too long.
    UriTooLong,
    /// The request's headers are too many or too large.
    HeadersTooLarge,
    /// The client sent more requests than its rate allows.
    RateLimited,
    /// The request took too long.
    Timeout,
    /// The server keeps no feedback log (started without one).
    FeedbackDisabled,
    /// `/retrieval`: no `Authorization: Bearer KEY` header (Dify 1001).
    InvalidAuthorizationHeader,
    /// `/retrieval`: a key the server does not accept (Dify 1002).
    AuthorizationFailed,
    /// `/retrieval`: no corpus with that `knowledge_id` (Dify 2001).
    KnowledgeNotFound,
    /// `/retrieval`: `score_threshold` not a number from 0 to 1.
    InvalidScoreThreshold,
    /// An endpoint that needs a key got no `Authorization: Bearer KEY`.
    MissingKey,
    /// A key the server does not know.
    UnknownKey,
    /// An admin endpoint got a key that is not an admin key.
    AdminKeyRequired,
    /// `POST /api/admin/reindex?wait=true`: the build failed; the old
    /// index is still served.
    ReindexFailed,
    /// The server cannot rebuild its index (it was not started on an index directory).
    ReindexUnavailable,
    /// The conversation store (Redis) cannot be reached.
    SessionsUnavailable,
    /// Something broke inside wenda; details are in the server log.
    Internal,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 31] = [
        Code::EmptyQuery,
        Code::QueryTooLong,
        Code::TicketTooLong,
        Code::InvalidLimit,
        Code::InvalidOffset,
        Code::EmptyQuestion,
        Code::InvalidTopK,
        Code::InvalidSessionId,
        Code::InvalidParameter,
        Code::InvalidJson,
        Code::ArticleNotFound,
        Code::LearnedQuestionNotFound,
        Code::RouteNotFound,
        Code::MethodNotAllowed,
        Code::PayloadTooLarge,
        Code::UriTooLong,
        Code::HeadersTooLarge,
        Code::RateLimited,
        Code::Timeout,
        Code::FeedbackDisabled,
        Code::InvalidAuthorizationHeader,
        Code::AuthorizationFailed,
        Code::KnowledgeNotFound,
        Code::InvalidScoreThreshold,
        Code::MissingKey,
        Code::UnknownKey,
        Code::AdminKeyRequired,
        Code::ReindexFailed,
        Code::ReindexUnavailable,
        Code::SessionsUnavailable,
        Code::Internal,
    ];

    /// The stable snake_case name clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::EmptyQuery => "empty_query",
            Code::QueryTooLong => "query_too_long",
            Code::TicketTooLong => "ticket_too_long",
            Code::InvalidLimit => "invalid_limit",
            Code::InvalidOffset => "invalid_offset",
            Code::EmptyQuestion => "empty_question",
            Code::InvalidTopK => "invalid_top_k",
            Code::InvalidSessionId => "invalid_session_id",
            Code::InvalidParameter => "invalid_parameter",
            Code::InvalidJson => "invalid_json",
            Code::ArticleNotFound => "article_not_found",
            Code::LearnedQuestionNotFound => "learned_question_not_found",
            Code::RouteNotFound => "route_not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UriTooLong => "uri_too_long",
            Code::HeadersTooLarge => "headers_too_large",
            Code::RateLimited => "rate_limited",
            Code::Timeout => "timeout",
            Code::FeedbackDisabled => "feedback_disabled",
            Code::InvalidAuthorizationHeader => "invalid_authorization_header",
            Code::AuthorizationFailed => "authorization_failed",
            Code::KnowledgeNotFound => "knowledge_not_found",
            Code::InvalidScoreThreshold => "invalid_score_threshold",
            Code::MissingKey => "missing_key",
            Code::UnknownKey => "unknown_key",
            Code::AdminKeyRequired => "admin_key_required",
            Code::ReindexFailed => "reindex_failed",
            Code::ReindexUnavailable => "reindex_unavailable",
            Code::SessionsUnavailable => "sessions_unavailable",
            Code::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Code::EmptyQuery
            | Code::QueryTooLong
            | Code::TicketTooLong
            | Code::InvalidLimit
            | Code::InvalidOffset
            | Code::EmptyQuestion
            | Code::InvalidTopK
            | Code::InvalidSessionId
            | Code::InvalidParameter
            | Code::InvalidScoreThreshold
            | Code::InvalidJson => StatusCode::BAD_REQUEST,
            Code::MissingKey => StatusCode::UNAUTHORIZED,
            Code::InvalidAuthorizationHeader
            | Code::AuthorizationFailed
            | Code::UnknownKey
            | Code::AdminKeyRequired => StatusCode::FORBIDDEN,
            Code::ArticleNotFound
            | Code::LearnedQuestionNotFound
            | Code::RouteNotFound
            | Code::KnowledgeNotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UriTooLong => StatusCode::URI_TOO_LONG,
            Code::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Timeout
            | Code::FeedbackDisabled
            | Code::ReindexUnavailable
            | Code::SessionsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal | Code::ReindexFailed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Dify's `error_code` for the code on `/retrieval`: 1001 and 1002 for
    /// keys, 2001 for an unknown knowledge base (Dify's own), 3001 for any
    /// other bad request and 5000 for a server-side failure (wenda's).
    pub fn dify_code(self) -> u32 {
        match self {
            Code::InvalidAuthorizationHeader | Code::MissingKey => 1001,
            Code::AuthorizationFailed | Code::UnknownKey | Code::AdminKeyRequired => 1002,
            Code::KnowledgeNotFound => 2001,
            c if c.status().is_server_error() => 5000,
            _ => 3001,
        }
    }

    /// The code for a bare status produced outside the handlers.
    pub fn for_status(status: StatusCode) -> Code {
        match status {
            StatusCode::NOT_FOUND => Code::RouteNotFound,
            StatusCode::UNAUTHORIZED => Code::MissingKey,
            StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
            StatusCode::URI_TOO_LONG => Code::UriTooLong,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Code::HeadersTooLarge,
            StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
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
    /// Seconds until a rate-limited client may try again.
    pub retry_after: Option<u64>,
    /// Whether to add Dify's `error_code` and `error_msg` (on `/retrieval`).
    pub dify: bool,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
            dify: false,
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

    /// The request took longer than `limit`.
    pub fn timeout(limit: std::time::Duration) -> Self {
        ApiError::new(
            Code::Timeout,
            format!(
                "the request took longer than {}; try again or ask something shorter",
                humantime::format_duration(limit)
            ),
        )
    }

    /// The client must wait `seconds` before its next request.
    pub fn rate_limited(seconds: u64) -> Self {
        let mut e = ApiError::new(
            Code::RateLimited,
            format!("too many requests from this client; retry after {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// The same error in Dify's form as well as wenda's.
    pub fn for_dify(mut self) -> Self {
        self.dify = true;
        self
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
            crate::Error::DeadlineExceeded => ApiError::new(
                Code::Timeout,
                "the request ran out of time; try again or ask something shorter",
            ),
            e @ crate::Error::SessionStore { .. } => {
                tracing::error!(error = %e, "session store unavailable");
                ApiError::new(
                    Code::SessionsUnavailable,
                    "conversations cannot be read or kept right now; try again shortly",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

/// The shape of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorInner,
    /// Dify's error code (`/retrieval` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<u32>,
    /// Dify's error message (`/retrieval` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    error_msg: Option<String>,
}

/// A stable code and a message saying what to do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorInner {
    /// Stable snake_case code (see the README's table).
    #[schema(schema_with = code_schema)]
    code: String,
    /// What went wrong and what to do next.
    message: String,
    /// Seconds to wait before retrying (`rate_limited` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

/// The `code` field's schema: one of the table's names.
fn code_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
        .description(Some("Stable snake_case code; see the README's error table"))
        .into()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let body = ErrorBody {
            error_code: self.dify.then(|| self.code.dify_code()),
            error_msg: self.dify.then(|| self.message.clone()),
            error: ErrorInner {
                code: self.code.as_str().to_string(),
                message: self.message,
                retry_after: self.retry_after,
            },
        };
        let mut response = (self.code.status(), Json(body)).into_response();
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.code == Code::MissingKey {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Turns an error response that is not JSON (axum rejections, layers) into
/// the API's error shape, so clients see one format.
pub async fn json_errors(response: Response<Body>, dify: bool) -> Response<Body> {
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
    let mut error = ApiError::new(code, message);
    error.dify = dify;
    let mut out = error.into_response();
    *out.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_dify_codes_follow_the_status() {
        let names: std::collections::HashSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        assert_eq!(Code::InvalidAuthorizationHeader.dify_code(), 1001);
        assert_eq!(Code::AuthorizationFailed.dify_code(), 1002);
        assert_eq!(Code::KnowledgeNotFound.dify_code(), 2001);
        assert_eq!(Code::InvalidJson.dify_code(), 3001);
        assert_eq!(Code::QueryTooLong.dify_code(), 3001);
        assert_eq!(Code::Internal.dify_code(), 5000);
        assert_eq!(Code::Timeout.dify_code(), 5000);
    }
}
