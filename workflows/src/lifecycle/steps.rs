//! The lifecycle's steps. Each reads what it needs from workflow state, runs activities, and
//! records the outcome in state; a permanent activity failure becomes a typed error in state
//! (`last_error`, or the meeting outcome), never a crashed workflow or an endless retry.

use std::time::Duration;

use futures::FutureExt as _;
use meetflow_proto::model::{Approval, RescheduleRequest, Schedule};
use meetflow_proto::status::{MailStep, Phase, SkipReason};
use temporalio_common::WorkflowDefinition;
use temporalio_common::data_converters::RawValue;
use temporalio_sdk::{
    ChildWorkflowExecutionError, ChildWorkflowOptions, SignalWorkflowOptions, StartedChildWorkflow,
    WorkflowContext, WorkflowResult,
    workflows::{join_all, select},
};

use super::state::{Change, ErrorInfo, MailSent, Meeting};
use super::{AppointmentLifecycle, invitations};
use crate::activity_api::{
    CreateMeeting, CreateMeetingInput, DeleteMeeting, DeleteMeetingInput, MeetingRecordInput,
    RecordMeeting, ResolveOnlineMeeting, ResolveOnlineMeetingInput, SendInvitation, TenantSettings,
    UpdateMeeting, UpdateMeetingInput,
};
use crate::capture::{CaptureInput, CaptureOutcome, RecordingCapture};
use crate::clock::now;
use crate::{failure, options, search};

type Ctx = WorkflowContext<AppointmentLifecycle>;

fn approval(ctx: &Ctx) -> Approval {
    ctx.state(|s| s.state.approval.clone())
        .expect("set before any step runs")
}

/// The appointment's current times.
fn schedule(ctx: &Ctx) -> Schedule {
    ctx.state(|s| s.state.schedule)
        .expect("set with the approval")
}

/// The tenant's per-attempt timeout for Graph and mail activities.
fn attempt(ctx: &Ctx) -> Duration {
    Duration::from_secs(ctx.state(|s| s.state.attempt_timeout_secs))
}

fn keep_error(ctx: &Ctx, e: &temporalio_sdk::ActivityExecutionError) {
    let info: ErrorInfo = failure::error_info(e).into();
    ctx.state_mut(|s| s.state.last_error = Some(info));
}

fn keep(ctx: &Ctx, code: &str, message: String) {
    let info = ErrorInfo {
        code: code.into(),
        message,
    };
    ctx.state_mut(|s| s.state.last_error = Some(info));
}

fn event_id(ctx: &Ctx) -> Option<String> {
    ctx.state(|s| match &s.state.meeting {
        Meeting::Created { event, .. } => Some(event.event_id.clone()),
        _ => None,
    })
}

/// Whether this appointment's mails are ours to send (settled with the tenant's settings).
pub fn sends_invites(ctx: &Ctx) -> bool {
    ctx.state(|s| s.state.send_invites)
}

pub fn set_phase(ctx: &Ctx, phase: Phase) {
    ctx.state_mut(|s| s.state.phase = phase);
    ctx.upsert_search_attributes([search::APPOINTMENT_PHASE.value_set(phase.to_string())]);
}

/// Our own UID, for appointments whose only calendar item is the ICS we mail.
fn own_uid(approval: &Approval) -> String {
    format!(
        "{}.{}@meetflow",
        approval.appointment_id, approval.tenant_id
    )
}

pub async fn schedule_meeting(ctx: &mut Ctx, approval: &Approval, settings: &TenantSettings) {
    let outcome = if !approval.generate_teams_meeting {
        Meeting::Skipped(SkipReason::NotRequested)
    } else if let Some(reason) = settings.meeting_unavailable {
        Meeting::Skipped(reason)
    } else {
        create_meeting(ctx, approval, settings).await
    };
    // With Exchange inviting the attendees, our ICS must carry the event's UID so calendars merge
    // the two into one item; otherwise our own stable UID.
    let ics_uid = match &outcome {
        Meeting::Created { event, .. } if settings.exchange_sends_invitations => {
            event.ical_uid.clone()
        }
        _ => own_uid(approval),
    };
    ctx.state_mut(|s| {
        if let Meeting::Failed(e) = &outcome {
            s.state.last_error = Some(e.clone());
        }
        s.state.meeting = outcome;
        s.state.ics_uid = ics_uid;
    });
}

