//! Hostile input at the HTTP edge: caps checked before any work, the key
//! before the body, every error in the JSON shape (timeouts, head limits,
//! rate limits), CORS closed unless opened.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use http_body_util::channel::Channel;
use serde_json::{Value, json};
use tower::ServiceExt;
use wenda::answer::{Answerer, MemorySessions, Policy, SessionStore};
use wenda::config::{RateLimit, ServeConfig};
use wenda::http::{AppState, app};

use crate::common::*;

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A body that never finishes arriving (the sender is kept alive).
fn endless_body() -> (http_body_util::channel::Sender<Bytes>, Body) {
    let (tx, body) = Channel::<Bytes>::new(1);
    (tx, Body::new(body))
}

#[tokio::test]
async fn a_huge_session_id_is_refused_and_the_store_does_not_grow() {
    let (_dir, engine) = build(&[data("docset")]);
    let engine = Arc::new(engine);
    let sessions = Arc::new(MemorySessions::default());
    let answerer = Answerer::with(engine.clone(), sessions.clone(), Policy::default());
    let state = AppState::with_config(engine, answerer, ServeConfig::default());
    let huge = "s".repeat(1_900_000);
    for id in [huge.as_str(), &"x".repeat(129), "会话", "a b", "tab\tid"] {
        let (status, v) = send(
            app(state.clone()),
            post_json(
                "/api/answer",
                &json!({"question": "时区怎么改", "session_id": id}),
            ),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            &id[..id.len().min(20)]
        );
        assert_eq!(code(&v), "invalid_session_id");
    }
    sessions.sync();
    assert_eq!(sessions.len(), 0, "no refused request reached the store");
    let longest = "k".repeat(128);
    let (status, v) = send(
        app(state.clone()),
        post_json(
            "/api/answer",
            &json!({"question": "时区怎么改", "session_id": longest}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["session_id"], longest);
    sessions.sync();
    assert_eq!(sessions.len(), 1);
}

#[tokio::test]
async fn every_user_string_is_capped_with_the_same_codes() {
    let long_topic = "题".repeat(513);
    let (status, v) = search(bundled(), "PO", &format!("&topic={}", enc(&long_topic))).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_parameter")
    );
    let (status, v) = send(
        bundled(),
        post_json(
            "/api/answer",
            &json!({"question": "PO", "topic": long_topic}),
        ),
    )
    .await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_parameter")
    );
    let dir = tempfile::tempdir().unwrap();
    let state = bundled_state().with_journal(wenda::journal::Journal::open(dir.path()).unwrap());
    for (body, want) in [
        (
            json!({"query": "券".repeat(1001), "article_id": "po-cancel", "helpful": true}),
            "query_too_long",
        ),
        (
            json!({"query": "q", "article_id": "a".repeat(513), "helpful": true}),
            "invalid_parameter",
        ),
    ] {
        let (status, v) = send(app(state.clone()), post_json("/api/feedback", &body)).await;
        assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, want));
    }
    // Dify's query: the same code, with Dify's 3001 beside it.
    let dify = app(bundled_state().with_api_keys(vec!["k".into()]));
    let req = Request::post("/retrieval")
        .header("authorization", "Bearer k")
        .body(Body::from(
            json!({"knowledge_id": "corpus", "query": "券".repeat(1001), "retrieval_setting": {"top_k": 2}})
                .to_string(),
        ))
        .unwrap();
    let (status, v) = send(dify, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&v), "query_too_long");
    assert_eq!(v["error_code"], 3001);
}

#[tokio::test]
async fn a_timeout_is_a_json_503() {
    let state = bundled_state().configure(|c| c.timeouts.request = Duration::from_millis(50));
    let (_keep_open, body) = endless_body();
    let req = Request::post("/api/answer")
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let (status, v) = send(app(state), req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code(&v), "timeout");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("50ms"),
        "{v}"
    );
}

