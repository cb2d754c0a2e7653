//! `/metrics`, scraped and read with a Prometheus text parser: the
//! counters move as requests are made. Request ids go back in a header.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;
use wenda::answer::Answerer;
use wenda::config::ServeConfig;
use wenda::http::{AppState, app};

use crate::common::*;

/// A state of its own, so no other test moves its counters.
fn fresh() -> AppState {
    let engine = bundled_state().engine();
    AppState::with_config(
        engine.clone(),
        Answerer::new(engine),
        ServeConfig::default(),
    )
}

/// The samples of one scrape: `name{label="v",…}` → value (histograms
/// by their `_count`).
async fn scrape(state: &AppState) -> HashMap<String, f64> {
    let resp = app(state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("valid exposition text");
    let mut out = HashMap::new();
    for s in scrape.samples {
        let mut labels: Vec<_> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        labels.sort();
        let key = if labels.is_empty() {
            s.metric.clone()
        } else {
            format!("{}{{{}}}", s.metric, labels.join(","))
        };
        let value = match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            prometheus_parse::Value::Summary(_) => continue,
        };
        out.insert(key, value);
    }
    out
}

fn value(samples: &HashMap<String, f64>, key: &str) -> f64 {
    samples.get(key).copied().unwrap_or(0.0)
}

async fn ask(state: &AppState, question: &str) {
    let req = Request::post("/api/answer")
        .header("content-type", "application/json")
        .body(Body::from(json!({"question": question}).to_string()))
        .unwrap();
    let (status, _) = send(app(state.clone()), req).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_zero_results_answers_and_the_index() {
    let state = fresh();
    let before = scrape(&state).await;
    assert_eq!(value(&before, "wenda_index_articles"), 19.0);
    assert_eq!(
        value(&before, "wenda_index_builds_total{result=\"failed\"}"),
        0.0
    );
    assert!(before.contains_key("wenda_index_age_seconds"));

    for q in ["代金券", "考试券怎么用", "xqzvkw"] {
        let (status, _) = search(app(state.clone()), q, "").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = get(app(state.clone()), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ask(&state, "转人工").await;
    ask(&state, "PO提交了还能撤回吗").await;

    let after = scrape(&state).await;
    let search_ok =
        "wenda_http_requests_total{method=\"GET\",route=\"/api/search\",status=\"200\"}";
    assert_eq!(value(&after, search_ok), 3.0, "{after:?}");
    assert_eq!(
        value(
            &after,
            "wenda_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ),
        1.0
    );
    assert_eq!(value(&after, "wenda_search_zero_results_total"), 1.0);
    assert_eq!(
        value(
            &after,
            "wenda_answers_total{reason=\"human_requested\",status=\"no_answer\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "wenda_answers_total{reason=\"confident_match\",status=\"answered\"}"
        ),
        1.0
    );
    assert_eq!(value(&after, "wenda_answer_handoffs_total"), 1.0);
    assert_eq!(
        value(
            &after,
            "wenda_http_request_duration_seconds_count{route=\"/api/search\"}"
        )
        .max(value(
            &after,
            "wenda_http_request_duration_seconds{route=\"/api/search\"}"
        )),
        3.0,
        "{after:?}"
    );

    // One more search moves its counter by one.
    let (status, _) = search(app(state.clone()), "代金券", "").await;
    assert_eq!(status, StatusCode::OK);
    let again = scrape(&state).await;
    assert_eq!(value(&again, search_ok), 4.0);
    assert_eq!(value(&again, "wenda_search_zero_results_total"), 1.0);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_good_incoming_one_is_kept() {
    let resp = bundled()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    let resp = bundled()
        .oneshot(
            Request::get("/api/search?q=x")
                .header("x-request-id", "trace-42.a_b")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-42.a_b");

    // Errors too, and an id that is not well-formed is replaced.
    let resp = bundled()
        .oneshot(
            Request::get("/nowhere")
                .header("x-request-id", "no spaces allowed")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_ne!(resp.headers()["x-request-id"], "no spaces allowed");
}
