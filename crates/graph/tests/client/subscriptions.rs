//! Subscriptions: create (after the emulator validated both URLs against a real endpoint),
//! renew, reauthorize, list, delete; and the failures the keeper tells apart: a refused
//! validation (400, permanent, says what to fix), a missing lifecycle URL, a gone subscription
//! (404 on renew), a refused renewal (403).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::RawQuery;
use axum::routing::post;
use chrono::Utc;
use meetflow_graph::{
    ALL_RECORDINGS_RESOURCE, ALL_TRANSCRIPTS_RESOURCE, ClientState, GraphErrorKind,
    NewSubscription, validation_token,
};
use meetflow_graph_emulator::control_api::{DeliveryKind, SettingsPatch};

use crate::support::Harness;

/// A notification endpoint on loopback that echoes the validation token (or, when `echo` is
/// false, answers 200 with something else), and remembers every POST's body.
async fn endpoint(echo: bool) -> (url::Url, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/notifications",
        post(move |RawQuery(q): RawQuery, body: String| {
            let log = log.clone();
            async move {
                if let Some(token) = q.as_deref().and_then(validation_token) {
                    let text = if echo { token } else { "hello".into() };
                    return (
                        axum::http::StatusCode::OK,
                        [("content-type", "text/plain; charset=utf-8")],
                        text,
                    );
                }
                log.lock().unwrap().push(body);
                (
                    axum::http::StatusCode::ACCEPTED,
                    [("content-type", "text/plain")],
                    String::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (
        url::Url::parse(&format!("http://{addr}/notifications")).unwrap(),
        seen,
    )
}

fn new(url: &url::Url, resource: &str, lifetime: Duration) -> NewSubscription {
    NewSubscription {
        resource: resource.into(),
        notification_url: url.clone(),
        lifecycle_notification_url: url.clone(),
        expiration: Utc::now() + lifetime,
        client_state: ClientState::random(),
    }
}

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn a_subscription_is_created_renewed_reauthorized_and_deleted() {
    let h = Harness::start().await;
    let (url, _) = endpoint(true).await;
    let app = h.app();
    let created = h
        .client
        .create_subscription(&app, &new(&url, ALL_RECORDINGS_RESOURCE, DAY))
        .await
        .unwrap();
    assert_eq!(created.resource, ALL_RECORDINGS_RESOURCE);
    assert_eq!(created.change_type, "created");
    assert_eq!(
        created.lifecycle_notification_url.as_deref(),
        Some(url.as_str())
    );
    // Both URLs were validated, each with a token the endpoint echoed.
    let validations: Vec<_> = h
        .control
        .notifications()
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == DeliveryKind::Validation)
        .collect();
    assert_eq!(validations.len(), 2);
    assert!(validations.iter().all(|d| d.status == Some(200)));

    let later = Utc::now() + 2 * DAY;
    let renewed = h
        .client
        .renew_subscription(&app, &created.id, later)
        .await
        .unwrap();
    assert!(renewed.expiration_date_time > created.expiration_date_time);
    h.client
        .reauthorize_subscription(&app, &created.id)
        .await
        .unwrap();
    let listed = h.client.list_subscriptions(&app).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);

    // The body as sent: documented field names, seven fraction digits, the clientState.
    let posted = h
        .requests()
        .await
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/v1.0/subscriptions")
        .unwrap();
    let expiry = posted.body["expirationDateTime"].as_str().unwrap();
    assert!(expiry.ends_with("0Z") && expiry.len() == 28, "{expiry}");
    assert_eq!(posted.body["changeType"], "created");
    assert_eq!(posted.body["clientState"].as_str().unwrap().len(), 32);

    assert!(
        h.client
            .delete_subscription(&app, &created.id)
            .await
            .unwrap()
    );
    // Deleting again is a success that did nothing; renewing what is gone is NotFound.
    assert!(
        !h.client
            .delete_subscription(&app, &created.id)
            .await
            .unwrap()
    );
    let gone = h
        .client
        .renew_subscription(&app, &created.id, later)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), GraphErrorKind::NotFound);
    assert!(!gone.is_retryable());
    let gone = h
        .client
        .reauthorize_subscription(&app, &created.id)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), GraphErrorKind::NotFound);
}

