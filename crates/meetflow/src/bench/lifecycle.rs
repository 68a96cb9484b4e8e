//! One appointment's life as the PSA drives it, in one of two shapes ([`Path`]).
//!
//! Progress is watched through the outbox (each mail's file appears under its name only whole)
//! and the workflow's result (a long poll), not by polling the `state` query: queries are work
//! for the worker and the server (and a billable Action each on Temporal Cloud), so polling them
//! would load what the bench measures. The full path sends one query per lifecycle, for the
//! meeting's event id; [`Driver::queries`] counts them.

use std::{
    path::{Path as FsPath, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant, SystemTime},
};

use anyhow::{Context, bail};
use meetflow_graph_emulator::{
    ControlClient,
    control_api::{
        AttendanceRole, NewArtifact, NewAttendanceReport, SeededAttendance, SeededInterval,
    },
};
use meetflow_proto::{
    names,
    status::Phase,
    v1::{AppointmentPhase, AppointmentResult, meeting_outcome::Outcome},
};
use serde_json::{Value, json};
use temporalio_client::{
    Client, UntypedUpdate, WorkflowDescribeOptions, WorkflowExecuteUpdateOptions,
    WorkflowGetResultOptions,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::{approve, dev, inspect};

/// The lifecycle shape a bench runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Path {
    /// Approve (Teams meeting + 2 invitations) → cancel (meeting deleted + 2 CANCEL mails).
    Cancel,
    /// Approve → one reschedule (update, 2 mails) → `meetingEnded` signal → the capture child
    /// fetches the emulator's transcript, recording and attendance report and completes.
    Full,
}

impl Path {
    pub fn name(self) -> &'static str {
        match self {
            Path::Cancel => "cancel",
            Path::Full => "full",
        }
    }

    /// The human description of one lifecycle.
    pub fn steps(self) -> &'static str {
        match self {
            Path::Cancel => "approve → meeting → 2 mails → cancel → delete → 2 mails",
            Path::Full => {
                "approve → meeting → 2 mails → reschedule → 2 mails → meeting ended → capture"
            }
        }
    }
}

/// The capture schedule of the full path: artifacts are in before the first poll, so capture
/// ends at its first poll (grace + first poll ≈ 2 s after the end), as a real one does when Teams
/// is quick; the window only bounds a capture that would otherwise never finish.
pub const CAPTURE_OVERRIDES: [(&str, u32); 4] = [
    ("GRACE_AFTER_END_SECS", 1),
    ("FIRST_POLL_SECS", 1),
    ("BACKOFF_CAP_SECS", 2),
    ("WINDOW_SECS", 60),
];

/// `MEETFLOW_*` overrides for the demo tenant's capture schedule.
pub fn capture_overrides() -> Vec<(String, String)> {
    CAPTURE_OVERRIDES
        .iter()
        .map(|(k, v)| {
            (
                format!(
                    "MEETFLOW_TENANTS__{}__CAPTURE__{k}",
                    dev::DEMO_TENANT.to_uppercase()
                ),
                v.to_string(),
            )
        })
        .collect()
}

const CLIENT: &str = "client@customer.example";
const TECHNICIAN: &str = "tech@msp.example";
/// No step of a lifecycle may take longer (a hung bench reports instead of waiting forever).
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

