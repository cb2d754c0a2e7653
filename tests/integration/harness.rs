//! Servers over real sockets: in this process (on a runtime thread) or as
//! `wenda serve` processes, and a blocking HTTP client for them.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use wenda::config::{Limits, Timeouts};
use wenda::http::AppState;
use wenda::http::server::{ConnectionLimits, run};

/// A loopback address with a port that was free a moment ago.
pub fn free_addr() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().unwrap().to_string()
}

/// A client that returns every status (errors are answers too).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn read(mut resp: ureq::http::Response<ureq::Body>) -> (u16, Value, ureq::http::HeaderMap) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json, headers)
}

/// GET `url` with an optional bearer key: status, JSON body, headers.
pub fn get(
    agent: &ureq::Agent,
    url: &str,
    key: Option<&str>,
) -> Result<(u16, Value, ureq::http::HeaderMap), ureq::Error> {
    let mut req = agent.get(url);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    req.call().map(read)
}

/// POST JSON to `url` with an optional bearer key.
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    key: Option<&str>,
    body: &Value,
) -> Result<(u16, Value, ureq::http::HeaderMap), ureq::Error> {
    let mut req = agent.post(url);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    req.send_json(body).map(read)
}

/// Waits for `ready` (a guard against hanging, not a timing assertion).
pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A server running in this process until dropped.
pub struct InProcess {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// Serves `state` on a free loopback port.
    pub fn start(state: AppState) -> InProcess {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = ConnectionLimits {
            max: 1000,
            timeouts: Timeouts {
                shutdown: Duration::from_secs(5),
                ..Timeouts::default()
            },
            limits: Limits::default(),
        };
        let router = wenda::http::app(state);
        let thread = std::thread::spawn(move || {
            runtime.block_on(run(listener, router, limits, async {
                let _ = stopped.await;
            }));
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        InProcess {
            base,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A `wenda serve` process, killed (by its own handle) when dropped.
pub struct Process {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The process.
    pub child: Child,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl Process {
    /// Starts `wenda serve --addr … ARGS` with `env`, logging to a file in
    /// `dir`, and waits until it answers `/healthz`.
    pub fn start(dir: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Process {
        let addr = free_addr();
        let log = dir.join(format!("{name}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wenda"));
        cmd.arg("serve")
            .args(["--addr", &addr])
            .args(args)
            .env_remove("WENDA_CORPUS")
            .env_remove("WENDA_INDEX")
            .env_remove("WENDA_API_KEYS")
            .env_remove("WENDA_ADMIN_KEYS")
            .env_remove("WENDA_CONFIG")
            .env_remove("WENDA_SESSIONS")
            .env("RUST_LOG", "wenda=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("wenda starts");
        let mut p = Process {
            base: format!("http://{addr}"),
            child,
            log,
        };
        let client = agent();
        let url = format!("{}/healthz", p.base);
        let start = Instant::now();
        loop {
            if let Ok((200, _, _)) = get(&client, &url, None) {
                break;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                panic!("wenda serve exited ({status}): {}", p.stderr());
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "wenda serve did not come up: {}",
                p.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        p
    }

    /// What it logged so far.
    pub fn stderr(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Sends a signal by name (`HUP`, `TERM`) to this process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
