//! `AppointmentLifecycle`: one workflow per appointment, from approval to the meeting's end.
//!
//! approve → (meeting, or a typed reason there is none) → store → invitations → wait for the
//! scheduled end (durable timer plus the tenant's grace period) or a `meetingEnded` signal.

mod invitations;
mod state;

use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use meetflow_proto::{model::Approval, names, parse, v1};
use temporalio_common::data_converters::RawValue;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult,
    workflows::{join_all, select},
};

pub use state::{ErrorInfo, MailSent, Meeting, Phase, State};

use crate::activity_api::{
    Attendee, CreateMeeting, CreateMeetingInput, MailStep, MeetingRecordInput, RecordMeeting,
    ResolveOnlineMeeting, ResolveOnlineMeetingInput, ResolveTenant, SendInvitation, TenantSettings,
};
use crate::{failure, options, payload, search};

#[workflow]
pub struct AppointmentLifecycle {
    input: Option<RawValue>,
    state: State,
}

fn now(ctx: &WorkflowContext<AppointmentLifecycle>) -> DateTime<Utc> {
    let t = ctx.workflow_time().unwrap_or(UNIX_EPOCH);
    DateTime::<Utc>::from(t)
}

#[workflow_methods]
impl AppointmentLifecycle {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: RawValue) -> Self {
        Self {
            input: Some(input),
            state: State::default(),
        }
    }

    #[run(name = "AppointmentLifecycle")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<v1::AppointmentResult> {
        let approval = accept(ctx)?;
        ctx.upsert_search_attributes([
            search::TENANT_ID.value_set(approval.tenant_id.to_string()),
            search::APPOINTMENT_ID.value_set(approval.appointment_id.to_string()),
            search::MEETING_STATUS.value_set(Phase::Approving.status().to_string()),
        ]);
        let settings = ctx
            .execute_activity(ResolveTenant, approval.tenant_id.clone(), options::local())
            .await?;

        schedule_meeting(ctx, &approval, &settings).await;
        record(ctx, &approval).await?;
        if approval.send_invites.unwrap_or(true) {
            send_invitations(ctx, &approval, MailStep::Approved, None).await;
        }
        set_phase(ctx, Phase::Scheduled);

        wait_for_end(ctx, &approval, &settings).await;
        set_phase(ctx, Phase::Ended);
        record(ctx, &approval).await?;
        set_phase(ctx, Phase::Done);
        Ok(v1::AppointmentResult {
            final_state: Some(ctx.state(|s| s.state.to_wire())),
        })
    }

    /// Early end, e.g. from the PSA's "meeting ended" event; the input may carry `endedAt`.
    #[signal(name = "meetingEnded")]
    pub fn meeting_ended(&mut self, ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        let at = ctx.workflow_time().unwrap_or(UNIX_EPOCH);
        self.state.ended_at.get_or_insert(DateTime::<Utc>::from(at));
    }

    #[query(name = "state")]
    pub fn state(&self, _ctx: &WorkflowContextView) -> v1::AppointmentState {
        self.state.to_wire()
    }
}

/// Parses and checks the input; a bad input fails the workflow at once, having written nothing.
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
    ctx.state_mut(|s| s.state.approval = Some(approval.clone()));
    Ok(approval)
}

fn set_phase(ctx: &WorkflowContext<AppointmentLifecycle>, phase: Phase) {
    ctx.state_mut(|s| s.state.phase = phase);
    ctx.upsert_search_attributes([search::MEETING_STATUS.value_set(phase.status().to_string())]);
}

/// Our own UID, for appointments whose only calendar item is the ICS we mail.
fn own_uid(approval: &Approval) -> String {
    format!(
        "{}.{}@meetflow",
        approval.appointment_id, approval.tenant_id
    )
}

