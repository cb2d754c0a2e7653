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
    assert_eq!(routes.len(), 24, "{routes:?}");
    for (method, path) in &routes {
        let uri = path.replace("{id}", "offline-customer-invitation");
        let uri = if uri == "/api/search" || uri == "/api/suggest" {
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
            "/api/click" => {
                json!({"query": "PO", "article_id": "po-cancel", "position": 1}).to_string()
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
        let status = resp.status();
        if status == StatusCode::NOT_FOUND {
            // A routed path may still say its resource is unknown, with its
            // own code; only the router's fallback means "not routed".
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_ne!(
                body["code"], "route_not_found",
                "{method} {uri} is not routed"
            );
            continue;
        }
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
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
/// outside it, except the wildcards through which documented article paths
/// (the API's and the page's) with `/` in their ids are answered.
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
                if !rest.contains("/articles/{*id}\"") {
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
    let doc = wenda::http::openapi_document();
    for path in [
        "/api/articles/{id}",
        "/api/articles/{id}/steps",
        "/articles/{id}",
    ] {
        assert!(doc.paths.paths.contains_key(path), "{path}");
    }
}

/// The checks openapi-spec-validator failed on, in Rust so they always
/// run: every response has a description, every error status has the
/// error body, every `$ref` resolves, and the error body's `code` lists
/// exactly the error table.
#[tokio::test]
async fn every_response_is_described_and_every_error_has_the_error_body() {
    let (_, doc) = get(bundled(), "/openapi.json").await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let at = format!("{method} {path} {status}");
                if response["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    problems.push(format!("{at}: no description"));
                }
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    if schema != "#/components/schemas/ErrorBody" {
                        problems.push(format!("{at}: error without ErrorBody"));
                    }
                }
            }
            for status in ["429", "500", "503"] {
                if op["responses"].get(status).is_none() {
                    problems.push(format!("{method} {path}: {status} not described"));
                }
            }
        }
    }
    let text = doc.to_string();
    for (at, _) in text.match_indices("\"$ref\":\"#/components/schemas/") {
        let rest = &text[at + "\"$ref\":\"#/components/schemas/".len()..];
        let name = &rest[..rest.find('"').unwrap()];
        if !schemas.contains_key(name) {
            problems.push(format!("$ref to missing schema {name}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let codes: Vec<&str> = schemas["ErrorInner"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let table: Vec<&str> = wenda::http::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, table);
    // Dify's fields are typed as what Dify sends, not as objects.
    let name = &schemas["Condition"]["properties"]["name"];
    assert!(name["oneOf"].is_array(), "{name}");
    let top_k = &schemas["RetrievalSetting"]["properties"]["top_k"];
    assert!(top_k.to_string().contains("\"string\""), "{top_k}");
}

/// openapi-spec-validator (PyPI) on the served document, when Python has
/// it; `WENDA_REQUIRE_OPENAPI_VALIDATOR=1` (CI) makes its absence a failure.
#[tokio::test]
async fn the_document_passes_openapi_spec_validator() {
    let has_validator = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_validator {
        let required = std::env::var("WENDA_REQUIRE_OPENAPI_VALIDATOR").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "WENDA_REQUIRE_OPENAPI_VALIDATOR=1 but python3 -m openapi_spec_validator is missing"
        );
        eprintln!(
            "skipped: openapi-spec-validator is not installed (pip install openapi-spec-validator)"
        );
        return;
    }
    let (_, doc) = get(bundled(), "/openapi.json").await;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openapi-spec-validator: {report}");
    assert!(report.contains("OK"), "{report}");
}
