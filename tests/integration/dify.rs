//! Dify's external knowledge API, replayed from its specification:
//! requests, metadata filters, and each error.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use wenda::http::{AppState, app};

use crate::common::*;

const KEY: &str = "test-key-123";

fn dify_app() -> Router {
    app(bundled_state().with_api_keys(vec![KEY.into(), "second-key".into()]))
}

async fn post(app: Router, auth: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut req = Request::post("/retrieval").header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    send(app, req.body(Body::from(body.to_string())).unwrap()).await
}

fn request(query: &str, top_k: i64, threshold: f64) -> String {
    json!({
        "knowledge_id": "corpus",
        "query": query,
        "retrieval_setting": {"top_k": top_k, "score_threshold": threshold}
    })
    .to_string()
}

#[tokio::test]
async fn the_spec_request_returns_scored_records() {
    let (status, v) = post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &request("PO提交了还能撤回吗", 2, 0.0),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let records = v["records"].as_array().unwrap();
    assert!(!records.is_empty() && records.len() <= 2);
    assert_eq!(records[0]["title"], "伙伴提交PO后如何取消？");
    assert!(records[0]["content"].as_str().unwrap().contains("BD"));
    let mut last = f64::MAX;
    for r in records {
        let s = r["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s) && s <= last, "{r}");
        last = s;
        assert!(r["metadata"].is_object());
        assert_eq!(r["metadata"]["corpus"], "corpus");
    }
    assert_eq!(records[0]["metadata"]["id"], "po-cancel");
}

#[tokio::test]
async fn the_score_threshold_and_no_match_give_an_empty_list() {
    let (status, v) = post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &request("鲸鱼和企鹅", 5, 0.0),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v, json!({"records": []}));
    let (_, all) = post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &request("代金券", 5, 0.0),
    )
    .await;
    let (_, strict) = post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &request("代金券", 5, 0.99),
    )
    .await;
    assert!(strict["records"].as_array().unwrap().len() < all["records"].as_array().unwrap().len());
}

#[tokio::test]
async fn metadata_conditions_filter_records() {
    let body = json!({
        "knowledge_id": "corpus",
        "query": "考试券 代金券",
        "retrieval_setting": {"top_k": 10, "score_threshold": 0.0},
        "metadata_condition": {
            "logical_operator": "and",
            "conditions": [{"name": ["topic"], "comparison_operator": "is", "value": "考试券"}]
        }
    });
    let (status, v) = post(dify_app(), Some("Bearer second-key"), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let records = v["records"].as_array().unwrap();
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r["metadata"]["topic"] == "考试券"),
        "{v}"
    );
}

#[tokio::test]
async fn registration_sends_an_empty_body_and_gets_no_404() {
    let (status, v) = post(dify_app(), Some(&format!("Bearer {KEY}")), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v, json!({"records": []}));
}