async fn schedule_meeting(
    ctx: &mut WorkflowContext<AppointmentLifecycle>,
    approval: &Approval,
    settings: &TenantSettings,
) {
    let outcome = if !approval.generate_teams_meeting {
        Meeting::Skipped("not_requested".into())
    } else if let Some(reason) = &settings.meeting_unavailable {
        Meeting::Skipped(reason.clone())
    } else {
        let attendees = if settings.send_invites {
            approval
                .participants
                .all()
                .iter()
                .map(|p| Attendee {
                    email: p.email.clone(),
                    name: p.display_name.clone(),
                })
                .collect()
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
        match ctx
            .execute_activity(CreateMeeting, input, options::graph())
            .await
        {
            Err(e) => Meeting::Failed(failure::error_info(&e).into()),
            Ok(event) => {
                let online_meeting_id = match &event.join_url {
                    None => None,
                    Some(join_url) => {
                        let lookup = ResolveOnlineMeetingInput {
                            tenant_id: approval.tenant_id.clone(),
                            join_url: join_url.clone(),
                        };
                        match ctx
                            .execute_activity(ResolveOnlineMeeting, lookup, options::graph())
                            .await
                        {
                            Ok(id) => Some(id),
                            // The meeting exists and the invitations can go out; only capture
                            // needs the id, so the error is kept for ops instead of failing.
                            Err(e) => {
                                let info: ErrorInfo = failure::error_info(&e).into();
                                ctx.state_mut(|s| s.state.last_error = Some(info));
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
        }
    };
    // With Exchange inviting the attendees, our ICS must carry the event's UID so calendars merge
    // the two into one item; otherwise our own stable UID.
    let ics_uid = match &outcome {
        Meeting::Created { event, .. } if settings.send_invites => event.ical_uid.clone(),
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

async fn record(
    ctx: &mut WorkflowContext<AppointmentLifecycle>,
    approval: &Approval,
) -> WorkflowResult<()> {
    let input = ctx.state(|s| {
        let st = &s.state;
        let (event_id, ical_uid, online_meeting_id, status, error_code) = match &st.meeting {
            Meeting::Created {
                event,
                online_meeting_id,
            } => (
                Some(event.event_id.clone()),
                Some(event.ical_uid.clone()),
                online_meeting_id.clone(),
                st.phase.status(),
                None,
            ),
            Meeting::Failed(e) => (None, None, None, "failed", Some(e.code.clone())),
            Meeting::Skipped(_) | Meeting::Pending => (None, None, None, "no_meeting", None),
        };
        let status = match (st.phase, status) {
            (Phase::Approving, "approving") => "scheduled",
            (_, s) => s,
        };
        MeetingRecordInput {
            tenant_id: approval.tenant_id.clone(),
            appointment_id: approval.appointment_id.clone(),
            subject: approval.title.clone(),
            schedule: approval.schedule,
            event_id,
            ical_uid,
            online_meeting_id,
            join_url: st.join_url(),
            ics_uid: st.ics_uid.clone(),
            sequence: st.sequence,
            status: status.to_string(),
            error_code,
        }
    });
    ctx.execute_activity(RecordMeeting, input, options::local())
        .await?;
    Ok(())
}

/// Sends the step's mails side by side; a recipient whose mail fails for good is recorded as the
/// last error, and the others still get theirs.
async fn send_invitations(
    ctx: &mut WorkflowContext<AppointmentLifecycle>,
    approval: &Approval,
    step: MailStep,
    cancel_reason: Option<String>,
) {
    let stamped_at = now(ctx);
    let inputs =
        ctx.state(|s| invitations::for_step(approval, &s.state, step, stamped_at, cancel_reason));
    let sends = inputs
        .iter()
        .map(|i| ctx.execute_activity(SendInvitation, i.clone(), options::mail()));
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

/// Returns once the meeting is over: the scheduled end plus the tenant's grace period (a durable
/// timer), or earlier on `meetingEnded`.
async fn wait_for_end(
    ctx: &mut WorkflowContext<AppointmentLifecycle>,
    approval: &Approval,
    settings: &TenantSettings,
) {
    let grace = chrono::Duration::seconds(
        i64::try_from(settings.capture.grace_after_end_secs).unwrap_or(i64::MAX / 1000),
    );
    let deadline = approval.schedule.end() + grace;
    loop {
        if ctx.state(|s| s.state.ended_at.is_some()) {
            return;
        }
        let remaining = deadline - now(ctx);
        let Ok(remaining) = remaining.to_std() else {
            return;
        };
        if remaining.is_zero() {
            return;
        }
        select! {
            _ = ctx.timer(remaining.max(Duration::from_millis(1))) => {}
            _ = ctx.wait_condition(|s: &AppointmentLifecycle| s.state.ended_at.is_some()) => {}
        }
    }
}
