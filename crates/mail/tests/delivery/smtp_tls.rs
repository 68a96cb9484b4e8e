//! STARTTLS and implicit TLS with AUTH against aiosmtpd, and certificate checking.

use std::time::Duration;

use meetflow_mail::{SmtpCredentials, SmtpSecurity, SmtpSettings, SmtpTransport, Transport};

use crate::support::{fixtures, inspect, sink::SmtpSink};

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
    let (mail, ics) = fixtures::rescheduled("jane@client.example");
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
    let (mail, _) = fixtures::rescheduled("jane@client.example");
    assert!(smtp.send(&mail).await.is_err());
    assert!(sink.messages().is_empty());
}
