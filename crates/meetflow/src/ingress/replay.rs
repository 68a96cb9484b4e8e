//! Signatures seen within the replay window: the same signed request sent twice is refused.
//!
//! The set is in memory and per process. Across replicas (or after a restart) a replayed request
//! can get through once per replica; what keeps that harmless is the `Idempotency-Key` and, below
//! it, Temporal: one workflow per appointment id, and updates deduplicated by update id.

use std::{
    collections::{HashSet, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Bounded so a flood cannot grow it without end; at the bound the oldest entry goes first
/// (the per-tenant rate limit keeps the bound far above any tenant's honest traffic).
pub const MAX_REMEMBERED: usize = 100_000;

pub struct SeenSignatures {
    /// How long a signature is remembered: as long as its timestamp could still be accepted.
    keep: Duration,
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    set: HashSet<(String, String)>,
    /// Insertion order, which is also expiry order.
    order: VecDeque<(Instant, (String, String))>,
}

impl SeenSignatures {
    pub fn new(window: Duration) -> Self {
        Self {
            // A timestamp is accepted for ±window around the clock, so 2 × window from now.
            keep: window * 2,
            inner: Mutex::new(Seen::default()),
        }
    }

    /// `true` the first time `(tenant, signature)` is offered, `false` on a replay.
    pub fn first_time(&self, tenant: &str, signature: &str, now: Instant) -> bool {
        let mut s = self.inner.lock().expect("seen-set lock");
        while let Some((at, _)) = s.order.front() {
            if now.duration_since(*at) <= self.keep && s.order.len() < MAX_REMEMBERED {
                break;
            }
            let (_, key) = s.order.pop_front().expect("front exists");
            s.set.remove(&key);
        }
        let key = (tenant.to_string(), signature.to_string());
        if !s.set.insert(key.clone()) {
            return false;
        }
        s.order.push_back((now, key));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_repeat_within_the_window_only() {
        let seen = SeenSignatures::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(seen.first_time("acme", "v1=aa", t0));
        assert!(!seen.first_time("acme", "v1=aa", t0 + Duration::from_secs(19)));
        // Another tenant's identical signature is its own request.
        assert!(seen.first_time("other", "v1=aa", t0));
        // Past 2 × window the timestamp itself is refused as stale, so it may be forgotten.
        assert!(seen.first_time("acme", "v1=aa", t0 + Duration::from_secs(21)));
    }
}
