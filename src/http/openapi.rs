//! The OpenAPI description, generated from the handlers and types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes;

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wenda",
        description = "Search and answers for Chinese help-centre content"
    ),
    paths(
        routes::health::healthz,
        routes::search::search,
        routes::topics::topics,
        routes::articles::article,
        routes::articles::steps,
        routes::answer::answer,
        routes::feedback::feedback,
        routes::retrieval::retrieval,
        openapi_json,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
