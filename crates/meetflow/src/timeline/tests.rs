//! The event → step mapping on hand-built events, and on a recorded history.

use std::collections::HashMap;

use serde_json::{Value, json};
use temporalio_common::protos::temporal::api::{
    common::v1::{ActivityType, Payload, Payloads, WorkflowType},
    failure::v1::{ApplicationFailureInfo, Failure, failure::FailureInfo},
    history::v1::{self as h, HistoryEvent, history_event::Attributes},
    update::v1::{Input, Outcome, Request, outcome},
};

use super::{Decoder, render_json, render_text, steps};

fn json_payload(v: Value) -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_string(), b"json/plain".to_vec())]),
        data: serde_json::to_vec(&v).unwrap(),
        ..Default::default()
    }
}

/// What the worker writes with `[codec]` on, for a reader without the key.
fn sealed_payload() -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_string(), b"binary/encrypted".to_vec())]),
        data: vec![1, 2, 3],
        ..Default::default()
    }
}

fn payloads(v: Value) -> Option<Payloads> {
    Some(Payloads {
        payloads: vec![json_payload(v)],
    })
}

/// Event `id`, `id` seconds after 2030-01-02T09:00:00Z.
use crate::test_histories::recorded;

fn ev(id: i64, attrs: Attributes) -> HistoryEvent {
    HistoryEvent {
        event_id: id,
        event_time: Some(prost_types::Timestamp {
            seconds: 1_893_574_800 + id,
            nanos: 0,
        }),
        attributes: Some(attrs),
        ..Default::default()
    }
}

fn scheduled(id: i64, name: &str, input: Value) -> HistoryEvent {
    ev(
        id,
        Attributes::ActivityTaskScheduledEventAttributes(h::ActivityTaskScheduledEventAttributes {
            activity_type: Some(ActivityType { name: name.into() }),
            input: payloads(input),
            ..Default::default()
        }),
    )
}

fn started(id: i64, scheduled: i64, attempt: i32, last_failure: Option<Failure>) -> HistoryEvent {
    ev(
        id,
        Attributes::ActivityTaskStartedEventAttributes(h::ActivityTaskStartedEventAttributes {
            scheduled_event_id: scheduled,
            attempt,
            last_failure,
            ..Default::default()
        }),
    )
}

fn completed(id: i64, scheduled: i64, result: Value) -> HistoryEvent {
    ev(
        id,
        Attributes::ActivityTaskCompletedEventAttributes(h::ActivityTaskCompletedEventAttributes {
            scheduled_event_id: scheduled,
            result: payloads(result),
            ..Default::default()
        }),
    )
}

