//! From, Sender, Reply-To and the SMTP envelope sender in both `FromHeader` modes, as an
//! independent MIME parser and a real SMTP server see them (docs/invitations.md, "Who a mail
//! is from").

use meetflow_mail::{Audience, ComposedMail, FromHeader, Locale, SmtpTransport, Step, Transport};
use serde_json::{Value, json};

use crate::support::fixtures::{self, SENDING_ADDRESS};
use crate::support::inspect;
use crate::support::sink::{SmtpSink, plain};

fn composed(mode: FromHeader, to_email: &str) -> ComposedMail {
    let sender = fixtures::sender(mode);
    let ics = fixtures::ics(&Step::Approved, None);
    let to = fixtures::recipient(to_email, Locale::En);
    let mut mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
    mail.sender = &sender;
    meetflow_mail::compose(&mail).expect("compose")
}

fn organizer() -> Value {
    let organizer = fixtures::organizer();
    json!([{"name": organizer.name, "address": organizer.email}])
}

fn sending_mailbox() -> Value {
    json!([{"name": "Acme Meetings", "address": SENDING_ADDRESS}])
}

/// What each mode must put in the header, as (From, Sender, Reply-To).
fn expected(mode: FromHeader) -> Value {
    match mode {
        FromHeader::Organizer => json!({
            "From": organizer(), "Sender": sending_mailbox(), "Reply-To": null
        }),
        FromHeader::SendingMailbox => json!({
            "From": sending_mailbox(), "Sender": null, "Reply-To": organizer()
        }),
    }
}

const MODES: [FromHeader; 2] = [FromHeader::Organizer, FromHeader::SendingMailbox];

#[test]
fn header_fields_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = MODES
        .iter()
        .map(|&mode| {
            let path = dir.path().join(format!("{mode:?}.eml"));
            std::fs::write(&path, composed(mode, "jane@client.example").bytes).unwrap();
            path
        })
        .collect();
    for (mode, parsed) in MODES.iter().zip(inspect::eml_files(&files)) {
        assert_eq!(parsed["originator"], expected(*mode), "{mode:?}");
    }
}

/// RFC 5321 MAIL FROM is the sending mailbox whatever `From:` shows: the relay authenticates
/// and bounces to the deployment's own address.
#[tokio::test]
async fn the_relay_sees_the_sending_mailbox_as_envelope_sender() {
    let sink = SmtpSink::start(&[]);
    let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
    for mode in MODES {
        let mail = composed(mode, &format!("{mode:?}@client.example"));
        smtp.send(&mail).await.expect("accepted");
    }
    let stored = sink.messages();
    assert_eq!(stored.len(), MODES.len());
    for ((mode, eml), parsed) in MODES.iter().zip(&stored).zip(inspect::eml_files(&stored)) {
        let envelope = SmtpSink::envelope_of(eml);
        assert_eq!(envelope["mail_from"], SENDING_ADDRESS, "{mode:?}");
        assert_eq!(parsed["originator"], expected(*mode), "{mode:?}");
    }
}
