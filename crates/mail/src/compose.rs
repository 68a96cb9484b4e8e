//! RFC 6047 message structure:
//!
//! ```text
//! multipart/mixed
//! ├─ multipart/alternative
//! │  ├─ text/plain; charset=utf-8
//! │  ├─ text/html; charset=utf-8
//! │  └─ text/calendar; method=REQUEST|CANCEL; charset=UTF-8
//! └─ application/ics; name="invite.ics"  (attachment, the same bytes)
//! ```
//!
//! The calendar part sits inside the first child of multipart/mixed because Outlook looks for
//! iMIP only there; the attachment covers clients that only look at attachments.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::address::Envelope;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use meetflow_ics::{CalAddress, Method};
use sha2::{Digest, Sha256};

use crate::body;
use crate::error::MailError;
use crate::locale::Locale;
use crate::message_id;

/// Who reads the mail. The client is external: their copy never contains PSA-internal details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Client,
    Technician,
}

/// The lifecycle step a mail announces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Approved,
    Rescheduled,
    Cancelled { reason: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    /// Times in the mail body are shown in this zone.
    pub timezone: Tz,
    pub locale: Locale,
}

#[derive(Debug, Clone)]
pub struct InvitationMail<'a> {
    /// The organizer mailbox (equal to the ICS ORGANIZER, which helps deliverability).
    pub from: CalAddress,
    pub to: Recipient,
    pub audience: Audience,
    pub step: Step,
    pub title: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub join_url: Option<String>,
    /// Output of [`meetflow_ics::render`]; carried verbatim, inline and as attachment.
    pub ics: &'a str,
    /// Must match the ICS `METHOD`.
    pub method: Method,
    /// Stable per delivery key, see [`crate::message_id_for`]; `<left@right>` or `left@right`.
    pub message_id: String,
    /// From the workflow clock, so a retried step produces the same bytes.
    pub date: DateTime<Utc>,
}

/// A finished message: deterministic bytes plus what a transport needs to route it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedMail {
    /// Bracketed form, `<left@right>`, exactly as in the Message-ID header.
    pub message_id: String,
    /// SMTP envelope: the organizer as sender, the one recipient.
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

const ICS_FILENAME: &str = "invite.ics";

pub fn compose(mail: &InvitationMail<'_>) -> Result<ComposedMail, MailError> {
    let from_address = address("from", &mail.from.email)?;
    let to_address = address("to", &mail.to.email)?;
    let message_id = message_id::normalise(&mail.message_id)
        .ok_or_else(|| MailError::InvalidMessageId(mail.message_id.clone()))?;
    if !carries_method(mail.ics, mail.method) {
        return Err(MailError::MethodMismatch {
            expected: mail.method,
        });
    }

    let body = body::render(mail);
    let calendar_type = content_type(&format!(
        "text/calendar; method={}; charset=UTF-8",
        mail.method.as_str()
    ))?;
    let attachment_type = content_type(&format!("application/ics; name=\"{ICS_FILENAME}\""))?;

    let alternative = MultiPart::alternative()
        .boundary(boundary(&message_id, "alt"))
        .singlepart(SinglePart::plain(body.text))
        .singlepart(SinglePart::html(body.html))
        .singlepart(
            SinglePart::builder()
                .header(calendar_type)
                .body(mail.ics.to_owned()),
        );
    let mixed = MultiPart::mixed()
        .boundary(boundary(&message_id, "mixed"))
        .multipart(alternative)
        .singlepart(
            Attachment::new(ICS_FILENAME.to_owned()).body(mail.ics.to_owned(), attachment_type),
        );

    let message = Message::builder()
        .from(Mailbox::new(
            display_name(&mail.from.name),
            from_address.clone(),
        ))
        .to(Mailbox::new(
            display_name(&mail.to.name),
            to_address.clone(),
        ))
        .subject(body.subject)
        .date(SystemTime::from(mail.date))
        .message_id(Some(message_id.clone()))
        // Legacy Exchange/CDO hint that this is a meeting message; harmless elsewhere.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Class"),
            "urn:content-classes:calendarmessage".to_owned(),
        ))
        .multipart(mixed)
        .map_err(|e| MailError::Build(e.to_string()))?;

    let envelope = Envelope::new(Some(from_address), vec![to_address])
        .map_err(|e| MailError::Build(format!("envelope: {e}")))?;
    Ok(ComposedMail {
        message_id,
        envelope,
        bytes: message.formatted(),
    })
}

fn address(field: &'static str, email: &str) -> Result<Address, MailError> {
    email.trim().parse().map_err(|_| MailError::InvalidAddress {
        field,
        value: email.to_owned(),
    })
}

