//! Composition checked by an independent MIME parser (Python's `email`), and delivery through
//! the outbox and through a real SMTP server (aiosmtpd) started on a free loopback port.

#[path = "../../../tests/peers/peers.rs"]
mod peers;

mod fixtures {
    use chrono::{DateTime, TimeZone, Utc};
    use meetflow_ics::{Attendee, AttendeeRole, CalendarInvite};
    use meetflow_mail::{
        Audience, CalAddress, InvitationMail, Locale, Method, Recipient, Step, message_id_for,
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
            from: organizer(),
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
}

mod inspect {
    use std::path::{Path, PathBuf};

    use serde_json::Value;

    use super::peers;

    /// Parses .eml files with Python's `email` package; one JSON object per file.
    pub fn eml_files(files: &[PathBuf]) -> Vec<Value> {
        let python = peers::python_with("email");
        let args: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        serde_json::from_slice(&peers::run(&python, "mime_inspect.py", &args)).expect("JSON")
    }
}

mod sink {
    use std::io::{BufRead, BufReader};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};

    use super::peers;

    /// aiosmtpd on a free loopback port; killed when dropped.
    pub struct SmtpSink {
        child: Child,
        pub port: u16,
        maildir: tempfile::TempDir,
    }

    impl SmtpSink {
        pub fn start(extra_args: &[&str]) -> Self {
            let python = peers::python_with("aiosmtpd");
            let maildir = tempfile::tempdir().expect("tempdir");
            let mut child = Command::new(python)
                .arg(peers::peers_dir().join("smtp_sink.py"))
                .arg(maildir.path())
                .args(extra_args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start smtp_sink.py");
            let mut line = String::new();
            BufReader::new(child.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("read READY line");
            let port = line
                .strip_prefix("READY ")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or_else(|| panic!("smtp_sink.py did not start: {line:?}"));
            Self {
                child,
                port,
                maildir,
            }
        }

        /// Stored messages in arrival order.
        pub fn messages(&self) -> Vec<PathBuf> {
            let mut files: Vec<PathBuf> = std::fs::read_dir(self.maildir.path())
                .expect("maildir")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect();
            files.sort();
            files
        }

        pub fn envelope_of(eml: &Path) -> serde_json::Value {
            let json = std::fs::read(eml.with_extension("json")).expect("envelope json");
            serde_json::from_slice(&json).expect("JSON")
        }
    }

    impl Drop for SmtpSink {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

mod mime_structure {
    use meetflow_mail::{Audience, Locale, Step, compose};
    use serde_json::json;

    use super::{fixtures, inspect};

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

        for ((_, ics, method, step, locale, join_url, composed), mail) in cases.iter().zip(&parsed)
        {
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
}

mod golden {
    use std::path::PathBuf;

    use meetflow_mail::{Audience, Locale, Step, compose};

    use super::fixtures;

    /// Snapshots of whole messages (client mails in German, technician mails in English), so a
    /// change of copy, headers or structure shows up in review.
    /// `UPDATE_GOLDEN=1 cargo test -p meetflow-mail --test delivery golden` rewrites them.
    #[test]
    fn every_mail_matches_its_golden_file() {
        let update = std::env::var_os("UPDATE_GOLDEN").is_some();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let mut mismatches = Vec::new();
        for (audience, locale) in [
            (Audience::Client, Locale::De),
            (Audience::Technician, Locale::En),
        ] {
            for step in fixtures::steps() {
                let step_name = match step {
                    Step::Approved => "approved",
                    Step::Rescheduled => "rescheduled",
                    Step::Cancelled { .. } => "cancelled",
                };
                let name = format!("{audience:?}-{step_name}.{}.eml", locale.tag()).to_lowercase();
                let ics = fixtures::ics(&step, Some(fixtures::JOIN_URL));
                let to = fixtures::recipient("jane@client.example", locale);
                let mail = fixtures::mail(&ics, to, audience, step, Some(fixtures::JOIN_URL));
                let bytes = compose(&mail).expect("compose").bytes;
                let path = dir.join(&name);
                if update {
                    std::fs::write(&path, &bytes).expect("write golden");
                } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                    mismatches.push(name);
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "mails differ from golden files: {mismatches:?}"
        );
    }
}

mod outbox {
    use meetflow_mail::{Audience, Locale, Outbox, Step, Transport, compose};

    use super::fixtures;

    #[tokio::test]
    async fn a_repeated_send_overwrites_itself() {
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
        assert_eq!(std::fs::read(path).unwrap(), composed.bytes);
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
}

mod smtp {
    use std::time::Duration;

    use meetflow_mail::{
        Audience, ComposedMail, Locale, SendError, SmtpCredentials, SmtpSecurity, SmtpSettings,
        SmtpTransport, Step, Transport, compose,
    };

    use super::{fixtures, inspect, sink::SmtpSink};

    pub(super) fn composed(to_email: &str) -> (ComposedMail, String) {
        let step = Step::Rescheduled;
        let ics = fixtures::ics(&step, Some(fixtures::JOIN_URL));
        let to = fixtures::recipient(to_email, Locale::De);
        let mail = fixtures::mail(&ics, to, Audience::Client, step, Some(fixtures::JOIN_URL));
        (compose(&mail).unwrap(), ics)
    }

    fn plain(port: u16) -> SmtpSettings {
        let mut settings = SmtpSettings::new("127.0.0.1", port, SmtpSecurity::None);
        settings.timeout = Duration::from_secs(10);
        settings
    }

    #[tokio::test]
    async fn delivers_a_parsable_imip_message() {
        let sink = SmtpSink::start(&[]);
        let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
        let (mail, ics) = composed("jane@client.example");

        smtp.send(&mail).await.expect("accepted");

        let stored = sink.messages();
        assert_eq!(stored.len(), 1);
        let envelope = SmtpSink::envelope_of(&stored[0]);
        assert_eq!(envelope["mail_from"], "scheduling@acme.example");
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

    #[tokio::test]
    async fn rejection_is_permanent_with_the_server_text() {
        let sink = SmtpSink::start(&[]);
        let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
        let err = smtp
            .send(&composed("reject-jane@client.example").0)
            .await
            .unwrap_err();
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
        let sink = SmtpSink::start(&[]);
        let smtp = SmtpTransport::new(plain(sink.port)).unwrap();
        let err = smtp
            .send(&composed("later-jane@client.example").0)
            .await
            .unwrap_err();
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
}

mod smtp_tls {
    use std::time::Duration;

    use meetflow_mail::{SmtpCredentials, SmtpSecurity, SmtpSettings, SmtpTransport, Transport};

    use super::{inspect, sink::SmtpSink};

    /// A throw-away certificate for `localhost`, written where the sink can read it.
    struct TestCertificate {
        dir: tempfile::TempDir,
        pem: String,
    }

    impl TestCertificate {
        fn new() -> Self {
            let certified =
                rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
            let dir = tempfile::tempdir().unwrap();
            let pem = certified.cert.pem();
            std::fs::write(dir.path().join("cert.pem"), &pem).unwrap();
            std::fs::write(
                dir.path().join("key.pem"),
                certified.signing_key.serialize_pem(),
            )
            .unwrap();
            Self { dir, pem }
        }

        fn path(&self, name: &str) -> String {
            self.dir.path().join(name).display().to_string()
        }
    }

    fn start_sink(cert: &TestCertificate, mode: &str) -> SmtpSink {
        SmtpSink::start(&[
            "--tls-mode",
            mode,
            "--tls-cert",
            &cert.path("cert.pem"),
            "--tls-key",
            &cert.path("key.pem"),
            "--auth",
            "meetflow:s3cret",
        ])
    }

    fn settings(cert: &TestCertificate, port: u16, security: SmtpSecurity) -> SmtpSettings {
        let mut settings = SmtpSettings::new("localhost", port, security);
        settings.timeout = Duration::from_secs(10);
        settings.credentials = Some(SmtpCredentials::new("meetflow", "s3cret"));
        settings.extra_root_certificates_pem = vec![cert.pem.clone().into_bytes()];
        settings
    }

    async fn deliver_over(mode: &str, security: SmtpSecurity) {
        let cert = TestCertificate::new();
        let sink = start_sink(&cert, mode);
        let smtp = SmtpTransport::new(settings(&cert, sink.port, security)).unwrap();
        let (mail, ics) = super::smtp::composed("jane@client.example");
        smtp.send(&mail)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        let stored = sink.messages();
        assert_eq!(stored.len(), 1);
        let parsed = &inspect::eml_files(&stored)[0];
        assert_eq!(parsed["calendar"][0]["payload"], ics.as_str());
    }

    #[tokio::test]
    async fn starttls_with_auth() {
        deliver_over("starttls", SmtpSecurity::StartTls).await;
    }

    #[tokio::test]
    async fn implicit_tls_with_auth() {
        deliver_over("implicit", SmtpSecurity::ImplicitTls).await;
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_not_accepted() {
        let cert = TestCertificate::new();
        let sink = start_sink(&cert, "implicit");
        let mut untrusted = settings(&cert, sink.port, SmtpSecurity::ImplicitTls);
        untrusted.extra_root_certificates_pem.clear();
        let smtp = SmtpTransport::new(untrusted).unwrap();
        let (mail, _) = super::smtp::composed("jane@client.example");
        assert!(smtp.send(&mail).await.is_err());
        assert!(sink.messages().is_empty());
    }
}
