//! Which mails a step sends, and the delivery key that makes each one at-most-once.

use chrono::{DateTime, Utc};
use meetflow_proto::model::{Approval, Role};

use super::state::{Meeting, State};
use crate::activity_api::{Attendee, Audience, InvitationInput, MailRecipient, MailStep};

/// One invitation per participant for `step`. Every participant sees the same ICS (same UID,
/// SEQUENCE and attendee list); only the mail around it is rendered for the recipient.
pub fn for_step(
    approval: &Approval,
    state: &State,
    step: MailStep,
    stamped_at: DateTime<Utc>,
    cancel_reason: Option<String>,
) -> Vec<InvitationInput> {
    let attendees = attendees(approval);
    let organizer = match &state.meeting {
        Meeting::Created { event, .. } => Some(Attendee {
            email: event.organizer_email.clone(),
            name: event.organizer_name.clone(),
        }),
        _ => None,
    };
    approval
        .participants
        .all()
        .iter()
        .map(|p| InvitationInput {
            tenant_id: approval.tenant_id.clone(),
            appointment_id: approval.appointment_id.clone(),
            delivery_key: delivery_key(approval, step, state.sequence, &p.email.normalized()),
            step,
            recipient: MailRecipient {
                email: p.email.clone(),
                name: p.display_name.clone(),
                time_zone: p.time_zone,
                locale: p.locale.clone(),
                // Anyone who is not our technician is external: their mail must carry no
                // internal PSA links.
                audience: if p.role == Role::Technician {
                    Audience::Technician
                } else {
                    Audience::Client
                },
            },
            title: approval.title.clone(),
            description: approval.description.clone(),
            schedule: state.schedule.expect("set with the approval"),
            join_url: state.join_url(),
            ics_uid: state.ics_uid.clone(),
            sequence: state.sequence,
            stamped_at,
            organizer: organizer.clone(),
            attendees: attendees.clone(),
            cancel_reason: cancel_reason.clone(),
        })
        .collect()
}

/// `{tenant}/{appointment}/{step}-{sequence}/{recipient}`: the sequence keeps two reschedules
/// apart; the lower-cased address keeps one person one key.
pub fn delivery_key(approval: &Approval, step: MailStep, sequence: u32, recipient: &str) -> String {
    format!(
        "{}/{}/{}-{sequence}/{recipient}",
        approval.tenant_id,
        approval.appointment_id,
        step.as_str()
    )
}

/// Every participant, as an attendee of the meeting and of the ICS.
pub fn attendees(approval: &Approval) -> Vec<Attendee> {
    approval
        .participants
        .all()
        .iter()
        .map(|p| Attendee {
            email: p.email.clone(),
            name: p.display_name.clone(),
        })
        .collect()
}
