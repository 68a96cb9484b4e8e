//! The Graph client against the Graph emulator, in-process on 127.0.0.1:0: every item of the
//! checklist in graph-and-ics.md §7 that concerns the client.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use futures_util::StreamExt;
use meetflow_graph::{
    AppCredentials, ByteRange, ClientOptions, ClientSecret, Deleted, EventAttendee, EventPatch,
    GraphClient, GraphEndpoints, GraphErrorKind, NewEvent, transaction_id,
};
use meetflow_graph_emulator::{
    Emulator, EmulatorHandle, Seed, SeedApp, SeedTenant, SeedUser, synthetic_byte,
};
use serde_json::{Value, json};

const TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const OTHER_TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000002";
const CLIENT_ID: &str = "bbbbbbbb-0000-4000-8000-000000000001";
const SECRET: &str = "s3cret~value";
const ORGANIZER_ID: &str = "cccccccc-0000-4000-8000-000000000001";
const ORGANIZER_UPN: &str = "scheduling@contoso.example";
const NO_POLICY_ID: &str = "cccccccc-0000-4000-8000-000000000002";

fn seed() -> Seed {
    let tenant = |tenant_id: &str, domain: &str| SeedTenant {
        tenant_id: tenant_id.into(),
        apps: vec![SeedApp {
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
        }],
        users: vec![
            SeedUser {
                id: ORGANIZER_ID.into(),
                user_principal_name: format!("scheduling@{domain}"),
                display_name: "Scheduling".into(),
                mail: format!("scheduling@{domain}"),
                online_meeting_access_policy: true,
            },
            SeedUser {
                id: NO_POLICY_ID.into(),
                user_principal_name: format!("nopolicy@{domain}"),
                display_name: "No Policy".into(),
                mail: format!("nopolicy@{domain}"),
                online_meeting_access_policy: false,
            },
        ],
    };
    Seed {
        tenants: vec![
            tenant(TENANT, "contoso.example"),
            tenant(OTHER_TENANT, "fabrikam.example"),
        ],
    }
}

