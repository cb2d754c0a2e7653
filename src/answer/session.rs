//! Conversations kept in memory: what was asked and answered last, the
//! step being read out, the choices offered. Sessions expire after a time
//! to live and the store holds at most a fixed number, dropping the least
//! recently used. The clock is passed in, so expiry is testable.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// An article offered when a question was ambiguous.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// How sure wenda is that this article answers the question (0..1).
    pub confidence: f32,
}

/// What a conversation remembers.
#[derive(Debug, Clone, Default, PartialEq)]
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

struct Slot {
    session: Session,
    touched: Instant,
}

/// Sessions by id.
pub struct SessionStore {
    slots: Mutex<HashMap<String, Slot>>,
    ttl: Duration,
    capacity: usize,
    ids: AtomicU64,
    seed: RandomState,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish()
    }
}

/// Time a session lives without a question.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 60);
/// Sessions kept at most.
pub const DEFAULT_CAPACITY: usize = 10_000;

impl Default for SessionStore {
    fn default() -> Self {
        SessionStore::new(DEFAULT_TTL, DEFAULT_CAPACITY)
    }
}

impl SessionStore {
    /// A store whose sessions live `ttl` after their last use, at most `capacity` of them.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        SessionStore {
            slots: Mutex::new(HashMap::new()),
            ttl,
            capacity: capacity.max(1),
            ids: AtomicU64::new(0),
            seed: RandomState::new(),
        }
    }

    /// A fresh, hard-to-guess session id.
    pub fn new_id(&self) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        let a = self.seed.hash_one((n, "wenda-session"));
        let b = self.seed.hash_one((a, n));
        format!("{a:016x}{b:016x}")
    }

    /// The session with `id` as of `now`; a new one when it is unknown or expired.
    pub fn get(&self, id: &str, now: Instant) -> Session {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        match slots.get(id) {
            Some(slot) if now.saturating_duration_since(slot.touched) <= self.ttl => {
                slot.session.clone()
            }
            Some(_) => {
                slots.remove(id);
                Session::default()
            }
            None => Session::default(),
        }
    }

    /// Stores a session as of `now`, evicting expired sessions and, when
    /// full, the least recently used one.
    pub fn put(&self, id: &str, session: Session, now: Instant) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if !slots.contains_key(id) && slots.len() >= self.capacity {
            slots.retain(|_, s| now.saturating_duration_since(s.touched) <= self.ttl);
            if slots.len() >= self.capacity
                && let Some(oldest) = slots
                    .iter()
                    .min_by_key(|(_, s)| s.touched)
                    .map(|(k, _)| k.clone())
            {
                slots.remove(&oldest);
            }
        }
        slots.insert(
            id.to_string(),
            Slot {
                session,
                touched: now,
            },
        );
    }

    /// Sessions held (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    #[test]
    fn sessions_expire_after_their_time_to_live() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        store.put("s", with_article("po-cancel"), t0);
        assert_eq!(
            store
                .get("s", t0 + Duration::from_secs(59))
                .article
                .as_deref(),
            Some("po-cancel")
        );
        assert_eq!(
            store.get("s", t0 + Duration::from_secs(61)),
            Session::default()
        );
        assert!(store.is_empty(), "an expired session is dropped when met");
    }

    #[test]
    fn a_full_store_drops_the_least_recently_used() {
        let store = SessionStore::new(Duration::from_secs(60), 2);
        let t0 = Instant::now();
        store.put("a", with_article("1"), t0);
        store.put("b", with_article("2"), t0 + Duration::from_secs(1));
        store.put("a", with_article("1"), t0 + Duration::from_secs(2));
        store.put("c", with_article("3"), t0 + Duration::from_secs(3));
        assert_eq!(store.len(), 2);
        let now = t0 + Duration::from_secs(4);
        assert_eq!(store.get("b", now), Session::default());
        assert_eq!(store.get("a", now).article.as_deref(), Some("1"));
        assert_eq!(store.get("c", now).article.as_deref(), Some("3"));
    }

    #[test]
    fn ids_are_distinct() {
        let store = SessionStore::default();
        let (a, b) = (store.new_id(), store.new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
