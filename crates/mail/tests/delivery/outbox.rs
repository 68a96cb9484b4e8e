//! The file outbox: one file per delivery, which a retry finds and keeps; failures are temporary.

use meetflow_mail::{Audience, FromHeader, Locale, Outbox, Step, Transport, compose};

use crate::support::fixtures;

#[tokio::test]
async fn a_repeated_send_leaves_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path().join("outbox"));
    let ics = fixtures::ics(&Step::Approved, Some(fixtures::JOIN_URL));
    let to = fixtures::recipient("jane@client.example", Locale::En);
    let mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
    let composed = compose(&mail).unwrap();

    outbox.send(&composed).await.unwrap();
    outbox.send(&compose(&mail).unwrap()).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(outbox.dir()).unwrap().collect();
    assert_eq!(files.len(), 1, "one file, no temp leftovers");
    let path = outbox.path_for(&composed.message_id);
    let stored = std::fs::read(path).unwrap();
    let message = stored
        .strip_prefix(return_path().as_bytes())
        .expect("the envelope sender first, as a delivery agent records it");
    assert_eq!(message, composed.bytes);
}

fn return_path() -> String {
    format!("Return-Path: <{}>\r\n", fixtures::SENDING_ADDRESS)
}

/// The envelope sender is the sending mailbox in both modes, whoever `From:` names.
#[tokio::test]
async fn the_file_records_the_sending_mailbox_as_envelope_sender() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let ics = fixtures::ics(&Step::Approved, None);
    for mode in [FromHeader::Organizer, FromHeader::SendingMailbox] {
        let sender = fixtures::sender(mode);
        let to = fixtures::recipient(&format!("{mode:?}@client.example"), Locale::En);
        let mut mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
        mail.sender = &sender;
        let composed = compose(&mail).unwrap();
        outbox.send(&composed).await.unwrap();
        let stored = std::fs::read(outbox.path_for(&composed.message_id)).unwrap();
        assert!(stored.starts_with(return_path().as_bytes()), "{mode:?}");
    }
}

#[tokio::test]
async fn different_deliveries_are_different_files() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    for email in ["jane@client.example", "max@acme.example"] {
        let ics = fixtures::ics(&Step::Approved, None);
        let to = fixtures::recipient(email, Locale::De);
        let mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
        outbox.send(&compose(&mail).unwrap()).await.unwrap();
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[tokio::test]
async fn an_unwritable_outbox_is_a_temporary_error() {
    let file = tempfile::NamedTempFile::new().unwrap();
    // A regular file where the directory should be.
    let outbox = Outbox::new(file.path());
    let ics = fixtures::ics(&Step::Approved, None);
    let to = fixtures::recipient("jane@client.example", Locale::En);
    let mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
    let err = outbox.send(&compose(&mail).unwrap()).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}
