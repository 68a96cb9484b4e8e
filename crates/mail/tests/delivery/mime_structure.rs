//! The RFC 6047 MIME tree, the calendar bytes and the copy, as Python's `email` parses them.

use meetflow_mail::{Audience, Locale, Step, compose};
use serde_json::json;

use crate::support::{fixtures, inspect};

/// Client and technician × approved / rescheduled / cancelled × English / German, with and
/// without a meeting: every mail has the RFC 6047 tree and carries the ICS byte for byte.
#[test]
fn every_variant_has_the_imip_tree_and_identical_calendar_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for audience in [Audience::Client, Audience::Technician] {
        for step in fixtures::steps() {
            for locale in [Locale::En, Locale::De] {
                for join_url in [Some(fixtures::JOIN_URL), None] {
                    let ics = fixtures::ics(&step, join_url);
                    let to = fixtures::recipient("jane@client.example", locale);
                    let mail = fixtures::mail(&ics, to, audience, step.clone(), join_url);
                    let composed = compose(&mail).expect("compose");
                    let method = mail.method;
                    let path = dir.path().join(format!("{}.eml", cases.len()));
                    std::fs::write(&path, &composed.bytes).unwrap();
                    cases.push((path, ics, method, step.clone(), locale, join_url, composed));
                }
            }
        }
    }
    let files: Vec<_> = cases.iter().map(|c| c.0.clone()).collect();
    let parsed = inspect::eml_files(&files);

    for ((_, ics, method, step, locale, join_url, composed), mail) in cases.iter().zip(&parsed) {
        let label = format!("{step:?} {locale:?} meeting={}", join_url.is_some());
        assert_eq!(
            mail["tree"],
            json!({"multipart/mixed": [
                {"multipart/alternative": ["text/plain", "text/html", "text/calendar"]},
                "application/ics"
            ]}),
            "{label}"
        );
        assert_eq!(mail["message_id"], composed.message_id, "{label}");
        assert_eq!(mail["content_class"], "urn:content-classes:calendarmessage");
        let calendar = &mail["calendar"][0];
        assert_eq!(calendar["method"], method.as_str(), "{label}");
        assert!(
            calendar["charset"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("utf-8")
        );
        assert_eq!(
            calendar["payload"],
            ics.as_str(),
            "{label}: inline ICS bytes"
        );
        let attachment = &mail["attachments"][0];
        assert_eq!(attachment["filename"], "invite.ics");
        assert_eq!(
            attachment["payload"],
            ics.as_str(),
            "{label}: attached ICS bytes"
        );

        let html = mail["html"].as_str().unwrap();
        let text = mail["text"].as_str().unwrap();
        for raw in ["<script>", "<b>phase", "<i>Doe", "<asked>"] {
            assert!(!html.contains(raw), "{label}: unescaped {raw} in HTML");
        }
        assert!(
            html.contains("&lt;script&gt;"),
            "{label}: description shown escaped"
        );
        let wants_button = join_url.is_some() && !matches!(step, Step::Cancelled { .. });
        assert_eq!(
            html.contains(&format!(
                "href=\"{}\"",
                fixtures::JOIN_URL.replace('&', "&amp;")
            )),
            wants_button,
            "{label}: Join button"
        );
        assert_eq!(
            text.contains(fixtures::JOIN_URL),
            wants_button,
            "{label}: join link"
        );
        let (local_time, subject_word) = match locale {
            Locale::De => ("10:00 – 11:00 Uhr (CET, Europe/Berlin)", "Dienstag"),
            Locale::En => ("04:00 – 05:00 (EST, America/New_York)", "Tuesday"),
        };
        assert!(
            text.contains(local_time),
            "{label}: time in recipient zone: {text}"
        );
        assert!(
            mail["subject"].as_str().unwrap().contains(subject_word),
            "{label}"
        );
        if let Step::Cancelled { .. } = step {
            assert!(text.contains("Client <asked> to cancel"), "{label}: reason");
        }
    }
}

/// A fold can leave a physical ICS line ending in, or a continuation starting with, extra
/// whitespace; the transfer encoding must carry it unchanged. "SUMMARY:" takes 8 of the
/// first line's 75 octets, so the 67th value octet is the last one before the fold.
#[test]
fn calendar_bytes_survive_transfer_encoding_at_any_fold_position() {
    let cases = [
        (format!("{} tail", "x".repeat(66)), " \r\n "),
        (format!("{} tail", "ä".repeat(33)), "ä \r\n "),
        (format!("{} tail", "x".repeat(67)), "x\r\n  tail"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for (i, (summary, pattern)) in cases.iter().enumerate() {
        let ics = fixtures::ics(&Step::Approved, None).replace(
            &format!("SUMMARY:{}", meetflow_ics::escape_text(fixtures::TITLE)),
            &meetflow_ics::fold_line(&format!("SUMMARY:{summary}")),
        );
        assert!(ics.contains(pattern), "case {i}: fold not where intended");
        let to = fixtures::recipient("jane@client.example", Locale::En);
        let mail = fixtures::mail(&ics, to, Audience::Client, Step::Approved, None);
        let path = dir.path().join(format!("{i}.eml"));
        std::fs::write(&path, compose(&mail).unwrap().bytes).unwrap();
        expected.push((path, ics));
    }
    let files: Vec<_> = expected.iter().map(|e| e.0.clone()).collect();
    for (parsed, (_, ics)) in inspect::eml_files(&files).iter().zip(&expected) {
        assert_eq!(parsed["calendar"][0]["payload"], ics.as_str());
        assert_eq!(parsed["attachments"][0]["payload"], ics.as_str());
    }
}

#[test]
fn audiences_get_different_copy() {
    let step = Step::Approved;
    let ics = fixtures::ics(&step, None);
    let to = || fixtures::recipient("jane@client.example", Locale::En);
    let client = compose(&fixtures::mail(
        &ics,
        to(),
        Audience::Client,
        step.clone(),
        None,
    ));
    let tech = compose(&fixtures::mail(
        &ics,
        to(),
        Audience::Technician,
        step,
        None,
    ));
    let (client, tech) = (client.unwrap(), tech.unwrap());
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(text(&client.bytes).contains("Your appointment"));
    assert!(text(&tech.bytes).contains("You are scheduled"));
}