/// Long inputs wait for the heavy lane; ordinary searches never do. With
/// the lane taken, a long query gets a JSON 503 at its timeout while a
/// short one is served; with the lane free, the long one is served too.
#[tokio::test]
async fn long_queries_wait_for_the_heavy_lane_and_short_ones_do_not() {
    let state = bundled_state().configure(|c| c.timeouts.request = Duration::from_millis(200));
    let long: String = "代金券怎么使用".repeat(20);
    assert!(long.chars().count() > wenda::http::HEAVY_INPUT_CHARS);
    let lane = state.heavy_lanes().lane(wenda::http::Lane::Query).clone();
    let all = u32::try_from(lane.available_permits()).unwrap();
    let held = lane.clone().acquire_many_owned(all).await.unwrap();
    let (status, v) = search(app(state.clone()), &long, "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(code(&v), "timeout");
    // However the wait ended, the request no longer counts as waiting.
    assert_eq!(state.heavy_lanes().waiting(), 0);
    let (status, v) = search(app(state.clone()), "代金券怎么使用", "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let req = post_json("/api/answer", &json!({"question": long}));
    let (status, v) = send(app(state.clone()), req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    // Tickets have a lane of their own: agents do not queue behind queries.
    let req = post_json("/api/assist", &json!({"ticket": long}));
    let (status, v) = send(app(state.clone()), req).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    drop(held);
    let (status, v) = search(app(state), &long, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(!hit_ids(&v).is_empty(), "{v}");
}

#[tokio::test]
async fn retrieval_checks_the_key_before_reading_the_body() {
    let dify = || app(bundled_state().with_api_keys(vec!["k".into()]));
    let big = vec![b'x'; 3 * 1024 * 1024];
    for (auth, dify_code) in [(None, 1001), (Some("Bearer wrong"), 1002)] {
        let mut req = Request::post("/retrieval").header("content-type", "application/json");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let (status, v) = send(dify(), req.body(Body::from(big.clone())).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{auth:?}");
        assert_eq!(v["error_code"], dify_code);
        // A body that never ends is never waited for.
        let (_keep_open, body) = endless_body();
        let mut req = Request::post("/retrieval");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let (status, _) = send(dify(), req.body(body).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{auth:?}");
    }
    // With the key, the size limit applies.
    let req = Request::post("/retrieval")
        .header("authorization", "Bearer k")
        .body(Body::from(big))
        .unwrap();
    let (status, v) = send(dify(), req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&v), "payload_too_large");
    assert_eq!(v["error_code"], 3001);
}

#[tokio::test]
async fn oversized_heads_get_json_414_and_431() {
    let uri = format!("/api/search?q={}", "a".repeat(17 * 1024));
    let (status, v) = get(bundled(), &uri).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::URI_TOO_LONG, "uri_too_long")
    );
    let req = Request::get("/healthz")
        .header("x-padding", "p".repeat(40 * 1024))
        .body(Body::empty())
        .unwrap();
    let (status, v) = send(bundled(), req).await;
    assert_eq!(
        (status, code(&v)),
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large"
        )
    );
    let mut req = Request::get("/healthz");
    for i in 0..101 {
        req = req.header(format!("x-h{i}"), "1");
    }
    let (status, _) = send(bundled(), req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}

fn from(ip: &str, uri: &str) -> Request<Body> {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

#[tokio::test]
async fn a_client_past_its_rate_gets_a_json_429_and_loopback_is_exempt() {
    let state = bundled_state().configure(|c| {
        c.rate_limit = RateLimit {
            per_second: 1,
            burst: 3,
            loopback: false,
        }
    });
    for _ in 0..3 {
        let resp = app(state.clone())
            .oneshot(from("198.51.100.4", "/healthz"))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = app(state.clone())
        .oneshot(from("198.51.100.4", "/healthz"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(code(&v), "rate_limited");
    assert_eq!(v["error"]["retry_after"], 1);
    // Another client is not affected; loopback is not limited by default.
    let (status, _) = send(app(state.clone()), from("198.51.100.5", "/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..10 {
        let (status, _) = send(app(state.clone()), from("127.0.0.1", "/healthz")).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn cors_is_closed_unless_an_origin_is_configured() {
    let request = |origin: &str| {
        Request::get("/healthz")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let resp = bundled()
        .oneshot(request("https://evil.example"))
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let open =
        bundled_state().configure(|c| c.cors_origins = vec!["https://help.example.com".into()]);
    let resp = app(open.clone())
        .oneshot(request("https://help.example.com"))
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://help.example.com"
    );
    let resp = app(open)
        .oneshot(request("https://evil.example"))
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}
