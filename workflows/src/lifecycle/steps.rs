//! The lifecycle's shared step helpers, its mails and its changes (reschedule, cancel). Each
//! step reads what it needs from workflow state, runs activities, and records the outcome in
//! state; a permanent activity failure becomes a typed error in state (`last_error`, or the
//! meeting outcome), never a crashed workflow or an endless retry.

use std::time::Duration;

use meetflow_proto::model::{Approval, RescheduleRequest, Schedule};
use meetflow_proto::status::{MailStep, Phase};
use temporalio_sdk::{
    CancellableFuture as _, WorkflowContext,
    workflows::{join_all, select},
};

use super::record::record;
use super::state::{Change, ErrorInfo, MailSent, Meeting};
use super::{AppointmentLifecycle, invitations, patches};
use crate::activity_api::{
    DeleteMeeting, DeleteMeetingInput, SendInvitation, TenantSettings, UpdateMeeting,
    UpdateMeetingInput,
};
use crate::clock::now;
use crate::detached;
use crate::{failure, options, search};

pub(super) type Ctx = WorkflowContext<AppointmentLifecycle>;

pub(super) fn approval(ctx: &Ctx) -> Approval {
    ctx.state(|s| s.state.approval.clone())
        .expect("set before any step runs")
}

/// The appointment's current times.
pub(super) fn schedule(ctx: &Ctx) -> Schedule {
    ctx.state(|s| s.state.schedule)
        .expect("set with the approval")
}

/// The tenant's per-attempt timeout for Graph and mail activities.
pub(super) fn attempt(ctx: &Ctx) -> Duration {
    Duration::from_secs(ctx.state(|s| s.state.tenant.attempt_timeout_secs))
}

pub(super) fn keep_error(ctx: &Ctx, e: &temporalio_sdk::ActivityExecutionError) {
    let info: ErrorInfo = failure::error_info(e).into();
    ctx.state_mut(|s| s.state.last_error = Some(info));
}

pub(super) fn keep(ctx: &Ctx, code: &str, message: String) {
    let info = ErrorInfo {
        code: code.into(),
        message,
    };
    ctx.state_mut(|s| s.state.last_error = Some(info));
}

pub(super) fn event_id(ctx: &Ctx) -> Option<String> {
    ctx.state(|s| match &s.state.meeting {
        Meeting::Created { event, .. } => Some(event.event_id.clone()),
        _ => None,
    })
}

/// Whether this appointment's mails are ours to send (settled with the tenant's settings).
pub(super) fn sends_invites(ctx: &Ctx) -> bool {
    ctx.state(|s| s.state.send_invites)
}

pub(super) fn set_phase(ctx: &Ctx, phase: Phase) {
    set_phase_unlisted(ctx, phase);
    ctx.upsert_search_attributes([search::APPOINTMENT_PHASE.value_set(phase.to_string())]);
}

/// The phase in state (and so in the `state` query and the store) without a search-attribute
/// upsert: for a phase the next one replaces before anything could list it.
pub(super) fn set_phase_unlisted(ctx: &Ctx, phase: Phase) {
    ctx.state_mut(|s| s.state.phase = phase);
}

/// Whether this execution runs this release's cheaper commands ([`patches::CHEAPER_LIFECYCLE`]).
pub(super) fn cheaper(ctx: &Ctx) -> bool {
    ctx.state(|s| s.cheaper)
}

/// Whether this execution runs the change behind an earlier `patch`. One that passed
/// `cheaper-lifecycle` does (that patch shipped after all of them) without asking: no marker of
/// its own, and no `patched` call after a local activity, which replay cannot place — a local
/// activity's result is replayed from its marker at once, so a patch asked for after it is
/// looked up in an earlier workflow task than the one that recorded it, whenever a query or a
/// heartbeat ended the task between the two.
pub(super) fn patched(ctx: &Ctx, patch: &str) -> bool {
    cheaper(ctx) || ctx.patched(patch)
}

/// Our own UID, for appointments whose only calendar item is the ICS we mail.
pub(super) fn own_uid(approval: &Approval) -> String {
    format!(
        "{}.{}@meetflow",
        approval.appointment_id, approval.tenant_id
    )
}

