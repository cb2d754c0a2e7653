//! Conversations in Redis, so that replicas behind a load balancer share
//! them and a restart forgets none: each session is one JSON value under
//! `wenda:session:{id}`, written with `SET … EX ttl`, so Redis forgets it
//! the same time after its last question as the in-memory store does.
//! Connections come from an r2d2 pool with read and write timeouts, so an
//! unreachable Redis is an error within seconds, never a hung request.

use std::time::{Duration, Instant};

use super::session::{Session, SessionStore};
use crate::config::{SessionBackend, SessionLimits};
use crate::{Error, Result};

/// Prefix of every key wenda writes.
pub const KEY_PREFIX: &str = "wenda:session:";

/// Longest wait for a pooled connection, and for Redis to answer.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions in Redis.
pub struct RedisSessions {
    pool: r2d2::Pool<redis::Client>,
    ttl_secs: u64,
    shown: String,
}

impl std::fmt::Debug for RedisSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessions")
            .field("store", &self.shown)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// Sets read and write timeouts on every connection the pool hands out.
#[derive(Debug)]
struct Timeouts;

impl r2d2::CustomizeConnection<redis::Connection, redis::RedisError> for Timeouts {
    fn on_acquire(
        &self,
        conn: &mut redis::Connection,
    ) -> std::result::Result<(), redis::RedisError> {
        conn.set_read_timeout(Some(TIMEOUT))?;
        conn.set_write_timeout(Some(TIMEOUT))
    }
}

impl RedisSessions {
    /// Connects to Redis at `url` (failing now, not at the first
    /// question, when it cannot be reached).
    pub fn connect(url: &str, limits: SessionLimits) -> Result<RedisSessions> {
        let shown = SessionBackend::Redis(url.to_string()).redacted();
        let fail = |message: String| Error::SessionStore {
            store: shown.clone(),
            message,
        };
        let client = redis::Client::open(url).map_err(|e| fail(e.to_string()))?;
        let pool = r2d2::Pool::builder()
            .max_size(32)
            .min_idle(Some(1))
            .connection_timeout(TIMEOUT)
            .connection_customizer(Box::new(Timeouts))
            .build(client)
            .map_err(|e| fail(format!("cannot connect: {e}")))?;
        Ok(RedisSessions {
            pool,
            ttl_secs: limits.ttl.as_secs().max(1),
            shown,
        })
    }

    fn fail(&self, message: impl std::fmt::Display) -> Error {
        Error::SessionStore {
            store: self.shown.clone(),
            message: message.to_string(),
        }
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<redis::Client>> {
        self.pool.get().map_err(|e| self.fail(e))
    }
}

fn key(id: &str) -> String {
    format!("{KEY_PREFIX}{id}")
}

impl SessionStore for RedisSessions {
    fn load(&self, id: &str, _now: Instant) -> Result<Option<Session>> {
        let mut conn = self.conn()?;
        let text: Option<String> = redis::cmd("GET")
            .arg(key(id))
            .query(&mut *conn)
            .map_err(|e| self.fail(e))?;
        let Some(text) = text else { return Ok(None) };
        match serde_json::from_str(&text) {
            Ok(session) => Ok(Some(session)),
            Err(e) => {
                // Written by another version, or by hand: start afresh.
                tracing::warn!(session = id, error = %e, "unreadable session in Redis; starting a new conversation");
                Ok(None)
            }
        }
    }

    fn save(&self, id: &str, session: Session, _now: Instant) -> Result<()> {
        let text = serde_json::to_string(&session).map_err(Error::json("session"))?;
        let mut conn = self.conn()?;
        redis::cmd("SET")
            .arg(key(id))
            .arg(text)
            .arg("EX")
            .arg(self.ttl_secs)
            .query::<()>(&mut *conn)
            .map_err(|e| self.fail(e))
    }

    /// Counts wenda's keys with `SCAN` (0 when Redis cannot be reached).
    fn len(&self) -> u64 {
        let Ok(mut conn) = self.conn() else { return 0 };
        let mut cursor = 0u64;
        let mut count = 0u64;
        loop {
            let step: redis::RedisResult<(u64, Vec<String>)> = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{KEY_PREFIX}*"))
                .arg("COUNT")
                .arg(1000)
                .query(&mut *conn);
            let Ok((next, keys)) = step else { return count };
            count += keys.len() as u64;
            if next == 0 {
                return count;
            }
            cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_redis_is_an_error_naming_the_store_without_its_password() {
        // Port 1 on loopback refuses connections at once.
        let err =
            RedisSessions::connect("redis://:hunter2@127.0.0.1:1/0", SessionLimits::default())
                .unwrap_err()
                .to_string();
        assert!(err.contains("127.0.0.1:1"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