fn app_failure(code: &str, message: &str) -> Failure {
    Failure {
        message: message.into(),
        failure_info: Some(FailureInfo::ApplicationFailureInfo(
            ApplicationFailureInfo {
                r#type: code.into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

fn texts(events: &[HistoryEvent]) -> Vec<String> {
    steps(events, &Decoder::plain(), chrono_tz::Europe::Berlin)
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn approval_is_shown_with_title_and_times_in_the_operators_zone() {
    let start = ev(
        1,
        Attributes::WorkflowExecutionStartedEventAttributes(
            h::WorkflowExecutionStartedEventAttributes {
                workflow_type: Some(WorkflowType {
                    name: "AppointmentLifecycle".into(),
                }),
                input: payloads(json!({"title": "Quarterly review",
                    "start": "2030-01-02T10:00:00Z", "end": "2030-01-02T11:00:00Z",
                    "generateTeamsMeeting": true})),
                ..Default::default()
            },
        ),
    );
    assert_eq!(
        texts(&[start]),
        ["approved \"Quarterly review\", 2030-01-02 11:00–12:00 CET (generateTeamsMeeting true)"]
    );
}

#[test]
fn graph_create_shows_event_id_attempts_latency_and_the_fixed_failure() {
    let events = [
        scheduled(5, "create_meeting", json!({})),
        started(
            6,
            5,
            3,
            Some(app_failure("graph_throttled", "429 Too Many Requests")),
        ),
        completed(7, 5, json!({"event_id": "AAMk1"})),
    ];
    let s = steps(&events, &Decoder::plain(), chrono_tz::UTC);
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0].text,
        "Graph event created: AAMk1 — attempt 3, 2000 ms (earlier attempt failed: \
         graph_throttled: 429 Too Many Requests; fixed by retry)"
    );
    assert_eq!(s[0].detail["event_id"], "AAMk1");
    assert_eq!(s[0].detail["attempts"], 3);
}

#[test]
fn invitation_names_recipient_step_sequence_and_message_id() {
    let events = [
        scheduled(
            10,
            "send_invitation",
            json!({"step": "rescheduled", "sequence": 1,
                   "recipient": {"email": "dana@customer.example"}}),
        ),
        started(11, 10, 1, None),
        completed(
            12,
            10,
            json!({"message_id": "<abc@meetflow.localhost>", "already_sent": false}),
        ),
    ];
    assert_eq!(
        texts(&events),
        [
            "invitation to dana@customer.example (step rescheduled, SEQUENCE 1, \
          Message-ID <abc@meetflow.localhost>) — attempt 1, 2000 ms"
        ]
    );
}

#[test]
fn a_failed_activity_says_whether_a_later_run_fixed_it() {
    let failed = |id, sched| {
        ev(
            id,
            Attributes::ActivityTaskFailedEventAttributes(h::ActivityTaskFailedEventAttributes {
                scheduled_event_id: sched,
                failure: Some(Failure {
                    message: "activity failed".into(),
                    failure_info: Some(FailureInfo::ActivityFailureInfo(Default::default())),
                    cause: Some(Box::new(app_failure(
                        "store_unavailable",
                        "connection refused",
                    ))),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        )
    };
    let events = [
        scheduled(
            1,
            "record_meeting",
            json!({"status": "scheduled", "sequence": 0}),
        ),
        failed(2, 1),
        scheduled(3, "delete_meeting", json!({})),
        failed(4, 3),
        scheduled(
            5,
            "record_meeting",
            json!({"status": "scheduled", "sequence": 0}),
        ),
        completed(6, 5, Value::Null),
    ];
    let s = steps(&events, &Decoder::plain(), chrono_tz::UTC);
    assert_eq!(
        s[0].text,
        "store write FAILED: store_unavailable: connection refused — after 1 attempt(s); \
         fixed by a later run (event 6)"
    );
    assert_eq!(s[0].detail["fixed"], true);
    assert!(s[1].text.ends_with("; not fixed"), "{}", s[1].text);
    assert_eq!(
        s[2].text,
        "store written (scheduled, SEQUENCE 0) — attempt 1, 1000 ms"
    );
}

fn update(id: i64, name: &str, args: Value, outcome: outcome::Value) -> [HistoryEvent; 2] {
    [
        ev(
            id,
            Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(
                h::WorkflowExecutionUpdateAcceptedEventAttributes {
                    accepted_request: Some(Request {
                        input: Some(Input {
                            name: name.into(),
                            args: payloads(args),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ),
        ),
        ev(
            id + 1,
            Attributes::WorkflowExecutionUpdateCompletedEventAttributes(
                h::WorkflowExecutionUpdateCompletedEventAttributes {
                    accepted_event_id: id,
                    outcome: Some(Outcome {
                        value: Some(outcome),
                    }),
                    ..Default::default()
                },
            ),
        ),
    ]
}

#[test]
fn updates_are_shown_accepted_with_sequence_or_rejected_with_reason() {
    let mut events = Vec::new();
    events.extend(update(
        1,
        "reschedule",
        json!({"start": "2030-01-03T10:00:00Z", "end": "2030-01-03T11:00:00Z", "reason": "clash"}),
        outcome::Value::Success(payloads(json!({"sequence": 1})).unwrap()),
    ));
    events.extend(update(
        3,
        "cancelAppointment",
        json!({}),
        outcome::Value::Failure(app_failure("", "already cancelled")),
    ));
    assert_eq!(
        texts(&events),
        [
            "reschedule accepted: to 2030-01-03 11:00–12:00 CET, reason \"clash\" → SEQUENCE 1",
            "cancelAppointment rejected: already cancelled",
        ]
    );
}

#[test]
fn timers_are_named_by_purpose_and_signals_by_name() {
    let timer = |id, secs| {
        ev(
            id,
            Attributes::TimerStartedEventAttributes(h::TimerStartedEventAttributes {
                timer_id: id.to_string(),
                start_to_fire_timeout: Some(prost_types::Duration {
                    seconds: secs,
                    nanos: 0,
                }),
                ..Default::default()
            }),
        )
    };
    let events = [
        timer(1, 3599),
        ev(
            2,
            Attributes::WorkflowExecutionSignaledEventAttributes(
                h::WorkflowExecutionSignaledEventAttributes {
                    signal_name: "meetingEnded".into(),
                    input: payloads(json!({})),
                    ..Default::default()
                },
            ),
        ),
        ev(
            3,
            Attributes::TimerFiredEventAttributes(h::TimerFiredEventAttributes {
                timer_id: "1".into(),
                ..Default::default()
            }),
        ),
        scheduled(4, "delete_meeting", json!({})),
        ev(
            5,
            Attributes::ActivityTaskFailedEventAttributes(h::ActivityTaskFailedEventAttributes {
                scheduled_event_id: 4,
                failure: Some(app_failure("graph_unauthorized", "401")),
                ..Default::default()
            }),
        ),
        timer(6, 60),
    ];
    let t = texts(&events);
    assert_eq!(
        t[0],
        "timer \"meeting end\" set for 2030-01-02 11:00:00 CET"
    );
    assert_eq!(t[1], "signal meetingEnded received");
    assert_eq!(t[2], "timer \"meeting end\" fired");
    assert_eq!(
        t[4],
        "timer \"delete retry\" set for 2030-01-02 10:01:06 CET"
    );
}

#[test]
fn sealed_payloads_without_a_key_read_as_encrypted() {
    let sealed = sealed_payload();
    assert_eq!(Decoder::plain().decode(&sealed), json!(super::ENCRYPTED));
}

/// A real history (approve → reschedule ×2 → cancel) reads as the story it tells.
#[test]
fn recorded_reschedule_cancel_history_reads_as_a_timeline() {
    let bytes = include_bytes!("../../../../tests/histories/reschedule-reschedule-cancel.json");
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let events: Vec<HistoryEvent> = serde_json::from_value(v["events"].clone()).unwrap();
    let s = steps(&events, &Decoder::plain(), chrono_tz::UTC);
    let kinds: Vec<&str> = s.iter().map(|s| s.kind).collect();
    assert_eq!(kinds.first(), Some(&"approved"));
    assert_eq!(kinds.last(), Some(&"completed"));
    assert_eq!(s.last().unwrap().text, "workflow completed: cancelled");
    let updates: Vec<&str> = s
        .iter()
        .filter(|s| s.kind == "update")
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(updates.len(), 3);
    assert!(
        updates[2].starts_with("cancelAppointment accepted: reason"),
        "{updates:?}"
    );
    let mails = s
        .iter()
        .filter(|s| s.text.starts_with("invitation to"))
        .count();
    assert_eq!(mails, 8);
    assert!(s.iter().any(|s| s.text == "patch marker cheaper-lifecycle"));
    // The store calls ran as local activities: each still reads as the write it was.
    let written: Vec<&str> = s
        .iter()
        .filter(|s| s.text.starts_with("store written"))
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        written,
        [
            "store written (scheduled, SEQUENCE 0) — attempt 1, in the workflow task",
            "store written (rescheduled, SEQUENCE 1) — attempt 1, in the workflow task",
            "store written (rescheduled, SEQUENCE 2) — attempt 1, in the workflow task",
            "store written (cancelled, SEQUENCE 3) — attempt 1, in the workflow task",
        ]
    );
    assert!(s.iter().any(|s| s.kind == "activity"
        && s.detail["activity"] == "resolve_tenant"
        && s.detail["local"] == true));
    // The end timer a reschedule superseded is cancelled, not left to fire.
    assert!(
        s.iter()
            .any(|s| s.text == "timer \"meeting end\" cancelled")
    );
    assert!(
        s.iter()
            .any(|s| s.text.starts_with("timer \"meeting end\" set for"))
    );
    let text = render_text(
        "appointment/demo/life-1",
        Some("http://ui"),
        &s,
        chrono_tz::UTC,
        0,
    );
    assert!(text.starts_with("appointment/demo/life-1  (times in UTC)\nWeb UI: http://ui\n"));
    let lines = render_json("appointment/demo/life-1", &s);
    assert_eq!(lines.lines().count(), s.len());
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "approved");
    assert_eq!(first["workflow_id"], "appointment/demo/life-1");
}

#[test]
fn ui_link_escapes_the_workflow_id() {
    assert_eq!(
        super::render::ui_link(
            "http://127.0.0.1:8233/",
            "default",
            "appointment/demo/a-1",
            "r1"
        ),
        "http://127.0.0.1:8233/namespaces/default/workflows/appointment%2Fdemo%2Fa-1/r1/history"
    );
}

#[test]
fn status_summary_names_meeting_mails_and_error() {
    let state = json!({
        "tenantId": "demo", "appointmentId": "a-1", "phase": "APPOINTMENT_PHASE_SCHEDULED",
        "title": "Review", "start": "2030-01-02T10:00:00+00:00", "end": "2030-01-02T11:00:00+00:00",
        "meeting": {"created": {"eventId": "AAMk1", "joinUrl": "https://teams/join"}},
        "sequence": 1,
        "mails": [{"step": "approved", "recipient": "dana@x.example", "messageId": "<m1@x>"},
                  {"step": "rescheduled", "recipient": "dana@x.example", "messageId": "<m2@x>", "sequence": 1}],
        "lastError": {"code": "graph_throttled", "message": "429"}
    });
    let text = crate::summary::status_text(&state, chrono_tz::UTC);
    assert_eq!(
        text,
        "appointment demo/a-1  \"Review\"\n\
         phase:    scheduled\n\
         times:    2030-01-02 10:00:00 UTC – 2030-01-02 11:00:00 UTC\n\
         meeting:  event AAMk1\n          join https://teams/join\n\
         sequence: 1\n\
         mails:    2\n\
         \x20 approved     SEQUENCE 0  dana@x.example  <m1@x>\n\
         \x20 rescheduled  SEQUENCE 1  dana@x.example  <m2@x>\n\
         last error: graph_throttled: 429\n"
    );
}

/// The generation before `cheaper-lifecycle` still reads as it did: activities, and the patch
/// marker of `continue-sequence`.
#[test]
fn a_pre_cheaper_history_still_reads_as_a_timeline() {
    let t = texts(&recorded("pre-cheaper-reschedule-reschedule-cancel"));
    assert!(
        t.contains(&"patch marker continue-sequence".to_string()),
        "{t:?}"
    );
    assert!(
        t.iter().any(
            |t| t.starts_with("store written (cancelled, SEQUENCE 3) — attempt 1, ")
                && t.ends_with(" ms")
        ),
        "{t:?}"
    );
}

/// The recorded capture: the parent names its child, the child its polls and captures.
#[test]
fn recorded_capture_reads_as_parent_and_child_steps() {
    let parent = texts(&recorded("capture-parent"));
    assert!(
        parent.contains(&"timer \"meeting end\" fired".to_string()),
        "{parent:?}"
    );
    assert!(parent.contains(&"child RecordingCapture started (capture/demo/cap-1)".to_string()));
    assert!(parent.contains(&"child RecordingCapture completed: complete".to_string()));
    assert_eq!(parent.last().unwrap(), "workflow completed: done");
    let child = texts(&recorded("capture-child"));
    assert!(
        child[0].starts_with("capture started for online meeting MSo"),
        "{child:?}"
    );
    assert!(
        child
            .iter()
            .any(|t| t.starts_with("Graph polled: no recordings"))
    );
    assert!(
        child
            .iter()
            .any(|t| t.starts_with("timer \"next poll\" set for"))
    );
    assert!(
        child
            .iter()
            .any(|t| t.starts_with("recording ") && t.contains(" captured to file://"))
    );
    assert_eq!(child.last().unwrap(), "workflow completed: complete");
}

#[test]
fn recorded_cancel_by_signal_shows_the_signal_and_its_reason() {
    let t = texts(&recorded("cancel-by-signal"));
    assert!(
        t.contains(&"signal cancel received, reason \"not needed\"".to_string()),
        "{t:?}"
    );
}

#[test]
fn a_sealed_activity_still_reads_as_a_step() {
    let sealed = sealed_payload();
    let mut events = [
        scheduled(1, "send_invitation", json!({})),
        completed(2, 1, json!({})),
    ];
    let Some(Attributes::ActivityTaskScheduledEventAttributes(a)) = &mut events[0].attributes
    else {
        unreachable!()
    };
    a.input = Some(Payloads {
        payloads: vec![sealed],
    });
    assert_eq!(
        texts(&events),
        ["invitation completed (encrypted) — attempt 1, 1000 ms"]
    );
}

#[test]
fn the_workflows_failure_shows_its_code() {
    let failed = ev(
        9,
        Attributes::WorkflowExecutionFailedEventAttributes(
            h::WorkflowExecutionFailedEventAttributes {
                failure: Some(app_failure(
                    "invalid_input",
                    "invalid input: start: missing",
                )),
                ..Default::default()
            },
        ),
    );
    let s = steps(&[failed], &Decoder::plain(), chrono_tz::UTC);
    assert_eq!(s[0].kind, "failed");
    assert_eq!(
        s[0].text,
        "workflow FAILED: invalid_input: invalid input: start: missing"
    );
}

/// The attendance line reads the state as pbjson writes it (uint64 as a string, zero values and
/// `false` left out).
#[test]
fn status_summary_names_billable_time_and_no_show() {
    use meetflow_proto::v1;
    let attended = |billable_seconds, client_no_show| {
        let state = v1::AppointmentState {
            tenant_id: "demo".into(),
            appointment_id: "a-1".into(),
            attendance: Some(v1::AttendanceInfo {
                billable_seconds,
                client_no_show,
                participants: 2,
                ..Default::default()
            }),
            ..Default::default()
        };
        let text =
            crate::summary::status_text(&serde_json::to_value(state).unwrap(), chrono_tz::UTC);
        text.lines()
            .find(|l| l.starts_with("attendance:"))
            .unwrap_or_else(|| panic!("no attendance line in {text}"))
            .to_owned()
    };
    assert_eq!(
        attended(1800, false),
        "attendance: 30 min billable, 2 participants"
    );
    assert_eq!(
        attended(0, true),
        "attendance: 0 min billable, 2 participants, client no-show"
    );
}

/// A local activity that failed for good reads as the failed activity it stands for, and a
/// later successful run of it marks the failure fixed.
#[test]
fn a_failed_local_activity_reads_as_a_failed_step() {
    let marker = |id, failure: Option<Failure>, result: Option<Value>| {
        let mut details = HashMap::from([(
            "data".to_string(),
            payloads(json!({"seq": 1, "attempt": 7, "activity_type": "record_meeting"})).unwrap(),
        )]);
        details.insert(
            "input".into(),
            payloads(json!({"status": "scheduled", "sequence": 0})).unwrap(),
        );
        if let Some(r) = result {
            details.insert("result".into(), payloads(r).unwrap());
        }
        ev(
            id,
            Attributes::MarkerRecordedEventAttributes(h::MarkerRecordedEventAttributes {
                marker_name: "core_local_activity".into(),
                details,
                failure,
                ..Default::default()
            }),
        )
    };
    let events = [
        marker(
            1,
            Some(app_failure("store_unavailable", "pool timed out")),
            None,
        ),
        marker(2, None, Some(Value::Null)),
    ];
    assert_eq!(
        texts(&events),
        [
            "store write FAILED: store_unavailable: pool timed out — after 7 attempt(s), in the workflow task; fixed by a later run (event 2)",
            "store written (scheduled, SEQUENCE 0) — attempt 7, in the workflow task",
        ]
    );
}
