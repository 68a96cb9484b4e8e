//! History events → steps. Workflow-task bookkeeping is dropped; an activity becomes one step
//! when it ends (its scheduled input, its result, how many attempts and how long it took);
//! an update becomes one step when it completes (what was asked, accepted or rejected).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Value, json};
use temporalio_common::protos::temporal::api::{
    failure::v1::{Failure, failure::FailureInfo},
    history::v1::{self as h, HistoryEvent, history_event::Attributes},
    update::v1::outcome,
};

use super::{Decoder, ENCRYPTED};

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The history event the step was read from (the activity's or update's last one).
    pub event_id: i64,
    pub time: DateTime<Utc>,
    /// `approved`, `activity`, `activity_failed`, `update`, `signal`, `timer`, `patch`, `phase`,
    /// `child`, `completed`, `failed`, `pending`, `workflow_task_failed`.
    pub kind: &'static str,
    pub text: String,
    /// The facts behind `text` (ids, attempts, sequence …) for `--json` readers.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

struct Scheduled {
    event_id: i64,
    name: String,
    input: Value,
    time: DateTime<Utc>,
    attempt: i32,
    earlier_failure: Option<String>,
    done: bool,
}

struct Timer {
    purpose: &'static str,
}

/// Maps a workflow's events to steps; times in `text` are shown in `tz`.
pub fn steps(events: &[HistoryEvent], decoder: &Decoder, tz: Tz) -> Vec<Step> {
    let mut out = Vec::new();
    let mut activities: HashMap<i64, Scheduled> = HashMap::new();
    let mut updates: HashMap<i64, (String, Value, DateTime<Utc>)> = HashMap::new();
    let mut timers: HashMap<String, Timer> = HashMap::new();
    let mut capture = false;
    // The last activity that ended, to tell a retry timer from the meeting's end timer.
    let mut last_ended: Option<(String, bool)> = None;
    for e in events {
        let time = event_time(e);
        let mut push = |kind, text: String, detail: Value| {
            out.push(Step {
                event_id: e.event_id,
                time,
                kind,
                text,
                detail,
            })
        };
        let Some(attrs) = &e.attributes else { continue };
        match attrs {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => {
                let input = decoder.first(a.input.as_ref());
                let ty = a.workflow_type.as_ref().map(|t| t.name.as_str());
                if ty == Some(meetflow_proto::names::CAPTURE_WORKFLOW) {
                    capture = true;
                    push(
                        "approved",
                        format!(
                            "capture started for online meeting {} (meeting ended {})",
                            s(&input, "online_meeting_id"),
                            input["ended_at"]
                                .as_str()
                                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                                .map_or("?".into(), |t| local(t.to_utc(), tz))
                        ),
                        input,
                    );
                } else if input.as_str() == Some(ENCRYPTED) {
                    push("approved", format!("approved {ENCRYPTED}"), input);
                } else {
                    let text = format!(
                        "approved \"{}\", {} (generateTeamsMeeting {})",
                        s(&input, "title"),
                        span(&input["start"], &input["end"], tz),
                        input["generateTeamsMeeting"].as_bool().unwrap_or(false)
                    );
                    push("approved", text, input);
                }
            }
            Attributes::UpsertWorkflowSearchAttributesEventAttributes(a) => {
                let phase = a
                    .search_attributes
                    .as_ref()
                    .and_then(|sa| {
                        sa.indexed_fields
                            .get(meetflow_proto::names::SA_APPOINTMENT_PHASE)
                    })
                    .map(|p| decoder.decode(p));
                if let Some(phase) = phase {
                    let phase = phase.as_str().unwrap_or("?").to_string();
                    push(
                        "phase",
                        format!("phase → {phase}"),
                        json!({ "phase": phase }),
                    );
                }
            }
            Attributes::MarkerRecordedEventAttributes(a) if a.marker_name == LOCAL_ACTIVITY => {
                let (kind, text, detail) = local_activity(a, decoder, tz);
                last_ended = Some((
                    detail["activity"].as_str().unwrap_or("").into(),
                    kind == "activity",
                ));
                push(kind, text, detail);
            }
            Attributes::MarkerRecordedEventAttributes(a) => {
                let id = a
                    .details
                    .get("patch-data")
                    .map(|p| decoder.first(Some(p)))
                    .map(|d| s(&d, "id"))
                    .unwrap_or_else(|| a.marker_name.clone());
                push(
                    "patch",
                    format!("patch marker {id}"),
                    json!({ "patch": id }),
                );
            }
            Attributes::ActivityTaskScheduledEventAttributes(a) => {
                activities.insert(
                    e.event_id,
                    Scheduled {
                        event_id: e.event_id,
                        name: a
                            .activity_type
                            .as_ref()
                            .map(|t| t.name.clone())
                            .unwrap_or_default(),
                        input: decoder.first(a.input.as_ref()),
                        time,
                        attempt: 1,
                        earlier_failure: None,
                        done: false,
                    },
                );
            }
            Attributes::ActivityTaskStartedEventAttributes(a) => {
                if let Some(act) = activities.get_mut(&a.scheduled_event_id) {
                    act.attempt = a.attempt.max(1);
                    act.earlier_failure = a.last_failure.as_ref().map(|f| code(f, decoder));
                }
            }
            Attributes::ActivityTaskCompletedEventAttributes(a) => {
                if let Some(act) = activities.get_mut(&a.scheduled_event_id) {
                    act.done = true;
                    let result = decoder.first(a.result.as_ref());
                    let (text, mut detail) = completed(&act.name, &act.input, &result, tz);
                    let ms = (time - act.time).num_milliseconds();
                    let mut text = format!("{text} — attempt {}, {ms} ms", act.attempt);
                    if let Some(f) = &act.earlier_failure {
                        text.push_str(&format!(" (earlier attempt failed: {f}; fixed by retry)"));
                    }
                    detail["activity"] = json!(act.name);
                    detail["attempts"] = json!(act.attempt);
                    detail["latency_ms"] = json!(ms);
                    last_ended = Some((act.name.clone(), true));
                    push("activity", text, detail);
                }
            }
            Attributes::ActivityTaskFailedEventAttributes(a) => {
                if let Some(act) = activities.get_mut(&a.scheduled_event_id) {
                    act.done = true;
                    let why = code_of(a.failure.as_ref(), decoder);
                    last_ended = Some((act.name.clone(), false));
                    push(
                        "activity_failed",
                        format!(
                            "{} FAILED: {why} — after {} attempt(s)",
                            activity_label(&act.name),
                            act.attempt
                        ),
                        json!({"activity": act.name, "failure": why, "attempts": act.attempt, "scheduled_event_id": act.event_id}),
                    );
                }
            }
            Attributes::ActivityTaskTimedOutEventAttributes(a) => {
                if let Some(act) = activities.get_mut(&a.scheduled_event_id) {
                    act.done = true;
                    last_ended = Some((act.name.clone(), false));
                    push(
                        "activity_failed",
                        format!("{} FAILED: timed out", activity_label(&act.name)),
                        json!({"activity": act.name, "failure": "timeout", "attempts": act.attempt, "scheduled_event_id": act.event_id}),
                    );
                }
            }
            Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(a) => {
                let input = a.accepted_request.as_ref().and_then(|r| r.input.as_ref());
                let name = input.map(|i| i.name.clone()).unwrap_or_default();
                let args = decoder.first(input.and_then(|i| i.args.as_ref()));
                updates.insert(e.event_id, (name, args, time));
            }
            Attributes::WorkflowExecutionUpdateCompletedEventAttributes(a) => {
                let Some((name, args, _)) = updates.remove(&a.accepted_event_id) else {
                    continue;
                };
                // `: to … , reason "…"`, or nothing for a cancel without a reason.
                let asked = match change(&name, &args, tz) {
                    a if a.is_empty() => a,
                    a => format!(": {a}"),
                };
                match a.outcome.as_ref().and_then(|o| o.value.as_ref()) {
                    Some(outcome::Value::Success(p)) => {
                        let result = decoder.first(Some(p));
                        let seq = result["sequence"].as_i64().unwrap_or(0);
                        push(
                            "update",
                            format!("{name} accepted{asked} → SEQUENCE {seq}"),
                            json!({"update": name, "accepted": true, "input": args, "sequence": seq}),
                        );
                    }
                    Some(outcome::Value::Failure(f)) => {
                        let why = message(f, decoder);
                        push(
                            "update",
                            format!("{name} rejected{asked}: {why}"),
                            json!({"update": name, "accepted": false, "input": args, "reason": why}),
                        );
                    }
                    None => {}
                }
            }
            Attributes::WorkflowExecutionUpdateRejectedEventAttributes(a) => {
                let input = a.rejected_request.as_ref().and_then(|r| r.input.as_ref());
                let name = input.map(|i| i.name.clone()).unwrap_or_default();
                let why = message_of(a.failure.as_ref(), decoder);
                push(
                    "update",
                    format!("{name} rejected: {why}"),
                    json!({"update": name, "accepted": false, "reason": why}),
                );
            }
            Attributes::WorkflowExecutionSignaledEventAttributes(a) => {
                let input = decoder.first(a.input.as_ref());
                let text = match a.signal_name.as_str() {
                    meetflow_proto::names::SIGNAL_CANCEL => {
                        format!("signal cancel received{}", reason(&input))
                    }
                    other => format!("signal {other} received"),
                };
                push(
                    "signal",
                    text,
                    json!({"signal": a.signal_name, "input": input}),
                );
            }
            Attributes::TimerStartedEventAttributes(a) => {
                let purpose = match (&last_ended, capture) {
                    (_, true) => "next poll",
                    (Some((n, false)), _) if n == "delete_meeting" => "delete retry",
                    (Some((n, false)), _) if n == "record_meeting" => "store retry",
                    _ => "meeting end",
                };
                let after = a
                    .start_to_fire_timeout
                    .map(|d| {
                        chrono::Duration::seconds(d.seconds)
                            + chrono::Duration::nanoseconds(d.nanos.into())
                    })
                    .unwrap_or_default();
                let fires = time + after;
                timers.insert(a.timer_id.clone(), Timer { purpose });
                push(
                    "timer",
                    format!("timer \"{purpose}\" set for {}", local(fires, tz)),
                    json!({"timer": purpose, "fires_at": fires}),
                );
            }
            Attributes::TimerFiredEventAttributes(h::TimerFiredEventAttributes {
                timer_id,
                ..
            })
            | Attributes::TimerCanceledEventAttributes(h::TimerCanceledEventAttributes {
                timer_id,
                ..
            }) => {
                let purpose = timers.get(timer_id).map_or("?", |t| t.purpose);
                let fired = matches!(attrs, Attributes::TimerFiredEventAttributes(_));
                let what = if fired { "fired" } else { "cancelled" };
                push(
                    "timer",
                    format!("timer \"{purpose}\" {what}"),
                    json!({"timer": purpose, "fired": fired}),
                );
            }
            Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(a) => {
                let ty = a.workflow_type.as_ref().map_or("", |t| t.name.as_str());
                push(
                    "child",
                    format!("child {ty} started ({})", a.workflow_id),
                    json!({"child": ty, "workflow_id": a.workflow_id}),
                );
            }
            Attributes::StartChildWorkflowExecutionFailedEventAttributes(a) => {
                push(
                    "child",
                    format!("child {} could not start", a.workflow_id),
                    json!({"workflow_id": a.workflow_id, "started": false}),
                );
            }
            Attributes::ChildWorkflowExecutionCompletedEventAttributes(a) => {
                let result = decoder.first(a.result.as_ref());
                let ty = a.workflow_type.as_ref().map_or("", |t| t.name.as_str());
                let status = result["status"]
                    .as_str()
                    .or(result["captureStatus"].as_str())
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                push(
                    "child",
                    format!("child {ty} completed{status}"),
                    json!({"child": ty, "result": result}),
                );
            }
            Attributes::ChildWorkflowExecutionFailedEventAttributes(_)
            | Attributes::WorkflowTaskFailedEventAttributes(_)
            | Attributes::WorkflowExecutionFailedEventAttributes(_) => {
                let (kind, what, why) = failed(attrs, decoder);
                push(kind, format!("{what}: {why}"), json!({ "failure": why }));
            }
            Attributes::WorkflowExecutionCompletedEventAttributes(a) => {
                let result = decoder.first(a.result.as_ref());
                let phase = result["finalState"]["phase"]
                    .as_str()
                    .map(|p| p.trim_start_matches("APPOINTMENT_PHASE_").to_lowercase());
                // The lifecycle returns its final state, the capture child its status.
                let text = match (phase.as_deref(), result["status"].as_str()) {
                    (Some(p), _) | (None, Some(p)) => format!("workflow completed: {p}"),
                    _ => "workflow completed".to_string(),
                };
                push("completed", text, json!({ "phase": phase }));
            }
            Attributes::WorkflowExecutionTerminatedEventAttributes(a) => {
                push(
                    "failed",
                    format!("workflow terminated: {}", a.reason),
                    json!({ "terminated": a.reason }),
                );
            }
            Attributes::WorkflowExecutionTimedOutEventAttributes(_) => {
                push("failed", "workflow timed out".into(), Value::Null);
            }
            Attributes::WorkflowExecutionCanceledEventAttributes(_) => {
                push(
                    "failed",
                    "workflow cancelled (by Temporal)".into(),
                    Value::Null,
                );
            }
            _ => {}
        }
    }
    mark_fixed(&mut out);
    // Activities still running (a retry in progress shows here, with its last failure).
    let mut open: Vec<&Scheduled> = activities.values().filter(|a| !a.done).collect();
    open.sort_by_key(|a| a.event_id);
    for a in open {
        out.push(Step {
            event_id: a.event_id,
            time: a.time,
            kind: "pending",
            text: format!("{} running", activity_label(&a.name)),
            detail: json!({"activity": a.name}),
        });
    }
    out
}

