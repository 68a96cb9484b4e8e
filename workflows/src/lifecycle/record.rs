//! The store's copy of the appointment, written after every change of state.

use std::time::Duration;

use futures::FutureExt as _;
use temporalio_sdk::{ActivityExecutionError, workflows::select};

use super::patches;
use super::state::Meeting;
use super::steps::{Ctx, approval, keep, keep_error};
use crate::activity_api::{AppointmentKey, MeetingRecordInput, RecordMeeting, StoredSequence};
use crate::options;

/// How long a store write may take before the state says the store is out.
const STORE_PATIENCE: Duration = Duration::from_secs(30);

/// Upserts the store's meeting row from state. The write retries without an overall limit
/// (`options::store`), so a store outage delays the appointment but never fails it; while it
/// lasts longer than [`STORE_PATIENCE`] the state's `lastError` says so. A write the store
/// refuses for good (which a retry cannot fix) is kept as the last error too.
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
    let write = ctx.execute_activity(RecordMeeting, input, options::store());
    if let Err(e) = patiently(ctx, write).await {
        keep_error(ctx, &e);
    }
}

/// Awaits a store activity (which retries without an overall limit); once it has taken longer
/// than [`STORE_PATIENCE`], `lastError` says the store is out until it answers.
async fn patiently<T>(
    ctx: &Ctx,
    call: impl Future<Output = Result<T, ActivityExecutionError>>,
) -> Result<T, ActivityExecutionError> {
    let call = call.fuse();
    futures::pin_mut!(call);
    let result = if ctx.patched(patches::STORE_OUTAGE_VISIBLE) {
        select! {
            r = call => r,
            _ = ctx.timer(STORE_PATIENCE).fuse() => {
                keep(ctx, OUTAGE, format!(
                    "the store has not answered for {}s; retrying until it does",
                    STORE_PATIENCE.as_secs()
                ));
                call.await
            }
        }
    } else {
        call.await
    };
    if result.is_ok() {
        ctx.state_mut(|s| {
            if s.state
                .last_error
                .as_ref()
                .is_some_and(|e| e.code == OUTAGE)
            {
                s.state.last_error = None;
            }
        });
    }
    result
}

const OUTAGE: &str = "store_unavailable";

/// The SEQUENCE the store recorded for this appointment in an earlier run, if any.
pub(super) async fn stored_sequence(ctx: &mut Ctx) -> Option<u32> {
    let approval = approval(ctx);
    let key = AppointmentKey {
        tenant_id: approval.tenant_id.clone(),
        appointment_id: approval.appointment_id.clone(),
    };
    let read = ctx.execute_activity(StoredSequence, key, options::store());
    match patiently(ctx, read).await {
        Ok(sequence) => sequence,
        Err(e) => {
            keep_error(ctx, &e);
            None
        }
    }
}
