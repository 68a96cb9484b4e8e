//! Invitation mails (RFC 6047 iMIP) and their delivery.
//!
//! [`compose`] turns one [`InvitationMail`] into deterministic bytes: the same input (Message-ID
//! and Date from the caller, derived from the delivery key and the workflow clock) always yields
//! the same message, so a retried activity re-sends an identical mail that receivers dedupe by
//! Message-ID. [`MailSender`] decides whether `From:` names the ICS ORGANIZER (with the sending
//! mailbox as `Sender:`) or the sending mailbox (with the organizer as `Reply-To:`); the SMTP
//! envelope sender is always the sending mailbox. Delivery goes through a [`Transport`]: the
//! file [`Outbox`] for the embedded stack, or [`SmtpTransport`].

mod body;
mod compose;
mod error;
mod html;
mod locale;
mod message_id;
mod originator;
mod outbox;
mod smtp;
mod transport;

pub use compose::{Audience, ComposedMail, InvitationMail, Recipient, Step, compose};
pub use error::{MailError, SendError};
/// HTML-escapes user text keeping its line breaks (also used for the Graph event body).
pub use html::escape_multiline as html_escape_multiline;
pub use lettre::Address;
pub use lettre::address::Envelope;
pub use locale::{Locale, UnknownLocale};
pub use meetflow_ics::{CalAddress, Method};
pub use message_id::message_id_for;
pub use originator::{FromHeader, MailSender};
pub use outbox::Outbox;
pub use smtp::{SmtpCredentials, SmtpSecurity, SmtpSettings, SmtpTransport};
pub use transport::{MailTransport, Transport};