/// The SDK's marker for a local activity: what ran in a workflow task instead of as an
/// activity task of its own (the lifecycle's tenant read and store calls).
const LOCAL_ACTIVITY: &str = "core_local_activity";

/// A local activity's marker as the step its activity would be: what it did, or why it failed.
/// The marker holds the activity's type and attempt (`data`), its result, and — for store
/// writes, which ask for it — its input.
fn local_activity(
    a: &h::MarkerRecordedEventAttributes,
    decoder: &Decoder,
    tz: Tz,
) -> (&'static str, String, Value) {
    let first = |key: &str| decoder.first(a.details.get(key));
    let data = first("data");
    let name = s(&data, "activity_type");
    let attempt = data["attempt"].as_i64().unwrap_or(1).max(1);
    if let Some(f) = &a.failure {
        let why = code(f, decoder);
        return (
            "activity_failed",
            format!(
                "{} FAILED: {why} — after {attempt} attempt(s), in the workflow task",
                activity_label(&name)
            ),
            json!({"activity": name, "failure": why, "attempts": attempt, "local": true}),
        );
    }
    let (text, mut detail) = completed(&name, &first("input"), &first("result"), tz);
    detail["activity"] = json!(name);
    detail["attempts"] = json!(attempt);
    detail["local"] = json!(true);
    (
        "activity",
        format!("{text} — attempt {attempt}, in the workflow task"),
        detail,
    )
}

