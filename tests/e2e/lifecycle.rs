//! The full lifecycle on real parts: Temporal dev server, Graph emulator, PostgreSQL store and an
//! SMTP server (aiosmtpd) receiving the mails.

use std::time::Duration;

use meetflow::{approve, inspect};
use meetflow_proto::v1::{AppointmentPhase, AppointmentState, meeting_outcome::Outcome};
use serde_json::{Value, json};
use temporalio_client::{
    UntypedUpdate, WorkflowExecuteUpdateOptions, WorkflowFetchHistoryOptions,
    errors::WorkflowUpdateError,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::support::{
    Eml, PgSchema, SmtpSink, Stack, approval, read_outbox, save_history, state_when,
};

fn at(offset: chrono::Duration) -> String {
    (chrono::Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const MINUTE: Duration = Duration::from_secs(60);

fn hours(n: i64) -> chrono::Duration {
    chrono::Duration::hours(n)
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// The `reschedule` update to now + `start` … now + `end`.
async fn reschedule(
    stack: &Stack,
    id: &str,
    start: chrono::Duration,
    end: chrono::Duration,
) -> Result<Value, String> {
    update(
        stack,
        id,
        "reschedule",
        json!({"start": at(start), "end": at(end)}),
    )
    .await
}

/// Approves `input` and waits until the appointment is scheduled.
async fn approve_scheduled(stack: &Stack, id: &str, input: &Value) -> AppointmentState {
    approve::approve(&stack.client, "meetflow", input)
        .await
        .unwrap();
    state_when(stack, id, MINUTE, "scheduled", |s| {
        s.phase == AppointmentPhase::Scheduled as i32
    })
    .await
}

async fn update(stack: &Stack, id: &str, name: &str, input: Value) -> Result<Value, String> {
    let handle = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    let raw = RawValue::from_value(&input, &PayloadConverter::default());
    match handle
        .execute_update(
            UntypedUpdate::new(name),
            raw,
            WorkflowExecuteUpdateOptions::default(),
        )
        .await
    {
        Ok(out) => Ok(out
            .payloads
            .first()
            .map(|p| serde_json::from_slice(&p.data).unwrap())
            .unwrap_or(Value::Null)),
        Err(WorkflowUpdateError::Failed(f)) => Err(f.message),
        // A closed workflow takes no updates: the server answers "already completed".
        Err(WorkflowUpdateError::NotFound(status)) => Err(status.message().to_string()),
        Err(e) => panic!("update {name}: {e}"),
    }
}

async fn history_len(stack: &Stack, id: &str) -> usize {
    let h = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    h.fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .unwrap()
        .len()
}

fn ics_of(mail: &Eml) -> String {
    let (_, body) = mail.parts_of("text/calendar")[0];
    String::from_utf8(body.clone())
        .unwrap()
        .replace("\r\n ", "")
}

fn ics_field<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {ics}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_reschedule_twice_cancel_on_postgres_and_smtp() {
    let pg = PgSchema::create().await;
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let mut overrides = smtp.overrides();
    overrides.push(("MEETFLOW_STORE__URL".into(), pg.url.clone()));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/life-1";
    approve_scheduled(&stack, id, &approval("demo", "life-1")).await;

    let first = update(
        &stack,
        id,
        "reschedule",
        json!({"start": at(hours(3)), "end": at(hours(4)), "reason": "clash"}),
    )
    .await;
    assert_eq!(first, Ok(json!({"sequence": 1})));
    let second = reschedule(&stack, id, hours(5), hours(6)).await;
    assert_eq!(second, Ok(json!({"sequence": 2})));
    let cancel = update(
        &stack,
        id,
        "cancelAppointment",
        json!({"reason": "client <cancelled> & sorry"}),
    )
    .await;
    assert_eq!(cancel, Ok(json!({"sequence": 3})));
    let state = state_when(&stack, id, MINUTE, "cancelled with 8 mails", |s| {
        s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 8
    })
    .await;
    assert_eq!(state.sequence, 3);
    // After the cancel the workflow is closed: nothing more is accepted.
    let late = reschedule(&stack, id, hours(7), hours(8)).await;
    assert!(
        late.as_ref().unwrap_err().contains("already completed"),
        "{late:?}"
    );

    // Graph: one event, PATCHed twice, deleted.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["deleted"], true, "{}", events[0]);
    let organizer_events = "/v1.0/users/33333333-3333-4333-8333-333333333333/events";
    assert_eq!(stack.emulator.count("POST", organizer_events).await, 1);
    assert_eq!(stack.emulator.count("PATCH", "/v1.0/users/").await, 2);
    assert_eq!(stack.emulator.count("DELETE", "/v1.0/users/").await, 1);

    // Mail, as the SMTP server received it: per recipient SEQUENCE 0,1,2,3, one UID throughout,
    // REQUEST ×3 then CANCEL, the cancel without the join link's VALARM and with STATUS:CANCELLED.
    let mails = read_outbox(&smtp.maildir).unwrap();
    assert_eq!(mails.len(), 8);
    for who in ["ana.client@customer.example", "tech@msp.example"] {
        let mut mine: Vec<(u32, String, String, String)> = mails
            .iter()
            .filter(|m| m.to.contains(who))
            .map(|m| {
                let ics = ics_of(m);
                (
                    ics_field(&ics, "SEQUENCE").parse().unwrap(),
                    ics_field(&ics, "METHOD").to_string(),
                    ics_field(&ics, "UID").to_string(),
                    ics_field(&ics, "STATUS").to_string(),
                )
            })
            .collect();
        mine.sort();
        let sequences: Vec<u32> = mine.iter().map(|m| m.0).collect();
        assert_eq!(sequences, [0, 1, 2, 3], "{who}");
        let methods: Vec<&str> = mine.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(
            methods,
            ["REQUEST", "REQUEST", "REQUEST", "CANCEL"],
            "{who}"
        );
        assert!(
            mine.iter().all(|m| m.2 == state.ics_uid),
            "one UID for the whole life: {mine:?}"
        );
        assert_eq!(mine[3].3, "CANCELLED");
    }

    // Store (PostgreSQL): the row follows, deliveries once per recipient per step.
    let store = meetflow_store::Store::connect(&pg.url).await.unwrap();
    let row = store.get_meeting("demo", "life-1").await.unwrap().unwrap();
    assert_eq!((row.sequence, row.status.as_str()), (3, "cancelled"));
    assert_eq!(store.count_deliveries("demo", "life-1").await.unwrap(), 8);
    store.close().await;

    save_history(&stack, id, "reschedule-reschedule-cancel").await;
    stack.stop().await;
    pg.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_reschedule_leaves_history_and_store_untouched() {
    let stack = Stack::start().await;
    let id = "appointment/demo/rej-1";
    approve_scheduled(&stack, id, &approval("demo", "rej-1")).await;
    let before = history_len(&stack, id).await;
    let row_before = stack.store.get_meeting("demo", "rej-1").await.unwrap();

    let past = reschedule(&stack, id, hours(-2), hours(-1)).await;
    assert!(
        past.as_ref().unwrap_err().contains("is in the past"),
        "{past:?}"
    );
    let backwards = reschedule(&stack, id, hours(3), hours(2)).await;
    assert!(
        backwards.as_ref().unwrap_err().contains("end: end ("),
        "{backwards:?}"
    );
    let garbage = update(&stack, id, "reschedule", json!({"start": "soon"})).await;
    assert!(
        garbage
            .as_ref()
            .unwrap_err()
            .starts_with("invalid input: start:"),
        "{garbage:?}"
    );

    assert_eq!(
        history_len(&stack, id).await,
        before,
        "validator rejections write no history"
    );
    assert_eq!(
        stack.store.get_meeting("demo", "rej-1").await.unwrap(),
        row_before
    );
    assert_eq!(read_outbox(&stack.outbox()).unwrap().len(), 2);
    assert_eq!(stack.emulator.count("PATCH", "/v1.0/users/").await, 0);
    stack.stop().await;
}

/// Second-scale capture settings for the demo tenant.
fn fast_capture(window_secs: u32) -> Vec<(String, String)> {
    [
        ("GRACE_AFTER_END_SECS", 1),
        ("FIRST_POLL_SECS", 1),
        ("BACKOFF_CAP_SECS", 2),
        ("WINDOW_SECS", window_secs),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            format!("MEETFLOW_TENANTS__DEMO__CAPTURE__{k}"),
            v.to_string(),
        )
    })
    .collect()
}

fn short_meeting(appointment: &str, ends_in_secs: i64) -> Value {
    let mut a = approval("demo", appointment);
    a["start"] = json!(at(chrono::Duration::seconds(-60)));
    a["end"] = json!(at(chrono::Duration::seconds(ends_in_secs)));
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_moves_the_end_timer() {
    let stack = Stack::start_with(fast_capture(2)).await;
    let id = "appointment/demo/timer-1";
    approve_scheduled(&stack, id, &short_meeting("timer-1", 3)).await;
    let moved = reschedule(&stack, id, secs(2), secs(8)).await;
    assert_eq!(moved, Ok(json!({"sequence": 1})));
    // The old end (+3 s, +1 s grace) passes without ending the meeting…
    tokio::time::sleep(Duration::from_secs(6)).await;
    let s = inspect::state(&stack.client, id).await.unwrap();
    assert_eq!(
        s.phase,
        AppointmentPhase::Scheduled as i32,
        "ended at the old time: {s:?}"
    );
    // …the new one does.
    let s = state_when(&stack, id, MINUTE, "done after the new end", |s| {
        s.phase == AppointmentPhase::Done as i32
    })
    .await;
    assert_eq!(s.capture_status, "nothing_captured");
    save_history(&stack, id, "end-timer-moved").await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_meeting_transcript_then_recording_are_captured_once() {
    let mut overrides = fast_capture(40);
    overrides.push((
        "MEETFLOW_TENANTS__DEMO__DOWNLOAD_RECORDINGS".into(),
        "true".into(),
    ));
    overrides.push((
        "MEETFLOW_TENANTS__DEMO__EXPOSE_IN_PORTAL".into(),
        "true".into(),
    ));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/cap-1";
    let s = approve_scheduled(&stack, id, &short_meeting("cap-1", 2)).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };

    let artifacts = [
        json!({"kind": "transcript", "availableAfterSecs": 4}),
        json!({"kind": "recording", "availableAfterSecs": 9, "sizeBytes": 3_000_000}),
    ];
    for artifact in artifacts {
        stack
            .emulator
            .add_artifact(&meeting.event_id, artifact)
            .await;
    }

    let s = state_when(&stack, id, MINUTE, "done", |s| {
        s.phase == AppointmentPhase::Done as i32
    })
    .await;
    assert_eq!(s.capture_status, "complete", "{s:?}");
    assert_eq!(s.artifacts.len(), 2, "{:?}", s.artifacts);
    let recording = s.artifacts.iter().find(|a| a.kind == "recording").unwrap();
    assert!(recording.location.starts_with("file://"), "{recording:?}");

    // Each transcript's content was fetched exactly once, although polls continued after it.
    let content = stack
        .emulator
        .requests_to("GET", "/v1.0/users/")
        .await
        .unwrap();
    let transcript_fetches = content
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap().contains("/transcripts/")
                && r["path"].as_str().unwrap().ends_with("/content")
        })
        .count();
    assert_eq!(transcript_fetches, 1);
    let lists = content
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/recordings"))
        .count();
    assert!(lists >= 2, "polled more than once: {lists}");

    let stored = stack.store.artifacts("demo", "cap-1").await.unwrap();
    assert_eq!(stored.len(), 2);
    for a in &stored {
        assert!(a.client_visible);
        match &a.content {
            meetflow_store::ArtifactContent::Transcript(t) => {
                assert!(t.vtt.starts_with("WEBVTT"));
                assert!(!t.cues.is_empty() && !t.plain_text.is_empty());
            }
            meetflow_store::ArtifactContent::Recording(r) => {
                assert_eq!(r.size_bytes, Some(3_000_000))
            }
        }
    }
    let row = stack
        .store
        .get_meeting("demo", "cap-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "captured");
    save_history(&stack, id, "capture-parent").await;
    save_history(&stack, "capture/demo/cap-1", "capture-child").await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_403_becomes_graph_unauthorized_without_a_retry_storm() {
    let stack = Stack::start().await;
    let fault = json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 403, "code": "ErrorAccessDenied",
                       "message": "Access is denied. Check credentials and try again."});
    stack.emulator.add_fault(fault).await;
    let id = "appointment/demo/deny-1";
    let s = approve_scheduled(&stack, id, &approval("demo", "deny-1")).await;
    let Some(Outcome::Failed(e)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("meeting did not fail")
    };
    assert_eq!(e.code, "graph_unauthorized");
    assert!(e.message.contains("403"), "{}", e.message);
    assert!(
        e.message.to_lowercase().contains("permission")
            || e.message.to_lowercase().contains("consent"),
        "actionable: {}",
        e.message
    );
    assert_eq!(
        stack.emulator.count("POST", "/v1.0/users/").await,
        1,
        "a 403 is not retried"
    );
    assert_eq!(
        read_outbox(&stack.outbox()).unwrap().len(),
        2,
        "invitations still go out"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_change_notification_makes_capture_poll_at_once() {
    let secrets = tempfile::tempdir().unwrap();
    let client_state = secrets.path().join("client-state");
    std::fs::write(&client_state, "meetflow-e2e-client-state").unwrap();
    let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
    let mut overrides: Vec<(String, String)> = [
        ("GRACE_AFTER_END_SECS", 1),
        // The first scheduled poll comes far too late for this test: only the notification can
        // make capture finish in time.
        ("FIRST_POLL_SECS", 60),
        ("BACKOFF_CAP_SECS", 60),
        ("WINDOW_SECS", 120),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            format!("MEETFLOW_TENANTS__DEMO__CAPTURE__{k}"),
            v.to_string(),
        )
    })
    .collect();
    overrides.push(("MEETFLOW_NOTIFICATIONS__LISTEN".into(), listen.clone()));
    overrides.push((
        "MEETFLOW_NOTIFICATIONS__CLIENT_STATE".into(),
        format!("{{ file = \"{}\" }}", client_state.display()),
    ));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/notify-1";
    let s = approve_scheduled(&stack, id, &short_meeting("notify-1", 2)).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };
    for kind in ["transcript", "recording"] {
        stack
            .emulator
            .add_artifact(&meeting.event_id, json!({"kind": kind}))
            .await;
    }
    state_when(&stack, id, MINUTE, "capturing", |s| {
        s.phase == AppointmentPhase::Capturing as i32
    })
    .await;

    let http = reqwest::Client::new();
    let url = format!("http://{listen}/notifications");
    let handshake = http
        .post(format!(
            "{url}?validationToken=Validation%3A+Testing+reachability"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    assert_eq!(
        handshake.text().await.unwrap(),
        "Validation: Testing reachability"
    );
    let notification = |client_state: &str| {
        json!({"value": [{
            "subscriptionId": "sub-1", "changeType": "created", "clientState": client_state,
            "resource": format!("communications/onlineMeetings('{}')/recordings('r1')", meeting.online_meeting_id),
            "tenantId": "11111111-1111-4111-8111-111111111111"
        }]})
    };
    let forged = http
        .post(&url)
        .json(&notification("guessed"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let genuine = http
        .post(&url)
        .json(&notification("meetflow-e2e-client-state"))
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 202);

    let done = state_when(
        &stack,
        id,
        Duration::from_secs(30),
        "captured long before the first scheduled poll",
        |s| s.phase == AppointmentPhase::Done as i32,
    )
    .await;
    assert_eq!(done.capture_status, "complete");
    stack.stop().await;
}
