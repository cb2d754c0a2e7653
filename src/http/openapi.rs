//! The OpenAPI document's fixed parts (title, security scheme) and what the
//! route annotations leave out: every response gets a description (OpenAPI
//! requires one), and every operation lists the errors any request can meet
//! before its handler (the guard's). Paths and schemas come from the route
//! list that builds the router (`routes::api`, which also serves the
//! document as `/openapi.json`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document's fixed parts; paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wenda",
        description = "Search and answers for Chinese help-centre content"
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

/// Errors the guard can answer any request with, before its handler.
const GUARD_ERRORS: [(&str, &str); 5] = [
    ("414", "`uri_too_long`"),
    ("429", "`rate_limited` (see `Retry-After`)"),
    ("431", "`headers_too_large`"),
    ("500", "`internal`: a bug; details are in the server log"),
    ("503", "`timeout`"),
];

/// Errors of endpoints that need a key (`/api/*` with `--require-key`).
const KEY_ERRORS: [(&str, &str); 2] = [
    (
        "401",
        "`missing_key` (when the server runs with `--require-key`)",
    ),
    (
        "403",
        "`unknown_key` (when the server runs with `--require-key`)",
    ),
];

/// Fills in what the route annotations leave out.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let responses = &mut op.responses.responses;
            let mut extra: Vec<(&str, &str)> = GUARD_ERRORS.to_vec();
            if path.starts_with("/api/") && !path.starts_with("/api/admin/") {
                extra.extend(KEY_ERRORS);
            }
            for (status, description) in extra {
                responses.entry(status.to_string()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content("application/json", error())
                            .build(),
                    )
                });
            }
            for (status, response) in responses.iter_mut() {
                if let RefOr::T(r) = response
                    && r.description.trim().is_empty()
                {
                    r.description = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Response")
                        .to_string();
                }
            }
        }
    }
}