/// The kind, wording and `code: message` of a child's, a workflow task's or the workflow's failure.
fn failed(attrs: &Attributes, decoder: &Decoder) -> (&'static str, &'static str, String) {
    match attrs {
        Attributes::ChildWorkflowExecutionFailedEventAttributes(a) => (
            "child",
            "child FAILED",
            code_of(a.failure.as_ref(), decoder),
        ),
        // A workflow task failure is the worker's (non-determinism, a panic): its message is
        // what ops needs, there is no application code.
        Attributes::WorkflowTaskFailedEventAttributes(a) => (
            "workflow_task_failed",
            "workflow task failed",
            message_of(a.failure.as_ref(), decoder),
        ),
        Attributes::WorkflowExecutionFailedEventAttributes(a) => (
            "failed",
            "workflow FAILED",
            code_of(a.failure.as_ref(), decoder),
        ),
        _ => ("failed", "failed", String::new()),
    }
}

/// An activity failure the workflow recovered from (it ran the activity again and that run
/// completed) is marked so, the others as not fixed: ops cares which failures still stand.
fn mark_fixed(steps: &mut [Step]) {
    for i in 0..steps.len() {
        if steps[i].kind != "activity_failed" {
            continue;
        }
        let name = steps[i].detail["activity"].clone();
        let later = steps[i + 1..]
            .iter()
            .find(|s| s.kind == "activity" && s.detail["activity"] == name)
            .map(|s| s.event_id);
        let note = match later {
            Some(id) => format!("; fixed by a later run (event {id})"),
            None => "; not fixed".into(),
        };
        steps[i].text.push_str(&note);
        steps[i].detail["fixed"] = json!(later.is_some());
    }
}

