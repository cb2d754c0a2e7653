//! `/openapi.json`: the OpenAPI document, generated from the same route
//! list that builds the router ([`super::api`]).

use std::sync::LazyLock;

use axum::Json;

/// The API's OpenAPI document: every route the router serves.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| {
        let mut doc = super::api().split_for_parts().1;
        crate::http::openapi::complete(&mut doc);
        doc
    });
    &DOC
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document().clone())
}
