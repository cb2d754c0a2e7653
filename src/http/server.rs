//! Connections: wenda's own accept loop over hyper, because a public
//! endpoint needs what `axum::serve` does not offer — a cap on open
//! connections (past it the longest-idle connection is closed to make
//! room), a deadline for request heads, an idle timeout for connections
//! with no request in flight (silent, half-open and keep-alive ones alike),
//! and a graceful shutdown that gives up at a deadline.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use super::AppState;
use crate::config::{Limits, Timeouts};
use crate::{Error, Result};

/// File descriptors kept back from connections for the index, logs and
/// the listener.
const RESERVED_FDS: u64 = 256;

/// The part of the shutdown deadline kept for stopping the runtime and
/// closing the index and logs after connections are closed.
const EXIT_MARGIN: Duration = Duration::from_millis(250);

/// How the accept loop treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at most.
    pub max: usize,
    /// Head, idle and shutdown deadlines.
    pub timeouts: Timeouts,
    /// Hyper's own buffer and header-count limits are set from these,
    /// well above them, so that the JSON guard answers first.
    pub limits: Limits,
}

/// Serves `state` on its configured address until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> Result<()> {
    let addr = state.config.addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Listen { addr, source })?;
    let max = state.config.max_connections.min(descriptor_room());
    let limits = ConnectionLimits {
        max,
        timeouts: state.config.timeouts,
        limits: state.config.limits,
    };
    tracing::info!("at most {max} connections at once");
    tracing::info!("listening on http://{local}");
    run(listener, super::app(state), limits, shutdown_signal()).await;
    Ok(())
}

/// Raises the open-file limit to what the system allows and returns how
/// many connections fit in it.
fn descriptor_room() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    usize::try_from(limit.saturating_sub(RESERVED_FDS).max(16)).unwrap_or(usize::MAX)
}

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
struct Conn {
    /// Requests being handled now.
    in_flight: AtomicUsize,
    /// Milliseconds (since the server started) when it last became idle.
    idle_since: AtomicU64,
    /// Set when the accept loop closes it to make room.
    shed: AtomicBool,
    close: Notify,
}

/// The open connections, oldest first.
#[derive(Debug, Default)]
struct Registry {
    conns: Mutex<BTreeMap<u64, Arc<Conn>>>,
    drained: Notify,
}

impl Registry {
    fn len(&self) -> usize {
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn insert(&self, id: u64, conn: Arc<Conn>) {
        self.conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, conn);
    }

    fn remove(&self, id: u64) {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        conns.remove(&id);
        if conns.is_empty() {
            self.drained.notify_waiters();
        }
    }

    /// Closes the oldest connection with no request in flight; false when
    /// every connection is busy.
    fn shed_idle(&self) -> bool {
        let conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        for conn in conns.values() {
            if conn.in_flight.load(Ordering::Acquire) == 0
                && !conn.shed.swap(true, Ordering::AcqRel)
            {
                conn.close.notify_one();
                return true;
            }
        }
        false
    }

    async fn wait_drained(&self) {
        loop {
            let drained = self.drained.notified();
            if self.len() == 0 {
                return;
            }
            drained.await;
        }
    }
}

/// Counts a request in flight on its connection while it lives.
struct InFlight {
    conn: Arc<Conn>,
    started: Instant,
}

impl InFlight {
    fn enter(conn: Arc<Conn>, started: Instant) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight { conn, started }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn
            .idle_since
            .store(millis_since(self.started), Ordering::Release);
        self.conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

fn millis_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Accepts connections on `listener` until `shutdown` resolves, then lets
/// requests in flight finish for at most the shutdown timeout.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let started = Instant::now();
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut next_id = 0u64;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors or memory: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        if registry.len() >= limits.max && !registry.shed_idle() {
            tracing::warn!(%peer, "every connection is busy; refusing one");
            drop(stream);
            continue;
        }
        next_id += 1;
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(millis_since(started)),
            shed: AtomicBool::new(false),
            close: Notify::new(),
        });
        registry.insert(next_id, conn.clone());
        let (router, registry, stop) = (router.clone(), registry.clone(), stop_rx.clone());
        let id = next_id;
        tokio::spawn(async move {
            connection(stream, peer, router, conn, limits, started, stop).await;
            registry.remove(id);
        });
    }
    drop(listener);
    let open = registry.len();
    tracing::info!(open, "shutting down");
    let _ = stop_tx.send(true);
    // Part of the deadline is kept for closing the process itself.
    let drain = limits.timeouts.shutdown.saturating_sub(EXIT_MARGIN);
    if tokio::time::timeout(drain, registry.wait_drained())
        .await
        .is_err()
    {
        tracing::warn!(
            open = registry.len(),
            "shutdown deadline passed; closing the connections still open"
        );
    }
}

/// Serves one connection until it ends, idles out, is shed, or the
/// server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    conn: Arc<Conn>,
    limits: ConnectionLimits,
    started: Instant,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let tracked = conn.clone();
    let service = tower::service_fn(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let guard = InFlight::enter(tracked.clone(), started);
        let router = router.clone();
        async move {
            let response = router.oneshot(req.map(axum::body::Body::new)).await;
            drop(guard);
            response
        }
    });
    let head = limits.limits.header_bytes + limits.limits.uri_bytes;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.timeouts.header_read)
        .max_buf_size((head * 4).max(64 * 1024))
        .max_headers(limits.limits.headers * 4);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(served);
    let idle = limits.timeouts.idle;
    let mut stopping = *stop.borrow();
    if stopping {
        served.as_mut().graceful_shutdown();
    }
    loop {
        let wake = if conn.in_flight.load(Ordering::Acquire) > 0 {
            tokio::time::Instant::now() + idle
        } else {
            let since = Duration::from_millis(conn.idle_since.load(Ordering::Acquire));
            tokio::time::Instant::from_std(started + since + idle)
        };
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = conn.close.notified() => {
                tracing::debug!(%peer, "closed to make room for a new connection");
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    served.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep_until(wake) => {
                let since = conn.idle_since.load(Ordering::Acquire);
                if conn.in_flight.load(Ordering::Acquire) == 0
                    && millis_since(started).saturating_sub(since) >= idle.as_millis() as u64
                {
                    tracing::debug!(%peer, "idle connection closed");
                    return;
                }
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
