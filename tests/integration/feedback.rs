//! Feedback on disk, the gap report, and durability across a crash.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use wenda::http::app;
use wenda::journal::{FEEDBACK_FILE, Journal};

use crate::common::*;

async fn post_feedback(app: axum::Router, body: Value) -> (StatusCode, Value) {
    let req = Request::post("/api/feedback")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn feedback_is_appended_to_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let state = bundled_state().with_journal(Journal::open(dir.path()).unwrap());
    let body = json!({"query": "PO怎么撤回", "article_id": "po-cancel", "helpful": false, "comment": "没说找谁"});
    let (status, v) = post_feedback(app(state.clone()), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v, json!({"ok": true}));
    let (status, _) = post_feedback(
        app(state),
        json!({"query": "考试券", "article_id": "exam-voucher-use", "helpful": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let log = std::fs::read_to_string(dir.path().join(FEEDBACK_FILE)).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["article_id"], "po-cancel");
    assert_eq!(lines[0]["helpful"], false);
    assert_eq!(lines[0]["comment"], "没说找谁");
    assert!(lines[1]["ts_ms"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn bad_feedback_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let state = bundled_state().with_journal(Journal::open(dir.path()).unwrap());
    let cases = [
        (
            json!({"query": "q", "article_id": "nope", "helpful": true}),
            StatusCode::NOT_FOUND,
            "article_not_found",
        ),
        (
            json!({"query": " ", "article_id": "po-cancel", "helpful": true}),
            StatusCode::BAD_REQUEST,
            "empty_query",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel"}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "helpful": "yes"}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"query": "q", "article_id": "po-cancel", "helpful": true, "comment": "长".repeat(2001)}),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
    ];
    for (body, status, code_) in cases {
        let (s, v) = post_feedback(app(state.clone()), body.clone()).await;
        assert_eq!(s, status, "{body}");
        assert_eq!(code(&v), code_, "{body}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join(FEEDBACK_FILE)).unwrap(),
        ""
    );
    // A server without a log says so.
    let (s, v) = post_feedback(
        bundled(),
        json!({"query": "q", "article_id": "po-cancel", "helpful": true}),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code(&v), "feedback_disabled");
}

#[test]
fn acknowledged_feedback_survives_kill_minus_nine() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg("--corpus")
        .arg(data("docset"))
        .arg("--index")
        .arg(tmp.path().join("index"))
        .arg("--log-dir")
        .arg(&logs)
        .env("RUST_LOG", "wenda=info")
        .env_remove("WENDA_API_KEYS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "server exited early"
        );
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on http://".len()..].trim().to_string();
        }
    };
    let body =
        json!({"query": "时区怎么改", "article_id": "sub/更改时区", "helpful": true}).to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /api/feedback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // SIGKILL: no shutdown, no flushing, nothing after the reply.
    child.kill().unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(logs.join(FEEDBACK_FILE)).unwrap();
    let record: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(record["article_id"], "sub/更改时区");
    assert_eq!(record["helpful"], true);
}

#[test]
fn report_lists_gaps_from_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    for q in ["发票怎么开", "发票怎么开", "鲸鱼"] {
        journal.query(wenda::journal::QueryEvent {
            ts_ms: 1,
            kind: "search".into(),
            query: q.into(),
            total: Some(0),
            status: None,
            handoff: false,
            top: None,
        });
    }
    drop(journal);
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["report", "--json", "--log-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["zero_results"][0],
        json!({"query": "发票怎么开", "count": 2})
    );
    assert_eq!(r["handoffs"], json!([]));
}
