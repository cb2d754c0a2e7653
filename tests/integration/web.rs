//! The page's endpoints: the article listing by topic, click reports, the
//! page and widget assets, and CORS for a widget on another origin.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use wenda::http::app;
use wenda::journal::{Journal, clicks};

use crate::common::*;

async fn list(router: axum::Router, query: &str) -> (StatusCode, Value) {
    get(router, &format!("/api/articles{query}")).await
}

fn ids(body: &Value) -> Vec<String> {
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn articles_are_listed_by_topic_a_page_at_a_time() {
    let (status, all) = list(bundled(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total"], 19);
    assert_eq!(all["limit"], 20);
    assert_eq!(all["topic"], json!([]));
    assert_eq!(ids(&all).len(), 19);
    let (_, topic) = list(bundled(), &format!("?topic={}", enc("客户业务"))).await;
    assert_eq!(topic["total"], 8);
    assert_eq!(topic["topic"], json!(["客户业务"]));
    for a in topic["articles"].as_array().unwrap() {
        assert_eq!(a["topic"][0], "客户业务", "{a}");
        assert_eq!(a["breadcrumb"][0]["name"], "客户业务", "{a}");
        assert!(a["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(a["step_count"].is_u64());
    }
    assert!(
        topic["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["step_count"].as_u64().unwrap() > 0 && !a["steps_preview"][0].is_null())
    );
    // Pages follow one order and together are the whole topic.
    let (_, first) = list(bundled(), &format!("?topic={}&limit=5", enc("客户业务"))).await;
    let (_, second) = list(
        bundled(),
        &format!("?topic={}&limit=5&offset=5", enc("客户业务")),
    )
    .await;
    let mut paged = ids(&first);
    paged.extend(ids(&second));
    assert_eq!(paged, ids(&topic));
    let (_, past) = list(bundled(), "?offset=100").await;
    assert_eq!(past["total"], 19);
    assert_eq!(past["articles"], json!([]));
    let (status, unknown) = list(bundled(), &format!("?topic={}", enc("没有这个主题"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unknown["total"], 0);
}

#[tokio::test]
async fn a_nested_topic_lists_what_is_below_it_in_toc_order() {
    let (_, tree) = get(docset(), "/api/topics").await;
    let (_, all) = list(docset(), "").await;
    let top = &tree["topics"][0];
    let name = top["name"].as_str().unwrap();
    let (_, under) = list(docset(), &format!("?topic={}", enc(name))).await;
    assert_eq!(under["total"], top["count"], "{under}");
    // The listing keeps the corpus order of the whole list.
    let order = ids(&all);
    let positions: Vec<usize> = ids(&under)
        .iter()
        .map(|id| order.iter().position(|o| o == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    if let Some(child) = top["children"].as_array().and_then(|c| c.first()) {
        let path = child["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" > ");
        let (_, deeper) = list(docset(), &format!("?topic={}", enc(&path))).await;
        assert_eq!(deeper["total"], child["count"]);
    }
}

#[tokio::test]
async fn bad_listing_parameters_get_the_error_table() {
    for (query, expected) in [
        ("?limit=0", "invalid_limit"),
        ("?limit=101", "invalid_limit"),
        ("?limit=x", "invalid_limit"),
        ("?offset=-1", "invalid_offset"),
        ("?offset=10001", "invalid_offset"),
        ("?topic=a&topic=b", "invalid_parameter"),
    ] {
        let (status, body) = list(bundled(), query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(code(&body), expected, "{query}");
    }
    let (status, body) = list(bundled(), &format!("?topic={}", "a".repeat(513))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "invalid_parameter");
}

async fn click(router: axum::Router, body: &str) -> (StatusCode, Value) {
    let req = Request::post("/api/click")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(router, req).await
}

#[tokio::test]
async fn clicks_are_checked_and_logged_for_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let state = bundled_state().with_journal(Journal::open(dir.path()).unwrap());
    let good =
        json!({"query": "代金券", "article_id": "issue-vouchers-to-customers", "position": 2});
    let (status, body) = click(app(state.clone()), &good.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"ok": true, "logged": true}));
    for (bad, expected) in [
        (
            json!({"query": "代金券", "article_id": "no-such-article", "position": 1}),
            "article_not_found",
        ),
        (
            json!({"query": " ", "article_id": "po-cancel", "position": 1}),
            "empty_query",
        ),
        (
            json!({"query": "x".repeat(1001), "article_id": "po-cancel", "position": 1}),
            "query_too_long",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "position": 0}),
            "invalid_parameter",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "position": 10001}),
            "invalid_parameter",
        ),
        (
            json!({"query": "q", "article_id": "a".repeat(513), "position": 1}),
            "invalid_parameter",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel"}),
            "invalid_json",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "position": "1"}),
            "invalid_json",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "position": 1, "extra": 1}),
            "invalid_json",
        ),
    ] {
        let (status, body) = click(app(state.clone()), &bad.to_string()).await;
        assert!(status.is_client_error(), "{bad}: {status}");
        assert_eq!(code(&body), expected, "{bad}");
    }
    state.journal.as_ref().unwrap().flush();
    let (logged, unreadable) = clicks(dir.path()).unwrap();
    assert_eq!(unreadable, 0);
    assert_eq!(logged.len(), 1, "only the good click is logged: {logged:?}");
    assert_eq!(logged[0].query, "代金券");
    assert_eq!(logged[0].article_id, "issue-vouchers-to-customers");
    assert_eq!(logged[0].position, 2);
    // A server without logs still answers the widget.
    let (status, body) = click(bundled(), &good.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["logged"], false);
}

async fn fetch(router: axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_page_and_the_widget_are_served_from_the_binary() {
    let (status, headers, html) = fetch(bundled(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    for asset in ["/widget.js", "/app.js", "/app.css"] {
        assert!(html.contains(&format!("\"{asset}\"")), "{asset}");
    }
    assert!(html.contains("<wenda-search"));
    // Nothing is fetched from elsewhere (the widget's address comes from
    // its own script tag or its `server` attribute).
    let (_, _, app_js) = fetch(bundled(), "/app.js").await;
    let (_, _, app_css) = fetch(bundled(), "/app.css").await;
    for (name, file) in [("/", &html), ("/app.js", &app_js), ("/app.css", &app_css)] {
        assert!(
            !file.contains("http://") && !file.contains("https://") && !file.contains("//cdn"),
            "{name}"
        );
    }
    let (status, headers, js) = fetch(bundled(), "/widget.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");
    assert!(js.contains("customElements.define('wenda-search'"));
    assert!(!js.contains("import "), "one classic script, no modules");
    let (status, _, _) = fetch(bundled(), "/app.css").await;
    assert_eq!(status, StatusCode::OK);
    // Draft links (/articles/ID, ids with `/` too) open the page.
    let (status, _, page) = fetch(docset(), "/articles/sub/更改时区").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page, html);
    let (status, body) = get(bundled(), "/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "route_not_found");
}

#[tokio::test]
async fn a_widget_on_an_allowed_origin_may_post_clicks() {
    let preflight = |origin: &str| {
        Request::options("/api/click")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let open =
        bundled_state().configure(|c| c.cors_origins = vec!["https://help.example.com".into()]);
    let resp = app(open.clone())
        .oneshot(preflight("https://help.example.com"))
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://help.example.com");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type")
    );
    let resp = app(open)
        .oneshot(preflight("https://evil.example"))
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let resp = bundled()
        .oneshot(preflight("https://help.example.com"))
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}
