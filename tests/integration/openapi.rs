//! The OpenAPI document describes every route the router serves.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;
use wenda::http::ROUTES;

use crate::common::*;

#[tokio::test]
async fn every_route_is_in_the_document_and_served() {
    let (status, doc) = get(bundled(), "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths.len(),
        ROUTES
            .iter()
            .map(|r| r.1)
            .collect::<std::collections::HashSet<_>>()
            .len()
    );
    for (method, path) in ROUTES {
        assert!(
            paths[*path].get(*method).is_some(),
            "{method} {path} missing from openapi.json"
        );
        let uri = path.replace("{id}", "offline-customer-invitation");
        let uri = if uri == "/api/search" {
            format!("{uri}?q=PO")
        } else {
            uri
        };
        let body = match *path {
            "/api/answer" => json!({"question": "PO"}).to_string(),
            "/api/feedback" => {
                json!({"query": "q", "article_id": "po-cancel", "helpful": true}).to_string()
            }
            _ => String::new(),
        };
        let req = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let resp = bundled().oneshot(req).await.unwrap();
        assert_ne!(
            resp.status(),
            StatusCode::NOT_FOUND,
            "{method} {uri} is not routed"
        );
        assert_ne!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
    }
    // Schemas are generated from the code, including nested ones.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "SearchResponse",
        "AnswerResponse",
        "Step",
        "ErrorBody",
        "RetrievalInput",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
}
