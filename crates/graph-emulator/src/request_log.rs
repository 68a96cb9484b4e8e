//! Request log (for tests and demos) and request ids.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::reply::{REQUEST_IDS, RequestIds};

/// One entry of `GET /_emulator/requests`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub method: String,
    /// As sent (still percent-encoded).
    pub path: String,
    /// Raw query string, as sent.
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    /// JSON bodies as JSON, form bodies as an object (secrets redacted), else null.
    pub body: Value,
    pub status: u16,
    pub duration_ms: u64,
    /// The `request-id` the answer carried (Graph's id of this request).
    pub request_id: String,
}

/// Headers worth seeing in the log; credentials are shown by scheme only.
const LOGGED_HEADERS: &[&str] = &[
    "authorization",
    "client-request-id",
    "content-type",
    "accept",
    "prefer",
    "if-match",
    "range",
    "return-client-request-id",
];

const MAX_LOGGED_BODY: usize = 4 * 1024 * 1024;

/// The log keeps the latest entries only, so a long-running `meetflow dev` stays small.
const MAX_LOG_ENTRIES: usize = 10_000;

pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_emulator") {
        return next.run(request).await;
    }
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_LOGGED_BODY).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    let mut entry = LoggedRequest {
        seq: 0,
        at: Utc::now(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: logged_headers(&parts.headers),
        body: logged_body(&parts.headers, &bytes),
        status: 0,
        duration_ms: 0,
        request_id: uuid::Uuid::new_v4().to_string(),
    };
    let ids = RequestIds {
        request_id: entry.request_id.clone(),
        client_request_id: parts
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = REQUEST_IDS.scope(ids.clone(), next.run(request)).await;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert("request-id", v);
    }
    if let Some(v) = ids
        .client_request_id
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        headers.insert("client-request-id", v);
    }
    entry.status = response.status().as_u16();
    entry.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut world = state.world();
    entry.seq = world.next_seq();
    if world.log.len() >= MAX_LOG_ENTRIES {
        let excess = world.log.len() + 1 - MAX_LOG_ENTRIES;
        world.log.drain(..excess);
    }
    world.log.push(entry);
    response
}

fn logged_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    LOGGED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().unwrap_or("<binary>");
            let shown = if *name == "authorization" {
                match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} <redacted>"),
                    None => "<redacted>".to_owned(),
                }
            } else {
                value.to_owned()
            };
            Some(((*name).to_owned(), shown))
        })
        .collect()
}

fn logged_body(headers: &HeaderMap, bytes: &[u8]) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        serde_json::from_slice(bytes).unwrap_or(Value::Null)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| {
                let v = if k == "client_secret" || k == "client_assertion" {
                    "<redacted>".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), Value::String(v))
            })
            .collect();
        Value::Object(form)
    } else {
        Value::Null
    }
}
