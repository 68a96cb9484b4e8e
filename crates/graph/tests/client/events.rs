//! Calendar events: a Teams meeting per create, `transactionId` idempotency (also when the
//! response is lost), updates that keep the event's identity, idempotent deletes, tenants
//! kept apart.

use chrono::{TimeZone, Utc};
use meetflow_graph::{Deleted, EventPatch, GraphErrorKind, transaction_id};
use meetflow_graph_emulator::Fault;
use serde_json::json;

use crate::support::*;

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

    let stored = h.control.events().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].tenant, TENANT);
    assert_eq!(stored[0].organizer, ORGANIZER_ID);
    assert_eq!(stored[0].id, event.id);
    assert!(stored[0].is_online_meeting);
    assert_eq!(stored[0].attendees[0].email, "jane@example.com");

    let post = h
        .requests()
        .await
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/events"))
        .unwrap();
    assert_eq!(post.body["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(post.body["start"]["timeZone"], "UTC");
    assert!(uuid_like(&post.headers["client-request-id"]));
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
    assert_eq!(h.control.events().await.unwrap().len(), 1);
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
    assert_eq!(h.control.events().await.unwrap().len(), 1);
}

/// The event a transactionId made is found again by the extended property every create sets:
/// what the worker does after `ErrorDuplicateTransactionId` or a create whose responses were all
/// lost.
#[tokio::test]
async fn the_event_of_a_transaction_id_is_found_until_it_is_deleted() {
    let h = Harness::start().await;
    let made = h.create("appt-find").await;
    let tx = transaction_id(TENANT, "appt-find");
    let found = h
        .client
        .find_event_by_transaction(&h.app(), ORGANIZER_UPN, &tx)
        .await
        .unwrap()
        .expect("found by its transactionId");
    assert_eq!(
        (found.id.as_str(), found.ical_uid.as_str()),
        (made.id.as_str(), made.ical_uid.as_str())
    );
    assert_eq!(found.join_url, made.join_url);
    // Values compare case-insensitively, as documented; another transaction finds nothing.
    let upper = tx.to_uppercase();
    assert!(
        h.client
            .find_event_by_transaction(&h.app(), ORGANIZER_UPN, &upper)
            .await
            .unwrap()
            .is_some()
    );
    let other = transaction_id(TENANT, "appt-other");
    assert!(
        h.client
            .find_event_by_transaction(&h.app(), ORGANIZER_UPN, &other)
            .await
            .unwrap()
            .is_none()
    );
    let get = h
        .requests()
        .await
        .into_iter()
        .find(|r| r.method == "GET" && r.path.ends_with("/events"))
        .unwrap();
    let query = get.query.unwrap_or_default();
    assert!(query.contains("%20"), "spaces encoded: {query}");
    h.client
        .delete_event(&h.app(), ORGANIZER_UPN, &made.id)
        .await
        .unwrap();
    assert!(
        h.client
            .find_event_by_transaction(&h.app(), ORGANIZER_UPN, &tx)
            .await
            .unwrap()
            .is_none(),
        "a deleted event is gone"
    );
}

#[tokio::test]
async fn lost_create_response_then_retry_yields_exactly_one_event() {
    let h = Harness::start().await;
    let lost = Fault::on("/v1.0/users/*/events")
        .method("POST")
        .drop_after_commit()
        .times(1);
    h.control.add_fault(&lost).await.unwrap();
    let err = h
        .client
        .create_event(&h.app(), ORGANIZER_UPN, &new_event("appt-4"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Transport, "{err}");
    assert!(err.is_retryable());
    assert_eq!(
        h.control.events().await.unwrap().len(),
        1,
        "the first attempt committed"
    );

    let retried = h.create("appt-4").await;
    let stored = h.control.events().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, retried.id);
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
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert!(patch_log.path.contains("%2F"), "{patch_log:?}");
    assert_eq!(
        patch_log.body,
        json!({
            "subject": "Moved",
            "start": {"dateTime": "2026-02-03T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-02-03T10:00:00", "timeZone": "UTC"},
        })
    );
}

#[tokio::test]
async fn delete_is_idempotent() {
    let h = Harness::start().await;
    let a = h.create("appt-6").await;
    let app = h.app();
    let delete = || h.client.delete_event(&app, ORGANIZER_UPN, &a.id);
    assert_eq!(delete().await.unwrap(), Deleted::Deleted);
    assert_eq!(delete().await.unwrap(), Deleted::AlreadyGone);
    let err = h
        .client
        .update_event(&app, ORGANIZER_UPN, &a.id, &EventPatch::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::NotFound);
    assert_eq!(err.code(), Some("ErrorItemNotFound"));
}

#[tokio::test]
async fn events_are_isolated_per_tenant() {
    let h = Harness::start().await;
    let event = h.create("appt-8").await;
    let other = app_for(OTHER_TENANT, SECRET);
    let err = h
        .client
        .update_event(&other, ORGANIZER_ID, &event.id, &EventPatch::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::NotFound);
}
