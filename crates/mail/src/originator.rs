//! Who a mail says it comes from, and who actually submits it.
//!
//! RFC 6047 §2: for a REQUEST or CANCEL the *originator* of an iMIP message is the Organizer.
//! Only the Organizer may update or cancel the event (§2.2.1), and a receiver may guard
//! against a spoofed organizer by rejecting iMIP mail "sent by users other than the ORGANIZER"
//! (§3). So `From:` shows the ICS ORGANIZER. The worker usually submits as its own mailbox,
//! though (the organizer is a Graph mailbox it holds no credentials for): RFC 5322 §3.6.2 names
//! that mailbox in `Sender:` (Outlook shows "on behalf of"). It is also the SMTP envelope sender
//! in every mode, so bounces reach a mailbox the deployment owns and SPF is checked against the
//! deployment's own domain.

use meetflow_ics::CalAddress;

/// Which mailbox the `From:` header names (configuration `mail.from_organizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FromHeader {
    /// `From:` the organizer and `Sender:` the sending mailbox (when they differ): what
    /// RFC 6047 and calendar clients expect.
    #[default]
    Organizer,
    /// `From:` the sending mailbox and `Reply-To:` the organizer (when they differ), for a relay
    /// that refuses a From address it does not own (no "send as" right, DMARC alignment).
    /// Replies still reach the organizer; clients that insist on From = ORGANIZER may show
    /// the mail as coming from a third party.
    SendingMailbox,
}

/// The mailbox the worker submits mail as (`mail.from`, `mail.from_name`) and how `From:` is
/// chosen; built once from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSender {
    /// The SMTP envelope sender (`MAIL FROM`) of every mail.
    pub mailbox: CalAddress,
    pub from_header: FromHeader,
}

/// Whose mailbox fills a header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Organizer,
    SendingMailbox,
}

/// The originator header fields of one mail (RFC 5322 §3.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OriginatorFields {
    pub(crate) from: Role,
    pub(crate) sender: Option<Role>,
    pub(crate) reply_to: Option<Role>,
}

impl MailSender {
    /// The fields for a mail whose ICS ORGANIZER is `organizer`. A `Sender:` equal to `From:`
    /// SHOULD NOT be written (RFC 5322 §3.6.2), and a `Reply-To:` equal to `From:` says nothing,
    /// so a mail from the sending mailbox's own calendar carries `From:` alone.
    pub(crate) fn fields(&self, organizer: &CalAddress) -> OriginatorFields {
        const FROM_ORGANIZER: OriginatorFields = OriginatorFields {
            from: Role::Organizer,
            sender: None,
            reply_to: None,
        };
        if same_mailbox(&self.mailbox, organizer) {
            return FROM_ORGANIZER;
        }
        match self.from_header {
            FromHeader::Organizer => OriginatorFields {
                sender: Some(Role::SendingMailbox),
                ..FROM_ORGANIZER
            },
            FromHeader::SendingMailbox => OriginatorFields {
                from: Role::SendingMailbox,
                sender: None,
                reply_to: Some(Role::Organizer),
            },
        }
    }
}

/// Domains are case-insensitive; local parts are in theory not, but no mail system that hosts
/// an organizer mailbox treats them so, and a spurious `Sender:` is the only cost of erring.
fn same_mailbox(a: &CalAddress, b: &CalAddress) -> bool {
    a.email.trim().eq_ignore_ascii_case(b.email.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(email: &str, name: &str) -> CalAddress {
        CalAddress {
            email: email.into(),
            name: name.into(),
        }
    }

    fn sender(from_header: FromHeader) -> MailSender {
        MailSender {
            mailbox: mailbox("noreply@mail.acme.example", "Acme Meetings"),
            from_header,
        }
    }

    #[test]
    fn organizer_mode_names_the_sending_mailbox_as_sender() {
        let fields = sender(FromHeader::Organizer).fields(&mailbox("dana@acme.example", "Dana"));
        assert_eq!(
            fields,
            OriginatorFields {
                from: Role::Organizer,
                sender: Some(Role::SendingMailbox),
                reply_to: None
            }
        );
    }

    #[test]
    fn sending_mailbox_mode_sends_replies_to_the_organizer() {
        let fields =
            sender(FromHeader::SendingMailbox).fields(&mailbox("dana@acme.example", "Dana"));
        assert_eq!(
            fields,
            OriginatorFields {
                from: Role::SendingMailbox,
                sender: None,
                reply_to: Some(Role::Organizer)
            }
        );
    }

    #[test]
    fn the_sending_mailbox_as_organizer_needs_from_alone() {
        let organizer = mailbox(" NoReply@Mail.Acme.Example ", "Acme Meetings");
        for mode in [FromHeader::Organizer, FromHeader::SendingMailbox] {
            let fields = sender(mode).fields(&organizer);
            assert_eq!(
                fields,
                OriginatorFields {
                    from: Role::Organizer,
                    sender: None,
                    reply_to: None
                },
                "{mode:?}"
            );
        }
    }
}
