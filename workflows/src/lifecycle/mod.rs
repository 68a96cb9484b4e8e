//! `AppointmentLifecycle`: one workflow per appointment, from approval to captured recordings.
//!
//! approve → (meeting, or a typed reason there is none) → store → invitations → then, until the
//! meeting is over, apply accepted changes in order (reschedule: PATCH, SEQUENCE+1, update mails,
//! the end timer moves; cancel: DELETE, CANCEL mails, done) → at the scheduled end plus grace (a
//! durable timer) or on `meetingEnded`: capture recordings and transcripts in a child workflow.

mod capture;
mod changes;
mod invitations;
mod meeting;
pub(crate) mod patches;
mod record;
mod state;
mod steps;

use std::time::UNIX_EPOCH;

use chrono::{DateTime, Utc};
use meetflow_proto::{model::Approval, names, parse, v1};
use temporalio_common::data_converters::RawValue;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult};

pub use state::{Change, ErrorInfo, MailSent, Meeting, State};

use meetflow_proto::status::{MailStep, Phase};

use crate::activity_api::ResolveTenant;
use crate::{clock, failure, options, payload, search};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

#[workflow]
pub struct AppointmentLifecycle {
    input: Option<RawValue>,
    state: State,
    /// Whether this execution passed [`patches::CHEAPER_LIFECYCLE`] (decided once, at its start).
    cheaper: bool,
}

/// The contract's `ChangeAccepted`, as the updates' result.
fn accepted(sequence: u32) -> v1::ChangeAccepted {
    v1::ChangeAccepted { sequence }
}

#[workflow_methods]
impl AppointmentLifecycle {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: RawValue) -> Self {
        Self {
            input: Some(input),
            state: State::default(),
            cheaper: false,
        }
    }

    #[run(name = "AppointmentLifecycle")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<v1::AppointmentResult> {
        let approval = accept(ctx)?;
        // Before the first command, so every history recorded without it takes the old path.
        let cheaper = ctx.patched(patches::CHEAPER_LIFECYCLE);
        ctx.state_mut(|s| s.cheaper = cheaper);
        // A starter that set them (`search::at_start`) listed the appointment already.
        let listed = search::listed_at_start(
            &ctx.search_attributes(),
            &approval.tenant_id,
            &approval.appointment_id,
        );
        if !(cheaper && listed) {
            ctx.upsert_search_attributes([
                search::TENANT_ID.value_set(approval.tenant_id.to_string()),
                search::APPOINTMENT_ID.value_set(approval.appointment_id.to_string()),
                search::APPOINTMENT_PHASE.value_set(Phase::Approving.to_string()),
            ]);
        }
        let tenant = approval.tenant_id.clone();
        let settings = if cheaper {
            ctx.execute_local_activity(ResolveTenant, tenant, options::local_in_task())
                .await?
        } else {
            ctx.execute_activity(ResolveTenant, tenant, options::local())
                .await?
        };
        ctx.state_mut(|s| s.state.apply_tenant(&settings));
        continue_sequence(ctx).await;

        meeting::schedule_meeting(ctx, &approval, &settings).await;
        record::record(ctx).await;
        if steps::sends_invites(ctx) {
            steps::send_invitations(ctx, MailStep::Approved, None).await;
        }
        steps::set_phase(ctx, Phase::Scheduled);

        if steps::until_over(ctx, &settings).await == steps::Over::Cancelled {
            return Ok(result(ctx));
        }
        if cheaper && capture::follows_at_once(ctx) {
            // `ended` lasts one store write before `capturing` is upserted (in the same workflow
            // task: the write is a local activity), so no list could show it: not upserted.
            steps::set_phase_unlisted(ctx, Phase::Ended);
        } else {
            steps::set_phase(ctx, Phase::Ended);
        }
        record::record(ctx).await;
        capture::capture(ctx, &settings).await;
        steps::set_phase(ctx, Phase::Done);
        Ok(result(ctx))
    }

    /// Early end, e.g. from the PSA's "meeting ended" event.
    #[signal(name = "meetingEnded")]
    pub fn meeting_ended(&mut self, ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        let at = ctx.workflow_time().unwrap_or(UNIX_EPOCH);
        self.state.ended_at.get_or_insert(DateTime::<Utc>::from(at));
    }

    /// New recordings or transcripts may be there (change notification, "Refresh recordings").
    #[signal(name = "artifactsAvailable")]
    pub fn artifacts_available(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        self.state.refresh_requests += 1;
    }

    /// Cancel without waiting for an answer; ignored once the appointment is closed.
    #[signal(name = "cancel")]
    pub fn cancel_signal(&mut self, _ctx: &mut SyncWorkflowContext<Self>, input: RawValue) {
        let reason = payload::json_argument(&input)
            .ok()
            .and_then(|j| parse::cancel_reason(&j).ok())
            .unwrap_or_default();
        if changes::check_cancel(&self.state).is_ok() {
            changes::accept(&mut self.state, |sequence| Change::Cancel {
                reason,
                sequence,
            });
        }
    }

    #[update_validator(cancel_update)]
    pub fn validate_cancel(
        &self,
        _ctx: &WorkflowContextView,
        input: &RawValue,
    ) -> Result<(), HandlerError> {
        let json = payload::json_argument(input)?;
        parse::cancel_reason(&json)?;
        Ok(changes::check_cancel(&self.state)?)
    }

    /// Cancel, answering whether it was accepted (the validator refuses a closed appointment).
    #[update(name = "cancelAppointment")]
    pub fn cancel_update(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        input: RawValue,
    ) -> Result<v1::ChangeAccepted, HandlerError> {
        let reason = parse::cancel_reason(&payload::json_argument(&input)?)?;
        Ok(accepted(changes::accept(&mut self.state, |sequence| {
            Change::Cancel { reason, sequence }
        })))
    }

    #[update_validator(reschedule)]
    pub fn validate_reschedule(
        &self,
        ctx: &WorkflowContextView,
        input: &RawValue,
    ) -> Result<(), HandlerError> {
        let request = parse::reschedule(&payload::json_argument(input)?)?;
        Ok(changes::check_reschedule(
            &self.state,
            &request,
            clock::validation_time(ctx),
        )?)
    }

    /// Move the appointment: validated synchronously, applied in order by the main loop.
    #[update(name = "reschedule")]
    pub fn reschedule(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        input: RawValue,
    ) -> Result<v1::ChangeAccepted, HandlerError> {
        let request = parse::reschedule(&payload::json_argument(&input)?)?;
        Ok(accepted(changes::accept(&mut self.state, |sequence| {
            Change::Reschedule { request, sequence }
        })))
    }

    #[query(name = "state")]
    pub fn state(&self, _ctx: &WorkflowContextView) -> v1::AppointmentState {
        self.state.to_wire()
    }
}

