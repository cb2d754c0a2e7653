//! Connections over real sockets: idle ones are closed, a full server
//! makes room by closing the longest-idle one, and SIGTERM ends the
//! process within its deadline even with a half-open request held.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use wenda::config::{Limits, Timeouts};
use wenda::http::server::{ConnectionLimits, run};

use crate::common::*;

/// Reads until the peer closes; `true` when it did (as opposed to the
/// generous read timeout running out).
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = Vec::new();
    match stream.read_to_end(&mut buf) {
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        ),
    }
}

fn get_healthz(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

/// Serves the docset in this process on a free port.
fn start(max: usize, idle: Duration) -> (String, tokio::sync::oneshot::Sender<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = ConnectionLimits {
        max,
        timeouts: Timeouts {
            idle,
            ..Timeouts::default()
        },
        limits: Limits::default(),
    };
    let router = wenda::http::app(docset_state());
    std::thread::spawn(move || {
        runtime.block_on(run(listener, router, limits, async {
            let _ = stopped.await;
        }));
    });
    (addr, stop)
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let (addr, _stop) = start(100, Duration::from_millis(300));
    let mut silent = TcpStream::connect(&addr).unwrap();
    assert!(
        closed_by_server(&mut silent),
        "a silent connection stays open"
    );
    let mut half_open = TcpStream::connect(&addr).unwrap();
    write!(half_open, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert!(
        closed_by_server(&mut half_open),
        "a half-open request stays open"
    );
    assert!(get_healthz(&addr).starts_with("HTTP/1.1 200"));
}

#[test]
fn a_full_server_closes_its_longest_idle_connection_for_a_new_client() {
    let (addr, _stop) = start(2, Duration::from_secs(600));
    let mut oldest = TcpStream::connect(&addr).unwrap();
    let _second = TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let response = get_healthz(&addr);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        closed_by_server(&mut oldest),
        "the oldest idle connection was shed"
    );
}

fn spawn_server(tmp: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg("--corpus")
        .arg(data("docset"))
        .arg("--index")
        .arg(tmp.join("index"))
        .arg("--log-dir")
        .arg(tmp.join("logs"))
        .args(extra)
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
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = stderr.read_to_string(&mut sink);
    });
    (child, addr)
}

#[test]
fn sigterm_exits_within_the_deadline_with_a_half_open_request_held() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_server(
        tmp.path(),
        &[
            "--shutdown-timeout",
            "1s",
            "--header-timeout",
            "10m",
            "--idle-timeout",
            "10m",
        ],
    );
    assert!(get_healthz(&addr).starts_with("HTTP/1.1 200"));
    let mut half_open = TcpStream::connect(&addr).unwrap();
    // A head cut short: the server is mid-request and must not wait for it.
    write!(
        half_open,
        "POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Ty"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // A generous bound so that a server that never exits fails the test
    // instead of hanging it; the deadline itself is 1 s.
    let mut status = None;
    for _ in 0..300 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        child.kill().unwrap();
        panic!("the server did not exit after SIGTERM");
    };
    assert!(status.success(), "{status:?}");
}