/// What a completed activity meant, and its facts.
fn completed(name: &str, input: &Value, result: &Value, tz: Tz) -> (String, Value) {
    let sealed = |v: &Value| v.as_str() == Some(ENCRYPTED);
    if sealed(input) || sealed(result) {
        return (
            format!("{} completed {ENCRYPTED}", activity_label(name)),
            json!({}),
        );
    }
    match name {
        "resolve_tenant" => ("tenant settings read".into(), json!({})),
        "stored_sequence" => (
            match result.as_i64() {
                Some(n) => format!("stored SEQUENCE read: {n}"),
                None => "stored SEQUENCE read: none".into(),
            },
            json!({}),
        ),
        "create_meeting" => (
            format!("Graph event created: {}", s(result, "event_id")),
            json!({"event_id": result["event_id"], "ical_uid": result["ical_uid"], "join_url": result["join_url"]}),
        ),
        "find_meeting" => (
            format!("Graph event looked up: {}", s(result, "event_id")),
            json!({"event_id": result["event_id"]}),
        ),
        "resolve_online_meeting" => (
            format!(
                "online meeting resolved: {}",
                result.as_str().unwrap_or("?")
            ),
            json!({"online_meeting_id": result}),
        ),
        "record_meeting" => (
            format!(
                "store written ({}, SEQUENCE {})",
                s(input, "status"),
                s(input, "sequence")
            ),
            json!({"status": input["status"], "sequence": input["sequence"]}),
        ),
        "update_meeting" => (
            format!(
                "Graph event moved to {}",
                span(&input["schedule"]["start"], &input["schedule"]["end"], tz)
            ),
            json!({"event_id": input["event_id"], "schedule": input["schedule"]}),
        ),
        "delete_meeting" => (
            if result.as_bool() == Some(false) {
                "Graph event already gone".into()
            } else {
                "Graph event deleted".into()
            },
            json!({"event_id": input["event_id"]}),
        ),
        "send_invitation" => {
            let again = if result["already_sent"].as_bool() == Some(true) {
                ", already sent before"
            } else {
                ""
            };
            (
                format!(
                    "invitation to {} (step {}, SEQUENCE {}, Message-ID {}{again})",
                    s(&input["recipient"], "email"),
                    s(input, "step"),
                    s(input, "sequence"),
                    s(result, "message_id"),
                ),
                json!({"recipient": input["recipient"]["email"], "step": input["step"], "sequence": input["sequence"], "message_id": result["message_id"]}),
            )
        }
        "list_artifacts" => {
            let found: Vec<&str> = result["artifacts"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["kind"].as_str()).collect())
                .unwrap_or_default();
            let text = if found.is_empty() {
                "Graph polled: no recordings or transcripts yet".to_string()
            } else {
                format!("Graph polled: {}", found.join(", "))
            };
            (text, json!({ "found": found }))
        }
        "capture_transcript" | "capture_recording" => (
            format!(
                "{} {} captured{}",
                s(result, "kind"),
                s(result, "id"),
                result["location"]
                    .as_str()
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default()
            ),
            json!({"kind": result["kind"], "id": result["id"], "location": result["location"]}),
        ),
        "fetch_attendance" => {
            let text = if result.is_null() {
                "attendance: no report yet".to_string()
            } else {
                format!(
                    "attendance: {} participants, {} s billable{}",
                    s(result, "participants"),
                    s(result, "billable_seconds"),
                    if result["client_no_show"].as_bool() == Some(true) {
                        ", client no-show"
                    } else {
                        ""
                    }
                )
            };
            (text, json!({ "attendance": result }))
        }
        other => (format!("{other} done"), json!({ "result": result })),
    }
}

