//! The Teams meeting of an approval: created (or found again), its online meeting resolved —
//! or a typed reason there is none.

use std::time::Duration;

use meetflow_proto::model::Approval;
use meetflow_proto::status::SkipReason;

use super::invitations;
use super::patches;
use super::state::Meeting;
use super::steps::{Ctx, approval, attempt, keep_error, own_uid, patched};
use crate::activity_api::{
    AppointmentKey, CreateMeeting, CreateMeetingInput, CreatedMeeting, FindMeeting,
    ResolveOnlineMeeting, ResolveOnlineMeetingInput, TenantSettings,
};
use crate::{failure, options};

pub(super) async fn schedule_meeting(
    ctx: &mut Ctx,
    approval: &Approval,
    settings: &TenantSettings,
) {
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
        Err(e) => match find_after_failed_create(ctx, approval).await {
            // Graph committed the event although no attempt saw it: it is this meeting.
            Some(event) => event,
            None => return Meeting::Failed(failure::error_info(&e).into()),
        },
    };
    let online_meeting_id = match &event.join_url {
        None => None,
        Some(join_url) => resolve_online_meeting(ctx, join_url.clone()).await,
    };
    Meeting::Created {
        event,
        online_meeting_id,
    }
}

/// After a create failed for good, the event its transactionId may still have made.
async fn find_after_failed_create(ctx: &mut Ctx, approval: &Approval) -> Option<CreatedMeeting> {
    if !patched(ctx, patches::FIND_BEFORE_FAILING) {
        return None;
    }
    let key = AppointmentKey {
        tenant_id: approval.tenant_id.clone(),
        appointment_id: approval.appointment_id.clone(),
    };
    match ctx
        .execute_activity(FindMeeting, key, options::graph(attempt(ctx)))
        .await
    {
        Ok(found) => found,
        Err(e) => {
            keep_error(ctx, &e);
            None
        }
    }
}

/// The onlineMeeting id of the event's join URL, retried through Graph's replication lag for
/// the tenant's lookup window. The meeting exists and the invitations can go out without it;
/// only capture needs the id, so a failure is kept for ops instead of failing the approval.
pub(super) async fn resolve_online_meeting(ctx: &mut Ctx, join_url: String) -> Option<String> {
    let tenant_id = approval(ctx).tenant_id;
    let window = Duration::from_secs(ctx.state(|s| s.state.tenant.lookup_window_secs));
    let lookup = ResolveOnlineMeetingInput {
        tenant_id,
        join_url,
    };
    match ctx
        .execute_activity(
            ResolveOnlineMeeting,
            lookup,
            options::online_meeting_lookup(attempt(ctx), window),
        )
        .await
    {
        Ok(id) => Some(id),
        Err(e) => {
            keep_error(ctx, &e);
            None
        }
    }
}