pub fn appointment(tenant: &str, id: &str, with_meeting: bool, mails: bool) -> Value {
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    json!({
        "tenantId": tenant, "appointmentId": id, "title": "Bench",
        "start": rfc3339(start),
        "end": rfc3339(start + chrono::Duration::minutes(30)),
        "participants": [
            {"role": "PARTICIPANT_ROLE_CLIENT_CONTACT", "email": CLIENT, "displayName": "Client"},
            {"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": TECHNICIAN, "displayName": "Tech"}],
        "generateTeamsMeeting": with_meeting, "sendInvites": mails
    })
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub struct Driver {
    pub client: Client,
    pub task_queue: String,
    pub outbox: PathBuf,
    pub domain: String,
    pub emulator: ControlClient,
    pub path: Path,
    queries: AtomicU64,
}

/// One finished lifecycle.
pub struct Lived {
    /// The appointment's workflow (its children are found from its history).
    pub workflow_id: String,
    /// Approve call → both invitations in the outbox.
    pub approve_to_mails: Duration,
}

impl Driver {
    pub fn new(
        client: Client,
        task_queue: String,
        outbox: PathBuf,
        domain: String,
        emulator: ControlClient,
        path: Path,
    ) -> Self {
        Self {
            client,
            task_queue,
            outbox,
            domain,
            emulator,
            path,
            queries: AtomicU64::new(0),
        }
    }

    /// Queries the bench itself sent so far.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Runs appointment `appointment_id` of the demo tenant from approval to its workflow's end.
    pub async fn live(&self, appointment_id: &str) -> anyhow::Result<Lived> {
        let tenant = dev::DEMO_TENANT;
        let workflow_id = format!("appointment/{tenant}/{appointment_id}");
        let started = SystemTime::now();
        approve::approve(
            &self.client,
            &self.task_queue,
            &appointment(tenant, appointment_id, true, true),
        )
        .await?;
        let landed = self.mails(appointment_id, "approved-0").await?;
        let approve_to_mails = landed.duration_since(started).unwrap_or_default();
        // As a PSA's later change would, the next step finds the appointment scheduled (its end
        // timer running), so every lifecycle has the same shape.
        self.scheduled(&workflow_id).await?;
        let handle = self
            .client
            .get_workflow_handle::<UntypedWorkflow>(&workflow_id);
        match self.path {
            Path::Cancel => {
                self.update(
                    &workflow_id,
                    names::UPDATE_CANCEL,
                    json!({"reason": "bench"}),
                )
                .await?;
                self.mails(appointment_id, "cancelled-1").await?;
            }
            Path::Full => {
                self.seed_artifacts(&workflow_id).await?;
                let start =
                    chrono::Utc::now() + chrono::Duration::days(1) + chrono::Duration::hours(1);
                let moved = json!({"start": rfc3339(start),
                    "end": rfc3339(start + chrono::Duration::minutes(30)), "reason": "bench"});
                self.update(&workflow_id, names::UPDATE_RESCHEDULE, moved)
                    .await?;
                self.mails(appointment_id, "rescheduled-1").await?;
                meetflow_activities::signal::signal(
                    &self.client,
                    &workflow_id,
                    names::SIGNAL_MEETING_ENDED,
                    Some(&json!({})),
                )
                .await?;
            }
        }
        let result = tokio::time::timeout(
            STEP_TIMEOUT,
            handle.get_result(WorkflowGetResultOptions::default()),
        )
        .await
        .with_context(|| format!("{workflow_id} did not complete"))?
        .with_context(|| format!("{workflow_id} failed"))?;
        // A lifecycle that ended otherwise (e.g. capture gave up at its window) is another shape:
        // its counts would not be the ones reported.
        let result: AppointmentResult =
            serde_json::from_slice(&result.payloads.first().context("no workflow result")?.data)?;
        let last = result.final_state.unwrap_or_default();
        let (phase, capture) = (last.phase(), last.capture_status.as_str());
        let expected = match self.path {
            Path::Cancel => phase == AppointmentPhase::Cancelled,
            Path::Full => phase == AppointmentPhase::Done && capture == "complete",
        };
        anyhow::ensure!(
            expected,
            "{workflow_id} ended {phase:?} with capture {capture:?}"
        );
        Ok(Lived {
            workflow_id,
            approve_to_mails,
        })
    }

    /// Waits until the workflow's `AppointmentPhase` search attribute reads `scheduled`. Read
    /// with DescribeWorkflowExecution: the server answers it alone (no worker task, no Action).
    async fn scheduled(&self, workflow_id: &str) -> anyhow::Result<()> {
        let handle = self
            .client
            .get_workflow_handle::<UntypedWorkflow>(workflow_id);
        let wanted = serde_json::to_vec(&Phase::Scheduled.to_string())?;
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let described = handle.describe(WorkflowDescribeOptions::default()).await?;
            let phase = described
                .raw()
                .workflow_execution_info
                .as_ref()
                .and_then(|i| i.search_attributes.as_ref())
                .and_then(|s| s.indexed_fields.get(names::SA_APPOINTMENT_PHASE));
            if phase.is_some_and(|p| p.data == wanted) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{workflow_id} never became scheduled");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn update(&self, workflow_id: &str, name: &str, input: Value) -> anyhow::Result<()> {
        let handle = self
            .client
            .get_workflow_handle::<UntypedWorkflow>(workflow_id);
        let input = RawValue::from_value(&input, &PayloadConverter::default());
        handle
            .execute_update(
                UntypedUpdate::new(name),
                input,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .with_context(|| format!("update {name} of {workflow_id}"))?;
        Ok(())
    }

    /// Waits until both participants' mails of `step` (e.g. `approved-0`) are in the outbox;
    /// returns when the later one was written.
    async fn mails(&self, appointment_id: &str, step: &str) -> anyhow::Result<SystemTime> {
        let keys = [CLIENT, TECHNICIAN]
            .map(|r| format!("{}/{appointment_id}/{step}/{r}", dev::DEMO_TENANT));
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let written: Option<Vec<SystemTime>> = keys
                .iter()
                .map(|k| mail_written(&self.outbox, &self.domain, k))
                .collect();
            if let Some(times) = written {
                return Ok(times.into_iter().max().unwrap_or(SystemTime::UNIX_EPOCH));
            }
            if Instant::now() > deadline {
                bail!("the {step} mails of {appointment_id} never reached the outbox");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Gives the appointment's Teams meeting a transcript, a recording (1 MiB) and an
    /// attendance report of both participants, all available at once.
    async fn seed_artifacts(&self, workflow_id: &str) -> anyhow::Result<()> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let state = inspect::state(&self.client, workflow_id).await?;
        let Some(Outcome::Created(meeting)) = state.meeting.and_then(|m| m.outcome) else {
            bail!("{workflow_id} has no Teams meeting after its invitations");
        };
        for artifact in [NewArtifact::transcript(), NewArtifact::recording()] {
            self.emulator
                .add_artifact(&meeting.event_id, &artifact)
                .await?;
        }
        let now = chrono::Utc::now();
        let attended = vec![SeededInterval {
            join: now - chrono::Duration::minutes(60),
            leave: now - chrono::Duration::minutes(30),
        }];
        let record = |email: &str, role| SeededAttendance {
            email: email.to_string(),
            display_name: email.to_string(),
            role,
            intervals: attended.clone(),
        };
        let report = NewAttendanceReport {
            available_after_secs: 0.0,
            records: vec![
                record(TECHNICIAN, AttendanceRole::Presenter),
                record(CLIENT, AttendanceRole::Attendee),
            ],
        };
        self.emulator
            .add_attendance_report(&meeting.event_id, &report)
            .await?;
        Ok(())
    }
}

/// When the mail with this delivery key landed in the outbox (its file's mtime).
fn mail_written(outbox: &FsPath, domain: &str, key: &str) -> Option<SystemTime> {
    let id = meetflow_mail::message_id_for(key, domain);
    let path = meetflow_mail::Outbox::new(outbox).path_for(&id);
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `.eml` files in the outbox.
pub fn mails_in(outbox: &FsPath) -> usize {
    std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0)
}
