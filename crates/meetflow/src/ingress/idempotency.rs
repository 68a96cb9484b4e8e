//! `Idempotency-Key`: the same key with the same body, within the TTL, gets the first answer
//! again without a second call to Temporal; the same key with another body is refused.
//!
//! A duplicate that arrives while the first is still in flight waits for its answer. Answers of
//! `5xx` are not kept: the request did not conclude, so a retry does the work again (and
//! Temporal's workflow-id uniqueness keeps that retry from starting a second workflow).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::sync::OwnedMutexGuard;

/// Bounded: past it the oldest keys are forgotten first.
pub const MAX_KEYS: usize = 50_000;

/// What the ingress answered: status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

type Slot = Arc<tokio::sync::Mutex<Option<Answer>>>;

/// (tenant, route, key): keys are the tenant's own and one key names one operation.
type Key = (String, &'static str, String);

struct Entry {
    body_hash: [u8; 32],
    at: Instant,
    slot: Slot,
}

/// The entries, and their keys in insertion (so expiry) order.
type Entries = (HashMap<Key, Entry>, VecDeque<(Instant, Key)>);

pub struct IdempotencyCache {
    ttl: Duration,
    inner: Mutex<Entries>,
}

/// What to do with a request that carries a key.
pub enum Claim {
    /// Answered before: give this answer again.
    Replay(Answer),
    /// Ours to do; record the answer with [`Claimed::finish`].
    Claimed(Claimed),
    /// The key was used with another body.
    Reused,
}

pub struct Claimed(OwnedMutexGuard<Option<Answer>>);

impl Claimed {
    pub fn finish(mut self, answer: &Answer) {
        if !answer.status.is_server_error() {
            *self.0 = Some(answer.clone());
        }
    }
}

impl IdempotencyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub async fn claim(
        &self,
        tenant: &str,
        route: &'static str,
        key: &str,
        body: &[u8],
        now: Instant,
    ) -> Claim {
        let body_hash: [u8; 32] = Sha256::digest(body).into();
        let k: Key = (tenant.to_string(), route, key.to_string());
        let slot = {
            let mut guard = self.inner.lock().expect("idempotency lock");
            let (map, order) = &mut *guard;
            while let Some((at, old)) = order.front() {
                if now.duration_since(*at) <= self.ttl && map.len() < MAX_KEYS {
                    break;
                }
                // A key re-inserted after expiry has a newer entry: keep that one.
                if map.get(old).is_some_and(|e| e.at == *at) {
                    map.remove(old);
                }
                order.pop_front();
            }
            match map.get(&k) {
                Some(e) if e.body_hash != body_hash => return Claim::Reused,
                Some(e) => e.slot.clone(),
                None => {
                    let slot: Slot = Arc::default();
                    let owned = slot
                        .clone()
                        .try_lock_owned()
                        .expect("a new slot is unlocked");
                    map.insert(
                        k.clone(),
                        Entry {
                            body_hash,
                            at: now,
                            slot,
                        },
                    );
                    order.push_back((now, k));
                    return Claim::Claimed(Claimed(owned));
                }
            }
        };
        let guard = slot.lock_owned().await;
        match &*guard {
            Some(answer) => Claim::Replay(answer.clone()),
            // The first attempt ended without a keepable answer: this one does the work.
            None => Claim::Claimed(Claimed(guard)),
        }
    }

    /// The answer kept for `key` with this `body`, waiting for it while the first request is
    /// in flight; `None` when there is none. Claims nothing.
    pub async fn answer_of(
        &self,
        tenant: &str,
        route: &'static str,
        key: &str,
        body: &[u8],
    ) -> Option<Answer> {
        let body_hash: [u8; 32] = Sha256::digest(body).into();
        let k: Key = (tenant.to_string(), route, key.to_string());
        let slot = {
            let guard = self.inner.lock().expect("idempotency lock");
            let e = guard.0.get(&k)?;
            if e.body_hash != body_hash {
                return None;
            }
            e.slot.clone()
        };
        slot.lock().await.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: serde_json::json!({"n": status}),
        }
    }

    #[tokio::test]
    async fn same_key_same_body_replays_other_body_is_refused() {
        let cache = IdempotencyCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let Claim::Claimed(c) = cache.claim("acme", "approve", "k", b"{}", t0).await else {
            panic!("first claim")
        };
        c.finish(&answer(202));
        match cache.claim("acme", "approve", "k", b"{}", t0).await {
            Claim::Replay(a) => assert_eq!(a.status, StatusCode::ACCEPTED),
            _ => panic!("replay expected"),
        }
        assert!(matches!(
            cache.claim("acme", "approve", "k", b"{\"x\":1}", t0).await,
            Claim::Reused
        ));
        // Another tenant's key of the same name is its own.
        assert!(matches!(
            cache.claim("other", "approve", "k", b"{}", t0).await,
            Claim::Claimed(_)
        ));
        // After the TTL the key is new again.
        let later = t0 + Duration::from_secs(61);
        assert!(matches!(
            cache
                .claim("acme", "approve", "k", b"{\"x\":1}", later)
                .await,
            Claim::Claimed(_)
        ));
    }

    #[tokio::test]
    async fn a_server_error_is_not_kept() {
        let cache = IdempotencyCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let Claim::Claimed(c) = cache.claim("acme", "cancel", "k", b"{}", t0).await else {
            panic!("first claim")
        };
        c.finish(&answer(504));
        assert!(
            cache
                .answer_of("acme", "cancel", "k", b"{}")
                .await
                .is_none()
        );
        assert!(matches!(
            cache.claim("acme", "cancel", "k", b"{}", t0).await,
            Claim::Claimed(_)
        ));
    }

    #[tokio::test]
    async fn answer_of_gives_the_kept_answer_of_the_same_body_only() {
        let cache = IdempotencyCache::new(Duration::from_secs(60));
        assert!(
            cache
                .answer_of("acme", "approve", "k", b"{}")
                .await
                .is_none()
        );
        let Claim::Claimed(c) = cache
            .claim("acme", "approve", "k", b"{}", Instant::now())
            .await
        else {
            panic!("first claim")
        };
        c.finish(&answer(202));
        let kept = cache.answer_of("acme", "approve", "k", b"{}").await;
        assert_eq!(kept.map(|a| a.status), Some(StatusCode::ACCEPTED));
        assert!(
            cache
                .answer_of("acme", "approve", "k", b"[]")
                .await
                .is_none()
        );
        assert!(
            cache
                .answer_of("acme", "cancel", "k", b"{}")
                .await
                .is_none()
        );
    }
}