async fn create_meeting(ctx: &mut Ctx, approval: &Approval, settings: &TenantSettings) -> Meeting {
    let attendees = if settings.exchange_sends_invitations {
        invitations::attendees(approval)
    } else {
        Vec::new()
    };
    let input = CreateMeetingInput {
        tenant_id: approval.tenant_id.clone(),
        appointment_id: approval.appointment_id.clone(),
        subject: approval.title.clone(),
        description: approval.description.clone(),
        schedule: approval.schedule,
        attendees,
    };
    let event = match ctx
        .execute_activity(CreateMeeting, input, options::graph(attempt(ctx)))
        .await
    {
        Ok(event) => event,
        Err(e) => return Meeting::Failed(failure::error_info(&e).into()),
    };
    let online_meeting_id = match &event.join_url {
        None => None,
        Some(join_url) => {
            let lookup = ResolveOnlineMeetingInput {
                tenant_id: approval.tenant_id.clone(),
                join_url: join_url.clone(),
            };
            match ctx
                .execute_activity(ResolveOnlineMeeting, lookup, options::graph(attempt(ctx)))
                .await
            {
                Ok(id) => Some(id),
                // The meeting exists and the invitations can go out; only capture needs the id,
                // so the error is kept for ops instead of failing the approval.
                Err(e) => {
                    keep_error(ctx, &e);
                    None
                }
            }
        }
    };
    Meeting::Created {
        event,
        online_meeting_id,
    }
}

/// Upserts the store's meeting row from state.
pub async fn record(ctx: &mut Ctx) -> WorkflowResult<()> {
    let approval = approval(ctx);
    let input = ctx.state(|s| {
        let st = &s.state;
        let (event_id, ical_uid, online_meeting_id) = match &st.meeting {
            Meeting::Created {
                event,
                online_meeting_id,
            } => (
                Some(event.event_id.clone()),
                Some(event.ical_uid.clone()),
                online_meeting_id.clone(),
            ),
            _ => (None, None, None),
        };
        let error_code = match &st.meeting {
            Meeting::Failed(e) => Some(e.code.clone()),
            _ => None,
        };
        MeetingRecordInput {
            tenant_id: approval.tenant_id.clone(),
            appointment_id: approval.appointment_id.clone(),
            subject: approval.title.clone(),
            schedule: st.schedule.expect("set with the approval"),
            event_id,
            ical_uid,
            online_meeting_id,
            join_url: st.join_url(),
            ics_uid: st.ics_uid.clone(),
            sequence: st.sequence,
            status: st.meeting_status(),
            error_code,
        }
    });
    ctx.execute_activity(RecordMeeting, input, options::local())
        .await?;
    Ok(())
}