struct Harness {
    emulator: EmulatorHandle,
    client: GraphClient,
    control: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        Self::with_options(ClientOptions::default()).await
    }

    async fn with_options(options: ClientOptions) -> Self {
        let emulator = Emulator::start("127.0.0.1:0".parse().unwrap(), seed())
            .await
            .unwrap();
        let client = GraphClient::with_options(endpoints(&emulator), options).unwrap();
        Self {
            emulator,
            client,
            control: reqwest::Client::new(),
        }
    }

    fn app(&self) -> AppCredentials {
        app_for(TENANT, SECRET)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .control
            .post(self.emulator.control_url().join(path).unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn get(&self, path: &str) -> Value {
        self.control
            .get(self.emulator.control_url().join(path).unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn fault(&self, fault: Value) {
        self.post("faults", fault).await;
    }

    /// The request log, without control-API calls.
    async fn requests(&self) -> Vec<Value> {
        self.get("requests").await.as_array().unwrap().clone()
    }

    async fn token_requests(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
            .count()
    }

    async fn events(&self) -> Vec<Value> {
        self.get("events").await.as_array().unwrap().clone()
    }

    /// Adds an artifact to the meeting with `meeting_id` through the control API.
    async fn add_artifact(&self, meeting_id: &str, body: Value) -> Value {
        self.post(&format!("meetings/{}/artifacts", encoded(meeting_id)), body)
            .await
    }

    async fn create(&self, appointment: &str) -> meetflow_graph::GraphEvent {
        self.client
            .create_event(&self.app(), ORGANIZER_UPN, &new_event(appointment))
            .await
            .unwrap()
    }
}

/// An id as one path segment of the control API.
fn encoded(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn endpoints(emulator: &EmulatorHandle) -> GraphEndpoints {
    GraphEndpoints {
        authority: emulator.authority_url(),
        graph: emulator.graph_url(),
    }
}

fn app_for(tenant: &str, secret: &str) -> AppCredentials {
    AppCredentials {
        tenant_id: tenant.into(),
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret::new(secret.into()),
    }
}

fn new_event(appointment: &str) -> NewEvent {
    NewEvent {
        subject: format!("Consultation {appointment}"),
        body_html: "<p>Your appointment</p>".into(),
        start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
        attendees: vec![
            EventAttendee {
                email: "jane@example.com".into(),
                name: "Jane Doe".into(),
            },
            EventAttendee {
                email: "tech@contoso.example".into(),
                name: "Tom Tech".into(),
            },
        ],
        transaction_id: transaction_id(TENANT, appointment),
    }
}

mod tokens {
    use super::*;

    #[tokio::test]
    async fn one_token_for_many_concurrent_calls_and_tenant_by_domain() {
        let h = Harness::start().await;
        let app = h.app();
        let calls = (0..32).map(|_| h.client.get_user(&app, ORGANIZER_UPN));
        for user in futures_util::future::join_all(calls).await {
            assert_eq!(user.unwrap().id, ORGANIZER_ID);
        }
        assert_eq!(h.client.token_requests(), 1);
        assert_eq!(h.token_requests().await, 1);

        // A domain works as tenant id, and is its own cache key.
        let by_domain = app_for("fabrikam.example", SECRET);
        let user = h.client.get_user(&by_domain, ORGANIZER_ID).await.unwrap();
        assert_eq!(user.user_principal_name, "scheduling@fabrikam.example");
        assert_eq!(h.client.token_requests(), 2);
    }

    #[tokio::test]
    async fn token_request_carries_no_secret_into_the_log() {
        let h = Harness::start().await;
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        let log = h.requests().await;
        let token = &log[0];
        assert_eq!(token["body"]["grant_type"], "client_credentials");
        assert_eq!(token["body"]["client_secret"], "<redacted>");
        assert!(
            token["body"]["scope"]
                .as_str()
                .unwrap()
                .ends_with("/.default")
        );
        let graph = &log[1];
        assert_eq!(graph["headers"]["authorization"], "Bearer <redacted>");
        assert!(!serde_json::to_string(&log).unwrap().contains(SECRET));
    }

    #[tokio::test]
    async fn wrong_secret_is_an_actionable_identity_error() {
        let h = Harness::start().await;
        let err = h
            .client
            .get_user(&app_for(TENANT, "Zq9-not-it"), ORGANIZER_ID)
            .await
            .unwrap_err();
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
        let err = h.client.get_user(&unknown, ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.code(), Some("unauthorized_client (AADSTS700016)"));
        assert!(err.to_string().contains("was not found in tenant"), "{err}");

        h.post(
            "secrets/expire",
            json!({"tenantId": TENANT, "clientId": CLIENT_ID}),
        )
        .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert!(err.to_string().contains("has expired"), "{err}");
    }

    #[tokio::test]
    async fn expired_token_is_refreshed_once() {
        let h = Harness::start().await;
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        h.post("tokens/expire", json!({})).await;
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        assert_eq!(h.client.token_requests(), 2);
        let statuses: Vec<u64> = h
            .requests()
            .await
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect();
        assert_eq!(statuses, [200, 200, 401, 200, 200]);
    }

    #[tokio::test]
    async fn persistent_401_gives_up_after_one_refresh() {
        let h = Harness::start().await;
        h.fault(json!({"path": "/v1.0/users/*", "status": 401, "count": 5}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Unauthorized);
        assert!(!err.is_retryable());
        assert_eq!(h.client.token_requests(), 2);
    }

    #[tokio::test]
    async fn short_lived_tokens_are_renewed_before_expiry() {
        let h = Harness::start().await;
        h.post("settings", json!({"tokenLifetimeSecs": 1})).await;
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        assert_eq!(h.client.token_requests(), 2);
        // Renewed proactively: Graph never saw an expired token.
        assert!(h.requests().await.iter().all(|r| r["status"] != 401));
    }
}

mod events {
    use super::*;

    #[tokio::test]
    async fn create_makes_a_calendar_backed_teams_meeting() {
        let h = Harness::start().await;
        let event = h.create("appt-1").await;
        assert!(
            event
                .join_url
                .as_deref()
                .unwrap()
                .starts_with("https://teams.microsoft.com/l/meetup-join/")
        );
        assert!(!event.ical_uid.is_empty());
        assert_eq!(
            event.start,
            Some(Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap())
        );
        assert_eq!(
            event.transaction_id.as_deref(),
            Some(transaction_id(TENANT, "appt-1").as_str())
        );

        let stored = h.events().await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["tenant"], TENANT);
        assert_eq!(stored[0]["organizer"], ORGANIZER_ID);
        assert_eq!(stored[0]["id"], event.id.as_str());
        assert_eq!(stored[0]["isOnlineMeeting"], true);
        assert_eq!(stored[0]["attendees"][0]["email"], "jane@example.com");

        let post = h
            .requests()
            .await
            .into_iter()
            .find(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/events"))
            .unwrap();
        assert_eq!(post["body"]["onlineMeetingProvider"], "teamsForBusiness");
        assert_eq!(post["body"]["start"]["timeZone"], "UTC");
        assert!(uuid_like(
            post["headers"]["client-request-id"].as_str().unwrap()
        ));
    }

    fn uuid_like(s: &str) -> bool {
        s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
    }

    #[tokio::test]
    async fn identical_retry_returns_the_same_event() {
        let h = Harness::start().await;
        let first = h.create("appt-2").await;
        let again = h.create("appt-2").await;
        assert_eq!(first.id, again.id);
        assert_eq!(first.ical_uid, again.ical_uid);
        assert_eq!(first.join_url, again.join_url);
        assert_eq!(h.events().await.len(), 1);
    }

    #[tokio::test]
    async fn reused_transaction_id_with_a_different_body_is_refused() {
        let h = Harness::start().await;
        h.create("appt-3").await;
        let mut other = new_event("appt-3");
        other.subject = "Something else".into();
        let err = h
            .client
            .create_event(&h.app(), ORGANIZER_UPN, &other)
            .await
            .unwrap_err();
        assert!(err.is_duplicate_transaction(), "{err}");
        assert_eq!(err.kind(), GraphErrorKind::BadRequest);
        assert!(!err.is_retryable());
        assert_eq!(h.events().await.len(), 1);
    }

    #[tokio::test]
    async fn lost_create_response_then_retry_yields_exactly_one_event() {
        let h = Harness::start().await;
        h.fault(json!({"method": "POST", "path": "/v1.0/users/*/events", "dropAfterCommit": true, "count": 1}))
            .await;
        let err = h
            .client
            .create_event(&h.app(), ORGANIZER_UPN, &new_event("appt-4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Transport, "{err}");
        assert!(err.is_retryable());
        assert_eq!(h.events().await.len(), 1, "the first attempt committed");

        let retried = h.create("appt-4").await;
        let stored = h.events().await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["id"], retried.id.as_str());
    }

    #[tokio::test]
    async fn update_keeps_identity_and_bumps_change_key() {
        let h = Harness::start().await;
        let created = h.create("appt-5").await;
        let patch = EventPatch {
            start: Some(Utc.with_ymd_and_hms(2026, 2, 3, 9, 0, 0).unwrap()),
            end: Some(Utc.with_ymd_and_hms(2026, 2, 3, 10, 0, 0).unwrap()),
            subject: Some("Moved".into()),
            ..Default::default()
        };
        let updated = h
            .client
            .update_event(&h.app(), ORGANIZER_UPN, &created.id, &patch)
            .await
            .unwrap();
        assert_eq!(updated.id, created.id);
        assert_eq!(updated.ical_uid, created.ical_uid);
        assert_eq!(updated.join_url, created.join_url);
        assert_ne!(updated.change_key, created.change_key);
        assert_eq!(updated.start, patch.start);
        assert_eq!(updated.subject.as_deref(), Some("Moved"));

        // The event id holds `/`, `+`, `=`: it must travel percent-encoded as one segment.
        assert!(created.id.contains('/') && created.id.contains('+'));
        let patch_log = h
            .requests()
            .await
            .into_iter()
            .find(|r| r["method"] == "PATCH")
            .unwrap();
        assert!(
            patch_log["path"].as_str().unwrap().contains("%2F"),
            "{patch_log}"
        );
        assert_eq!(
            patch_log["body"],
            json!({
                "subject": "Moved",
                "start": {"dateTime": "2026-02-03T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-02-03T10:00:00", "timeZone": "UTC"},
            })
        );
    }

    #[tokio::test]
    async fn conditional_update_refuses_to_overwrite_a_newer_version() {
        let h = Harness::start().await;
        let created = h.create("appt-if-match").await;
        let first_key = created.change_key.clone().unwrap();
        // Both updates name the first version.
        let update_first_version = |subject: &str| {
            let patch = EventPatch {
                subject: Some(subject.into()),
                ..Default::default()
            };
            let (h, id, key) = (&h, &created.id, &first_key);
            async move {
                h.client
                    .update_event_if_unchanged(&h.app(), ORGANIZER_UPN, id, key, &patch)
                    .await
            }
        };
        let updated = update_first_version("One").await.unwrap();
        let err = update_first_version("Two").await.unwrap_err();
        assert_eq!(err.status(), Some(412));
        assert_eq!(err.code(), Some("ErrorIrresolvableConflict"));
        assert!(!err.is_retryable());
        let current = h
            .client
            .get_event(&h.app(), ORGANIZER_UPN, &created.id)
            .await
            .unwrap();
        assert_eq!(current.subject.as_deref(), Some("One"));
        assert_eq!(current.change_key, updated.change_key);
    }

    #[tokio::test]
    async fn delete_and_cancel_are_idempotent() {
        let h = Harness::start().await;
        let a = h.create("appt-6").await;
        assert_eq!(
            h.client
                .delete_event(&h.app(), ORGANIZER_UPN, &a.id)
                .await
                .unwrap(),
            Deleted::Deleted
        );
        assert_eq!(
            h.client
                .delete_event(&h.app(), ORGANIZER_UPN, &a.id)
                .await
                .unwrap(),
            Deleted::AlreadyGone
        );
        let err = h
            .client
            .get_event(&h.app(), ORGANIZER_UPN, &a.id)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::NotFound);
        assert_eq!(err.code(), Some("ErrorItemNotFound"));

        let b = h.create("appt-7").await;
        let cancel = |id: String| {
            let h = &h;
            async move {
                h.client
                    .cancel_event(&h.app(), ORGANIZER_UPN, &id, Some("Sorry, cancelled"))
                    .await
            }
        };
        assert_eq!(cancel(b.id.clone()).await.unwrap(), Deleted::Deleted);
        assert_eq!(cancel(b.id.clone()).await.unwrap(), Deleted::AlreadyGone);
        let stored = h.events().await;
        assert!(
            stored
                .iter()
                .any(|e| e["id"] == b.id.as_str() && e["isCancelled"] == true)
        );
    }

    #[tokio::test]
    async fn events_are_isolated_per_tenant() {
        let h = Harness::start().await;
        let event = h.create("appt-8").await;
        let other = app_for(OTHER_TENANT, SECRET);
        let err = h
            .client
            .get_event(&other, ORGANIZER_ID, &event.id)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::NotFound);
    }

    #[tokio::test]
    async fn concurrent_calls_stay_within_the_mailbox_limit() {
        let h = Harness::start().await;
        // Slow enough that more than 4 would overlap without the client's gate.
        h.fault(json!({"method": "POST", "path": "/v1.0/users/*/events", "latencyMs": 100}))
            .await;
        let creates = (0..12).map(|i| {
            let h = &h;
            async move {
                h.client
                    .create_event(&h.app(), ORGANIZER_UPN, &new_event(&format!("par-{i}")))
                    .await
            }
        });
        for result in futures_util::future::join_all(creates).await {
            result.unwrap();
        }
        assert_eq!(h.events().await.len(), 12);
        assert!(h.requests().await.iter().all(|r| r["status"] != 429));
    }

    #[tokio::test]
    async fn without_the_gate_graph_throttles_the_mailbox() {
        // Proves the previous test's emulator really enforces the limit.
        let h = Harness::with_options(ClientOptions {
            mailbox_concurrency: 12,
            max_inline_retry_after: Duration::ZERO,
            ..Default::default()
        })
        .await;
        h.fault(json!({"method": "POST", "path": "/v1.0/users/*/events", "latencyMs": 500}))
            .await;
        let creates = (0..12).map(|i| {
            let h = &h;
            async move {
                h.client
                    .create_event(&h.app(), ORGANIZER_UPN, &new_event(&format!("burst-{i}")))
                    .await
            }
        });
        let results = futures_util::future::join_all(creates).await;
        let throttled: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(!throttled.is_empty());
        for err in throttled {
            assert_eq!(err.kind(), GraphErrorKind::Throttled);
            assert_eq!(err.code(), Some("ApplicationThrottled"));
            assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
        }
    }
}

mod errors {
    use super::*;

    #[tokio::test]
    async fn short_retry_after_is_waited_out_once() {
        let h = Harness::start().await;
        h.fault(json!({"path": "/v1.0/users/*", "status": 429, "retryAfter": "1", "count": 1}))
            .await;
        let started = Instant::now();
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(1));
        let statuses: Vec<u64> = h
            .requests()
            .await
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect();
        assert_eq!(statuses, [200, 429, 200]);
    }

    #[tokio::test]
    async fn long_retry_after_is_surfaced_for_the_retry_policy() {
        let h = Harness::start().await;
        h.fault(json!({"path": "/v1.0/users/*", "status": 429, "retryAfter": "30", "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Throttled);
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(err.code(), Some("TooManyRequests"));
        assert!(err.request_id().is_some());
        assert!(err.client_request_id().is_some());
        let logged = h.requests().await;
        assert_eq!(
            err.client_request_id(),
            logged.last().unwrap()["headers"]["client-request-id"].as_str()
        );
        // The next attempt (a Temporal retry) succeeds.
        h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap();
    }

    #[tokio::test]
    async fn retry_after_as_http_date() {
        let h = Harness::with_options(ClientOptions {
            max_inline_retry_after: Duration::ZERO,
            ..Default::default()
        })
        .await;
        let at = std::time::SystemTime::now() + Duration::from_secs(120);
        h.fault(json!({"path": "/v1.0/users/*", "status": 503, "retryAfter": httpdate::fmt_http_date(at), "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::ServerError);
        let wait = err.retry_after().unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }

    #[tokio::test]
    async fn throttle_without_header_and_server_errors_are_retryable() {
        let h = Harness::start().await;
        h.fault(json!({"path": "/v1.0/users/*", "status": 429, "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), None);
        h.fault(json!({"path": "/v1.0/users/*", "status": 504, "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert!(err.is_retryable());
        h.fault(json!({"path": "/v1.0/users/*", "status": 402, "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::PaymentRequired);
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn timeout_is_a_retryable_transport_error() {
        let h = Harness::with_options(ClientOptions {
            request_timeout: Duration::from_millis(200),
            ..Default::default()
        })
        .await;
        h.fault(json!({"path": "/v1.0/users/*", "latencyMs": 1000, "count": 1}))
            .await;
        let err = h.client.get_user(&h.app(), ORGANIZER_ID).await.unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Transport);
        assert!(err.is_retryable());
    }
}

mod meetings {
    use super::*;

    #[tokio::test]
    async fn lookup_by_object_id_with_the_double_encoded_filter() {
        let h = Harness::start().await;
        let event = h.create("appt-10").await;
        let join_url = event.join_url.unwrap();
        let meeting = h
            .client
            .find_online_meeting(&h.app(), ORGANIZER_ID, &join_url)
            .await
            .unwrap();
        assert_eq!(meeting.join_web_url, join_url);
        let stored = h.events().await;
        assert_eq!(stored[0]["onlineMeetingId"], meeting.id.as_str());

        let lookup = h
            .requests()
            .await
            .into_iter()
            .find(|r| r["path"].as_str().unwrap().ends_with("/onlineMeetings"))
            .unwrap();
        let query = lookup["query"].as_str().unwrap();
        assert!(query.contains("JoinWebUrl%20eq%20"), "{query}");
        assert!(
            query.contains("%253a"),
            "the join URL's own escapes must be encoded again: {query}"
        );
        assert!(lookup["path"].as_str().unwrap().contains(ORGANIZER_ID));
    }

    #[tokio::test]
    async fn lookup_refusals() {
        let h = Harness::start().await;
        let join_url = h.create("appt-11").await.join_url.unwrap();

        let err = h
            .client
            .find_online_meeting(&h.app(), ORGANIZER_UPN, &join_url)
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            GraphErrorKind::BadRequest,
            "a UPN is not accepted: {err}"
        );

        let err = h
            .client
            .find_online_meeting(&h.app(), NO_POLICY_ID, &join_url)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Forbidden);
        assert!(
            err.to_string().contains("application access policy"),
            "{err}"
        );

        let err = h
            .client
            .find_online_meeting(
                &h.app(),
                ORGANIZER_ID,
                "https://teams.microsoft.com/l/meetup-join/unknown",
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::NotFound);
    }
}

mod artifacts {
    use meetflow_graph::{CallRecording, DeltaRound, DeltaStart, GraphError};

    use super::*;

    async fn meeting(h: &Harness) -> String {
        let join_url = h.create("appt-art").await.join_url.unwrap();
        h.client
            .find_online_meeting(&h.app(), ORGANIZER_ID, &join_url)
            .await
            .unwrap()
            .id
    }

    #[tokio::test]
    async fn transcripts_are_listed_across_pages_once_available() {
        let h = Harness::start().await;
        let id = meeting(&h).await;
        assert!(
            h.client
                .list_transcripts(&h.app(), ORGANIZER_ID, &id)
                .await
                .unwrap()
                .is_empty()
        );

        h.post("settings", json!({"pageSize": 2})).await;
        h.post(&format!("meetings/{}/end", encoded(&id)), json!({}))
            .await;
        for i in 0..5 {
            h.add_artifact(&id, json!({"kind": "transcript", "vtt": format!("WEBVTT\n\n0:0:0.0 --> 0:0:1.0\n<v A>line {i}</v>\n")})).await;
        }
        h.add_artifact(
            &id,
            json!({"kind": "transcript", "availableAfterSecs": 3600}),
        )
        .await;

        let transcripts = h
            .client
            .list_transcripts(&h.app(), ORGANIZER_ID, &id)
            .await
            .unwrap();
        assert_eq!(
            transcripts.len(),
            5,
            "the not-yet-available one is not listed"
        );
        let pages = h
            .requests()
            .await
            .iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with("/transcripts"))
            .count();
        assert_eq!(
            pages,
            1 + 3,
            "one empty listing, then three pages of 2, 2, 1"
        );

        let vtt = h
            .client
            .transcript_content(&h.app(), ORGANIZER_ID, &id, &transcripts[3].id)
            .await
            .unwrap();
        assert!(vtt.starts_with("WEBVTT"));
        assert!(vtt.contains("line 3"));

        let metadata = h
            .client
            .transcript_metadata_content(&h.app(), ORGANIZER_ID, &id, &transcripts[3].id)
            .await
            .unwrap();
        let cue: Value = serde_json::from_str(metadata.lines().last().unwrap()).unwrap();
        assert_eq!(cue["speakerName"], "A");
        assert_eq!(cue["spokenText"], "line 3");
        assert_eq!(
            cue["startDateTime"], "2026-02-01T09:00:00.000000Z",
            "offset from the meeting start"
        );
    }

    #[tokio::test]
    async fn recording_is_streamed_and_ranges_resume() {
        let h = Harness::start().await;
        let id = meeting(&h).await;
        let size: u64 = 3 * 1024 * 1024 + 17;
        h.add_artifact(&id, json!({"kind": "recording", "sizeBytes": size}))
            .await;
        let recordings = h
            .client
            .list_recordings(&h.app(), ORGANIZER_ID, &id)
            .await
            .unwrap();
        assert_eq!(recordings.len(), 1);
        let rid = &recordings[0].id;
        let url = h.client.recording_content_url(ORGANIZER_ID, &id, rid);
        let segments: Vec<String> = url
            .path_segments()
            .unwrap()
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            segments,
            [
                "v1.0",
                "users",
                ORGANIZER_ID,
                "onlineMeetings",
                id.as_str(),
                "recordings",
                rid.as_str(),
                "content"
            ]
        );

        let mut content = h
            .client
            .recording_content(&h.app(), ORGANIZER_ID, &id, rid, None)
            .await
            .unwrap();
        assert_eq!(content.content_length, Some(size));
        assert_eq!(content.content_type.as_deref(), Some("video/mp4"));
        let mut at = 0u64;
        let mut largest_chunk = 0;
        while let Some(chunk) = content.stream.next().await {
            let chunk = chunk.unwrap();
            largest_chunk = largest_chunk.max(chunk.len());
            for b in chunk.iter() {
                assert_eq!(*b, synthetic_byte(at));
                at += 1;
            }
        }
        assert_eq!(at, size);
        assert!(
            largest_chunk <= 1024 * 1024,
            "chunks arrive as read, not buffered whole"
        );

        let tail = h
            .client
            .recording_content(
                &h.app(),
                ORGANIZER_ID,
                &id,
                rid,
                Some(ByteRange {
                    start: size - 10,
                    end: None,
                }),
            )
            .await
            .unwrap();
        assert!(tail.partial);
        let bytes: Vec<u8> = tail.stream.map(|c| c.unwrap().to_vec()).concat().await;
        assert_eq!(
            bytes,
            (size - 10..size).map(synthetic_byte).collect::<Vec<_>>()
        );
    }

    async fn recordings_delta(
        h: &Harness,
        organizer: &str,
        start: DeltaStart<'_>,
    ) -> Result<DeltaRound<CallRecording>, GraphError> {
        h.client.recordings_delta(&h.app(), organizer, start).await
    }

    #[tokio::test]
    async fn organizer_delta_rounds_return_each_artifact_once() {
        let h = Harness::start().await;
        h.post("settings", json!({"pageSize": 2})).await;
        let since = Utc::now() - chrono::Duration::minutes(1);
        let mut meetings = Vec::new();
        for appointment in ["delta-a", "delta-b"] {
            let event = h.create(appointment).await;
            meetings.push(event.id);
        }
        let add = |meeting: String, delay: f64| {
            let h = &h;
            async move {
                let body =
                    json!({"kind": "recording", "sizeBytes": 10, "availableAfterSecs": delay});
                h.add_artifact(&meeting, body).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let mut first_ids = vec![
            add(meetings[0].clone(), 0.0).await,
            add(meetings[1].clone(), 0.0).await,
            add(meetings[1].clone(), 0.0).await,
        ];
        // Available in 3 s: after the first two rounds even on a slow machine.
        let late = add(meetings[0].clone(), 3.0).await;
        let late_available = Instant::now() + Duration::from_millis(3100);
        // A transcript must not show up among recordings.
        h.add_artifact(&meetings[0], json!({"kind": "transcript"}))
            .await;

        let first = recordings_delta(&h, ORGANIZER_ID, DeltaStart::Since(since))
            .await
            .unwrap();
        let mut got: Vec<String> = first.items.iter().map(|r| r.id.clone()).collect();
        got.sort();
        first_ids.sort();
        assert_eq!(got, first_ids, "three available recordings over two pages");

        let second = recordings_delta(&h, ORGANIZER_ID, DeltaStart::Resume(&first.delta_link))
            .await
            .unwrap();
        assert!(second.items.is_empty(), "nothing new yet");

        tokio::time::sleep_until(late_available.into()).await;
        let third = recordings_delta(&h, ORGANIZER_ID, DeltaStart::Resume(&second.delta_link))
            .await
            .unwrap();
        assert_eq!(
            third.items.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            [late]
        );

        let transcripts = h
            .client
            .transcripts_delta(&h.app(), ORGANIZER_ID, DeltaStart::Since(since))
            .await
            .unwrap();
        assert_eq!(transcripts.items.len(), 1);

        let err = recordings_delta(&h, NO_POLICY_ID, DeltaStart::Since(since))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Forbidden);
    }

    #[tokio::test]
    async fn artifacts_need_the_access_policy() {
        let h = Harness::start().await;
        let id = meeting(&h).await;
        let err = h
            .client
            .list_recordings(&h.app(), NO_POLICY_ID, &id)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::Forbidden);
    }
}

mod notifications {
    use std::sync::{Arc, Mutex};

    use axum::extract::{RawQuery, State};
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use meetflow_graph::{
        ArtifactResource, ChangeNotification, ClientState, GraphError, NewSubscription,
        Subscription, parse_notifications, validation_token,
    };

    use super::*;

    #[derive(Clone)]
    struct Receiver {
        expected: ClientState,
        received: Arc<Mutex<Vec<ChangeNotification>>>,
    }

    /// A notification endpoint built on the crate's helpers, as the worker's would be.
    async fn notify(
        State(receiver): State<Receiver>,
        RawQuery(query): RawQuery,
        body: bytes::Bytes,
    ) -> axum::response::Response {
        if let Some(token) = validation_token(query.as_deref().unwrap_or("")) {
            return ([(header::CONTENT_TYPE, "text/plain")], token).into_response();
        }
        match parse_notifications(&body, &receiver.expected) {
            Ok(items) => {
                receiver.received.lock().unwrap().extend(items);
                StatusCode::ACCEPTED.into_response()
            }
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    }

    async fn start_receiver(expected: ClientState) -> (url::Url, Receiver) {
        let receiver = Receiver {
            expected,
            received: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/notify", axum::routing::post(notify))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (
            url::Url::parse(&format!("http://{addr}/notify")).unwrap(),
            receiver,
        )
    }

    /// Subscribes to the organizer's recordings for `minutes`, notifying `url`.
    async fn subscribe(
        h: &Harness,
        url: url::Url,
        state: ClientState,
        minutes: i64,
    ) -> Result<Subscription, GraphError> {
        let subscription = NewSubscription {
            resource: ArtifactResource::OrganizerRecordings {
                organizer_object_id: ORGANIZER_ID.into(),
            },
            notification_url: url,
            lifecycle_notification_url: None,
            expiration: Utc::now() + chrono::Duration::minutes(minutes),
            client_state: state,
        };
        h.client.create_subscription(&h.app(), &subscription).await
    }

    /// Renews subscription `id` to expire `minutes` from now.
    async fn renew(h: &Harness, id: &str, minutes: i64) -> Result<Subscription, GraphError> {
        let expiration = Utc::now() + chrono::Duration::minutes(minutes);
        h.client.renew_subscription(&h.app(), id, expiration).await
    }

    async fn unsubscribe(h: &Harness, id: &str) -> Deleted {
        h.client.delete_subscription(&h.app(), id).await.unwrap()
    }

    #[tokio::test]
    async fn subscription_lifecycle_and_delivery() {
        let h = Harness::start().await;
        let state = ClientState::random();
        let (url, receiver) = start_receiver(state.clone()).await;
        let created = subscribe(&h, url.clone(), state, 30).await.unwrap();
        assert_eq!(
            created.resource,
            format!("users/{ORGANIZER_ID}/onlineMeetings/getAllRecordings")
        );

        let event = h.create("notified").await;
        let added = h
            .add_artifact(&event.id, json!({"kind": "recording", "sizeBytes": 10}))
            .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while receiver.received.lock().unwrap().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].subscription_id, created.id);
        assert_eq!(
            received[0].resource_data.as_ref().unwrap().id.as_deref(),
            added["id"].as_str()
        );

        let renewed = renew(&h, &created.id, 50).await.unwrap();
        assert!(renewed.expiration_date_time > created.expiration_date_time);
        let err = renew(&h, &created.id, 120).await.unwrap_err();
        assert!(err.message().contains("lifecycleNotificationUrl"), "{err}");

        assert_eq!(unsubscribe(&h, &created.id).await, Deleted::Deleted);
        assert_eq!(unsubscribe(&h, &created.id).await, Deleted::AlreadyGone);
    }

    #[tokio::test]
    async fn refused_subscriptions() {
        let h = Harness::start().await;
        let state = ClientState::random();
        let (url, _) = start_receiver(state.clone()).await;

        let err = subscribe(&h, url.clone(), state.clone(), 120)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), GraphErrorKind::BadRequest);
        assert!(
            err.message()
                .contains("lifecycleNotificationUrl is required"),
            "{err}"
        );

        // An endpoint that does not answer the validation request.
        let wrong = url.join("/elsewhere").unwrap();
        let err = subscribe(&h, wrong, state, 30).await.unwrap_err();
        assert!(err.message().contains("validation request failed"), "{err}");
    }

    #[tokio::test]
    async fn notifications_with_a_foreign_client_state_are_refused() {
        let h = Harness::start().await;
        let (url, receiver) = start_receiver(ClientState::random()).await;
        // Subscribed with a different clientState than the receiver expects.
        subscribe(&h, url, ClientState::random(), 30).await.unwrap();
        let event = h.create("foreign").await;
        h.add_artifact(&event.id, json!({"kind": "recording", "sizeBytes": 10}))
            .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut deliveries = Value::Null;
        while Instant::now() < deadline {
            deliveries = h.get("notifications").await;
            if !deliveries.as_array().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(deliveries[0]["status"], 400);
        assert!(receiver.received.lock().unwrap().is_empty());
    }
}