/// Sends the step's mails side by side; a recipient whose mail fails for good is recorded as the
/// last error, and the others still get theirs.
pub(super) async fn send_invitations(ctx: &mut Ctx, step: MailStep, cancel_reason: Option<String>) {
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
pub(super) enum Over {
    Ended,
    Cancelled,
}

/// Applies accepted changes in order until the meeting is over: the scheduled end plus the
/// tenant's grace period (a durable timer that moves with each reschedule), `meetingEnded`, or
/// a cancellation.
pub(super) async fn until_over(ctx: &mut Ctx, settings: &TenantSettings) -> Over {
    let grace = chrono::Duration::seconds(
        i64::try_from(settings.capture.grace_after_end_secs).unwrap_or(i64::MAX / 1000),
    );
    loop {
        while let Some(change) = ctx.state_mut(|s| s.state.pending.pop_front()) {
            match change {
                Change::Reschedule { request, sequence } => {
                    apply_reschedule(ctx, request, sequence).await
                }
                Change::Cancel { reason, sequence } => {
                    apply_cancel(ctx, reason, sequence).await;
                    return Over::Cancelled;
                }
            }
        }
        if ctx.state(|s| s.state.ended_at.is_some()) {
            return Over::Ended;
        }
        let deadline = ctx
            .state(|s| s.state.meeting_over_at(grace))
            .expect("set with the approval");
        let Ok(remaining) = (deadline - now(ctx)).to_std() else {
            return Over::Ended;
        };
        if remaining.is_zero() {
            return Over::Ended;
        }
        let end_timer = detached::timer(ctx, remaining.max(Duration::from_millis(1)));
        futures::pin_mut!(end_timer);
        let fired = select! {
            _ = end_timer.as_mut() => true,
            _ = ctx.wait_condition(|s: &AppointmentLifecycle| !s.state.pending.is_empty() || s.state.ended_at.is_some()) => false,
        };
        // Dropping a timer's future does not cancel the timer: left running, a superseded end
        // timer fires later into a workflow task of its own (a day or more after a reschedule,
        // during capture after an early end). A cancel needs no such task; the workflow ends
        // right after it anyway, so there the timer is left alone.
        if !fired && cheaper(ctx) && !cancel_pending(ctx) {
            end_timer.cancel();
        }
    }
}

fn cancel_pending(ctx: &Ctx) -> bool {
    ctx.state(|s| {
        s.state
            .pending
            .iter()
            .any(|c| matches!(c, Change::Cancel { .. }))
    })
}

async fn apply_reschedule(ctx: &mut Ctx, request: RescheduleRequest, sequence: u32) {
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
    record(ctx).await;
    if sends_invites(ctx) {
        send_invitations(ctx, MailStep::Rescheduled, None).await;
    }
}

/// DELETE, store, CANCEL mails; then, if the event outlived the DELETE's retries (e.g. a
/// revoked permission), the DELETE is retried on a durable timer until the event is gone: a
/// cancelled appointment never completes with a live Teams meeting.
async fn apply_cancel(ctx: &mut Ctx, reason: String, sequence: u32) {
    ctx.state_mut(|s| s.state.sequence = sequence);
    let gone = delete_event(ctx).await;
    set_phase(ctx, Phase::Cancelled);
    record(ctx).await;
    if sends_invites(ctx) {
        let reason = (!reason.is_empty()).then_some(reason);
        send_invitations(ctx, MailStep::Cancelled, reason).await;
    }
    if gone || !patched(ctx, patches::DELETE_UNTIL_GONE) {
        return;
    }
    let pause = Duration::from_secs(ctx.state(|s| s.state.tenant.delete_retry_secs));
    loop {
        detached::timer(ctx, pause).await;
        if delete_event(ctx).await {
            ctx.state_mut(|s| s.state.last_error = None);
            return;
        }
    }
}

/// Deletes the appointment's event; true when there is none left (deleted now or earlier, or
/// never created).
async fn delete_event(ctx: &mut Ctx) -> bool {
    let Some(event_id) = event_id(ctx) else {
        return true;
    };
    let input = DeleteMeetingInput {
        tenant_id: approval(ctx).tenant_id,
        event_id,
    };
    match ctx
        .execute_activity(DeleteMeeting, input, options::graph(attempt(ctx)))
        .await
    {
        Ok(_) => true,
        Err(e) => {
            keep_error(ctx, &e);
            false
        }
    }
}
