//! After the meeting: the `RecordingCapture` child, and what it found.

use futures::FutureExt as _;
use meetflow_proto::status::Phase;
use temporalio_common::WorkflowDefinition;
use temporalio_common::data_converters::RawValue;
use temporalio_sdk::{
    ChildWorkflowExecutionError, ChildWorkflowOptions, SignalWorkflowOptions, StartedChildWorkflow,
    workflows::select,
};

use super::meeting::resolve_online_meeting;
use super::record::record;
use super::state::Meeting;
use super::steps::{Ctx, approval, cheaper, keep, patched, schedule, set_phase};
use super::{AppointmentLifecycle, patches};
use crate::activity_api::{BillingParties, TenantSettings};
use crate::capture::{CaptureInput, CaptureOutcome, RecordingCapture};
use crate::detached;

/// After the meeting: starts `RecordingCapture` for a meeting that has an online meeting id,
/// forwards `artifactsAvailable` signals to it while it runs, and records what it captured.
pub(super) async fn capture(ctx: &mut Ctx, settings: &TenantSettings) {
    let Some(online_meeting_id) = online_meeting_id(ctx).await else {
        return;
    };
    // Refreshes that arrive while the record is written and the child starts are forwarded
    // once it runs, not lost.
    let forwarded = ctx.state(|s| s.state.refresh_requests);
    set_phase(ctx, Phase::Capturing);
    record(ctx).await;
    let Some((child_id, started)) = start_capture(ctx, settings, online_meeting_id).await else {
        return;
    };
    let outcome = forward_refreshes_until_done(ctx, &child_id, started, forwarded).await;
    record_capture_outcome(ctx, outcome).await
}

/// Whether capture starts right after the meeting's end: its online meeting id is known, so no
/// Graph lookup stands between the end and the `capturing` phase.
pub(super) fn follows_at_once(ctx: &Ctx) -> bool {
    ctx.state(|s| {
        matches!(
            &s.state.meeting,
            Meeting::Created {
                online_meeting_id: Some(_),
                ..
            }
        )
    })
}

/// The meeting's online meeting id: resolved at approval, or — when Graph had not listed it by
/// then — looked up once more now, before capture gives up on the meeting.
async fn online_meeting_id(ctx: &mut Ctx) -> Option<String> {
    let (resolved, join_url) = ctx.state(|s| match &s.state.meeting {
        Meeting::Created {
            online_meeting_id,
            event,
        } => (online_meeting_id.clone(), event.join_url.clone()),
        _ => (None, None),
    });
    if resolved.is_some() {
        return resolved;
    }
    let join_url = join_url?;
    if !patched(ctx, patches::RELOOKUP_BEFORE_CAPTURE) {
        return None;
    }
    let found = resolve_online_meeting(ctx, join_url).await;
    if let Some(id) = &found {
        ctx.state_mut(|s| {
            if let Meeting::Created {
                online_meeting_id, ..
            } = &mut s.state.meeting
            {
                *online_meeting_id = Some(id.clone());
            }
        });
    }
    found
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
        billing: Some(BillingParties {
            technician: approval.participants.technician().email.clone(),
            client: approval.participants.client().map(|c| c.email.clone()),
            rounding: settings.billable_rounding,
        }),
        attendance_shipped: cheaper(ctx),
    };
    let child_id =
        meetflow_proto::names::capture_workflow_id(&approval.tenant_id, &approval.appointment_id);
    let opts = ChildWorkflowOptions::builder()
        .workflow_id(child_id.clone())
        .cancellation_token(detached::token())
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
    mut forwarded: u32,
) -> Result<CaptureOutcome, ChildWorkflowExecutionError> {
    let result = started.result().fuse();
    futures::pin_mut!(result);
    loop {
        let seen = forwarded;
        select! {
            r = result => return r,
            _ = ctx.wait_condition(move |s: &AppointmentLifecycle| s.state.refresh_requests != seen).fuse() => {
                forwarded = ctx.state(|s| s.state.refresh_requests);
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
) {
    match outcome {
        Ok(outcome) => {
            ctx.state_mut(|s| {
                s.state.artifacts = outcome.artifacts;
                s.state.capture_status = Some(outcome.status);
                s.state.attendance = outcome.attendance;
                if let Some(e) = outcome.last_error {
                    s.state.last_error = Some(e);
                }
            });
            record(ctx).await;
        }
        Err(e) => keep(ctx, "capture_failed", e.to_string()),
    }
}
