//! Learning from use over HTTP: helpful feedback teaches a question to its
//! article, what was learned comes back after a restart (it is read from
//! the logs), and an admin can list and forget it for good.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use wenda::http::{AppState, app};
use wenda::journal::Journal;

use crate::common::*;

const ADMIN: &str = "admin-key-learned";
const QUERY: &str = "代金券 怎么用";

fn state(dir: &std::path::Path) -> AppState {
    bundled_state()
        .with_admin_keys(vec![ADMIN.into()])
        .with_journal(Journal::open(dir).unwrap())
}

async fn feedback(state: &AppState, article: &str, helpful: bool) {
    let req = Request::post("/api/feedback")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"query": QUERY, "article_id": article, "helpful": helpful}).to_string(),
        ))
        .unwrap();
    let (status, v) = send(app(state.clone()), req).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

async fn rank_of(state: &AppState, article: &str) -> Option<usize> {
    let (status, v) = search(app(state.clone()), QUERY, "&limit=10").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    hit_ids(&v).iter().position(|id| id == article)
}

async fn admin(state: &AppState, req: axum::http::request::Builder) -> (StatusCode, Value) {
    let req = req
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(Body::empty())
        .unwrap();
    send(app(state.clone()), req).await
}

#[tokio::test]
async fn helpful_feedback_lifts_an_article_survives_a_restart_and_can_be_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = state(dir.path());
    let (_, v) = search(app(fresh.clone()), QUERY, "&limit=10").await;
    let before = hit_ids(&v);
    assert!(before.len() >= 3, "{before:?}");
    // An article the ranking puts below the first: users say it answers.
    let taught = before[2].clone();
    for _ in 0..3 {
        feedback(&fresh, &taught, true).await;
    }
    let lifted = rank_of(&fresh, &taught).await.expect("still found");
    assert!(lifted < 2, "{taught} at {lifted}, was 2 in {before:?}");

    // A restart reads it back from the logs.
    let restarted = state(dir.path());
    assert_eq!(rank_of(&restarted, &taught).await, Some(lifted));
    let (status, list) = admin(&restarted, Request::get("/api/admin/learned")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let questions = list["questions"].as_array().unwrap();
    let learned: Vec<&Value> = questions
        .iter()
        .filter(|q| q["article_id"] == taught.as_str())
        .collect();
    assert_eq!(learned.len(), 1, "{list}");
    let id = learned[0]["id"].as_str().unwrap().to_string();

    // Forgotten at once, and still forgotten after another restart, even
    // though the feedback that taught it stays in the log.
    let (status, v) = admin(
        &restarted,
        Request::delete(format!("/api/admin/learned/{id}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(rank_of(&restarted, &taught).await, Some(2));
    let again = state(dir.path());
    assert_eq!(rank_of(&again, &taught).await, Some(2));
    let (status, v) = admin(&again, Request::delete(format!("/api/admin/learned/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(code(&v), "learned_question_not_found");
}

#[tokio::test]
async fn unhelpful_feedback_never_lifts_and_a_server_without_logs_learns_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    let (_, v) = search(app(s.clone()), QUERY, "&limit=10").await;
    let before = hit_ids(&v);
    let top = before[0].clone();
    for _ in 0..3 {
        feedback(&s, &top, false).await;
    }
    let after = rank_of(&s, &top).await;
    assert!(after.is_none_or(|r| r >= 1), "{top} still first: {after:?}");
    // Without --log-dir there is nowhere to keep it: nothing is learned.
    let (status, v) = admin(
        &bundled_state().with_admin_keys(vec![ADMIN.into()]),
        Request::get("/api/admin/learned"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["questions"], json!([]));
}

#[tokio::test]
async fn clicks_teach_too_and_are_read_back_from_the_click_log() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    let (_, v) = search(app(s.clone()), QUERY, "&limit=10").await;
    let before = hit_ids(&v);
    let clicked = before[2].clone();
    let click = |ip: [u8; 4]| {
        let mut req = Request::post("/api/click")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"query": QUERY, "article_id": clicked, "position": 3}).to_string(),
            ))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        req
    };
    // One client clicking again and again is one voice: nothing moves.
    for _ in 0..6 {
        let (status, v) = send(app(s.clone()), click([10, 0, 0, 1])).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["logged"], true);
    }
    assert_eq!(rank_of(&s, &clicked).await, Some(2));
    // Three more people click it: it comes up.
    for last in 2..5 {
        let (status, v) = send(app(s.clone()), click([10, 0, 0, last])).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let lifted = rank_of(&s, &clicked).await.expect("still found");
    assert!(lifted < 2, "{clicked} at {lifted}, was 2 in {before:?}");
    // Clicks are written by the log's queue: wait until all nine are there.
    let log = dir.path().join(wenda::journal::CLICKS_FILE);
    for _ in 0..200 {
        let n = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
        if n == 9 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let restarted = state(dir.path());
    assert_eq!(rank_of(&restarted, &clicked).await, Some(lifted));
}
