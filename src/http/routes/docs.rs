//! `/openapi.json`: the OpenAPI document, generated from the same route
//! list that builds the router ([`super::api`]).

use std::sync::LazyLock;

use axum::Json;

/// The API's OpenAPI document: every route the router serves.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: LazyLock<utoipa::openapi::OpenApi> =
        LazyLock::new(|| super::api().split_for_parts().1);
    &DOC
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document().clone())
}