fn activity_label(name: &str) -> &str {
    match name {
        "resolve_tenant" => "tenant settings read",
        "stored_sequence" => "stored SEQUENCE read",
        "create_meeting" => "Graph event create",
        "update_meeting" => "Graph event move",
        "delete_meeting" => "Graph event delete",
        "resolve_online_meeting" => "online meeting lookup",
        "record_meeting" => "store write",
        "send_invitation" => "invitation",
        other => other,
    }
}

/// `reschedule` / `cancelAppointment` input in words.
fn change(name: &str, args: &Value, tz: Tz) -> String {
    if name == meetflow_proto::names::UPDATE_RESCHEDULE {
        format!(
            "to {}{}",
            span(&args["start"], &args["end"], tz),
            reason(args)
        )
    } else {
        reason(args).trim_start_matches(", ").to_string()
    }
}

fn reason(args: &Value) -> String {
    match args["reason"].as_str() {
        Some(r) if !r.is_empty() => format!(", reason \"{r}\""),
        _ => String::new(),
    }
}

/// `code: message` of a failure: the application failure's type is meetflow's error code.
fn code(f: &Failure, decoder: &Decoder) -> String {
    let inner = root(f);
    let ty = match &inner.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(a)) if !a.r#type.is_empty() => a.r#type.clone(),
        Some(FailureInfo::TimeoutFailureInfo(_)) => "timeout".into(),
        _ => String::new(),
    };
    let msg = message(inner, decoder);
    if ty.is_empty() {
        msg
    } else {
        format!("{ty}: {msg}")
    }
}