#[tokio::test]
async fn bad_keys_are_refused_with_the_spec_error_codes() {
    let body = request("PO", 1, 0.0);
    for auth in [None, Some("Basic abc"), Some("Bearer "), Some(KEY)] {
        let (status, v) = post(dify_app(), auth, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{auth:?}");
        assert_eq!(v["error_code"], 1001, "{auth:?}");
        assert!(v["error_msg"].as_str().unwrap().contains("Bearer"));
        assert_eq!(v["error"]["code"], "invalid_authorization_header");
    }
    let (status, v) = post(dify_app(), Some("Bearer wrong"), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(v["error_code"], 1002);
    assert_eq!(v["error"]["code"], "authorization_failed");
    // Without configured keys nothing gets in.
    let (_d, engine) = build(&[data("docset")]);
    let (status, v) = post(app(AppState::new(engine)), Some("Bearer anything"), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(v["error_code"], 1002);
}

#[tokio::test]
async fn an_unknown_knowledge_id_is_2001_and_a_bad_body_is_3001() {
    let body = json!({"knowledge_id": "AAA-BBB-CCC", "query": "PO", "retrieval_setting": {"top_k": 2, "score_threshold": 0.5}});
    let (status, v) = post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error_code"], 2001);
    assert!(v["error_msg"].as_str().unwrap().contains("corpus"));
    for bad in [
        "{not json",
        r#"{"query":"PO"}"#,
        r#"{"knowledge_id":"corpus","query":"PO"}"#,
    ] {
        let (status, v) = post(dify_app(), Some(&format!("Bearer {KEY}")), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(v["error_code"], 3001, "{bad}");
        assert_eq!(v["error"]["code"], "invalid_json");
    }
}

async fn retrieve(body: Value) -> (StatusCode, Value) {
    post(
        dify_app(),
        Some(&format!("Bearer {KEY}")),
        &body.to_string(),
    )
    .await
}

fn body_with(setting: Value, condition: Value) -> Value {
    json!({
        "knowledge_id": "corpus",
        "query": "代金券",
        "retrieval_setting": setting,
        "metadata_condition": condition
    })
}

#[tokio::test]
async fn null_conditions_and_a_null_condition_object_filter_nothing() {
    let setting = json!({"top_k": 3, "score_threshold": 0.0});
    let (status, plain) = retrieve(body_with(setting.clone(), Value::Null)).await;
    assert_eq!(status, StatusCode::OK, "{plain}");
    assert!(!plain["records"].as_array().unwrap().is_empty());
    for condition in [
        json!({"logical_operator": "and", "conditions": null}),
        json!({"logical_operator": null, "conditions": []}),
        json!({}),
    ] {
        let (status, v) = retrieve(body_with(setting.clone(), condition.clone())).await;
        assert_eq!(status, StatusCode::OK, "{condition}: {v}");
        assert_eq!(v["records"], plain["records"], "{condition}");
    }
}

#[tokio::test]
async fn before_and_after_compare_dates() {
    let setting = json!({"top_k": 3, "score_threshold": 0.0});
    let when = |op: &str, value: Value| {
        body_with(
            setting.clone(),
            json!({"conditions": [{"name": "indexed_at", "comparison_operator": op, "value": value}]}),
        )
    };
    let (status, v) = retrieve(when("after", json!("2020-01-01"))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let records = v["records"].as_array().unwrap();
    assert!(!records.is_empty(), "{v}");
    assert!(
        records
            .iter()
            .all(|r| r["metadata"]["indexed_at"].as_u64().unwrap() > 1_577_836_800)
    );
    let (_, v) = retrieve(when("before", json!("2020-01-01T00:00:00Z"))).await;
    assert_eq!(v["records"], json!([]));
    // Unix seconds, as Dify stores time metadata.
    let (_, v) = retrieve(when("before", json!(4_102_444_800u64))).await;
    assert!(!v["records"].as_array().unwrap().is_empty(), "{v}");
}

#[tokio::test]
async fn a_lowercase_bearer_and_numbers_as_strings_are_accepted() {
    let body = json!({
        "knowledge_id": "corpus",
        "query": "代金券",
        "retrieval_setting": {"top_k": "2", "score_threshold": "0.0"}
    });
    for auth in [format!("bearer {KEY}"), format!("BEARER  {KEY}")] {
        let (status, v) = post(dify_app(), Some(&auth), &body.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{auth}: {v}");
        let n = v["records"].as_array().unwrap().len();
        assert!((1..=2).contains(&n), "{v}");
    }
    let body =
        json!({"knowledge_id": "corpus", "query": "代金券", "retrieval_setting": {"top_k": "two"}});
    let (status, v) = retrieve(body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "invalid_top_k");
    assert_eq!(v["error_code"], 3001);
}

#[tokio::test]
async fn a_score_threshold_outside_zero_to_one_is_refused_clearly() {
    for threshold in [
        json!(1.5),
        json!(-0.1),
        json!("2"),
        json!("high"),
        json!(true),
    ] {
        let body = json!({
            "knowledge_id": "corpus",
            "query": "代金券",
            "retrieval_setting": {"top_k": 3, "score_threshold": threshold}
        });
        let (status, v) = retrieve(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{threshold}: {v}");
        assert_eq!(v["error"]["code"], "invalid_score_threshold", "{threshold}");
        assert_eq!(v["error_code"], 3001);
        assert!(v["error_msg"].as_str().unwrap().contains("0 to 1"), "{v}");
    }
    for ok in [json!(0), json!(1), json!(0.5), json!("0.5")] {
        let body = json!({
            "knowledge_id": "corpus",
            "query": "代金券",
            "retrieval_setting": {"top_k": 3, "score_threshold": ok}
        });
        let (status, v) = retrieve(body).await;
        assert_eq!(status, StatusCode::OK, "{ok}: {v}");
    }
}
