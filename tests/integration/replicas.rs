//! Two `wenda serve` processes sharing conversations through a real
//! `redis-server`: a conversation whose turns alternate between them goes
//! on as if it were one server, and survives a restart. Without
//! redis-server the test says so in one line and passes, unless
//! `WENDA_REQUIRE_REDIS=1` (CI) makes that a failure.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::harness::{self, Process, agent, free_addr, wait_for};

/// A `redis-server` on a free loopback port, stopped when dropped.
struct Redis {
    url: String,
    child: Child,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_server(dir: &Path) -> Option<Redis> {
    let addr = free_addr();
    let port = addr.rsplit(':').next().unwrap().to_string();
    let spawned = Command::new("redis-server")
        .args([
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let required = std::env::var("WENDA_REQUIRE_REDIS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "WENDA_REQUIRE_REDIS=1 but redis-server cannot start: {e}"
            );
            eprintln!(
                "skipped: redis-server is not installed ({e}); apt-get install redis-server to run the replica test"
            );
            return None;
        }
    };
    let redis = Redis {
        url: format!("redis://127.0.0.1:{port}/0"),
        child,
    };
    wait_for("redis-server to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).is_ok()
    });
    Some(redis)
}

fn replica(dir: &Path, name: &str, index: &Path, redis: &str) -> Process {
    let corpus = repo().join("corpus");
    Process::start(
        dir,
        name,
        &[
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--log-dir",
            dir.join(format!("{name}-logs")).to_str().unwrap(),
            "--sessions",
            redis,
        ],
        &[],
    )
}

fn ask(client: &ureq::Agent, server: &Process, question: &str, session: Option<&str>) -> Value {
    let mut body = json!({"question": question});
    if let Some(s) = session {
        body["session_id"] = json!(s);
    }
    let (status, v, _) =
        harness::post(client, &format!("{}/api/answer", server.base), None, &body).unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn a_conversation_alternates_between_two_replicas_through_redis() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(redis) = redis_server(tmp.path()) else {
        return;
    };
    // The index is built once (as `wenda ingest` would) and shared.
    let index = tmp.path().join("index");
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["ingest", "--corpus"])
        .arg(repo().join("corpus"))
        .arg("--index")
        .arg(&index)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = replica(tmp.path(), "a", &index, &redis.url);
    let b = replica(tmp.path(), "b", &index, &redis.url);
    let client = agent();

    // A clarifying question on one replica, the choice on the other.
    let v = ask(&client, &a, "代金券", None);
    assert_eq!(v["status"], "clarify", "{v}");
    let session = v["session_id"].as_str().unwrap().to_string();
    let chosen = v["candidates"][1]["id"].clone();
    let picked = ask(&client, &b, "2", Some(&session));
    assert_eq!(picked["reason"], "clarified", "{picked}");
    assert_eq!(picked["answer"]["id"], chosen);
    assert_eq!(picked["session_id"], session.as_str());

    // Steps read out one by one, each turn on the other replica.
    let first = ask(&client, &b, "怎么线下邀请客户", Some(&session));
    assert_eq!(first["status"], "answered", "{first}");
    let third = ask(&client, &a, "第三步在哪里点？", Some(&session));
    assert_eq!(third["reason"], "step", "{third}");
    assert_eq!(third["answer"]["step"], 3);
    let fourth = ask(&client, &b, "下一步", Some(&session));
    assert_eq!(fourth["answer"]["step"], 4, "{fourth}");

    // A restart forgets nothing: the conversation goes on on a new process.
    drop(a);
    let a = replica(tmp.path(), "a2", &index, &redis.url);
    let back = ask(&client, &a, "上一步", Some(&session));
    assert_eq!(back["answer"]["step"], 3, "{back}");

    // The same turn without the shared store is not understood.
    let alone = ask(&client, &b, "下一步", None);
    assert_ne!(alone["reason"], "step", "{alone}");
}

#[test]
fn a_server_refuses_to_start_when_redis_cannot_be_reached() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["serve", "--addr", &free_addr(), "--corpus"])
        .arg(data("docset"))
        .arg("--index")
        .arg(tmp.path().join("index"))
        .args(["--sessions", "redis://:topsecret@127.0.0.1:1/0"])
        .env_remove("WENDA_SESSIONS")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("session store redis://:***@127.0.0.1:1/0"),
        "{err}"
    );
    assert!(!err.contains("topsecret"), "{err}");
}
