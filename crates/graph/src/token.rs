//! App-only access tokens (client-credentials), cached per (tenant, app) with one fetch in flight
//! per key, so thousands of concurrent calls cost one token request per tenant per token lifetime.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;
use tracing::Instrument;

use crate::credentials::{AppCredentials, GraphEndpoints};
use crate::error::{GraphError, GraphErrorKind};
use crate::observe::GraphObserver;
use crate::trace::Exchange;

/// A bearer token. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AccessToken {
    value: Arc<str>,
    /// When we stop using it: shortly before the server-side expiry, so a token never
    /// expires between being taken from the cache and reaching Graph.
    use_until: Instant,
}

impl AccessToken {
    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.value)
    }

    fn is_usable(&self, now: Instant) -> bool {
        now < self.use_until
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    tenant: String,
    client_id: String,
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

pub(crate) struct TokenCache {
    http: reqwest::Client,
    endpoints: GraphEndpoints,
    // A slot per key; its async mutex is what makes concurrent misses wait for one fetch.
    slots: Mutex<HashMap<CacheKey, Slot>>,
    fetches: AtomicU64,
}

impl TokenCache {
    pub(crate) fn new(http: reqwest::Client, endpoints: GraphEndpoints) -> Self {
        Self {
            http,
            endpoints,
            slots: Mutex::new(HashMap::new()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many token requests this cache has sent (for metrics and the benchmark).
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    pub(crate) async fn get(
        &self,
        app: &AppCredentials,
        observer: Option<&dyn GraphObserver>,
    ) -> Result<AccessToken, GraphError> {
        let slot = self.slot(app);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.is_usable(Instant::now())) {
            return Ok(token.clone());
        }
        let fresh = self.fetch(app, observer).await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    /// Graph said 401 to `rejected`: fetch a new token unless another caller already did.
    pub(crate) async fn refresh(
        &self,
        app: &AppCredentials,
        rejected: &AccessToken,
        observer: Option<&dyn GraphObserver>,
    ) -> Result<AccessToken, GraphError> {
        let slot = self.slot(app);
        let mut cached = slot.lock().await;
        if let Some(current) = cached
            .as_ref()
            .filter(|t| *t != rejected && t.is_usable(Instant::now()))
        {
            return Ok(current.clone());
        }
        let fresh = self.fetch(app, observer).await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    fn slot(&self, app: &AppCredentials) -> Slot {
        let key = CacheKey {
            tenant: app.tenant_id.clone(),
            client_id: app.client_id.clone(),
        };
        let mut slots = self.slots.lock().expect("token slot map poisoned");
        slots.entry(key).or_default().clone()
    }

    async fn fetch(
        &self,
        app: &AppCredentials,
        observer: Option<&dyn GraphObserver>,
    ) -> Result<AccessToken, GraphError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let issued = self.request_token(app).await;
        if let Some(o) = observer {
            o.token_request(issued.as_ref().map(|_| ()).map_err(GraphError::kind));
        }
        issued
    }

    async fn request_token(&self, app: &AppCredentials) -> Result<AccessToken, GraphError> {
        let mut url = self.endpoints.authority.clone();
        url.path_segments_mut()
            .map_err(|()| GraphError::new(GraphErrorKind::Other, "authority URL cannot be a base"))?
            .pop_if_empty()
            .extend([app.tenant_id.as_str(), "oauth2", "v2.0", "token"]);
        let scope = self.endpoints.scope();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
            ("scope", scope.as_str()),
        ];
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let exchange = Exchange::start(&reqwest::Method::POST, "token", &client_request_id);
        let started = Instant::now();
        let response = self
            .http
            .post(url)
            .header("client-request-id", &client_request_id)
            .form(&form)
            .send()
            .instrument(exchange.span().clone())
            .await
            .map_err(|e| GraphError::transport(&e.without_url(), &client_request_id))
            .inspect_err(|e| exchange.unanswered(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        exchange.answered(status, &headers);
        let body = response
            .bytes()
            .await
            .map_err(|e| GraphError::transport(&e.without_url(), &client_request_id))?;
        if !status.is_success() {
            let err = GraphError::from_identity_response(
                status,
                &headers,
                &body,
                &app.tenant_id,
                &app.client_id,
                &client_request_id,
            );
            tracing::warn!(tenant = %app.tenant_id, client_id = %app.client_id, error = %err, "token request refused");
            return Err(err);
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| GraphError::unexpected("token request", e))?;
        if !parsed.token_type.eq_ignore_ascii_case("bearer") {
            return Err(GraphError::unexpected(
                "token request",
                format!("token_type {}", parsed.token_type),
            ));
        }
        let lifetime = Duration::from_secs(parsed.expires_in);
        tracing::debug!(tenant = %app.tenant_id, client_id = %app.client_id, expires_in = parsed.expires_in, "token issued");
        Ok(AccessToken {
            value: parsed.access_token.into(),
            use_until: started + lifetime.saturating_sub(refresh_margin(lifetime)),
        })
    }
}

/// Refresh a tenth of the lifetime early, at most five minutes: an hour-long token is renewed
/// at 55 minutes, a test's 10-second token at 9 seconds.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(300))
}

#[derive(Deserialize)]
struct TokenResponse {
    token_type: String,
    expires_in: u64,
    access_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_scales_with_lifetime() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3599)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = AccessToken {
            value: "secret-token".into(),
            use_until: Instant::now(),
        };
        assert!(!format!("{t:?}").contains("secret-token"));
    }
}
