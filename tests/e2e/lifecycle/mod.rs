//! The full lifecycle on real parts: Temporal dev server, Graph emulator, PostgreSQL store and an
//! SMTP server (aiosmtpd) receiving the mails. One file per stretch of the lifecycle; the helpers
//! they share are here.

mod capture;
mod changes;
mod graph_failures;
mod links;
mod resilience;

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
    Eml, PgSchema, SmtpSink, Stack, approval, history_text, in_phase, read_outbox, save_history,
    state_when,
};

pub(super) fn at(offset: chrono::Duration) -> String {
    (chrono::Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) const MINUTE: Duration = Duration::from_secs(60);

pub(super) fn hours(n: i64) -> chrono::Duration {
    chrono::Duration::hours(n)
}

pub(super) fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// The `reschedule` update to now + `start` … now + `end`.
pub(super) async fn reschedule(
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
pub(super) async fn approve_scheduled(stack: &Stack, id: &str, input: &Value) -> AppointmentState {
    approve::approve(&stack.client, "meetflow", input)
        .await
        .unwrap();
    state_when(stack, id, MINUTE, "scheduled", |s| {
        s.phase == AppointmentPhase::Scheduled as i32
    })
    .await
}

pub(super) async fn update(
    stack: &Stack,
    id: &str,
    name: &str,
    input: Value,
) -> Result<Value, String> {
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

pub(super) async fn history_len(stack: &Stack, id: &str) -> usize {
    let h = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    h.fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .unwrap()
        .len()
}

pub(super) fn ics_of(mail: &Eml) -> String {
    let (_, body) = mail.parts_of("text/calendar")[0];
    String::from_utf8(body.clone())
        .unwrap()
        .replace("\r\n ", "")
}

pub(super) fn ics_field<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {ics}"))
}

/// Second-scale capture settings for the demo tenant.
pub(super) fn fast_capture(window_secs: u32) -> Vec<(String, String)> {
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

/// An attendance report of the demo approval's technician and client contact: each a list of
/// (join, leave) in minutes after a start an hour ago; an empty list leaves them out. Listed at
/// once.
pub(crate) fn attendance_report(technician: &[(i64, i64)], client: &[(i64, i64)]) -> Value {
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let intervals = |spans: &[(i64, i64)]| -> Vec<Value> {
        spans
            .iter()
            .map(|&(a, b)| {
                json!({"join": start + chrono::Duration::minutes(a),
                       "leave": start + chrono::Duration::minutes(b)})
            })
            .collect()
    };
    let mut records = vec![
        json!({"email": "Tech@MSP.example", "displayName": "Tom Tech",
        "role": "Presenter", "intervals": intervals(technician)}),
    ];
    if !client.is_empty() {
        records.push(
            json!({"email": "ana.client@customer.example", "displayName": "Ana Müller",
            "role": "Attendee", "intervals": intervals(client)}),
        );
    }
    json!({"availableAfterSecs": 0, "records": records})
}

pub(super) fn short_meeting(appointment: &str, ends_in_secs: i64) -> Value {
    let mut a = approval("demo", appointment);
    a["start"] = json!(at(chrono::Duration::seconds(-60)));
    a["end"] = json!(at(chrono::Duration::seconds(ends_in_secs)));
    a
}
