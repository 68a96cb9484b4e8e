//! Injected failures: a status with optional `Retry-After`, latency, or a connection dropped
//! after the handler committed its change (the "response lost" case idempotency must survive).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::reply::GraphFailure;

/// A rule from `POST /_emulator/faults`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    /// HTTP method to match; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path pattern, `*` matching any run of characters (including `/`), matched against the
    /// percent-decoded path, e.g. `/v1.0/users/*/events`.
    pub path: String,
    /// Answer with this status (and a Graph error envelope) instead of running the handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Retry-After` value as sent: seconds (`"2"`) or an HTTP-date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// How many matching requests this applies to; forever when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default)]
    pub latency_ms: u64,
    /// Run the handler (committing its change), then cut the response off.
    #[serde(default)]
    pub drop_after_commit: bool,
}

/// Builders for tests: `Fault::on("/v1.0/users/*/events").method("POST").status(429)`.
impl Fault {
    /// A rule for `path` that, until more is set, matches forever and changes nothing.
    pub fn on(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// Seconds (`"2"`) or an HTTP-date.
    pub fn retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    /// Applies to the next `count` matching requests only.
    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = ms;
        self
    }

    pub fn drop_after_commit(mut self) -> Self {
        self.drop_after_commit = true;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.count != Some(0)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && glob_match(&self.path, path)
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = percent_encoding::percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let fault = {
        let mut world = state.world();
        world
            .faults
            .iter_mut()
            .find(|f| f.matches(request.method(), &path))
            .map(|f| {
                if let Some(n) = f.count.as_mut() {
                    *n -= 1;
                }
                f.clone()
            })
    };
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    if fault.drop_after_commit {
        let response = next.run(request).await;
        return cut_off(response);
    }
    match fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(status) => GraphFailure::new(
            status,
            fault
                .code
                .as_deref()
                .unwrap_or_else(|| default_code(status)),
            fault
                .message
                .clone()
                .unwrap_or_else(|| "Injected by the Graph emulator.".to_owned()),
        )
        .with_retry_after(fault.retry_after.clone())
        .into_response(),
        None => next.run(request).await,
    }
}

fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "TooManyRequests",
        503 => "serviceNotAvailable",
        504 => "UnknownError",
        401 => "InvalidAuthenticationToken",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "ErrorItemNotFound",
        _ => "generalException",
    }
}

/// Keeps the handler's effect but fails the body, so the client never gets a usable answer
/// (hyper aborts the connection when a body stream errors).
fn cut_off(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let failing = stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "emulator fault: connection dropped after commit",
        ))
    });
    Response::from_parts(parts, Body::from_stream(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("/v1.0/users/*/events", "/v1.0/users/a@b/events"));
        assert!(!glob_match(
            "/v1.0/users/*/events",
            "/v1.0/users/a@b/events/x"
        ));
        assert!(glob_match(
            "/v1.0/users/*/events*",
            "/v1.0/users/a/events/x/cancel"
        ));
        assert!(glob_match("*", "/anything"));
        assert!(glob_match("/a/*/c/*/e", "/a/b/c/d/e"));
        assert!(!glob_match("/a/*/c", "/a/c"));
        assert!(glob_match("/exact", "/exact"));
    }
}
