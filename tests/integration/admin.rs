//! Keys and the admin endpoints: admin keys apart from retrieval keys,
//! `--require-key` for the public API, JSON 401/403 from the error table,
//! reindex on demand (a failed build leaves the old index serving),
//! following a generation that `wenda ingest` published, the gap report
//! over HTTP, and SIGHUP.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use wenda::config::{ReloadConfig, ServeConfig};
use wenda::http::{AppState, app};
use wenda::journal::Journal;

use crate::common::*;
use crate::harness::{self, InProcess, Process, agent, wait_for};

const ADMIN: &str = "admin-key-1";
const RETRIEVAL: &str = "retrieval-key-1";

fn keyed() -> AppState {
    bundled_state()
        .with_api_keys(vec![RETRIEVAL.into()])
        .with_admin_keys(vec![ADMIN.into()])
}

async fn get_with(app: Router, uri: &str, auth: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::get(uri);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn admin_endpoints_want_an_admin_key_and_say_so_in_json() {
    let uri = "/api/admin/status";
    let (status, v) = get_with(app(keyed()), uri, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(code(&v), "missing_key");
    let (status, v) = get_with(app(keyed()), uri, Some("Bearer not-a-key")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(code(&v), "unknown_key");
    let (status, v) = get_with(app(keyed()), uri, Some(&format!("Bearer {RETRIEVAL}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(code(&v), "admin_key_required");
    let (status, v) = get_with(app(keyed()), uri, Some(&format!("bearer {ADMIN}"))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["index"]["articles"], 19);
    assert!(v["index"]["age_seconds"].is_u64());
    // A server without admin keys refuses every key.
    let (status, v) = get_with(app(bundled_state()), uri, Some(&format!("Bearer {ADMIN}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(code(&v), "unknown_key");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--admin-key")
    );
    // The public API stays public without --require-key.
    let (status, _) = search(app(keyed()), "代金券", "").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn require_key_guards_the_public_api_before_reading_the_body() {
    let state = keyed().configure(|c| c.require_key = true);
    let (status, v) = search(app(state.clone()), "代金券", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(code(&v), "missing_key");
    for key in [RETRIEVAL, ADMIN] {
        let uri = format!("/api/search?q={}", enc("代金券"));
        let (status, v) = get_with(app(state.clone()), &uri, Some(&format!("Bearer {key}"))).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let (status, v) = get_with(app(state.clone()), "/api/topics", Some("Bearer wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&v), "unknown_key");
    // A body over the limit is not read: the key is refused first.
    let req = Request::post("/api/feedback")
        .header("content-type", "application/json")
        .body(Body::from(vec![b'x'; 3 * 1024 * 1024]))
        .unwrap();
    let (status, v) = send(app(state.clone()), req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    // Liveness, metrics and the API description stay open.
    for uri in ["/healthz", "/openapi.json"] {
        let (status, _) = get(app(state.clone()), uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn reindex_needs_an_index_directory() {
    let req = Request::post("/api/admin/reindex")
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(Body::empty())
        .unwrap();
    let (status, v) = send(app(keyed()), req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(code(&v), "reindex_unavailable");
}

#[tokio::test]
async fn the_gap_report_is_served_to_admins() {
    let dir = tempfile::tempdir().unwrap();
    let state = keyed().with_journal(Journal::open(dir.path()).unwrap());
    let (status, _) = search(app(state.clone()), "完全没有这种东西的问题xyz", "").await;
    assert_eq!(status, StatusCode::OK);
    let auth = format!("Bearer {ADMIN}");
    let (status, v) = get_with(app(state.clone()), "/api/admin/report?top=5", Some(&auth)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        v["zero_results"].is_array() && v["unhelpful"].is_array(),
        "{v}"
    );
    let (status, v) = get_with(app(state), "/api/admin/report?top=0", Some(&auth)).await;
    assert_eq!(code(&v), "invalid_parameter", "{status} {v}");
    let (status, v) = get_with(app(keyed()), "/api/admin/report", Some(&auth)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code(&v), "feedback_disabled");
}

/// A server over a copy of the docset, rebuilding on demand.
fn docset_server(tmp: &Path, poll: Duration) -> (InProcess, std::path::PathBuf) {
    let corpus = tmp.join("corpus");
    copy_dir(&data("docset"), &corpus);
    let config = ServeConfig {
        corpora: vec![corpus.clone()],
        index: Some(tmp.join("index")),
        log_dir: None,
        admin_keys: vec![ADMIN.into()],
        reload: ReloadConfig {
            poll,
            ..ReloadConfig::default()
        },
        ..ServeConfig::default()
    };
    let state = AppState::open(config.validate().unwrap()).unwrap();
    (InProcess::start(state), corpus)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

const NEW_ARTICLE: &str =
    "---\nid: brand-new\ntitle: 如何申请发票抬头变更\n---\n\n在费用中心提交发票抬头变更申请。\n";

#[test]
fn a_reindex_swaps_in_new_content_and_a_failed_one_keeps_the_old_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, corpus) = docset_server(tmp.path(), Duration::ZERO);
    let client = agent();
    let base = &server.base;
    let reindex = format!("{base}/api/admin/reindex?wait=true");
    let status_url = format!("{base}/api/admin/status");
    let find = |q: &str| {
        let url = format!("{base}/api/search?q={}", enc(q));
        let (_, v, _) = harness::get(&client, &url, None).unwrap();
        hit_ids(&v)
    };
    assert!(!find("发票抬头变更").contains(&"brand-new".to_string()));
    // Suggestions come with the engine, so the swap brings them too.
    let suggested = |q: &str| {
        let url = format!("{base}/api/suggest?q={}", enc(q));
        let (_, v, _) = harness::get(&client, &url, None).unwrap();
        v["suggestions"][0]["article_id"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(suggested("fpttbg"), None);

    std::fs::write(corpus.join("new.md"), NEW_ARTICLE).unwrap();
    let (status, v, _) = harness::post(&client, &reindex, Some(ADMIN), &json!({})).unwrap();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"], "ok");
    assert_eq!(v["trigger"], "admin");
    assert_eq!(v["articles"], 9);
    assert_eq!(find("发票抬头变更")[0], "brand-new");
    assert_eq!(suggested("fpttbg").as_deref(), Some("brand-new"));

    // Break every article: the build fails, the old index keeps serving.
    let saved = tmp.path().join("saved");
    std::fs::rename(&corpus, &saved).unwrap();
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("broken.md"), [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let (status, v, _) = harness::post(&client, &reindex, Some(ADMIN), &json!({})).unwrap();
    assert_eq!(status, 500, "{v}");
    assert_eq!(v["error"]["code"], "reindex_failed");
    assert_eq!(find("发票抬头变更")[0], "brand-new");
    let (_, s, _) = harness::get(&client, &status_url, Some(ADMIN)).unwrap();
    assert_eq!(s["index"]["articles"], 9, "{s}");
    assert_eq!(s["reload"]["last_build"]["result"], "failed");
    assert!(
        s["reload"]["last_build"]["error"]
            .as_str()
            .unwrap()
            .contains("no articles"),
        "{s}"
    );
    assert_eq!(s["reload"]["builds_failed"], 1);
    let (_, metrics, _) = harness::get(&client, &format!("{base}/metrics"), None).unwrap();
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains("wenda_index_builds_total{result=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("wenda_index_articles 9"), "{metrics}");

    // Repaired; several more builds keep only the current generation and two behind it.
    std::fs::remove_dir_all(&corpus).unwrap();
    std::fs::rename(&saved, &corpus).unwrap();
    for _ in 0..3 {
        let (status, v, _) = harness::post(&client, &reindex, Some(ADMIN), &json!({})).unwrap();
        assert_eq!(status, 200, "{v}");
    }
    let generations = wenda::live::generations(&tmp.path().join("index")).unwrap();
    assert_eq!(generations.len(), 3, "{generations:?}");
    // Without waiting: accepted at once.
    let url = format!("{base}/api/admin/reindex");
    let (status, v, _) = harness::post(&client, &url, Some(ADMIN), &json!({})).unwrap();
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["status"], "queued");
}

#[test]
fn a_generation_published_by_wenda_ingest_is_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, corpus) = docset_server(tmp.path(), Duration::from_millis(100));
    let client = agent();
    std::fs::write(corpus.join("new.md"), NEW_ARTICLE).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["ingest", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(tmp.path().join("index"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("{}/api/search?q={}", server.base, enc("发票抬头变更"));
    wait_for(
        "the server to follow the new generation",
        Duration::from_secs(60),
        || {
            let (_, v, _) = harness::get(&client, &url, None).unwrap();
            hit_ids(&v).first().map(String::as_str) == Some("brand-new")
        },
    );
    let (_, s, _) = harness::get(
        &client,
        &format!("{}/api/admin/status", server.base),
        Some(ADMIN),
    )
    .unwrap();
    assert_eq!(s["reload"]["reloads"], 1, "{s}");
    assert_eq!(
        s["reload"]["builds_ok"], 0,
        "the server built nothing itself: {s}"
    );
}

#[cfg(unix)]
#[test]
fn sighup_rebuilds_the_index_instead_of_ending_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    copy_dir(&data("docset"), &corpus);
    let index = tmp.path().join("index");
    let mut server = Process::start(
        tmp.path(),
        "hup",
        &[
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--log-dir",
            tmp.path().join("logs").to_str().unwrap(),
        ],
        &[("WENDA_ADMIN_KEYS", ADMIN)],
    );
    std::fs::write(corpus.join("new.md"), NEW_ARTICLE).unwrap();
    server.signal("HUP");
    let client = agent();
    let status_url = format!("{}/api/admin/status", server.base);
    wait_for("the SIGHUP rebuild", Duration::from_secs(60), || {
        let (_, s, _) = harness::get(&client, &status_url, Some(ADMIN)).unwrap();
        s["reload"]["builds_ok"] == 1
    });
    let (_, s, _) = harness::get(&client, &status_url, Some(ADMIN)).unwrap();
    assert_eq!(s["reload"]["last_build"]["trigger"], "signal", "{s}");
    assert_eq!(s["index"]["articles"], 9);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "SIGHUP ended the server"
    );
}
