//! The request pipeline every Graph call goes through: token, `client-request-id`, per-mailbox
//! concurrency gate, one forced token refresh on 401, an optional single wait on a short
//! `Retry-After`, and the error envelope.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;

use crate::credentials::{AppCredentials, GraphEndpoints};
use crate::error::{GraphError, GraphErrorKind};
use crate::observe::GraphObserver;
use crate::token::TokenCache;
use crate::trace::Exchange;

/// Tuning knobs; the defaults suit production.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Upper bound for one JSON call (not for content streams, which use `read_timeout`).
    pub request_timeout: Duration,
    /// Longest pause between two chunks of a content stream. Shorter than the recording copy's
    /// heartbeat timeout (60 s), so a stalled download fails its own attempt first.
    pub read_timeout: Duration,
    /// A 429/503 whose `Retry-After` is at most this long is waited out once inside the call;
    /// longer delays are returned as [`GraphError::retry_after`] for the Temporal retry policy.
    pub max_inline_retry_after: Duration,
    /// In-flight requests per mailbox (Outlook allows 4 per app and mailbox).
    pub mailbox_concurrency: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            max_inline_retry_after: Duration::from_secs(5),
            mailbox_concurrency: 4,
        }
    }
}

/// A Microsoft Graph client for many tenants. Cheap to clone; clones share the connection pool,
/// the token cache and the mailbox gates.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoints: GraphEndpoints,
    tokens: TokenCache,
    mailboxes: Mutex<HashMap<String, Arc<Semaphore>>>,
    options: ClientOptions,
    /// Set once by the worker when it serves metrics.
    observer: std::sync::OnceLock<Arc<dyn GraphObserver>>,
}

/// One Graph request, replayable (the body is serialized once so a retry sends the same bytes,
/// which is what makes a `transactionId` retry recognisable as identical).
pub(crate) struct GraphRequest {
    pub(crate) method: Method,
    pub(crate) url: url::Url,
    pub(crate) body: Option<Bytes>,
    pub(crate) accept: &'static str,
    /// Content streams must not be cut off by the whole-request timeout.
    pub(crate) streaming: bool,
    pub(crate) range: Option<String>,
}

impl GraphRequest {
    pub(crate) fn new(method: Method, url: url::Url) -> Self {
        Self {
            method,
            url,
            body: None,
            accept: "application/json",
            streaming: false,
            range: None,
        }
    }

    pub(crate) fn json_body(mut self, body: &impl serde::Serialize) -> Self {
        self.body = Some(Bytes::from(
            serde_json::to_vec(body).expect("request bodies are plain data"),
        ));
        self
    }
}

impl GraphClient {
    pub fn new(endpoints: GraphEndpoints) -> Result<Self, GraphError> {
        Self::with_options(endpoints, ClientOptions::default())
    }

    pub fn with_options(
        endpoints: GraphEndpoints,
        options: ClientOptions,
    ) -> Result<Self, GraphError> {
        if endpoints.graph.cannot_be_a_base() || endpoints.authority.cannot_be_a_base() {
            return Err(GraphError::new(
                GraphErrorKind::Other,
                "Graph and authority endpoints must be http(s) base URLs",
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            // Graph content may redirect to a download host; reqwest drops Authorization when a
            // redirect leaves the origin, so the bearer token never travels elsewhere.
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("meetflow-graph/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GraphError::new(GraphErrorKind::Other, format!("HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                tokens: TokenCache::new(http.clone(), endpoints.clone()),
                http,
                endpoints,
                mailboxes: Mutex::new(HashMap::new()),
                options,
                observer: std::sync::OnceLock::new(),
            }),
        })
    }

    pub fn endpoints(&self) -> &GraphEndpoints {
        &self.inner.endpoints
    }

    /// Reports every Graph exchange of this client (all clones) to `observer`; only the first
    /// observer set counts.
    pub fn observe(&self, observer: Arc<dyn GraphObserver>) {
        let _ = self.inner.observer.set(observer);
    }

    /// Token requests sent so far by this client (all clones).
    pub fn token_requests(&self) -> u64 {
        self.inner.tokens.fetches()
    }

    /// `{graph}/seg/seg/...`, each segment percent-encoded (event ids contain `/`, `+`, `=`).
    pub(crate) fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.inner.endpoints.graph.clone();
        url.path_segments_mut()
            .expect("Graph URL is validated as a base URL at construction")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// Refuses to send the bearer token anywhere but the configured Graph origin (a nextLink
    /// comes from the server and is followed verbatim).
    pub(crate) fn check_same_origin(&self, url: &url::Url) -> Result<(), GraphError> {
        if url.origin() == self.inner.endpoints.graph.origin() {
            Ok(())
        } else {
            Err(GraphError::unexpected(
                "paging",
                format!(
                    "next link points outside Graph: {}",
                    url.origin().ascii_serialization()
                ),
            ))
        }
    }

