//! A token bucket per tenant: one tenant's burst does not starve the others' requests.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct TenantRate {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl TenantRate {
    pub fn new(per_sec: u32, burst: u32) -> Self {
        Self {
            per_sec: f64::from(per_sec),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `tenant`'s bucket, or says how long until there is one. Only
    /// authenticated tenants reach this, so the map holds configured tenants only.
    pub fn take(&self, tenant: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("rate lock");
        let b = buckets.entry(tenant.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.per_sec;
        b.tokens = (b.tokens + refill).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_sec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate_per_tenant() {
        let rate = TenantRate::new(2, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            rate.take("acme", t0).unwrap();
        }
        let wait = rate.take("acme", t0).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        rate.take("other", t0).expect("its own bucket");
        rate.take("acme", t0 + Duration::from_millis(500)).unwrap();
        rate.take("acme", t0 + Duration::from_millis(500))
            .unwrap_err();
    }
}
