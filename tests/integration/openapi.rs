//! One route list (`http::routes::api`) builds both the router and the
//! OpenAPI document, so a route cannot be served without being documented.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use crate::common::*;

#[tokio::test]
async fn every_documented_route_is_served() {
    let (status, doc) = get(bundled(), "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    assert_eq!(routes.len(), 10, "{routes:?}");
    for (method, path) in &routes {
        let uri = path.replace("{id}", "offline-customer-invitation");
        let uri = if uri == "/api/search" {
            format!("{uri}?q=PO")
        } else {
            uri
        };
        let body = match path.as_str() {
            "/api/answer" => json!({"question": "PO"}).to_string(),
            "/api/assist" => json!({"ticket": "PO怎么取消？"}).to_string(),
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
        "AssistResponse",
        "Step",
        "ErrorBody",
        "RetrievalInput",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
}

/// The router is built only from the documented list: no `.route(`,
/// `.route_service(`, `.nest(` or `.merge(` in `src/http` adds a path
/// outside it, except the wildcard through which documented article paths
/// with `/` in their ids are answered.
#[test]
fn no_route_is_registered_outside_the_documented_list() {
    let mut files = vec![repo().join("src/http/mod.rs")];
    for dir in ["src/http", "src/http/routes"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") && !files.contains(&path) {
                files.push(path);
            }
        }
    }
    let mut undocumented = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for call in [
            ".route(",
            ".route_service(",
            ".nest(",
            ".nest_service(",
            ".merge(",
        ] {
            for (at, _) in text.match_indices(call) {
                let rest: String = text[at..].chars().take(120).collect();
                if !rest.contains("\"/api/articles/{*id}\"") {
                    undocumented.push(format!(
                        "{}: {}",
                        file.display(),
                        rest.lines().next().unwrap()
                    ));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "routes outside the documented list: {undocumented:#?}"
    );
    let doc = wenda::http::openapi::document();
    for path in ["/api/articles/{id}", "/api/articles/{id}/steps"] {
        assert!(doc.paths.paths.contains_key(path), "{path}");
    }
}
