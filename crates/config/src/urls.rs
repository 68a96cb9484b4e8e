//! Where the store and the recording storage live, checked when the configuration loads so a
//! wrong scheme is a start-up error naming the key, never a failure at first use.

use std::fmt;

use meetflow_proto::string_newtype_serde;
use serde::Deserialize;

/// `sqlite:…` (embedded default) or `postgres://…` / `postgresql://…` (production).
///
/// A PostgreSQL URL may hold a password: `Debug` and `Display` show it as `***`; only
/// [`StoreUrl::expose`] hands the real URL to the driver.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct StoreUrl(String);

impl StoreUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = s.starts_with("sqlite:")
            || s.starts_with("postgres://")
            || s.starts_with("postgresql://");
        if ok {
            Ok(Self(s.to_string()))
        } else {
            // Only the scheme is shown: the rest may hold a password.
            let scheme: String = s
                .split_once(':')
                .map_or("", |(scheme, _)| scheme)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(20)
                .collect();
            Err(format!(
                "scheme {scheme} is not supported: expected sqlite:… or postgres://…"
            ))
        }
    }

    /// The URL with its password, for the database driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres")
    }

    /// Why this URL would reach its PostgreSQL server over an unverified connection, if it
    /// would: a server beyond loopback needs `sslmode=verify-full`, as the store's rows (names,
    /// addresses, join links) and the password cross the network. SQLite and loopback (or a
    /// Unix socket) have no network to protect.
    pub fn tls_problem(&self) -> Option<String> {
        if !self.is_postgres() {
            return None;
        }
        let Ok(url) = url::Url::parse(&self.0) else {
            return Some("is not a valid URL".into());
        };
        let socket_dir = url
            .query_pairs()
            .any(|(k, v)| k == "host" && v.starts_with('/'));
        let host = url.host();
        // `postgres:` is not a scheme the URL standard knows, so an IP address arrives as an
        // opaque host name.
        let loopback = match &host {
            None => true,
            Some(url::Host::Domain(d)) => {
                d.is_empty()
                    || d.eq_ignore_ascii_case("localhost")
                    || d.trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        };
        let verified = url
            .query_pairs()
            .any(|(k, v)| k == "sslmode" && v == "verify-full");
        if loopback || socket_dir || verified {
            return None;
        }
        let host = host.map(|h| h.to_string()).unwrap_or_default();
        Some(format!(
            "the PostgreSQL server {host} is not on loopback: add sslmode=verify-full (TLS that checks its certificate and name)"
        ))
    }
}

impl TryFrom<String> for StoreUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                f.write_str(u.as_str())
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

/// `file://<folder>` (embedded default) or `s3://<bucket>/<prefix>` (production).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct StorageUrl(String);
string_newtype_serde!(StorageUrl);

impl StorageUrl {
    /// Errors never quote the URL: a mistaken one may hold credentials.
    pub fn parse(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("file://")
            .or_else(|| s.strip_prefix("s3://"))
            .ok_or_else(|| "expected file://… or s3://…".to_string())?;
        if rest.is_empty() {
            return Err("names no folder or bucket".into());
        }
        if s.starts_with("s3://") && rest.split('/').next().is_some_and(|b| b.contains('@')) {
            return Err(
                "must not hold credentials: S3 credentials come from the AWS environment".into(),
            );
        }
        Ok(Self(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_url_hides_its_password() {
        let u = StoreUrl::parse("postgres://meetflow:hunter2@db.internal/meetflow").unwrap();
        assert!(u.is_postgres());
        assert!(u.expose().contains("hunter2"));
        for shown in [u.to_string(), format!("{u:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("meetflow:***@db.internal"), "{shown}");
        }
        let e = StoreUrl::parse("mysql://root:pw@h/db").unwrap_err();
        assert!(e.contains("scheme mysql ") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn postgres_beyond_loopback_needs_verified_tls() {
        let problem = |u: &str| StoreUrl::parse(u).unwrap().tls_problem();
        for ok in [
            "sqlite://x.db",
            "postgres://u:pw@127.0.0.1:5432/db",
            "postgres://localhost/db",
            "postgresql://[::1]/db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u:pw@db.internal/db?sslmode=verify-full",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "postgres://u:hunter2@db.internal/db",
            "postgres://u:hunter2@db.internal/db?sslmode=require",
            "postgres://u:hunter2@10.0.0.5/db?sslmode=verify-ca",
        ] {
            let p = problem(bad).expect(bad);
            assert!(
                p.contains("sslmode=verify-full") && !p.contains("hunter2"),
                "{p}"
            );
        }
    }

    #[test]
    fn storage_url_needs_a_known_scheme_and_a_place() {
        assert!(StorageUrl::parse("s3://bucket/prefix").is_ok());
        assert!(StorageUrl::parse("file://.meetflow/recordings").is_ok());
        assert!(StorageUrl::parse("s3://").is_err());
        let e = StorageUrl::parse("s3://AKIA:hunter2@bucket/prefix").unwrap_err();
        assert!(e.contains("credentials") && !e.contains("hunter2"), "{e}");
        assert!(
            StorageUrl::parse("gs://bucket")
                .unwrap_err()
                .contains("expected")
        );
    }
}
