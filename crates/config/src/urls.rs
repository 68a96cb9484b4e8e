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
            let scheme = s.split_once(':').map_or("", |(scheme, _)| scheme);
            Err(format!(
                "scheme {scheme:?} is not supported: expected sqlite:… or postgres://…"
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
    pub fn parse(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("file://")
            .or_else(|| s.strip_prefix("s3://"))
            .ok_or_else(|| format!("{s:?}: expected file://… or s3://…"))?;
        if rest.is_empty() {
            return Err(format!("{s:?} names no folder or bucket"));
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
        assert!(e.contains("\"mysql\"") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn storage_url_needs_a_known_scheme_and_a_place() {
        assert!(StorageUrl::parse("s3://bucket/prefix").is_ok());
        assert!(StorageUrl::parse("file://.meetflow/recordings").is_ok());
        assert!(StorageUrl::parse("s3://").is_err());
        assert!(
            StorageUrl::parse("gs://bucket")
                .unwrap_err()
                .contains("expected")
        );
    }
}
