//! The signed HTTP ingress (`meetflow ingress`, or `ingress.listen` on the worker): how a PSA
//! that only emits webhooks starts, reschedules and cancels appointments.

use serde::Deserialize;

use crate::{ConfigError, SecretRef, bounds};

/// `[ingress]`. The keys that sign requests are per tenant (`tenants.<id>.ingress_keys`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngressConfig {
    /// `host:port` the worker also serves the ingress on. Empty: off (`meetflow ingress` takes
    /// its own `--listen`).
    pub listen: String,
    /// Largest request body; above it `413`. The approval parser's own limit is 64 KiB of
    /// compact JSON, pretty-printed JSON needs some room above that.
    pub max_body_bytes: usize,
    /// How far `Meetflow-Timestamp` may be from the ingress's clock, either way; it also bounds
    /// how long a signature is remembered to refuse its replay.
    pub replay_window_secs: u64,
    /// Sustained requests per second one tenant may make (a token bucket)…
    pub rate_per_sec: u32,
    /// …and the burst above it.
    pub rate_burst: u32,
    /// One request's whole time, Temporal included; past it `504`.
    pub request_timeout_secs: u64,
    /// How long the answer to an `Idempotency-Key` is kept and given again.
    pub idempotency_ttl_secs: u64,
    /// Base URL the `state` link of a `202` starts with (the ingress as the PSA reaches it).
    /// Unset: the link is a path.
    pub public_url: Option<String>,
}

impl Default for IngressConfig {
    fn default() -> Self {
        Self {
            listen: String::new(),
            max_body_bytes: 256 * 1024,
            replay_window_secs: 300,
            rate_per_sec: 20,
            rate_burst: 40,
            request_timeout_secs: 30,
            idempotency_ttl_secs: 24 * 3600,
            public_url: None,
        }
    }
}

impl IngressConfig {
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        use bounds::in_range;
        in_range(
            "ingress.max_body_bytes",
            self.max_body_bytes,
            bounds::INGRESS_BODY_BYTES,
        )?;
        in_range(
            "ingress.replay_window_secs",
            self.replay_window_secs,
            bounds::REPLAY_WINDOW_SECS,
        )?;
        in_range("ingress.rate_per_sec", self.rate_per_sec, bounds::RATE)?;
        in_range("ingress.rate_burst", self.rate_burst, bounds::RATE)?;
        in_range(
            "ingress.request_timeout_secs",
            self.request_timeout_secs,
            bounds::REQUEST_TIMEOUT_SECS,
        )?;
        in_range(
            "ingress.idempotency_ttl_secs",
            self.idempotency_ttl_secs,
            bounds::IDEMPOTENCY_TTL_SECS,
        )?;
        if let Some(u) = &self.public_url {
            let ok = url::Url::parse(u)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none());
            if !ok {
                return Err(ConfigError::key(
                    "ingress.public_url",
                    "an http(s) URL without a query, such as https://meetflow.msp.example",
                ));
            }
        }
        Ok(())
    }
}

/// One key a tenant signs ingress requests with. Several at once allow rotation: the PSA moves
/// to the new key id while the old one still verifies, then the old one is removed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressKeyRef {
    /// Sent as `Meetflow-Key-Id`; unique within the tenant.
    pub id: String,
    pub secret: SecretRef,
}

/// `ingress_keys` of `tenants.<key>`: ids unique and sane.
pub(crate) fn check_keys(key: &str, keys: &[IngressKeyRef]) -> Result<(), ConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, k) in keys.iter().enumerate() {
        let at = format!("{key}.ingress_keys[{i}].id");
        let sane = !k.id.is_empty()
            && k.id.len() <= 64
            && k.id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !sane {
            return Err(ConfigError::key(
                at,
                "1 to 64 characters of A-Z, a-z, 0-9, -, _ and .",
            ));
        }
        if !seen.insert(k.id.as_str()) {
            return Err(ConfigError::key(at, format!("{} is used twice", k.id)));
        }
    }
    Ok(())
}
