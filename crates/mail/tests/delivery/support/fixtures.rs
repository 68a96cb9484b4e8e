//! The mails under test: one appointment in every step, audience and language.

use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};
use meetflow_ics::{Attendee, AttendeeRole, CalendarInvite};
use meetflow_mail::{
    Audience, CalAddress, ComposedMail, FromHeader, InvitationMail, Locale, MailSender, Method,
    Recipient, Step, compose, message_id_for,
};

pub const JOIN_URL: &str = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d";
pub const TITLE: &str = "Server migration <b>phase 2</b> & \"go-live\" 🚀";
pub const DESCRIPTION: &str = "Bring the <script>alert('x')</script> notes,\r\nplease.";

pub fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, day, hour, 0, 0).unwrap()
}

pub fn organizer() -> CalAddress {
    CalAddress {
        email: "scheduling@acme.example".into(),
        name: "Acme, Inc. \"Scheduling\"".into(),
    }
}

/// The mailbox the worker submits as (`mail.from`): not the organizer, as when Graph owns
/// the meeting.
pub const SENDING_ADDRESS: &str = "noreply@mail.acme.example";

pub fn sender(from_header: FromHeader) -> MailSender {
    MailSender {
        mailbox: CalAddress {
            email: SENDING_ADDRESS.into(),
            name: "Acme Meetings".into(),
        },
        from_header,
    }
}

/// The default configuration: `From:` the organizer.
pub static SENDER: LazyLock<MailSender> = LazyLock::new(|| sender(FromHeader::default()));

pub fn method_of(step: &Step) -> Method {
    match step {
        Step::Cancelled { .. } => Method::Cancel,
        Step::Approved | Step::Rescheduled => Method::Request,
    }
}

pub fn ics(step: &Step, join_url: Option<&str>) -> String {
    meetflow_ics::render(&CalendarInvite {
        method: method_of(step),
        uid: "appt-42@meetflow.example".into(),
        sequence: match step {
            Step::Approved => 0,
            Step::Rescheduled => 1,
            Step::Cancelled { .. } => 2,
        },
        dtstamp: at(1, 8),
        start: at(10, 9),
        end: at(10, 10),
        summary: TITLE.into(),
        description: DESCRIPTION.into(),
        organizer: organizer(),
        attendees: vec![Attendee {
            address: CalAddress {
                email: "jane@client.example".into(),
                name: "Doe, Jane 😀".into(),
            },
            role: AttendeeRole::Required,
        }],
        join_url: join_url.map(str::to_owned),
    })
}

pub fn recipient(email: &str, locale: Locale) -> Recipient {
    Recipient {
        email: email.into(),
        name: "Jane <i>Doe</i>".into(),
        timezone: match locale {
            Locale::De => chrono_tz::Europe::Berlin,
            Locale::En => chrono_tz::America::New_York,
        },
        locale,
    }
}

pub fn mail<'a>(
    ics: &'a str,
    to: Recipient,
    audience: Audience,
    step: Step,
    join_url: Option<&str>,
) -> InvitationMail<'a> {
    let key = format!("tenant-1/appt-42/{step:?}/{}", to.email);
    InvitationMail {
        organizer: organizer(),
        sender: &SENDER,
        to,
        audience,
        method: method_of(&step),
        step,
        title: TITLE.into(),
        description: DESCRIPTION.into(),
        start: at(10, 9),
        end: at(10, 10),
        join_url: join_url.map(str::to_owned),
        ics,
        message_id: message_id_for(&key, "mail.acme.example"),
        date: at(1, 8),
    }
}

pub fn steps() -> [Step; 3] {
    [
        Step::Approved,
        Step::Rescheduled,
        Step::Cancelled {
            reason: Some("Client <asked> to cancel".into()),
        },
    ]
}

/// A German client's rescheduling mail with a meeting, and its ICS.
pub fn rescheduled(to_email: &str) -> (ComposedMail, String) {
    let step = Step::Rescheduled;
    let ics = ics(&step, Some(JOIN_URL));
    let to = recipient(to_email, Locale::De);
    let mail = mail(&ics, to, Audience::Client, step, Some(JOIN_URL));
    (compose(&mail).unwrap(), ics)
}
