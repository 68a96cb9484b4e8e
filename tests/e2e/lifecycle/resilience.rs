//! What a retry can fix is never a failure, and nothing is left behind: a create Graph
//! committed without ever answering, a re-approval after a failed run, an identity-platform
//! outage and Graph's replication lag, a store outage longer than any one attempt, and a DELETE
//! Graph refuses.

use std::net::SocketAddr;

use temporalio_client::WorkflowTerminateOptions;

use super::*;
use crate::support::TcpProxy;

fn created(state: &AppointmentState) -> meetflow_proto::v1::MeetingInfo {
    match state.meeting.clone().and_then(|m| m.outcome) {
        Some(Outcome::Created(info)) => info,
        other => panic!(
            "meeting not created: {other:?} (last error {:?})",
            state.last_error
        ),
    }
}

/// The ICS SEQUENCE lines of the outbox, per recipient, in no particular order.
fn sequences(stack: &Stack) -> Vec<String> {
    let mut seen: Vec<String> = read_outbox(&stack.outbox())
        .unwrap()
        .iter()
        .map(|m| ics_field(&ics_of(m), "SEQUENCE").to_string())
        .collect();
    seen.sort();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_graph_committed_but_never_answered_is_found_not_failed() {
    let stack = Stack::start().await;
    // The first create commits and loses its answer; every retry is then refused for good.
    for fault in [
        json!({"method": "POST", "path": "/v1.0/users/*/events", "dropAfterCommit": true, "count": 1}),
        json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 403, "code": "ErrorAccessDenied"}),
    ] {
        stack.emulator.add_fault(fault).await;
    }
    let id = "appointment/demo/lost-1";
    let state = approve_scheduled(&stack, id, &approval("demo", "lost-1")).await;
    let meeting = created(&state);
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 1, "one event, reported as the meeting");
    assert_eq!(meeting.event_id, events[0]["id"].as_str().unwrap());
    assert!(!meeting.join_url.is_empty());
    let finds = stack
        .emulator
        .requests_to("GET", "/v1.0/users/")
        .await
        .unwrap();
    assert!(
        finds
            .iter()
            .any(|r| r["path"].as_str().unwrap().ends_with("/events")),
        "looked up by transactionId"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_approval_after_a_failed_run_moves_the_same_meeting_and_mails_a_newer_sequence() {
    let stack = Stack::start().await;
    let id = "appointment/demo/again-1";
    let first = approve_scheduled(&stack, id, &approval("demo", "again-1")).await;
    let event_id = created(&first).event_id;
    stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(id)
        .terminate(
            WorkflowTerminateOptions::builder()
                .reason("e2e: a failed run")
                .build(),
        )
        .await
        .unwrap();

    // The PSA approves again, with other times: the transactionId is the same, the body not.
    let mut again = approval("demo", "again-1");
    again["start"] = json!(at(hours(3)));
    again["end"] = json!(at(hours(4)));
    let second = approve_scheduled(&stack, id, &again).await;
    assert_eq!(
        created(&second).event_id,
        event_id,
        "the same Teams meeting"
    );
    assert_eq!(second.sequence, 1, "continues after the stored SEQUENCE 0");
    assert_eq!(second.ics_uid, first.ics_uid);
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["start"].as_str().unwrap()[..13],
        again["start"].as_str().unwrap()[..13],
        "the event moved to the new times"
    );
    // Two mails per run; the second run's carry SEQUENCE 1, so calendars apply them.
    assert_eq!(sequences(&stack), ["0", "0", "1", "1"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_outage_and_graph_replication_lag_are_waited_out() {
    let stack = Stack::start().await;
    stack
        .emulator
        .add_fault(
            json!({"method": "POST", "path": "/*/oauth2/v2.0/token", "status": 503, "count": 2}),
        )
        .await;
    stack
        .emulator
        .settings(json!({"onlineMeetingLagSecs": 4}))
        .await;
    let id = "appointment/demo/outage-1";
    let state = approve_scheduled(&stack, id, &approval("demo", "outage-1")).await;
    let meeting = created(&state);
    assert!(
        !meeting.online_meeting_id.is_empty(),
        "resolved once Graph listed it: {:?}",
        state.last_error
    );
    assert!(state.last_error.is_none(), "{:?}", state.last_error);
    assert!(
        stack.emulator.count("GET", "/v1.0/users/").await >= 2,
        "the empty lookup was retried"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_is_shown_and_waited_out() {
    let pg = PgSchema::create().await;
    let mut url = url::Url::parse(pg.url()).unwrap();
    let target: SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
        .parse()
        .unwrap();
    let proxy = TcpProxy::start(target).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let stack = Stack::start_with(vec![("MEETFLOW_STORE__URL".into(), url.to_string())]).await;

    // The worker is up (its store connected through the proxy) before the store goes down.
    approve_scheduled(
        &stack,
        "appointment/demo/store-up-1",
        &approval("demo", "store-up-1"),
    )
    .await;
    proxy.down();
    let id = "appointment/demo/store-down-1";
    approve::approve(&stack.client, "meetflow", &approval("demo", "store-down-1"))
        .await
        .unwrap();
    // Longer than any one store attempt (15 s) and than the patience (30 s) before it shows.
    let waiting = state_when(
        &stack,
        id,
        Duration::from_secs(90),
        "store outage shown",
        |s| {
            s.last_error
                .as_ref()
                .is_some_and(|e| e.code == "store_unavailable")
        },
    )
    .await;
    assert_eq!(waiting.phase, AppointmentPhase::Approving as i32);
    proxy.up().await;
    let done = in_phase(&stack, id, AppointmentPhase::Scheduled, MINUTE).await;
    assert!(done.last_error.is_none(), "{:?}", done.last_error);
    assert_eq!(done.mails.len(), 2);
    let row = stack
        .store
        .get_meeting("demo", "store-down-1")
        .await
        .unwrap();
    assert!(row.is_some(), "the record landed once the store was back");
    stack.stop().await;
    pg.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_delete_is_retried_until_the_event_is_gone() {
    let stack = Stack::start_with(vec![(
        "MEETFLOW_TENANTS__DEMO__CANCEL_DELETE_RETRY_SECS".into(),
        "2".into(),
    )])
    .await;
    let id = "appointment/demo/undeletable-1";
    approve_scheduled(&stack, id, &approval("demo", "undeletable-1")).await;
    stack
        .emulator
        .add_fault(json!({"method": "DELETE", "path": "/v1.0/users/*/events/*", "status": 403, "count": 1}))
        .await;
    update(
        &stack,
        id,
        "cancelAppointment",
        json!({"reason": "no longer needed"}),
    )
    .await
    .unwrap();
    // The CANCEL mails go out although the event is still there …
    let cancelled = state_when(&stack, id, MINUTE, "cancel mails sent", |s| {
        s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 4
    })
    .await;
    assert_eq!(cancelled.sequence, 1);
    // … and the workflow completes only once a later DELETE removed it.
    let handle = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    tokio::time::timeout(
        MINUTE,
        handle.get_result(temporalio_client::WorkflowGetResultOptions::default()),
    )
    .await
    .expect("completes after the retried DELETE")
    .expect("completes successfully");
    let events = stack.emulator.events().await.unwrap();
    assert!(events.iter().all(|e| e["deleted"] == true), "{events:#?}");
    assert_eq!(stack.emulator.count("DELETE", "/v1.0/users/").await, 2);
    stack.stop().await;
}
