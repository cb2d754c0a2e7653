//! Conversations: what was asked and answered last, the step being read
//! out, the choices offered. [`SessionStore`] is what the answerer needs
//! of a store; [`MemorySessions`] keeps them in this process (moka, least
//! recently used first out, expiring after a time to live). A store shared
//! between replicas implements the same trait. The clock is passed in, so
//! expiry is testable.

use std::hash::{BuildHasher, RandomState};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::policy::EvictionPolicy;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::config::SessionLimits;

/// An article offered when a question was ambiguous.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Candidate {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// How sure wenda is that this article answers the question (0..1).
    pub confidence: f32,
}

/// What a conversation remembers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The last question that was answered or clarified, as understood.
    pub last_question: Option<String>,
    /// The article the conversation is about.
    pub article: Option<String>,
    /// Steps of that article read out so far (0: none yet).
    pub step: usize,
    /// Choices offered by a clarifying question, awaiting an answer.
    pub pending: Vec<Candidate>,
}

/// Where conversations are kept between questions. Fallible, so that a
/// store across the network can say it is unreachable.
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// The session with `id` as of `now`; `None` when it is unknown or expired.
    fn load(&self, id: &str, now: Instant) -> Result<Option<Session>>;
    /// Keeps `session` under `id` as of `now`.
    fn save(&self, id: &str, session: Session, now: Instant) -> Result<()>;
    /// Sessions held (approximately, for stores that evict lazily).
    fn len(&self) -> u64;
    /// Whether no session is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A fresh, hard-to-guess session id: 32 hex digits.
pub fn new_id() -> String {
    static SEED: LazyLock<RandomState> = LazyLock::new(RandomState::new);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = SEED.hash_one((n, "wenda-session"));
    let b = SEED.hash_one((a, n));
    format!("{a:016x}{b:016x}")
}

#[derive(Clone)]
struct Slot {
    session: Session,
    touched: Instant,
}

/// Sessions in this process's memory, bounded by count (least recently
/// used out first) and by time since the last question.
pub struct MemorySessions {
    cache: moka::sync::Cache<String, Slot>,
    ttl: Duration,
}

impl std::fmt::Debug for MemorySessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySessions")
            .field("ttl", &self.ttl)
            .field("capacity", &self.cache.policy().max_capacity())
            .finish()
    }
}

impl Default for MemorySessions {
    fn default() -> Self {
        MemorySessions::new(SessionLimits::default())
    }
}

impl MemorySessions {
    /// A store whose sessions live `limits.ttl` after their last use, at
    /// most `limits.capacity` of them.
    pub fn new(limits: SessionLimits) -> Self {
        let cache = moka::sync::Cache::builder()
            .max_capacity(limits.capacity.max(1))
            .eviction_policy(EvictionPolicy::lru())
            // moka reclaims memory in real time; `load` judges expiry by
            // the clock it is given.
            .time_to_idle(limits.ttl)
            .build();
        MemorySessions {
            cache,
            ttl: limits.ttl,
        }
    }

    /// Applies pending evictions now (moka applies them lazily), so that
    /// [`SessionStore::len`] is exact.
    pub fn sync(&self) {
        self.cache.run_pending_tasks();
    }
}

impl SessionStore for MemorySessions {
    fn load(&self, id: &str, now: Instant) -> Result<Option<Session>> {
        let Some(slot) = self.cache.get(id) else {
            return Ok(None);
        };
        if now.saturating_duration_since(slot.touched) <= self.ttl {
            Ok(Some(slot.session))
        } else {
            self.cache.invalidate(id);
            Ok(None)
        }
    }

    fn save(&self, id: &str, session: Session, now: Instant) -> Result<()> {
        self.cache.insert(
            id.to_string(),
            Slot {
                session,
                touched: now,
            },
        );
        Ok(())
    }

    fn len(&self) -> u64 {
        self.cache.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_article(a: &str) -> Session {
        Session {
            article: Some(a.into()),
            ..Session::default()
        }
    }

    fn store(ttl: u64, capacity: u64) -> MemorySessions {
        MemorySessions::new(SessionLimits {
            ttl: Duration::from_secs(ttl),
            capacity,
        })
    }

    #[test]
    fn sessions_expire_after_their_time_to_live() {
        let store = store(60, 10);
        let t0 = Instant::now();
        store.save("s", with_article("po-cancel"), t0).unwrap();
        assert_eq!(
            store
                .load("s", t0 + Duration::from_secs(59))
                .unwrap()
                .and_then(|s| s.article),
            Some("po-cancel".to_string())
        );
        assert_eq!(store.load("s", t0 + Duration::from_secs(61)).unwrap(), None);
        store.sync();
        assert!(store.is_empty(), "an expired session is dropped when met");
    }

    #[test]
    fn a_full_store_drops_the_least_recently_used() {
        let store = store(60, 2);
        let t0 = Instant::now();
        store.save("a", with_article("1"), t0).unwrap();
        store.save("b", with_article("2"), t0).unwrap();
        store.sync();
        assert!(store.load("a", t0).unwrap().is_some());
        store.sync();
        store.save("c", with_article("3"), t0).unwrap();
        store.sync();
        assert_eq!(store.len(), 2);
        assert_eq!(store.load("b", t0).unwrap(), None);
        assert_eq!(
            store
                .load("a", t0)
                .unwrap()
                .and_then(|s| s.article)
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            store
                .load("c", t0)
                .unwrap()
                .and_then(|s| s.article)
                .as_deref(),
            Some("3")
        );
    }

    #[test]
    fn concurrent_writers_never_push_the_store_past_its_capacity() {
        let store = std::sync::Arc::new(store(60, 100));
        let t0 = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let store = store.clone();
                scope.spawn(move || {
                    for i in 0..500 {
                        store
                            .save(&format!("{t}-{i}"), with_article("x"), t0)
                            .unwrap();
                    }
                });
            }
        });
        store.sync();
        assert!(store.len() <= 100, "{} sessions held", store.len());
        assert!(store.len() >= 50, "the store still holds recent sessions");
    }

    #[test]
    fn ids_are_distinct() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
