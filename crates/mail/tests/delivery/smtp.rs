//! Plain-text SMTP to aiosmtpd: delivery, AUTH, and how each kind of failure is classified.

use std::time::Duration;

use meetflow_mail::{SendError, SmtpCredentials, SmtpTransport, Transport};

use crate::support::fixtures::{self, rescheduled as composed};
use crate::support::inspect;
use crate::support::sink::{SmtpSink, plain};

#[tokio::test]
async fn delivers_a_parsable_imip_message() {
    let sink = SmtpSink::start(&[]);
    let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
    let (mail, ics) = composed("jane@client.example");

    smtp.send(&mail).await.expect("accepted");

    let stored = sink.messages();
    assert_eq!(stored.len(), 1);
    let envelope = SmtpSink::envelope_of(&stored[0]);
    assert_eq!(envelope["mail_from"], fixtures::SENDING_ADDRESS);
    assert_eq!(mail.envelope.to()[0].to_string(), "jane@client.example");
    assert_eq!(envelope["rcpt_tos"][0], "jane@client.example");
    let parsed = &inspect::eml_files(&stored)[0];
    assert_eq!(parsed["message_id"], mail.message_id);
    assert_eq!(parsed["calendar"][0]["method"], "REQUEST");
    assert_eq!(parsed["calendar"][0]["payload"], ics.as_str());
    assert_eq!(parsed["attachments"][0]["payload"], ics.as_str());
}

#[tokio::test]
async fn authenticates_and_reports_bad_credentials_as_permanent() {
    let sink = SmtpSink::start(&["--auth", "meetflow:s3cret"]);
    let (mail, _) = composed("jane@client.example");

    let mut good = plain(sink.port);
    good.credentials = Some(SmtpCredentials::new("meetflow", "s3cret"));
    SmtpTransport::new(good)
        .unwrap()
        .send(&mail)
        .await
        .expect("authenticated send");

    let mut bad = plain(sink.port);
    bad.credentials = Some(SmtpCredentials::new("meetflow", "wrong"));
    let err = SmtpTransport::new(bad)
        .unwrap()
        .send(&mail)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::Permanent { code: 535, .. }),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("wrong"),
        "secret must not leak: {err}"
    );
    assert_eq!(sink.messages().len(), 1);
}

/// A send to a recipient the sink refuses (its local part says how); the sink stays up so the
/// caller can check what it stored.
async fn refused(to_email: &str) -> (SmtpSink, SendError) {
    let sink = SmtpSink::start(&[]);
    let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
    let err = smtp.send(&composed(to_email).0).await.unwrap_err();
    (sink, err)
}

#[tokio::test]
async fn rejection_is_permanent_with_the_server_text() {
    let (sink, err) = refused("reject-jane@client.example").await;
    match &err {
        SendError::Permanent { code, text } => {
            assert_eq!(*code, 550);
            assert!(text.contains("Recipient address rejected"), "{text}");
        }
        other => panic!("expected permanent, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn greylisting_is_temporary() {
    let (_sink, err) = refused("later-jane@client.example").await;
    assert!(
        matches!(&err, SendError::Temporary { code: Some(451), text } if text.contains("Greylisted")),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn no_server_is_temporary() {
    // Bind then release a port so nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp = SmtpTransport::new(plain(port)).unwrap();
    let err = smtp
        .send(&composed("jane@client.example").0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::Temporary { code: None, .. }),
        "{err:?}"
    );
}

/// A relay that accepts the connection and then says nothing must not hang the activity.
#[tokio::test]
async fn a_silent_server_times_out_as_temporary() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut settings = plain(port);
    settings.timeout = Duration::from_secs(1);
    let smtp = SmtpTransport::new(settings).unwrap();
    let started = std::time::Instant::now();
    let err = smtp
        .send(&composed("jane@client.example").0)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    drop(listener);
}

/// The window SMTP cannot close: the server has taken the message but the reply is lost
/// (a crash, a dropped connection, or a kill between "accepted" and "recorded"). The
/// activity sees a retryable failure, retries, and the server gets the mail twice — with the
/// same Message-ID and identical bytes, so receivers and calendar clients (same UID and
/// SEQUENCE) treat it as one. See docs/invitations.md.
#[tokio::test]
async fn a_lost_acceptance_is_retried_as_the_same_message() {
    let sink = SmtpSink::start(&[]);
    let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
    let (mail, _) = composed("vanish-jane@client.example");

    let first = smtp.send(&mail).await.unwrap_err();
    assert!(
        first.is_retryable(),
        "lost reply must be retryable: {first:?}"
    );
    assert_eq!(sink.messages().len(), 1, "yet the server stored it");

    // The retry recomposes from the same inputs, as a retried activity does.
    let (retry, _) = composed("vanish-jane@client.example");
    assert_eq!(retry.bytes, mail.bytes);
    let _ = smtp.send(&retry).await;

    let stored = sink.messages();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        std::fs::read(&stored[0]).unwrap(),
        std::fs::read(&stored[1]).unwrap(),
        "both copies are byte-identical"
    );
    let parsed = inspect::eml_files(&stored);
    assert_eq!(parsed[0]["message_id"], parsed[1]["message_id"]);
}
