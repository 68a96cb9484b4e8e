//! The stack a test runs against, and small helpers to observe it.

mod emulator;
mod history;
mod mail;
pub mod monitoring;
mod peers;
mod postgres;
mod prometheus;
mod proxy;
mod scrape;
mod smtp;
mod stack;
pub mod tls;
pub mod workers;

pub use emulator::EmulatorView;
pub use history::{histories_dir, save_history};
pub use mail::{Eml, read_outbox};
pub use peers::{artifacts_dir, meetflow_binary, peers_dir};
pub use postgres::{PgSchema, pg_url};
pub use prometheus::Prometheus;
pub use proxy::TcpProxy;
pub use scrape::Samples;
pub use smtp::SmtpSink;
pub use stack::Stack;

use std::{future::Future, time::Duration};

use meetflow_proto::v1::{AppointmentPhase, AppointmentState};
use temporalio_client::{WorkflowGetResultOptions, errors::WorkflowGetResultError};
use temporalio_common::{UntypedWorkflow, error::IncomingError};

/// Polls `check` until it returns `Some`, or fails after `within` with the last observation.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    eventually_noting(within, what, check, String::new).await
}

/// [`eventually`], whose failure also says `noted()` (e.g. the last state seen, which a later
/// failed call would otherwise hide).
async fn eventually_noting<T, F, Fut>(
    within: Duration,
    what: &str,
    mut check: F,
    noted: impl Fn() -> String,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + within;
    let mut last;
    loop {
        match check().await {
            Ok(Some(v)) => return v,
            Ok(None) => last = "not yet".into(),
            Err(e) => last = format!("{e:#}"),
        }
        if tokio::time::Instant::now() > deadline {
            panic!("{what}: not within {within:?} (last: {last}){}", noted());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The appointment's `state` query, polled until `done` holds. On failure it names the last
/// state the query returned as well as the last observation (a query that timed out, say).
pub async fn state_when(
    stack: &Stack,
    id: &str,
    within: Duration,
    what: &str,
    done: impl Fn(&AppointmentState) -> bool,
) -> AppointmentState {
    let seen = std::sync::Mutex::new(None::<AppointmentState>);
    eventually_noting(
        within,
        what,
        || async {
            let s = meetflow::inspect::state(&stack.client, id).await?;
            if done(&s) {
                return Ok(Some(s));
            }
            *seen.lock().expect("not poisoned") = Some(s);
            Ok(None)
        },
        || match &*seen.lock().expect("not poisoned") {
            Some(s) => format!("; last state seen: {s:?}"),
            None => "; no state seen".into(),
        },
    )
    .await
}

/// A valid approval for `appointment` of `tenant`, starting an hour from now.
pub fn approval(tenant: &str, appointment: &str) -> serde_json::Value {
    let start = chrono::Utc::now() + chrono::Duration::hours(1);
    let end = start + chrono::Duration::minutes(45);
    serde_json::json!({
        "tenantId": tenant,
        "appointmentId": appointment,
        "title": "Firewall review, \"urgent\"; bring logs",
        "description": "Line one\nLine <two> & three",
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "end": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "organizerTimeZone": "Europe/Berlin",
        "participants": [
            {"role": "PARTICIPANT_ROLE_CLIENT_CONTACT", "email": "ana.client@customer.example", "displayName": "Ana Müller, CFO",
             "timeZone": "America/New_York", "locale": "en-US"},
            {"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": "tech@msp.example", "displayName": "Tom Tech",
             "timeZone": "Europe/Berlin", "locale": "de-DE"}
        ],
        "generateTeamsMeeting": true
    })
}

/// The appointment's state once it has reached `phase`.
pub async fn in_phase(
    stack: &Stack,
    id: &str,
    phase: AppointmentPhase,
    within: Duration,
) -> AppointmentState {
    let what = format!("{id} reaches {}", phase.as_str_name());
    state_when(stack, id, within, &what, |s| s.phase == phase as i32).await
}

/// The workflow's failure: (type, message); for an activity's failure the workflow let
/// through, that activity's.
pub async fn failure_of(stack: &Stack, workflow_id: &str) -> (String, String) {
    let handle = stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the workflow ends promptly instead of retrying its task");
    let application = |e: &IncomingError| match e {
        IncomingError::Application(app) => Some((
            app.type_name().unwrap_or_default().to_string(),
            app.failure().map(|f| f.message.clone()).unwrap_or_default(),
        )),
        _ => None,
    };
    match result {
        Err(WorkflowGetResultError::Failed(e)) => match &*e {
            IncomingError::Activity(a) => a.cause().and_then(application),
            other => application(other),
        }
        .unwrap_or_else(|| panic!("unexpected failure kind: {e:?}")),
        other => panic!("expected the workflow to fail, got {:?}", other.map(|_| ())),
    }
}

/// `meetflow appointment history` as the CLI prints it with the stack's config (times in UTC).
pub async fn history_text(stack: &Stack, tenant: &str, appointment: &str) -> String {
    let config = stack.config();
    let opts = meetflow::inspect::history_options(config, Some("UTC"), false, false, None).unwrap();
    meetflow::inspect::history_report(&stack.client, tenant, appointment, &opts)
        .await
        .unwrap()
}

/// Files under `dir`, recursively; none when it does not exist.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}
