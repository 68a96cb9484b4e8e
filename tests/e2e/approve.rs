//! Approve path: one calendar-backed Teams meeting in Graph, two invitations with a REQUEST ICS,
//! and a state query that tells the story.

use std::time::Duration;

use meetflow::approve;
use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};

use temporalio_client::{UntypedSignal, WorkflowSignalOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::support::{
    Stack, approval, eventually, in_phase, read_outbox, save_history, state_when,
};

const ORGANIZER_OBJECT_ID: &str = "33333333-3333-4333-8333-333333333333";

async fn scheduled(stack: &Stack, workflow_id: &str) -> meetflow_proto::v1::AppointmentState {
    in_phase(
        stack,
        workflow_id,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_creates_one_meeting_and_mails_both_participants() {
    let stack = Stack::start().await;
    let input = approval("demo", "apt-100");
    let started = approve::approve(&stack.client, &stack.config().temporal.task_queue, &input)
        .await
        .unwrap();
    assert_eq!(started.workflow_id, "appointment/demo/apt-100");
    let state = scheduled(&stack, &started.workflow_id).await;

    // Graph: a token, one event in the organizer's calendar (by object id, with a
    // transactionId), one online meeting lookup by object id with the JoinWebUrl filter.
    assert_eq!(
        stack
            .emulator
            .count(
                "POST",
                "/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token"
            )
            .await,
        1,
        "one token for the whole approval (cached)"
    );
    let creates = stack
        .emulator
        .requests_to("POST", &format!("/v1.0/users/{ORGANIZER_OBJECT_ID}/events"))
        .await
        .unwrap();
    assert_eq!(creates.len(), 1);
    let body = &creates[0]["body"];
    assert_eq!(body["isOnlineMeeting"], true);
    assert_eq!(body["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(body["start"]["timeZone"], "UTC");
    assert!(
        body["transactionId"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let attendees: Vec<&str> = body["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["emailAddress"]["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        attendees,
        ["ana.client@customer.example", "tech@msp.example"]
    );
    let html = body["body"]["content"].as_str().unwrap();
    assert!(
        html.contains("Line &lt;two&gt; &amp; three"),
        "description is escaped in the event body: {html}"
    );
    let lookups = stack
        .emulator
        .requests_to(
            "GET",
            &format!("/v1.0/users/{ORGANIZER_OBJECT_ID}/onlineMeetings"),
        )
        .await
        .unwrap();
    assert_eq!(lookups.len(), 1);
    assert!(lookups[0]["query"].as_str().unwrap().contains("JoinWebUrl"));
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 1, "exactly one event");

    // Query: ids, join URL, UID = the event's iCalUId (Exchange invites too), SEQUENCE 0.
    let Some(Outcome::Created(meeting)) = state.meeting.and_then(|m| m.outcome) else {
        panic!("meeting not created")
    };
    assert_eq!(meeting.event_id, events[0]["id"].as_str().unwrap());
    assert_eq!(meeting.join_url, events[0]["joinUrl"].as_str().unwrap());
    assert!(!meeting.online_meeting_id.is_empty());
    assert_eq!(state.ics_uid, events[0]["iCalUId"].as_str().unwrap());
    assert_eq!(state.sequence, 0);
    assert_eq!(state.mails.len(), 2);
    assert!(state.last_error.is_none(), "{:?}", state.last_error);

    // Mail: two messages, each multipart with a text/calendar; method=REQUEST part and the same
    // bytes as an .ics attachment, carrying the join link.
    let mails = read_outbox(&stack.outbox()).unwrap();
    assert_eq!(mails.len(), 2);
    let recipients: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    for who in ["ana.client@customer.example", "tech@msp.example"] {
        assert_eq!(
            recipients.iter().filter(|r| r.contains(who)).count(),
            1,
            "{who} in {recipients:?}"
        );
    }
    for m in &mails {
        let cals = m.parts_of("text/calendar");
        assert!(!cals.is_empty(), "no calendar part in mail to {}", m.to);
        assert!(
            cals[0].0.to_ascii_lowercase().contains("method=request"),
            "{}",
            cals[0].0
        );
        let ics = String::from_utf8(cals[0].1.clone()).unwrap();
        assert!(ics.contains("METHOD:REQUEST\r\n"));
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains(&format!("\r\nUID:{}\r\n", state.ics_uid)),
            "{unfolded}"
        );
        assert!(ics.contains("SEQUENCE:0\r\n"));
        // The Join link Graph returned reaches the person: in the ICS and in the readable text.
        assert!(
            unfolded.contains(&format!("\r\nURL:{}\r\n", meeting.join_url)),
            "{unfolded}"
        );
        let text = String::from_utf8(m.parts_of("text/plain")[0].1.clone()).unwrap();
        assert!(text.contains(&meeting.join_url), "{text}");
        assert!(
            state.mails.iter().any(|s| s.message_id == m.message_id),
            "message id {} recorded in state",
            m.message_id
        );
    }

    // Store: the meeting row, and a delivery per recipient.
    let row = stack
        .store
        .get_meeting("demo", "apt-100")
        .await
        .unwrap()
        .expect("meeting stored");
    assert_eq!(row.event_id.as_deref(), Some(meeting.event_id.as_str()));
    assert_eq!(row.ics_uid, state.ics_uid);
    assert_eq!(
        stack
            .store
            .count_deliveries("demo", "apt-100")
            .await
            .unwrap(),
        2
    );

    // A second approval of the same appointment is refused, and nothing more happens.
    let again = approve::approve(&stack.client, &stack.config().temporal.task_queue, &input).await;
    let err = again.err().expect("second approval rejected").to_string();
    assert!(err.contains("already approved"), "{err}");
    assert_eq!(stack.emulator.events().await.unwrap().len(), 1);

    save_history(&stack, "appointment/demo/apt-100", "approve-only").await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_for_an_unconfigured_tenant_still_sends_invitations() {
    let stack = Stack::start().await;
    let input = approval("acme", "apt-200");
    let started = approve::approve(&stack.client, &stack.config().temporal.task_queue, &input)
        .await
        .unwrap();
    let state = scheduled(&stack, &started.workflow_id).await;
    assert_eq!(
        state.meeting.and_then(|m| m.outcome),
        Some(Outcome::Skipped("not_configured".into()))
    );
    assert_eq!(
        state.ics_uid, "apt-200.acme@meetflow",
        "our own stable UID when there is no Graph event"
    );
    assert!(stack.emulator.events().await.unwrap().is_empty());
    let mails = read_outbox(&stack.outbox()).unwrap();
    assert_eq!(mails.len(), 2);
    for m in &mails {
        let ics = String::from_utf8(m.parts_of("text/calendar")[0].1.clone()).unwrap();
        assert!(
            !ics.contains("teams.microsoft.com"),
            "no join link without a meeting"
        );
    }
    // Cancelled by signal (fire and forget): no Graph call, CANCEL mails with SEQUENCE 1.
    let handle = stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(&started.workflow_id);
    let reason = RawValue::from_value(
        &serde_json::json!({"reason": "not needed"}),
        &PayloadConverter::default(),
    );
    handle
        .signal(
            UntypedSignal::new("cancel"),
            reason,
            WorkflowSignalOptions::default(),
        )
        .await
        .unwrap();
    let state = state_when(
        &stack,
        &started.workflow_id,
        Duration::from_secs(60),
        "cancelled",
        |s| s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 4,
    )
    .await;
    assert_eq!(state.sequence, 1);
    let mails = read_outbox(&stack.outbox()).unwrap();
    assert_eq!(mails.len(), 4);
    let cancels = mails
        .iter()
        .filter(|m| {
            m.parts_of("text/calendar")[0]
                .0
                .to_ascii_lowercase()
                .contains("method=cancel")
        })
        .count();
    assert_eq!(cancels, 2);
    assert!(
        stack.emulator.requests().await.unwrap().is_empty(),
        "no Graph traffic for a tenant without Teams"
    );
    save_history(&stack, &started.workflow_id, "cancel-by-signal").await;
    stack.stop().await;
}

/// Search-attribute upserts of the workflow's history that set `TenantId`.
async fn tenant_upserts(stack: &Stack, workflow_id: &str) -> usize {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    let events = meetflow::inspect::events(&stack.client, workflow_id)
        .await
        .unwrap();
    events
        .iter()
        .filter(|e| match &e.attributes {
            Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(a)) => a
                .search_attributes
                .as_ref()
                .is_some_and(|s| s.indexed_fields.contains_key("TenantId")),
            _ => false,
        })
        .count()
}

/// `meetflow appointment approve` (and the ingress, and the TypeScript client) start the
/// workflow with its search attributes set, so it is listed as `approving` at once and the
/// workflow does not upsert them: one billable Action less. A starter that sets none (here the
/// plain client start a PSA could make) still gets them, from the workflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_is_listed_from_its_start_and_the_workflow_lists_one_started_without() {
    use temporalio_client::WorkflowStartOptions;
    let stack = Stack::start().await;
    let task_queue = stack.config().temporal.task_queue.clone();
    let listed = "appointment/demo/listed-at-start";
    approve::approve(
        &stack.client,
        &task_queue,
        &approval("demo", "listed-at-start"),
    )
    .await
    .unwrap();
    scheduled(&stack, listed).await;
    assert_eq!(tenant_upserts(&stack, listed).await, 0);
    // Still listed by tenant and phase, from the start's attributes and the phase upserts.
    eventually(Duration::from_secs(30), "listed as scheduled", || async {
        let rows = meetflow::inspect::list(&stack.client, Some("demo"), Some("scheduled")).await?;
        Ok(rows
            .iter()
            .any(|r| r.appointment_id == "listed-at-start")
            .then_some(()))
    })
    .await;

    let plain = "appointment/demo/started-plain";
    let input = RawValue::from_value(
        &approval("demo", "started-plain"),
        &PayloadConverter::default(),
    );
    stack
        .client
        .start_workflow(
            UntypedWorkflow::new("AppointmentLifecycle"),
            input,
            WorkflowStartOptions::new(task_queue.as_str(), plain).build(),
        )
        .await
        .unwrap();
    scheduled(&stack, plain).await;
    assert_eq!(tenant_upserts(&stack, plain).await, 1);
    stack.stop().await;
}
