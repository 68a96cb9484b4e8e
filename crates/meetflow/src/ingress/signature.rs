//! Who sent a request: `Meetflow-Signature: v1=<hex HMAC-SHA256(key, "{timestamp}.{body}")>`
//! with the key `Meetflow-Key-Id` names among `Meetflow-Tenant`'s `ingress_keys`, and a
//! `Meetflow-Timestamp` (unix seconds) within the replay window of this clock.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use meetflow_config::{Config, Secret};
use sha2::Sha256;

use super::error::ApiError;

pub const TENANT: &str = "meetflow-tenant";
pub const KEY_ID: &str = "meetflow-key-id";
pub const TIMESTAMP: &str = "meetflow-timestamp";
pub const SIGNATURE: &str = "meetflow-signature";

/// The scheme's version prefix; a future scheme gets `v2=` and both may be sent during a change.
const V1: &str = "v1=";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Meetflow-Signature` value for `body` sent at `timestamp`: what a PSA computes (the tests
/// and the benchmark sign with it too).
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    format!(
        "{V1}{}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Every tenant's ingress keys, resolved once at start-up.
#[derive(Default)]
pub struct Keyring {
    by_tenant: HashMap<String, HashMap<String, Secret>>,
}

impl Keyring {
    pub fn from_config(config: &Config) -> Result<Self, meetflow_config::ConfigError> {
        let mut by_tenant = HashMap::new();
        for (tenant, t) in &config.tenants {
            let mut keys = HashMap::new();
            for (i, k) in t.ingress_keys.iter().enumerate() {
                let key = format!("tenants.{tenant}.ingress_keys[{i}].secret");
                keys.insert(k.id.clone(), k.secret.resolve(&key)?);
            }
            if !keys.is_empty() {
                by_tenant.insert(tenant.clone(), keys);
            }
        }
        Ok(Self { by_tenant })
    }

    pub fn is_empty(&self) -> bool {
        self.by_tenant.is_empty()
    }
}

/// A request whose signature verified: the tenant it speaks for, and the signature that
/// proved it (the replay guard remembers it).
#[derive(Debug)]
pub struct Signed {
    pub tenant: String,
    pub signature: String,
    pub timestamp: i64,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("missing_signature", format!("no {name} header")))
}

/// Checks the four headers against `body` at `now` (unix seconds).
pub fn verify(
    keyring: &Keyring,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
    window_secs: u64,
) -> Result<Signed, ApiError> {
    let tenant = header(headers, TENANT)?;
    let key_id = header(headers, KEY_ID)?;
    let timestamp: i64 = header(headers, TIMESTAMP)?.parse().map_err(|_| {
        ApiError::unauthorized("bad_timestamp", "Meetflow-Timestamp is not unix seconds")
    })?;
    let given = header(headers, SIGNATURE)?;
    // The clock first: a stale request is refused the same way whatever else is wrong with it.
    if now.abs_diff(timestamp) > window_secs {
        return Err(ApiError::unauthorized(
            "stale_timestamp",
            format!("Meetflow-Timestamp is more than {window_secs} s from the ingress's clock"),
        ));
    }
    let secret = keyring
        .by_tenant
        .get(tenant)
        .and_then(|keys| keys.get(key_id))
        .ok_or_else(|| ApiError::unauthorized("unknown_key", "no such key id for this tenant"))?;
    let bytes = given
        .strip_prefix(V1)
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| {
            ApiError::unauthorized("bad_signature", "Meetflow-Signature is not v1=<hex>")
        })?;
    // `verify_slice` compares in constant time: no timing tells how much of a guess was right.
    mac(secret, timestamp, body)
        .verify_slice(&bytes)
        .map_err(|_| ApiError::unauthorized("bad_signature", "the signature does not match"))?;
    Ok(Signed {
        tenant: tenant.to_string(),
        signature: given.to_ascii_lowercase(),
        timestamp,
    })
}

/// The body's `tenantId` must be the tenant that signed: a key of one tenant never acts on
/// another tenant's appointments.
pub fn same_tenant(signed: &Signed, claimed: Option<&str>) -> Result<(), ApiError> {
    match claimed {
        Some(t) if t != signed.tenant => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "tenant_mismatch",
            "the request is for another tenant than the one that signed it",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring() -> Keyring {
        let mut keys = HashMap::new();
        keys.insert("k1".to_string(), Secret::new("s3cret"));
        Keyring {
            by_tenant: HashMap::from([("acme".to_string(), keys)]),
        }
    }

    fn headers(tenant: &str, key: &str, ts: i64, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(TENANT, tenant.parse().unwrap());
        h.insert(KEY_ID, key.parse().unwrap());
        h.insert(TIMESTAMP, ts.to_string().parse().unwrap());
        h.insert(SIGNATURE, sig.parse().unwrap());
        h
    }

    fn code(r: Result<Signed, ApiError>) -> &'static str {
        r.err().map(|e| e.detail.code).unwrap_or("ok")
    }

    #[test]
    fn matches_an_independent_hmac() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style
        // vector from Wikipedia, split as "{timestamp}.{body}".
        let sig = sign(
            &Secret::new("key"),
            0,
            b"The quick brown fox jumps over the lazy dog",
        );
        let expected = {
            let mut m = HmacSha256::new_from_slice(b"key").unwrap();
            m.update(b"0.The quick brown fox jumps over the lazy dog");
            hex::encode(m.finalize().into_bytes())
        };
        assert_eq!(sig, format!("v1={expected}"));
    }

    #[test]
    fn refuses_each_wrong_part_with_its_code() {
        let k = keyring();
        let body = br#"{"tenantId":"acme"}"#;
        let good = sign(&Secret::new("s3cret"), 1000, body);
        let v = |h: &HeaderMap, b: &[u8], now| code(verify(&k, h, b, now, 300));
        assert_eq!(v(&headers("acme", "k1", 1000, &good), body, 1000), "ok");
        assert_eq!(v(&headers("acme", "k1", 1000, &good), body, 1300), "ok");
        assert_eq!(
            v(&headers("acme", "k1", 1000, &good), body, 1301),
            "stale_timestamp"
        );
        assert_eq!(
            v(&headers("acme", "k1", 1000, &good), body, 699),
            "stale_timestamp"
        );
        assert_eq!(
            v(&headers("acme", "k2", 1000, &good), body, 1000),
            "unknown_key"
        );
        assert_eq!(
            v(&headers("other", "k1", 1000, &good), body, 1000),
            "unknown_key"
        );
        assert_eq!(
            v(&headers("acme", "k1", 1000, &good), b"{}", 1000),
            "bad_signature"
        );
        assert_eq!(
            v(&headers("acme", "k1", 1001, &good), body, 1000),
            "bad_signature"
        );
        assert_eq!(
            v(&headers("acme", "k1", 1000, "v1=zz"), body, 1000),
            "bad_signature"
        );
        assert_eq!(v(&HeaderMap::new(), body, 1000), "missing_signature");
    }
}
