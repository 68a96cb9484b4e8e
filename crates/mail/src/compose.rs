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
use crate::originator::{MailSender, Role};

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

impl Step {
    /// `approved`, `rescheduled` or `cancelled`, as the workflow's mail steps are named.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Approved => "approved",
            Step::Rescheduled => "rescheduled",
            Step::Cancelled { .. } => "cancelled",
        }
    }
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
    /// The ICS ORGANIZER (the Graph organizer mailbox when a meeting exists, else the sending
    /// mailbox); `compose` checks the ICS names it.
    pub organizer: CalAddress,
    /// The mailbox the worker submits as, and whether `From:` shows it or the organizer.
    pub sender: &'a MailSender,
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
    /// SMTP envelope: the sending mailbox as `MAIL FROM` whatever `From:` shows (bounces go
    /// to the deployment's own mailbox), the one recipient as `RCPT TO`.
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
    /// The step's [`Step::name`], for the transport's logs and traces.
    pub step: &'static str,
}

const ICS_FILENAME: &str = "invite.ics";

pub fn compose(mail: &InvitationMail<'_>) -> Result<ComposedMail, MailError> {
    let organizer = mailbox("organizer", &mail.organizer)?;
    let sending = mailbox("sender.mailbox", &mail.sender.mailbox)?;
    let to_address = address("to", &mail.to.email)?;
    let message_id = message_id::normalise(&mail.message_id)
        .ok_or_else(|| MailError::InvalidMessageId(mail.message_id.clone()))?;
    if !carries_method(mail.ics, mail.method) {
        return Err(MailError::MethodMismatch {
            expected: mail.method,
        });
    }
    if !names_organizer(mail.ics, &mail.organizer.email) {
        return Err(MailError::OrganizerMismatch {
            organizer: mail.organizer.email.clone(),
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

    let fields = mail.sender.fields(&mail.organizer);
    let mailbox_of = |role| match role {
        Role::Organizer => organizer.clone(),
        Role::SendingMailbox => sending.clone(),
    };
    let mut message = Message::builder().from(mailbox_of(fields.from));
    if let Some(role) = fields.sender {
        message = message.sender(mailbox_of(role));
    }
    if let Some(role) = fields.reply_to {
        message = message.reply_to(mailbox_of(role));
    }
    let message = message
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

    let envelope = Envelope::new(Some(sending.email), vec![to_address])
        .map_err(|e| MailError::Build(format!("envelope: {e}")))?;
    Ok(ComposedMail {
        message_id,
        envelope,
        bytes: message.formatted(),
        step: mail.step.name(),
    })
}

fn address(field: &'static str, email: &str) -> Result<Address, MailError> {
    email.trim().parse().map_err(|_| MailError::InvalidAddress {
        field,
        value: email.to_owned(),
    })
}

fn mailbox(field: &'static str, who: &CalAddress) -> Result<Mailbox, MailError> {
    Ok(Mailbox::new(
        display_name(&who.name),
        address(field, &who.email)?,
    ))
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

/// RFC 6047 §2.3: receivers take the organizer from the calendar part, so the addresses in the
/// header must be the ICS ORGANIZER's, not whatever the caller happened to pass.
fn names_organizer(ics: &str, email: &str) -> bool {
    let mailto = format!(":mailto:{}", email.trim()).to_ascii_lowercase();
    // Unfold (RFC 5545 §3.1) so a long CN cannot split the property across lines.
    ics.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .split("\r\n")
        .map(str::to_ascii_lowercase)
        .any(|line| {
            (line.starts_with("organizer:") || line.starts_with("organizer;"))
                && line.ends_with(&mailto)
        })
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
    use crate::originator::FromHeader;
    use chrono::TimeZone;
    use meetflow_ics::{Attendee, AttendeeRole, CalendarInvite};
    use std::sync::LazyLock;

    fn organizer() -> CalAddress {
        CalAddress {
            email: "scheduling@acme.example".into(),
            name: "Acme Scheduling".into(),
        }
    }

    fn sending_mailbox(from_header: FromHeader) -> MailSender {
        MailSender {
            mailbox: CalAddress {
                email: "noreply@mail.acme.example".into(),
                name: "Acme Meetings".into(),
            },
            from_header,
        }
    }

    static SENDER: LazyLock<MailSender> = LazyLock::new(|| sending_mailbox(FromHeader::Organizer));

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
            organizer: organizer(),
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
            organizer: organizer(),
            sender: &SENDER,
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
        let mut m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        m.organizer.email = "scheduling at acme".into();
        assert!(matches!(
            compose(&m),
            Err(MailError::InvalidAddress {
                field: "organizer",
                ..
            })
        ));
    }

    /// The header names the calendar's organizer or nobody: a caller that renders one
    /// ORGANIZER into the ICS and passes another is a bug, not a mail to send.
    #[test]
    fn organizer_must_be_the_ics_organizer() {
        let ics = sample_ics(Method::Request);
        let mut m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        m.organizer.email = "someone-else@acme.example".into();
        assert_eq!(
            compose(&m),
            Err(MailError::OrganizerMismatch {
                organizer: "someone-else@acme.example".into()
            })
        );
        m.organizer.email = " Scheduling@ACME.example ".into();
        assert!(compose(&m).is_ok(), "addresses compare case-insensitively");
    }

    /// A long CN folds the ORGANIZER line; the check must read the unfolded property.
    #[test]
    fn a_folded_organizer_line_is_recognised() {
        let long_name = format!("Acme Scheduling {}", "Department ".repeat(8));
        let ics =
            sample_ics(Method::Request).replace("CN=Acme Scheduling", &format!("CN={long_name}"));
        let ics = ics
            .split("\r\n")
            .map(meetflow_ics::fold_line)
            .collect::<Vec<_>>()
            .join("\r\n");
        assert!(
            !ics.contains(&format!("CN={long_name}")),
            "the ORGANIZER line is folded"
        );
        let m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        assert!(compose(&m).is_ok());
    }

    /// The From, Sender and Reply-To lines (absent ones as `None`) and the envelope sender.
    fn originator_of(sender: &MailSender) -> ([Option<String>; 3], Option<String>) {
        let ics = sample_ics(Method::Request);
        let mut m = mail(&ics, Method::Request, Step::Approved, Audience::Client);
        m.sender = sender;
        let composed = compose(&m).unwrap();
        let text = text_of(&composed);
        let headers = &text[..text.find("\r\n\r\n").expect("header end")];
        let field = |name: &str| {
            headers
                .split("\r\n")
                .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                .map(str::to_owned)
        };
        (
            [field("From"), field("Sender"), field("Reply-To")],
            composed.envelope.from().map(ToString::to_string),
        )
    }

    const ORGANIZER: &str = "\"Acme Scheduling\" <scheduling@acme.example>";
    const SENDING: &str = "\"Acme Meetings\" <noreply@mail.acme.example>";

    #[test]
    fn from_is_the_organizer_and_sender_the_sending_mailbox() {
        let (fields, envelope) = originator_of(&SENDER);
        assert_eq!(fields, [Some(ORGANIZER.into()), Some(SENDING.into()), None]);
        assert_eq!(envelope.as_deref(), Some("noreply@mail.acme.example"));
    }

    #[test]
    fn a_relay_mode_keeps_from_the_sending_mailbox_and_replies_go_to_the_organizer() {
        let (fields, envelope) = originator_of(&sending_mailbox(FromHeader::SendingMailbox));
        assert_eq!(fields, [Some(SENDING.into()), None, Some(ORGANIZER.into())]);
        assert_eq!(envelope.as_deref(), Some("noreply@mail.acme.example"));
    }

    #[test]
    fn the_sending_mailbox_as_organizer_writes_from_alone() {
        for mode in [FromHeader::Organizer, FromHeader::SendingMailbox] {
            let (fields, envelope) = originator_of(&MailSender {
                mailbox: organizer(),
                from_header: mode,
            });
            assert_eq!(fields, [Some(ORGANIZER.into()), None, None], "{mode:?}");
            assert_eq!(envelope.as_deref(), Some("scheduling@acme.example"));
        }
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
                    ["From", "Sender", "To", "Subject", "Date", "Message-ID", "Content-Class", "MIME-Version", "Content-Type"]
                );
            }
        }
    }
}