/// A re-approval after a failed run mails again under the same UID: its SEQUENCE must be above
/// every one the earlier run sent, or calendars ignore the REQUEST (and delivery keys, which
/// carry the sequence, would say "already sent"). So it continues after the stored one.
async fn continue_sequence(ctx: &mut WorkflowContext<AppointmentLifecycle>) {
    if !steps::patched(ctx, patches::CONTINUE_SEQUENCE) {
        return;
    }
    if let Some(stored) = record::stored_sequence(ctx).await {
        ctx.state_mut(|s| s.state.continue_after(stored));
    }
}

fn result(ctx: &WorkflowContext<AppointmentLifecycle>) -> v1::AppointmentResult {
    v1::AppointmentResult {
        final_state: Some(ctx.state(|s| s.state.to_wire())),
    }
}

/// Parses and checks the input; a bad input fails the workflow at once, having written nothing.
///
/// Every rule `parse::approval` applies is a constant of `meetflow_proto` or comes from the input
/// itself, never from the worker's configuration: this runs again on every replay, and
/// `meetflow appointment approve` runs the same function, so all three must give one answer.
fn accept(ctx: &mut WorkflowContext<AppointmentLifecycle>) -> WorkflowResult<Approval> {
    let raw = ctx
        .state_mut(|s| s.input.take())
        .unwrap_or_else(|| RawValue::new(vec![]));
    let json = payload::json_argument(&raw)
        .map_err(|m| failure::fail("invalid_input", format!("invalid input: {m}")))?;
    let approval =
        parse::approval(&json).map_err(|e| failure::fail("invalid_input", e.to_string()))?;
    let expected = names::appointment_workflow_id(&approval.tenant_id, &approval.appointment_id);
    if ctx.workflow_id() != expected {
        return Err(failure::fail(
            "invalid_input",
            format!(
                "invalid input: workflow id {:?} must be {expected:?} for this tenantId and appointmentId",
                ctx.workflow_id()
            ),
        ));
    }
    ctx.state_mut(|s| s.state.approve(approval.clone()));
    Ok(approval)
}
