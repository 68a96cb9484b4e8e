//! Whole messages compared with reviewed snapshots in `tests/golden/`.

use std::path::PathBuf;

use meetflow_mail::{Audience, FromHeader, Locale, MailSender, Step, compose};

use crate::support::fixtures;

/// Snapshots of whole messages (client mails in German, technician mails in English, in the
/// default `From:` mode; one client mail with `From:` the sending mailbox), so a change of copy,
/// headers or structure shows up in review.
/// `UPDATE_GOLDEN=1 cargo test -p meetflow-mail --test delivery golden` rewrites them.
#[test]
fn every_mail_matches_its_golden_file() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let relay_mode = fixtures::sender(FromHeader::SendingMailbox);
    let mut cases: Vec<(Audience, Locale, Step, &MailSender, &str)> = Vec::new();
    for (audience, locale) in [
        (Audience::Client, Locale::De),
        (Audience::Technician, Locale::En),
    ] {
        for step in fixtures::steps() {
            cases.push((audience, locale, step, &fixtures::SENDER, ""));
        }
    }
    cases.push((
        Audience::Client,
        Locale::De,
        Step::Approved,
        &relay_mode,
        ".from-sending-mailbox",
    ));

    let mut mismatches = Vec::new();
    for (audience, locale, step, sender, variant) in cases {
        let step_name = match step {
            Step::Approved => "approved",
            Step::Rescheduled => "rescheduled",
            Step::Cancelled { .. } => "cancelled",
        };
        let name = format!("{audience:?}-{step_name}.{}{variant}.eml", locale.tag()).to_lowercase();
        let ics = fixtures::ics(&step, Some(fixtures::JOIN_URL));
        let to = fixtures::recipient("jane@client.example", locale);
        let mut mail = fixtures::mail(&ics, to, audience, step, Some(fixtures::JOIN_URL));
        mail.sender = sender;
        let bytes = compose(&mail).expect("compose").bytes;
        let path = dir.join(&name);
        if update {
            std::fs::write(&path, &bytes).expect("write golden");
        } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            mismatches.push(name);
        }
    }
    assert!(
        mismatches.is_empty(),
        "mails differ from golden files: {mismatches:?}"
    );
}
