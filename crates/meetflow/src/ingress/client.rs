//! A PSA's side of the ingress in Rust: signs and sends requests. The end-to-end tests and
//! `meetflow bench ingress` use it; it is also the reference for the scheme in docs/contract.md.

use meetflow_config::Secret;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use super::signature::{self, sign};

pub struct SignedClient {
    pub http: reqwest::Client,
    /// `http://host:port`, no trailing slash.
    pub base: String,
    pub tenant: String,
    pub key_id: String,
    pub secret: Secret,
}

/// An answer: status, the `Retry-After` / `Idempotent-Replayed` headers, JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `error.code` of a refusal, `""` otherwise.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

impl SignedClient {
    /// The four signature headers for `body` sent at `timestamp`.
    pub fn headers(&self, timestamp: i64, body: &[u8]) -> [(&'static str, String); 4] {
        [
            (signature::TENANT, self.tenant.clone()),
            (signature::KEY_ID, self.key_id.clone()),
            (signature::TIMESTAMP, timestamp.to_string()),
            (signature::SIGNATURE, sign(&self.secret, timestamp, body)),
        ]
    }

    /// `method path` with `body` (JSON), signed now.
    pub fn request(&self, method: Method, path: &str, body: Vec<u8>) -> RequestBuilder {
        self.request_at(chrono::Utc::now().timestamp(), method, path, body)
    }

    /// As [`Self::request`], signed at `now` (unix seconds). A retry must be signed at another
    /// second than the original: the same second gives the same signature, refused as a replay.
    pub fn request_at(
        &self,
        now: i64,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> RequestBuilder {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in self.headers(now, &body) {
            req = req.header(name, value);
        }
        req.body(body)
    }

    /// `POST path` of `body`, signed now, with an `Idempotency-Key` when given.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> reqwest::Result<Reply> {
        self.post_at(chrono::Utc::now().timestamp(), path, body, idempotency_key)
            .await
    }

    /// As [`Self::post`], signed at `now`.
    pub async fn post_at(
        &self,
        now: i64,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> reqwest::Result<Reply> {
        let mut req = self.request_at(now, Method::POST, path, body.to_string().into_bytes());
        if let Some(k) = idempotency_key {
            req = req.header(super::IDEMPOTENCY_KEY, k);
        }
        Self::send(req).await
    }

    /// `GET path`, signed now over the empty body.
    pub async fn get(&self, path: &str) -> reqwest::Result<Reply> {
        Self::send(self.request(Method::GET, path, Vec::new())).await
    }

    pub async fn send(req: RequestBuilder) -> reqwest::Result<Reply> {
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        Ok(Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }
}