fn display_name(name: &str) -> Option<String> {
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn content_type(value: &str) -> Result<ContentType, MailError> {
    ContentType::parse(value).map_err(|e| MailError::Build(format!("{value}: {e}")))
}

/// RFC 6047 §2.4: the MIME `method` must equal the object's METHOD.
fn carries_method(ics: &str, method: Method) -> bool {
    ics.split("\r\n")
        .any(|line| line.eq_ignore_ascii_case(&format!("METHOD:{}", method.as_str())))
}

/// Boundaries derive from the Message-ID so the bytes are reproducible. `=_` cannot occur in
/// quoted-printable or base64 output, so a boundary never collides with a body line.
fn boundary(message_id: &str, part: &str) -> String {
    let digest = Sha256::digest(format!("{part}\0{message_id}").as_bytes());
    format!("=_meetflow_{part}_{}", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use meetflow_ics::{Attendee, AttendeeRole, CalendarInvite};

    pub(crate) fn sample_ics(method: Method) -> String {
        meetflow_ics::render(&CalendarInvite {
            method,
            uid: "appt-1@meetflow.example".into(),
            sequence: 0,
            dtstamp: Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap(),
            start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
            summary: "Beratung für Müller & Söhne".into(),
            description: "Bring <notes>".into(),
            organizer: CalAddress {
                email: "scheduling@acme.example".into(),
                name: "Acme Scheduling".into(),
            },
            attendees: vec![Attendee {
                address: CalAddress {
                    email: "jane@example.com".into(),
                    name: "Jane \"JD\" Doe".into(),
                },
                role: AttendeeRole::Required,
            }],
            join_url: Some("https://teams.microsoft.com/l/meetup-join/abc".into()),
        })
    }

    fn mail(ics: &str, method: Method, step: Step, audience: Audience) -> InvitationMail<'_> {
        InvitationMail {
            from: CalAddress {
                email: "scheduling@acme.example".into(),
                name: "Acme Scheduling".into(),
            },
            to: Recipient {
                email: "jane@example.com".into(),
                name: "Jane <b>Doe</b>".into(),
                timezone: chrono_tz::Europe::Berlin,
                locale: Locale::De,
            },
            audience,
            step,
            title: "Beratung für <Müller> & Söhne".into(),
            description: "Line one\r\n<script>alert(1)</script>".into(),
            start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
            join_url: Some("https://teams.microsoft.com/l/meetup-join/abc".into()),
            ics,
            method,
            message_id: "<abc123@mail.acme.example>".into(),
            date: Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap(),
        }
    }

    fn text_of(composed: &ComposedMail) -> String {
        String::from_utf8(composed.bytes.clone()).expect("utf8")
    }

    #[test]
    fn bytes_are_deterministic() {
        let ics = sample_ics(Method::Request);
        let m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        let a = compose(&m).unwrap();
        let b = compose(&m).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.message_id, "<abc123@mail.acme.example>");
        let text = text_of(&a);
        assert!(text.contains("Message-ID: <abc123@mail.acme.example>\r\n"));
        assert!(text.contains("Date: Sat, 10 Jan 2026 09:00:00 +0000\r\n"));
        assert!(text.contains("method=REQUEST"));
        assert!(
            !text.replace("\r\n", "").contains(['\r', '\n']),
            "RFC 5322: only CRLF line ends"
        );
    }

    #[test]
    fn method_must_match_the_ics() {
        let ics = sample_ics(Method::Request);
        let m = mail(
            &ics,
            Method::Cancel,
            Step::Cancelled { reason: None },
            Audience::Client,
        );
        assert_eq!(
            compose(&m),
            Err(MailError::MethodMismatch {
                expected: Method::Cancel
            })
        );
    }

    #[test]
    fn rejects_bad_addresses_and_ids() {
        let ics = sample_ics(Method::Request);
        let mut m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        m.to.email = "not an address".into();
        assert!(matches!(
            compose(&m),
            Err(MailError::InvalidAddress { field: "to", .. })
        ));
        let mut m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        m.message_id = "no id".into();
        assert!(matches!(compose(&m), Err(MailError::InvalidMessageId(_))));
    }

    mod arbitrary_input {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            /// Whatever users type, the message stays well-formed RFC 5322: CRLF only, no line
            /// over 998 octets, and the headers cannot be split by injected line breaks.
            #[test]
            fn any_text_yields_a_well_formed_message(
                title in any::<String>(),
                description in any::<String>(),
                name in any::<String>(),
                reason in any::<String>(),
            ) {
                let ics = sample_ics(Method::Cancel);
                let mut m = mail(&ics, Method::Cancel, Step::Cancelled { reason: Some(reason) }, Audience::Client);
                m.title = title;
                m.description = description;
                m.to.name = name;
                let bytes = compose(&m).expect("compose").bytes;
                let text = String::from_utf8(bytes).expect("lettre emits ASCII/UTF-8");
                let lines: Vec<&str> = text.split("\r\n").collect();
                for line in &lines {
                    prop_assert!(!line.contains(['\r', '\n']), "bare CR/LF in {:?}", line);
                    prop_assert!(line.len() <= 998, "line of {} octets", line.len());
                }
                let headers = &lines[..lines.iter().position(|l| l.is_empty()).expect("header end")];
                let names: Vec<&str> = headers
                    .iter()
                    .filter(|l| !l.starts_with([' ', '\t']))
                    .map(|l| l.split(':').next().unwrap_or_default())
                    .collect();
                prop_assert_eq!(
                    names,
                    ["From", "To", "Subject", "Date", "Message-ID", "Content-Class", "MIME-Version", "Content-Type"]
                );
            }
        }
    }
}
