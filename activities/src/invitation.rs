//! One invitation mail to one recipient, at most once per delivery key.
//!
//! Order of effects, and what a crash at each point leaves behind:
//! 1. `sent` already recorded → return the recorded receipt; nothing is sent again.
//! 2. record `pending` (crash after: the retry finds `pending`, sends).
//! 3. hand the message to the transport (crash after acceptance but before 4: the retry sends
//!    the *same bytes with the same Message-ID* again; receivers and the outbox dedupe on it —
//!    this window is inherent to SMTP, see docs/invitations.md).
//! 4. record `sent`.

use meetflow_ics::{Attendee as IcsAttendee, AttendeeRole, CalAddress, CalendarInvite, Method};
use meetflow_mail::{
    Audience, InvitationMail, Recipient, Step, Transport, compose, message_id_for,
};
use meetflow_store::{Claim, Delivery, DeliveryState};
use meetflow_workflows::activity_api::{self as api, InvitationInput, MailReceipt, MailStep};
use temporalio_sdk::activities::ActivityError;

use crate::deps::Deps;
use crate::failure;

fn address(a: &api::Attendee) -> CalAddress {
    CalAddress {
        email: a.email.to_string(),
        name: a.name.clone(),
    }
}

fn render_ics(input: &InvitationInput, organizer: &CalAddress, method: Method) -> String {
    meetflow_ics::render(&CalendarInvite {
        method,
        uid: input.ics_uid.clone(),
        sequence: input.sequence,
        dtstamp: input.stamped_at,
        start: input.schedule.start(),
        end: input.schedule.end(),
        summary: input.title.clone(),
        description: input.description.clone(),
        organizer: organizer.clone(),
        attendees: input
            .attendees
            .iter()
            .map(|a| IcsAttendee {
                address: address(a),
                role: AttendeeRole::Required,
            })
            .collect(),
        join_url: input.join_url.clone(),
    })
}

pub(crate) async fn send(
    deps: &Deps,
    input: &InvitationInput,
) -> Result<MailReceipt, ActivityError> {
    let key = &input.delivery_key;
    let message_id = message_id_for(key, &deps.message_id_domain);
    let mut delivery = Delivery {
        key: key.clone(),
        tenant_id: input.tenant_id.to_string(),
        appointment_id: input.appointment_id.to_string(),
        step: format!("{}-{}", input.step, input.sequence),
        recipient: input.recipient.email.to_string(),
        message_id: message_id.clone(),
        state: DeliveryState::Pending,
    };
    let claim = deps
        .store
        .claim_delivery(&delivery)
        .await
        .map_err(failure::classify)?;
    // `Pending`: an earlier attempt may have handed this very message over already.
    let resend = match claim {
        Claim::New => false,
        Claim::Pending => true,
        Claim::Sent { message_id } => {
            return Ok(MailReceipt {
                message_id,
                already_sent: true,
            });
        }
    };

    let (method, step) = match input.step {
        MailStep::Approved => (Method::Request, Step::Approved),
        MailStep::Rescheduled => (Method::Request, Step::Rescheduled),
        MailStep::Cancelled => (
            Method::Cancel,
            Step::Cancelled {
                reason: input.cancel_reason.clone(),
            },
        ),
    };
    // Without a Teams meeting there is no organizer mailbox: our sending mailbox organizes.
    let organizer = input
        .organizer
        .as_ref()
        .map(address)
        .unwrap_or_else(|| deps.mail_sender.mailbox.clone());
    let ics = render_ics(input, &organizer, method);
    let r = &input.recipient;
    let mail = compose(&InvitationMail {
        organizer,
        sender: &deps.mail_sender,
        to: Recipient {
            email: r.email.to_string(),
            name: r.name.clone(),
            timezone: r.time_zone.tz(),
            locale: meetflow_mail::Locale::from_tag_or_default(r.locale.as_str()),
        },
        audience: match r.audience {
            api::Audience::Client => Audience::Client,
            api::Audience::Technician => Audience::Technician,
        },
        step,
        title: input.title.clone(),
        description: input.description.clone(),
        start: input.schedule.start(),
        end: input.schedule.end(),
        join_url: input.join_url.clone(),
        ics: &ics,
        method,
        message_id: message_id.clone(),
        date: input.stamped_at,
    })
    .map_err(|e| failure::permanent("invalid_input", e.to_string()))?;

    deps.mail.send(&mail).await.map_err(failure::classify)?;
    deps.metrics
        .mail_sent(input.tenant_id.as_str(), &input.step.to_string(), resend);
    delivery.state = DeliveryState::Sent;
    delivery.message_id = mail.message_id.clone();
    deps.store
        .record_delivery(&delivery)
        .await
        .map_err(failure::classify)?;
    Ok(MailReceipt {
        message_id: mail.message_id,
        already_sent: false,
    })
}
