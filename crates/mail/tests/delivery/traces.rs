//! What a send leaves in the logs, read back as the worker's JSON log lines: the relay, the step
//! and the recipient's domain, never the address, not even when the server's refusal quotes it.

use std::sync::{Arc, Mutex};

use meetflow_mail::{MailTransport, SmtpTransport, Transport};
use serde_json::Value;

use crate::support::fixtures::rescheduled as composed;
use crate::support::sink::{SmtpSink, plain};

/// The JSON log lines written while `send` runs, as `MEETFLOW_LOG_FORMAT=json` writes them.
async fn logged(send: impl std::future::Future<Output = ()>) -> (Vec<Value>, String) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(move || Writer(writer.clone()))
        .finish();
    {
        // The test runtime has one thread, so everything the send polls logs here.
        let _default = tracing::subscriber::set_default(subscriber);
        send.await;
    }
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, text)
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn line<'a>(lines: &'a [Value], message: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["fields"]["message"] == message)
        .unwrap_or_else(|| panic!("no {message:?} line in {lines:#?}"))
}

#[tokio::test]
async fn a_send_logs_relay_step_and_domain_only() {
    let sink = SmtpSink::start(&[]);
    let transport = MailTransport::Smtp(SmtpTransport::new(plain(sink.port)).unwrap());
    let (mail, _) = composed("jane@client.example");
    let (lines, text) = logged(async {
        transport.send(&mail).await.expect("accepted");
    })
    .await;

    let done = line(&lines, "mail handed over");
    let span = &done["span"];
    assert_eq!(span["name"], "mail");
    assert_eq!(span["transport"], "smtp");
    assert_eq!(span["host"], "127.0.0.1");
    assert_eq!(span["step"], "rescheduled");
    assert_eq!(span["recipient_domain"], "client.example");
    assert_eq!(span["message_id"], mail.message_id.as_str());
    assert!(!text.contains("jane"), "the address leaked: {text}");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_refusal_logs_its_code_not_the_servers_text() {
    let sink = SmtpSink::start(&[]);
    let transport = MailTransport::Smtp(SmtpTransport::new(plain(sink.port)).unwrap());
    let (mail, _) = composed("reject-jane@client.example");
    let (lines, text) = logged(async {
        let err = transport.send(&mail).await.unwrap_err();
        // The failure itself quotes the server, address and all; the log must not.
        assert!(
            err.to_string().contains("Recipient address rejected"),
            "{err}"
        );
    })
    .await;

    let refused = line(&lines, "mail not handed over");
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["fields"]["reply_code"], 550);
    assert_eq!(refused["fields"]["retryable"], false);
    assert_eq!(refused["span"]["reply_code"], 550);
    assert!(!text.contains("jane"), "the address leaked: {text}");
    assert!(!text.contains("Recipient address rejected"), "{text}");
}
