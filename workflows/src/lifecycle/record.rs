//! The store's copy of the appointment, written after every change of state.

use std::time::Duration;

use temporalio_common::ActivityDefinition;
use temporalio_common::data_converters::TemporalDeserializable;
use temporalio_sdk::ActivityExecutionError;

use super::patches;
use super::state::Meeting;
use super::steps::{Ctx, approval, cheaper, keep, keep_error, patched};
use crate::activity_api::{AppointmentKey, MeetingRecordInput, RecordMeeting, StoredSequence};
use crate::{failure, options};

/// How long a store call may take (retrying inside Temporal) before the state says the store
/// is out and the call starts over.
const STORE_PATIENCE: Duration = Duration::from_secs(30);

/// Upserts the store's meeting row from state. The write is retried without an overall limit,
/// so a store outage delays the appointment but never fails it (see [`patiently`]). A write the
/// store refuses for good (which a retry cannot fix) is kept as the last error.
pub(super) async fn record(ctx: &mut Ctx) {
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
        let (error_code, skip_reason) = match &st.meeting {
            Meeting::Failed(e) => (Some(e.code.clone()), None),
            Meeting::Skipped(reason) => (None, Some(*reason)),
            _ => (None, None),
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
            skip_reason,
        }
    });
    if let Err(e) = patiently(ctx, RecordMeeting, input).await {
        keep_error(ctx, &e);
    }
}

/// Runs a store activity until it succeeds or fails for good. Each run retries for
/// [`STORE_PATIENCE`]; when that runs out the state's `lastError` says `store_unavailable`
/// (cleared once the store answers) and the call starts over, for as long as the outage lasts.
/// With `cheaper-lifecycle` it is a local activity, run by the worker inside the workflow task
/// (which it keeps alive with heartbeats while it retries): the happy path costs one marker in
/// that task, no activity task and no timer; an outage one marker per 30 s. The write still
/// completes before the task that recorded it schedules anything after it (no mail goes out for
/// a meeting the store has not got). Before the patch it is an activity task.
async fn patiently<A>(
    ctx: &Ctx,
    activity: A,
    input: A::Input,
) -> Result<A::Output, ActivityExecutionError>
where
    A: ActivityDefinition + Copy,
    A::Input: Clone,
    A::Output: TemporalDeserializable,
{
    let in_task = cheaper(ctx);
    loop {
        let attempt = if in_task {
            ctx.execute_local_activity(
                activity,
                input.clone(),
                options::store_in_task(STORE_PATIENCE),
            )
            .await
        } else {
            ctx.execute_activity(activity, input.clone(), options::store(STORE_PATIENCE))
                .await
        };
        match attempt {
            Ok(out) => {
                ctx.state_mut(|s| {
                    if s.state
                        .last_error
                        .as_ref()
                        .is_some_and(|e| e.code == OUTAGE)
                    {
                        s.state.last_error = None;
                    }
                });
                return Ok(out);
            }
            Err(e) if !failure::is_permanent(&e) && patched(ctx, patches::STORE_OUTAGE_VISIBLE) => {
                keep(
                    ctx,
                    OUTAGE,
                    format!(
                        "the store has not answered for {}s; retrying until it does ({})",
                        STORE_PATIENCE.as_secs(),
                        failure::error_info(&e).message
                    ),
                );
            }
            Err(e) => return Err(e),
        }
    }
}

const OUTAGE: &str = "store_unavailable";

/// The SEQUENCE the store recorded for this appointment in an earlier run, if any.
pub(super) async fn stored_sequence(ctx: &mut Ctx) -> Option<u32> {
    let approval = approval(ctx);
    let key = AppointmentKey {
        tenant_id: approval.tenant_id.clone(),
        appointment_id: approval.appointment_id.clone(),
    };
    match patiently(ctx, StoredSequence, key).await {
        Ok(sequence) => sequence,
        Err(e) => {
            keep_error(ctx, &e);
            None
        }
    }
}
