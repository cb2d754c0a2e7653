//! What every request passes through before its handler: a request id
//! (an incoming well-formed `x-request-id`, or a new one, returned in the
//! same header), the size of its head, the client's rate, its key (admin
//! endpoints always; the public API with `require_key`), and the request
//! timeout — each answered with the API's JSON error —, the JSON shape for
//! any error a layer or axum produced without it, and afterwards the
//! metrics and one access-log line.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use tracing::Instrument;

use super::AppState;
use super::error::{ApiError, Code, json_errors};
use super::metrics::UNMATCHED;
use super::routes::retrieval::bearer_key;
use crate::config::{Limits, RateLimit, ServeConfig};

/// The header carrying the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// An incoming request id is kept when it is 1 to 128 of these characters.
fn well_formed_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b))
}

/// The request's id: the client's when well-formed, else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| well_formed_id(id))
        .map_or_else(crate::answer::session::new_id, str::to_string)
}

/// Which keys an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone.
    Open,
    /// A retrieval or admin key.
    Key,
    /// An admin key.
    Admin,
}

fn access(path: &str, config: &ServeConfig) -> Access {
    if path == "/api/admin" || path.starts_with("/api/admin/") {
        Access::Admin
    } else if config.require_key && path.starts_with("/api/") {
        Access::Key
    } else {
        Access::Open
    }
}

/// Checks the request's key against what its endpoint takes (before a
/// byte of its body is read).
fn check_key(req: &Request, config: &ServeConfig) -> Result<(), ApiError> {
    let need = access(req.uri().path(), config);
    if need == Access::Open {
        return Ok(());
    }
    let Some(key) = bearer_key(req.headers()) else {
        return Err(ApiError::new(
            Code::MissingKey,
            "this endpoint needs a key: send `Authorization: Bearer KEY`",
        ));
    };
    let admin = config.admin_keys.iter().any(|k| k == key);
    let retrieval = config.api_keys.iter().any(|k| k == key);
    match need {
        Access::Admin if admin => Ok(()),
        Access::Admin if retrieval => Err(ApiError::new(
            Code::AdminKeyRequired,
            "this key may search but not administer; use an admin key (--admin-key)",
        )),
        Access::Admin if config.admin_keys.is_empty() => Err(ApiError::new(
            Code::UnknownKey,
            "this server has no admin keys; start it with --admin-key or WENDA_ADMIN_KEYS",
        )),
        Access::Key if admin || retrieval => Ok(()),
        _ => Err(ApiError::new(
            Code::UnknownKey,
            "the key is not one this server accepts",
        )),
    }
}

/// Requests per client, keyed by IP address (IPv6 by its /64 network).
pub struct RateLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
    loopback: bool,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("clients", &self.inner.len())
            .field("loopback", &self.loopback)
            .finish()
    }
}

/// How often (in checks) clients that are back to a full allowance are forgotten.
const FORGET_EVERY: u64 = 4096;

impl RateLimiter {
    /// A limiter for `config`; `None` when limiting is off.
    pub fn new(config: &RateLimit) -> Option<RateLimiter> {
        let rate = NonZeroU32::new(config.per_second)?;
        let burst = NonZeroU32::new(config.burst).unwrap_or(rate);
        Some(RateLimiter {
            inner: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            loopback: config.loopback,
            checks: AtomicU64::new(0),
        })
    }

    /// `Ok` when `ip` may send a request now; else the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
            },
            v4 => v4,
        };
        if ip.is_loopback() && !self.loopback {
            return Ok(());
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.inner.retain_recent();
        }
        self.inner.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The request's head against the limits: JSON 414 and 431 instead of
/// hyper's empty ones (hyper's own limits are set well above these).
pub fn check_head(req: &Request, limits: &Limits) -> Result<(), ApiError> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > limits.uri_bytes {
        return Err(ApiError::new(
            Code::UriTooLong,
            format!(
                "the request target is {target} bytes; at most {} are accepted",
                limits.uri_bytes
            ),
        ));
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    if headers.len() > limits.headers || bytes > limits.header_bytes {
        return Err(ApiError::new(
            Code::HeadersTooLarge,
            format!(
                "{} headers of {bytes} bytes; at most {} headers of {} bytes are accepted",
                headers.len(),
                limits.headers,
                limits.header_bytes
            ),
        ));
    }
    Ok(())
}

/// The middleware around every route.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let method = req.method().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(p)| p.ip());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = checked(&state, req, next).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.request(&route, &method, status, took);
    if state.config.log.access {
        tracing::info!(
            target: "wenda::access",
            request_id = %id,
            method = %method,
            route = %route,
            status,
            ms = took.as_secs_f64() * 1000.0,
            peer = ?peer,
        );
    }
    response
}

/// Head, rate, key and timeout, in that order; any error as JSON.
async fn checked(state: &AppState, req: Request, next: Next) -> Response {
    let dify = req.uri().path() == "/retrieval";
    let reject = |e: ApiError| if dify { e.for_dify() } else { e }.into_response();
    if let Err(e) = check_head(&req, &state.config.limits) {
        return reject(e);
    }
    if let Some(limiter) = &state.limiter
        && let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
        && let Err(wait) = limiter.check(peer.ip())
    {
        return reject(ApiError::rate_limited(wait));
    }
    if let Err(e) = check_key(&req, &state.config) {
        return reject(e);
    }
    let limit = state.config.timeouts.request;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => json_errors(response, dify).await,
        Err(_) => reject(ApiError::timeout(limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incoming_request_ids_are_kept_only_when_well_formed() {
        let id = |h: Option<&str>| {
            let mut req = axum::http::Request::builder();
            if let Some(h) = h {
                req = req.header(REQUEST_ID, h);
            }
            request_id(&req.body(axum::body::Body::empty()).unwrap())
        };
        assert_eq!(id(Some("abc-123_x.y")), "abc-123_x.y");
        let fresh = id(Some("bad id with spaces"));
        assert_ne!(fresh, "bad id with spaces");
        assert_eq!(fresh.len(), 32);
        assert_eq!(id(Some(&"a".repeat(129))).len(), 32);
        assert_ne!(id(None), id(None));
    }

    #[test]
    fn a_client_past_its_burst_waits_and_loopback_is_exempt() {
        let limiter = RateLimiter::new(&RateLimit {
            per_second: 1,
            burst: 2,
            loopback: false,
        })
        .unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limiter.check(client).is_ok());
        assert!(limiter.check(client).is_ok());
        assert_eq!(limiter.check(client), Err(1));
        // Another client, and the same /64 counts as one.
        assert!(limiter.check("203.0.113.8".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::1".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::2".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::3".parse().unwrap()).is_err());
        for _ in 0..10 {
            assert!(limiter.check("127.0.0.1".parse().unwrap()).is_ok());
        }
        assert!(RateLimiter::new(&RateLimit::default()).is_some());
        assert!(
            RateLimiter::new(&RateLimit {
                per_second: 0,
                ..RateLimit::default()
            })
            .is_none()
        );
    }
}
