//! App-only tokens: one per tenant under concurrency, secrets never logged, identity errors
//! that say what to fix, refresh after expiry.

use std::time::Duration;

use meetflow_graph::GraphErrorKind;
use meetflow_graph_emulator::Fault;
use meetflow_graph_emulator::control_api::SettingsPatch;

use crate::support::*;

#[tokio::test]
async fn one_token_for_many_concurrent_calls_and_tenant_by_domain() {
    let h = Harness::start().await;
    let app = h.app();
    let calls = (0..32).map(|_| h.probe(&app));
    for answered in futures_util::future::join_all(calls).await {
        answered.unwrap();
    }
    assert_eq!(h.client.token_requests(), 1);
    assert_eq!(h.token_requests().await, 1);

    // A domain works as tenant id, and is its own cache key.
    let by_domain = app_for("fabrikam.example", SECRET);
    let event = new_event("by-domain");
    h.client
        .create_event(&by_domain, ORGANIZER_ID, &event)
        .await
        .unwrap();
    let stored = h.control.events().await.unwrap();
    assert_eq!(stored[0].tenant, OTHER_TENANT);
    assert_eq!(stored[0].organizer_upn, "scheduling@fabrikam.example");
    assert_eq!(h.client.token_requests(), 2);
}

#[tokio::test]
async fn token_request_carries_no_secret_into_the_log() {
    let h = Harness::start().await;
    h.probe(&h.app()).await.unwrap();
    let log = h.requests().await;
    let token = &log[0];
    assert_eq!(token.body["grant_type"], "client_credentials");
    assert_eq!(token.body["client_secret"], "<redacted>");
    assert!(token.body["scope"].as_str().unwrap().ends_with("/.default"));
    let graph = &log[1];
    assert_eq!(graph.headers["authorization"], "Bearer <redacted>");
    assert!(!serde_json::to_string(&log).unwrap().contains(SECRET));
}

#[tokio::test]
async fn wrong_secret_is_an_actionable_identity_error() {
    let h = Harness::start().await;
    let err = h.probe(&app_for(TENANT, "Zq9-not-it")).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Identity);
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("client secret"), "{text}");
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("Zq9-not-it"), "the secret leaked: {text}");
}

#[tokio::test]
async fn unknown_app_and_expired_secret() {
    let h = Harness::start().await;
    let mut unknown = h.app();
    unknown.client_id = "dddddddd-0000-4000-8000-000000000009".into();
    let err = h.probe(&unknown).await.unwrap_err();
    assert_eq!(err.code(), Some("unauthorized_client (AADSTS700016)"));
    assert!(err.to_string().contains("was not found in tenant"), "{err}");

    h.control.expire_secret(TENANT, CLIENT_ID).await.unwrap();
    let err = h.probe(&h.app()).await.unwrap_err();
    assert!(err.to_string().contains("has expired"), "{err}");
}

#[tokio::test]
async fn expired_token_is_refreshed_once() {
    let h = Harness::start().await;
    h.probe(&h.app()).await.unwrap();
    h.control.expire_tokens().await.unwrap();
    h.probe(&h.app()).await.unwrap();
    assert_eq!(h.client.token_requests(), 2);
    assert_eq!(h.statuses().await, [200, 200, 401, 200, 200]);
}

#[tokio::test]
async fn persistent_401_gives_up_after_one_refresh() {
    let h = Harness::start().await;
    h.control
        .add_fault(&Fault::on("/v1.0/users/*").status(401).times(5))
        .await
        .unwrap();
    let err = h.probe(&h.app()).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Unauthorized);
    assert!(!err.is_retryable());
    assert_eq!(h.client.token_requests(), 2);
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_before_expiry() {
    let h = Harness::start().await;
    let patch = SettingsPatch {
        token_lifetime_secs: Some(1),
        ..Default::default()
    };
    h.control.update_settings(&patch).await.unwrap();
    h.probe(&h.app()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.probe(&h.app()).await.unwrap();
    assert_eq!(h.client.token_requests(), 2);
    // Renewed proactively: Graph never saw an expired token.
    assert!(h.requests().await.iter().all(|r| r.status != 401));
}

/// Records what the client reports about token requests.
#[derive(Default)]
struct TokenOutcomes(std::sync::Mutex<Vec<Result<(), GraphErrorKind>>>);

impl meetflow_graph::GraphObserver for TokenOutcomes {
    fn request(&self, _: &str, _: &str, _: Option<u16>, _: Duration) {}
    fn retry_after_wait(&self, _: &str, _: Duration) {}
    fn token_request(&self, outcome: Result<(), GraphErrorKind>) {
        self.0.lock().unwrap().push(outcome);
    }
}

#[tokio::test]
async fn the_observer_hears_each_token_request_not_each_cached_use() {
    let h = Harness::start().await;
    let seen = std::sync::Arc::new(TokenOutcomes::default());
    h.client.observe(seen.clone());
    h.probe(&h.app()).await.unwrap();
    h.probe(&h.app()).await.unwrap();
    // A revoked token: Graph says 401, the client refreshes once.
    h.control.expire_tokens().await.unwrap();
    h.probe(&h.app()).await.unwrap();
    // Another tenant is another cache key: its wrong secret is a refused request.
    h.probe(&app_for(OTHER_TENANT, "Zq9-not-it"))
        .await
        .unwrap_err();
    assert_eq!(
        *seen.0.lock().unwrap(),
        [Ok(()), Ok(()), Err(GraphErrorKind::Identity)]
    );
    assert_eq!(h.client.token_requests(), 3);
}