#[tokio::test]
async fn refusals_are_classified() {
    let h = Harness::start().await;
    let app = h.app();

    // An endpoint that answers 200 without the token: 400, permanent, and it says what to fix.
    let (bad, _) = endpoint(false).await;
    let e = h
        .client
        .create_subscription(&app, &new(&bad, ALL_RECORDINGS_RESOURCE, DAY))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), GraphErrorKind::BadRequest);
    assert!(e.is_notification_url_refused(), "{e}");
    assert!(e.to_string().contains("notifications.public_url"), "{e}");
    // Nothing listens here at all.
    let closed = url::Url::parse("http://127.0.0.1:9/notifications").unwrap();
    let e = h
        .client
        .create_subscription(&app, &new(&closed, ALL_RECORDINGS_RESOURCE, DAY))
        .await
        .unwrap_err();
    assert!(e.is_notification_url_refused(), "{e}");

    // A resource Graph has no subscriptions on.
    let (url, _) = endpoint(true).await;
    let e = h
        .client
        .create_subscription(&app, &new(&url, "users/x/events", DAY))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), GraphErrorKind::BadRequest);

    // A refused renewal is 403: permanent, not "gone".
    let created = h
        .client
        .create_subscription(&app, &new(&url, ALL_TRANSCRIPTS_RESOURCE, DAY))
        .await
        .unwrap();
    h.control
        .update_settings(&SettingsPatch {
            refuse_subscription_renewals: Some(true),
            ..SettingsPatch::default()
        })
        .await
        .unwrap();
    let e = h
        .client
        .renew_subscription(&app, &created.id, Utc::now() + DAY)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), GraphErrorKind::Forbidden);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_subscription_expires_at_its_capped_lifetime_and_announces_artifacts() {
    let h = Harness::start().await;
    h.control
        .update_settings(&SettingsPatch {
            subscription_max_lifetime_secs: Some(Some(2)),
            ..SettingsPatch::default()
        })
        .await
        .unwrap();
    let (url, seen) = endpoint(true).await;
    let app = h.app();
    let created = h
        .client
        .create_subscription(&app, &new(&url, ALL_RECORDINGS_RESOURCE, DAY))
        .await
        .unwrap();
    assert!(created.expiration_date_time <= Utc::now() + chrono::Duration::seconds(2));

    // A recording of a meeting of this tenant: one change notification, documented shape.
    let event = h.create("subs-1").await;
    let added = h
        .control
        .add_artifact(
            &event.id,
            &meetflow_graph_emulator::control_api::NewArtifact::recording(),
        )
        .await
        .unwrap();
    for _ in 0..50 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body: serde_json::Value =
        serde_json::from_str(&seen.lock().unwrap()[0]).expect("a notification arrived");
    let n = meetflow_graph::parse_notifications(body.to_string().as_bytes()).unwrap();
    assert_eq!(n[0].subscription_id, created.id);
    assert_eq!(n[0].change_type.as_deref(), Some("created"));
    assert_eq!(
        n[0].resource.as_deref(),
        Some(
            format!(
                "communications/onlineMeetings('{}')/recordings('{}')",
                added.meeting_id, added.id
            )
            .as_str()
        )
    );
    assert_eq!(n[0].tenant_id.as_deref(), Some(crate::support::TENANT));
    assert!(n[0].client_state().is_some());

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let e = h
        .client
        .renew_subscription(&app, &created.id, Utc::now() + DAY)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), GraphErrorKind::NotFound, "expired: {e}");
    assert!(h.client.list_subscriptions(&app).await.unwrap().is_empty());
}
