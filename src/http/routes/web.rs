//! The help-centre page at `/` and the drop-in widget at `/widget.js`,
//! embedded in the binary: plain HTML, CSS and JavaScript with no build
//! step and nothing fetched from elsewhere. Documented like every route
//! (as HTML, JavaScript and CSS).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");
const WIDGET_JS: &str = include_str!("../web/widget.js");

/// The page's policy: its own scripts and styles, calls to its own API.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

fn asset(body: &'static str, content_type: &'static str, cache: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// The help-centre page: search, topics, articles, chat and the agent view.
#[utoipa::path(
    get,
    path = "/",
    tag = "page",
    responses((status = 200, description = "The page (HTML)", content_type = "text/html", body = String))
)]
pub async fn page() -> Response {
    let mut r = asset(PAGE, "text/html; charset=utf-8", "no-cache");
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r
}

/// The page opened on one article (the links in `/api/assist` drafts).
#[utoipa::path(
    get,
    path = "/articles/{id}",
    tag = "page",
    params(("id" = String, Path, description = "Article id (may contain `/`)")),
    responses((status = 200, description = "The page (HTML), which shows the article", content_type = "text/html", body = String))
)]
pub async fn article_page() -> Response {
    page().await
}

/// The page's script.
#[utoipa::path(
    get,
    path = "/app.js",
    tag = "page",
    responses((status = 200, description = "The page's script", content_type = "text/javascript", body = String))
)]
pub async fn app_js() -> Response {
    asset(
        APP_JS,
        "text/javascript; charset=utf-8",
        "public, max-age=300",
    )
}

/// The page's style sheet.
#[utoipa::path(
    get,
    path = "/app.css",
    tag = "page",
    responses((status = 200, description = "The page's style sheet", content_type = "text/css", body = String))
)]
pub async fn app_css() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8", "public, max-age=300")
}

/// The `<wenda-search>` element, for any site to embed with one script tag.
#[utoipa::path(
    get,
    path = "/widget.js",
    tag = "page",
    responses((status = 200, description = "The search widget (a custom element)", content_type = "text/javascript", body = String))
)]
pub async fn widget_js() -> Response {
    let mut r = asset(
        WIDGET_JS,
        "text/javascript; charset=utf-8",
        "public, max-age=300",
    );
    // Loaded by other origins' pages as a classic script.
    r.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    r
}