/// Sends the step's mails side by side; a recipient whose mail fails for good is recorded as the
/// last error, and the others still get theirs.
pub async fn send_invitations(ctx: &mut Ctx, step: MailStep, cancel_reason: Option<String>) {
    let approval = approval(ctx);
    let stamped_at = now(ctx);
    let inputs =
        ctx.state(|s| invitations::for_step(&approval, &s.state, step, stamped_at, cancel_reason));
    let sends = inputs
        .iter()
        .map(|i| ctx.execute_activity(SendInvitation, i.clone(), options::mail(attempt(ctx))));
    let results = join_all(sends).await;
    ctx.state_mut(|s| {
        for (input, result) in inputs.iter().zip(results) {
            match result {
                Ok(receipt) => s.state.mails.push(MailSent {
                    step,
                    recipient: input.recipient.email.to_string(),
                    message_id: receipt.message_id,
                    sequence: input.sequence,
                }),
                Err(e) => s.state.last_error = Some(failure::error_info(&e).into()),
            }
        }
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    Ended,
    Cancelled,
}

/// Applies accepted changes in order until the meeting is over: the scheduled end plus the
/// tenant's grace period (a durable timer that moves with each reschedule), `meetingEnded`, or
/// a cancellation.
pub async fn until_over(ctx: &mut Ctx, settings: &TenantSettings) -> WorkflowResult<Over> {
    let grace = chrono::Duration::seconds(
        i64::try_from(settings.capture.grace_after_end_secs).unwrap_or(i64::MAX / 1000),
    );
    loop {
        while let Some(change) = ctx.state_mut(|s| s.state.pending.pop_front()) {
            match change {
                Change::Reschedule { request, sequence } => {
                    apply_reschedule(ctx, request, sequence).await?
                }
                Change::Cancel { reason, sequence } => {
                    apply_cancel(ctx, reason, sequence).await?;
                    return Ok(Over::Cancelled);
                }
            }
        }
        if ctx.state(|s| s.state.ended_at.is_some()) {
            return Ok(Over::Ended);
        }
        let deadline = ctx
            .state(|s| s.state.meeting_over_at(grace))
            .expect("set with the approval");
        let Ok(remaining) = (deadline - now(ctx)).to_std() else {
            return Ok(Over::Ended);
        };
        if remaining.is_zero() {
            return Ok(Over::Ended);
        }
        select! {
            _ = ctx.timer(remaining.max(Duration::from_millis(1))) => {}
            _ = ctx.wait_condition(|s: &AppointmentLifecycle| !s.state.pending.is_empty() || s.state.ended_at.is_some()) => {}
        }
    }
}

async fn apply_reschedule(
    ctx: &mut Ctx,
    request: RescheduleRequest,
    sequence: u32,
) -> WorkflowResult<()> {
    ctx.state_mut(|s| {
        s.state.schedule = Some(request.schedule);
        s.state.sequence = sequence;
    });
    let approval = approval(ctx);
    if let Some(event_id) = event_id(ctx) {
        let input = UpdateMeetingInput {
            tenant_id: approval.tenant_id.clone(),
            event_id,
            schedule: request.schedule,
        };
        if let Err(e) = ctx
            .execute_activity(UpdateMeeting, input, options::graph(attempt(ctx)))
            .await
        {
            keep_error(ctx, &e);
        }
    }
    record(ctx).await?;
    if sends_invites(ctx) {
        send_invitations(ctx, MailStep::Rescheduled, None).await;
    }
    Ok(())
}

async fn apply_cancel(ctx: &mut Ctx, reason: String, sequence: u32) -> WorkflowResult<()> {
    ctx.state_mut(|s| s.state.sequence = sequence);
    let approval = approval(ctx);
    if let Some(event_id) = event_id(ctx) {
        let input = DeleteMeetingInput {
            tenant_id: approval.tenant_id.clone(),
            event_id,
        };
        if let Err(e) = ctx
            .execute_activity(DeleteMeeting, input, options::graph(attempt(ctx)))
            .await
        {
            keep_error(ctx, &e);
        }
    }
    set_phase(ctx, Phase::Cancelled);
    record(ctx).await?;
    if sends_invites(ctx) {
        let reason = (!reason.is_empty()).then_some(reason);
        send_invitations(ctx, MailStep::Cancelled, reason).await;
    }
    Ok(())
}

/// After the meeting: starts `RecordingCapture` for a meeting that has an online meeting id,
/// forwards `artifactsAvailable` signals to it while it runs, and records what it captured.
pub async fn capture(ctx: &mut Ctx, settings: &TenantSettings) -> WorkflowResult<()> {
    let Some(online_meeting_id) = ctx.state(|s| match &s.state.meeting {
        Meeting::Created {
            online_meeting_id, ..
        } => online_meeting_id.clone(),
        _ => None,
    }) else {
        return Ok(());
    };
    set_phase(ctx, Phase::Capturing);
    record(ctx).await?;
    let Some((child_id, started)) = start_capture(ctx, settings, online_meeting_id).await else {
        return Ok(());
    };
    let outcome = forward_refreshes_until_done(ctx, &child_id, started).await;
    record_capture_outcome(ctx, outcome).await
}

/// `RecordingCapture`'s run, as the SDK types it (the macro's type has no public name).
trait CaptureChild: WorkflowDefinition<Output = CaptureOutcome> + 'static {}
impl<W: WorkflowDefinition<Output = CaptureOutcome> + 'static> CaptureChild for W {}

/// Starts the child; a child that cannot start is kept as the last error (capture is a bonus,
/// the appointment itself is done).
async fn start_capture(
    ctx: &mut Ctx,
    settings: &TenantSettings,
    online_meeting_id: String,
) -> Option<(String, StartedChildWorkflow<impl CaptureChild>)> {
    let approval = approval(ctx);
    let scheduled_end = schedule(ctx).end();
    // An early `meetingEnded` moves the end forward, never past the scheduled end.
    let ended_at = ctx
        .state(|s| s.state.ended_at)
        .map_or(scheduled_end, |at| at.min(scheduled_end));
    let input = CaptureInput {
        tenant_id: approval.tenant_id.clone(),
        appointment_id: approval.appointment_id.clone(),
        online_meeting_id,
        ended_at,
        schedule: settings.capture,
        download_recordings: settings.download_recordings,
        attempt_timeout_secs: settings.attempt_timeout_secs,
        client_visible: settings.expose_in_portal,
    };
    let child_id =
        meetflow_proto::names::capture_workflow_id(&approval.tenant_id, &approval.appointment_id);
    let opts = ChildWorkflowOptions::builder()
        .workflow_id(child_id.clone())
        .build();
    match ctx
        .start_child_workflow(RecordingCapture::run, input, opts)
        .await
    {
        Ok(started) => Some((child_id, started)),
        Err(e) => {
            keep(ctx, "capture_not_started", e.to_string());
            None
        }
    }
}

/// Waits for the child's result, passing each `artifactsAvailable` this workflow receives on
/// to the child so it polls at once.
async fn forward_refreshes_until_done(
    ctx: &mut Ctx,
    child_id: &str,
    started: StartedChildWorkflow<impl CaptureChild>,
) -> Result<CaptureOutcome, ChildWorkflowExecutionError> {
    let result = started.result().fuse();
    futures::pin_mut!(result);
    loop {
        let seen = ctx.state(|s| s.state.refresh_requests);
        select! {
            r = result => return r,
            _ = ctx.wait_condition(move |s: &AppointmentLifecycle| s.state.refresh_requests != seen).fuse() => {
                let forward = ctx.external_workflow(child_id.to_string(), None).signal(
                    RecordingCapture::artifacts_available,
                    RawValue::new(vec![]),
                    SignalWorkflowOptions::default(),
                );
                // The child polls on its schedule anyway; a lost nudge costs only latency.
                let _ = forward.await;
            }
        }
    }
}

async fn record_capture_outcome(
    ctx: &mut Ctx,
    outcome: Result<CaptureOutcome, ChildWorkflowExecutionError>,
) -> WorkflowResult<()> {
    match outcome {
        Ok(outcome) => {
            ctx.state_mut(|s| {
                s.state.artifacts = outcome.artifacts;
                s.state.capture_status = Some(outcome.status);
                if let Some(e) = outcome.last_error {
                    s.state.last_error = Some(e);
                }
            });
            record(ctx).await?;
        }
        Err(e) => keep(ctx, "capture_failed", e.to_string()),
    }
    Ok(())
}