    /// Holds one of the mailbox's concurrency slots for the duration of an Outlook call.
    pub(crate) async fn mailbox_permit(
        &self,
        app: &AppCredentials,
        mailbox: &str,
    ) -> OwnedSemaphorePermit {
        let key = format!("{}/{}", app.tenant_id, mailbox.to_ascii_lowercase());
        let gate = {
            let mut gates = self
                .inner
                .mailboxes
                .lock()
                .expect("mailbox gate map poisoned");
            gates
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.inner.options.mailbox_concurrency)))
                .clone()
        };
        gate.acquire_owned()
            .await
            .expect("mailbox gates are never closed")
    }

    /// A usable token for `app`, from the cache or freshly requested.
    pub(crate) async fn token(
        &self,
        app: &AppCredentials,
    ) -> Result<crate::token::AccessToken, GraphError> {
        let observer = self.inner.observer.get();
        self.inner
            .tokens
            .get(app, observer.map(|o| o.as_ref()))
            .await
    }

    /// Sends `request`; returns the response if its status is a success, else the typed error.
    pub(crate) async fn execute(
        &self,
        app: &AppCredentials,
        request: &GraphRequest,
    ) -> Result<Response, GraphError> {
        let observer = self.inner.observer.get();
        let mut token = self.token(app).await?;
        let mut refreshed = false;
        let mut waited = false;
        let operation = crate::observe::operation(request.url.path());
        let report = |status: Option<u16>, began: std::time::Instant| {
            if let Some(o) = observer {
                o.request(request.method.as_str(), &operation, status, began.elapsed());
            }
        };
        loop {
            let client_request_id = uuid::Uuid::new_v4().to_string();
            let exchange = Exchange::start(&request.method, &operation, &client_request_id);
            let began = std::time::Instant::now();
            let sent = self
                .send_once(request, &token.bearer(), &client_request_id)
                .instrument(exchange.span().clone())
                .await;
            report(sent.as_ref().ok().map(|r| r.status().as_u16()), began);
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    exchange.unanswered(&e);
                    return Err(e);
                }
            };
            let status = response.status();
            exchange.answered(status, response.headers());
            if status.is_success() {
                return Ok(response);
            }
            let err = error_from(response, &client_request_id).await;
            exchange
                .span()
                .in_scope(|| tracing::debug!(%status, error = %err, "Graph call failed"));
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                // A token can be revoked or expire early (clock skew, key roll-over): one
                // fresh token, one more try.
                refreshed = true;
                token = self
                    .inner
                    .tokens
                    .refresh(app, &token, observer.map(|o| o.as_ref()))
                    .await?;
                continue;
            }
            if let Some(delay) = err.retry_after().filter(|d| {
                !waited && err.is_retryable() && *d <= self.inner.options.max_inline_retry_after
            }) {
                waited = true;
                if let Some(o) = observer {
                    o.retry_after_wait(&operation, delay);
                }
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(err);
        }
    }

    async fn send_once(
        &self,
        request: &GraphRequest,
        bearer: &str,
        client_request_id: &str,
    ) -> Result<Response, GraphError> {
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), request.url.clone())
            .header(ACCEPT, request.accept)
            .header("client-request-id", client_request_id)
            .header("return-client-request-id", "true")
            // Responses carry `dateTime`s in UTC, whatever the mailbox's own zone.
            .header("Prefer", "outlook.timezone=\"UTC\"");
        let mut auth = HeaderValue::from_str(bearer).map_err(|_| {
            GraphError::unexpected("token request", "token is not a valid header value")
        })?;
        auth.set_sensitive(true);
        builder = builder.header(AUTHORIZATION, auth);
        if !request.streaming {
            builder = builder.timeout(self.inner.options.request_timeout);
        }
        if let Some(range) = &request.range {
            builder = builder.header(reqwest::header::RANGE, range);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        builder
            .send()
            .await
            .map_err(|e| GraphError::transport(&e, client_request_id))
    }

    /// `execute` + JSON body.
    pub(crate) async fn fetch_json<T: DeserializeOwned>(
        &self,
        app: &AppCredentials,
        request: &GraphRequest,
        what: &str,
    ) -> Result<T, GraphError> {
        let response = self.execute(app, request).await?;
        read_json(response, what).await
    }
}

pub(crate) async fn read_json<T: DeserializeOwned>(
    response: Response,
    what: &str,
) -> Result<T, GraphError> {
    let client_request_id = header_str(&response, "client-request-id");
    let body = response
        .bytes()
        .await
        .map_err(|e| GraphError::transport(&e, &client_request_id))?;
    serde_json::from_slice(&body).map_err(|e| GraphError::unexpected(what, e))
}

async fn error_from(response: Response, client_request_id: &str) -> GraphError {
    let status = response.status();
    let headers = response.headers().clone();
    // A body we cannot read still leaves status and headers to classify by.
    let body = response.bytes().await.unwrap_or_default();
    GraphError::from_graph_response(status, &headers, &body)
        .with_client_request_id(client_request_id)
}

pub(crate) fn header_str(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
