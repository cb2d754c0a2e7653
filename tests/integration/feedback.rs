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

/// A log with a line torn in the middle of a character (then terminated
/// by a later write) and a torn last line, as a crash or a full disk
/// leaves it.
fn torn_log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("torn_feedback.jsonl"), dir.path().join(FEEDBACK_FILE)).unwrap();
    dir
}

#[test]
fn report_skips_and_counts_torn_lines_without_losing_the_next() {
    let dir = torn_log();
    let r = wenda::journal::report(dir.path(), 10).unwrap();
    assert_eq!(r.unreadable_lines, 2, "the torn line and the torn tail");
    let ids: Vec<_> = r.unhelpful.iter().map(|v| v.article_id.as_str()).collect();
    assert_eq!(ids, vec!["exam-voucher-use", "po-cancel"]);
}

#[test]
fn opening_the_journal_cuts_a_torn_tail_so_the_next_record_is_whole() {
    let dir = torn_log();
    let journal = Journal::open(dir.path()).unwrap();
    journal
        .feedback(&wenda::journal::FeedbackRecord {
            ts_ms: 5,
            query: "时区".into(),
            article_id: "rename-company".into(),
            helpful: false,
            comment: None,
            client: None,
        })
        .unwrap();
    let log = std::fs::read(dir.path().join(FEEDBACK_FILE)).unwrap();
    assert!(log.ends_with(b"\n"));
    let last = log[..log.len() - 1]
        .split(|b| *b == b'\n')
        .next_back()
        .unwrap();
    let record: Value = serde_json::from_slice(last).unwrap();
    assert_eq!(record["article_id"], "rename-company");
    let r = wenda::journal::report(dir.path(), 10).unwrap();
    assert_eq!(r.unreadable_lines, 1, "only the torn line in the middle");
    assert_eq!(r.unhelpful.len(), 3);
}

/// A log file on a disk that fills up: writes past `room` bytes write
/// part and fail with ENOSPC, as `write(2)` does.
#[derive(Debug)]
struct FullDisk {
    file: std::fs::File,
    room: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl wenda::journal::LogFile for FullDisk {
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::sync::atomic::Ordering;
        let room = self.room.load(Ordering::SeqCst);
        let n = bytes.len().min(room);
        self.file.write_all(&bytes[..n])?;
        self.room.store(room - n, Ordering::SeqCst);
        if n < bytes.len() {
            return Err(std::io::Error::from_raw_os_error(28));
        }
        Ok(())
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.file.set_len(len)
    }
}

#[test]
fn a_full_disk_leaves_no_partial_record_behind() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FEEDBACK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    let room = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(150));
    let journal = Journal::with_feedback_file(
        dir.path(),
        Box::new(FullDisk {
            file,
            room: room.clone(),
        }),
        0,
    );
    let record = |id: &str| wenda::journal::FeedbackRecord {
        ts_ms: 1,
        query: "代金券怎么用".into(),
        article_id: id.into(),
        helpful: false,
        comment: Some("没有说有效期".into()),
        client: None,
    };
    journal.feedback(&record("first")).unwrap();
    let err = journal.feedback(&record("second")).unwrap_err().to_string();
    assert!(err.contains("feedback.jsonl"), "{err}");
    let after_failure = std::fs::read_to_string(&path).unwrap();
    assert_eq!(after_failure.lines().count(), 1);
    assert!(
        after_failure.ends_with('\n'),
        "cut back to the last whole line"
    );
    // Space again: the next record is whole and on its own line.
    room.store(usize::MAX, Ordering::SeqCst);
    journal.feedback(&record("third")).unwrap();
    let r = wenda::journal::report(dir.path(), 10).unwrap();
    assert_eq!(r.unreadable_lines, 0);
    let ids: Vec<_> = r.unhelpful.iter().map(|v| v.article_id.as_str()).collect();
    assert_eq!(ids, vec!["first", "third"]);
}

fn feedback_line(id: &str, comment: &str) -> String {
    json!({"ts_ms": 1, "query": "q", "article_id": id, "helpful": false, "comment": comment})
        .to_string()
}

#[test]
fn report_escapes_control_characters_from_the_public() {
    let dir = tempfile::tempdir().unwrap();
    let forged = "\u{1b}[2J\r\n   99 unhelpful, 0 helpful  forged-article";
    std::fs::write(
        dir.path().join(FEEDBACK_FILE),
        format!(
            "{}\n",
            feedback_line("po-cancel\u{1b}]0;title\u{7}", forged)
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["report", "--log-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout:?}"
    );
    assert!(
        !stdout
            .lines()
            .any(|l| l.contains("forged-article") && !l.contains("po-cancel")),
        "a comment forged a line: {stdout}"
    );
    assert!(stdout.contains("\\u{1b}[2J\\r\\n"), "{stdout}");
}

#[test]
fn report_into_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // More than a pipe holds, so the writer meets the closed pipe.
    let lines: String = (0..4000)
        .map(|i| {
            format!(
                "{}\n",
                json!({"ts_ms": 1, "kind": "search", "query": format!("没有结果的问题 {i}"), "total": 0})
            )
        })
        .collect();
    std::fs::write(dir.path().join("queries.jsonl"), lines).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["report", "--top", "4000", "--log-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