fn code_of(f: Option<&Failure>, decoder: &Decoder) -> String {
    f.map(|f| code(f, decoder)).unwrap_or_default()
}

fn message_of(f: Option<&Failure>, decoder: &Decoder) -> String {
    f.map(|f| message(f, decoder)).unwrap_or_default()
}

/// The activity's own failure sits under Temporal's "activity task failed" wrapper.
fn root(f: &Failure) -> &Failure {
    match (&f.failure_info, &f.cause) {
        (Some(FailureInfo::ActivityFailureInfo(_)), Some(c))
        | (Some(FailureInfo::ChildWorkflowExecutionFailureInfo(_)), Some(c)) => root(c),
        _ => f,
    }
}

/// The message, opened from `encoded_attributes` when the failure converter moved it there.
fn message(f: &Failure, decoder: &Decoder) -> String {
    if let Some(enc) = &f.encoded_attributes {
        let v = decoder.decode(enc);
        if let Some(m) = v["message"].as_str() {
            return m.to_string();
        }
        if let Some(m) = v.as_str() {
            return m.to_string();
        }
    }
    f.message.clone()
}

/// A field as text; `?` when absent, `(encrypted)` when the whole payload is sealed.
fn s(v: &Value, key: &str) -> String {
    if v.as_str() == Some(ENCRYPTED) {
        return ENCRYPTED.into();
    }
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "?".into(),
        other => other.to_string(),
    }
}

fn event_time(e: &HistoryEvent) -> DateTime<Utc> {
    e.event_time
        .and_then(|t| DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .unwrap_or_default()
}

/// `2026-12-01 05:51:49 CET`.
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// `2026-12-01 05:51–06:36 CET` (the end's date only when it differs).
fn span(start: &Value, end: &Value, tz: Tz) -> String {
    let parse = |v: &Value| {
        v.as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&tz))
    };
    match (parse(start), parse(end)) {
        (Some(a), Some(b)) if a.date_naive() == b.date_naive() => {
            format!("{}–{}", a.format("%Y-%m-%d %H:%M"), b.format("%H:%M %Z"))
        }
        (Some(a), Some(b)) => format!(
            "{}–{}",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M %Z")
        ),
        // A sealed payload without its key: say so rather than print nulls.
        _ => ENCRYPTED.to_string(),
    }
}
