//! `[telemetry]`: where the worker exports its trace spans (OTLP over HTTP/protobuf). Logs are
//! not configured here: they go to stderr, formatted by `MEETFLOW_LOG_FORMAT`, filtered by
//! `RUST_LOG`.

use serde::{Deserialize, Deserializer};
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// Base URL of an OTLP/HTTP receiver (a collector's port 4318, e.g. `http://otel:4318`);
    /// spans are posted to `{otlp_endpoint}/v1/traces`. Empty: no export.
    #[serde(deserialize_with = "empty_is_off")]
    pub otlp_endpoint: Option<OtlpEndpoint>,
    /// The exported resource's `service.name`.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "meetflow".into(),
        }
    }
}

impl TelemetryConfig {
    pub(crate) fn check(&self) -> Result<(), crate::ConfigError> {
        let name = self.service_name.trim();
        if name.is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
            return Err(crate::ConfigError::key(
                "telemetry.service_name",
                "must be 1-255 characters without control characters",
            ));
        }
        Ok(())
    }
}

/// An `http(s)://host[:port][/path]` base URL without credentials, query or fragment.
/// Credentials for a collector that wants them go in `OTEL_EXPORTER_OTLP_HEADERS`, never in
/// the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpEndpoint(Url);

impl OtlpEndpoint {
    /// Problems never quote the value: a mistaken one may hold a token.
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = Url::parse(s).map_err(|e| format!("is not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an http:// or https:// URL".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("names no host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "must not hold credentials: put an Authorization header in OTEL_EXPORTER_OTLP_HEADERS"
                    .into(),
            );
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("must not have a query or fragment".into());
        }
        Ok(Self(url))
    }

    /// Where spans are posted: the OTLP/HTTP traces path under the base URL.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.0.as_str().trim_end_matches('/'))
    }
}

fn empty_is_off<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OtlpEndpoint>, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Ok(None);
    }
    OtlpEndpoint::parse(s.trim())
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_go_under_the_base_url() {
        for (base, traces) in [
            ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
            ("https://otel.example/", "https://otel.example/v1/traces"),
            (
                "https://gw.example/otlp/",
                "https://gw.example/otlp/v1/traces",
            ),
        ] {
            assert_eq!(OtlpEndpoint::parse(base).unwrap().traces_url(), traces);
        }
    }

    #[test]
    fn endpoints_without_credentials_only() {
        let e = OtlpEndpoint::parse("https://user:hunter2@otel.example").unwrap_err();
        assert!(
            e.contains("OTEL_EXPORTER_OTLP_HEADERS") && !e.contains("hunter2"),
            "{e}"
        );
        let e = OtlpEndpoint::parse("https://otel.example/?api_key=hunter2").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        for bad in ["otel:4318", "grpc://otel:4317", "http://"] {
            assert!(OtlpEndpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
