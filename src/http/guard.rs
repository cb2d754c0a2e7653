//! What every request passes through before its handler: the size of its
//! head, the client's rate, and the request timeout — each answered with
//! the API's JSON error — and the JSON shape for any error a layer or
//! axum produced without it.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::AppState;
use super::error::{ApiError, Code, json_errors};
use crate::config::{Limits, RateLimit};

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
