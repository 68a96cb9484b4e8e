use std::future::Future;
use std::time::Instant;

use tracing::{Instrument, field::Empty};

use crate::compose::ComposedMail;
use crate::error::SendError;
use crate::outbox::Outbox;
use crate::smtp::SmtpTransport;

/// Hands a composed mail to its next hop. `Ok` means the hop accepted responsibility (SMTP 250
/// after DATA, or the file is durably in the outbox).
pub trait Transport: Send + Sync {
    fn send(&self, mail: &ComposedMail) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// The configured transport, chosen at start-up.
#[derive(Debug, Clone)]
pub enum MailTransport {
    Outbox(Outbox),
    Smtp(SmtpTransport),
}

impl MailTransport {
    /// `smtp` or `outbox`.
    fn kind(&self) -> &'static str {
        match self {
            MailTransport::Outbox(_) => "outbox",
            MailTransport::Smtp(_) => "smtp",
        }
    }
}

/// Each send is a span with one log line at its end. Addresses are personal data: only the
/// recipient's domain is recorded, and of a refusal only the reply code (the server's text
/// often quotes the address). The body is never recorded.
impl Transport for MailTransport {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let host = match self {
            MailTransport::Smtp(smtp) => Some(smtp.host()),
            MailTransport::Outbox(_) => None,
        };
        let recipient_domain = mail.envelope.to().first().map(|a| a.domain());
        let span = tracing::info_span!(
            "mail",
            otel.name = %format_args!("mail {}", mail.step),
            otel.kind = "client",
            otel.status_code = Empty,
            transport = self.kind(),
            host,
            step = mail.step,
            recipient_domain,
            message_id = %mail.message_id,
            reply_code = Empty,
        );
        let began = Instant::now();
        let sent = match self {
            MailTransport::Outbox(outbox) => outbox.send(mail).instrument(span.clone()).await,
            MailTransport::Smtp(smtp) => smtp.send(mail).instrument(span.clone()).await,
        };
        let elapsed_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.in_scope(|| match &sent {
            Ok(()) => tracing::info!(elapsed_ms, "mail handed over"),
            Err(e) => {
                let (reply_code, retryable) = match e {
                    SendError::Permanent { code, .. } => (Some(*code), false),
                    SendError::Temporary { code, .. } => (*code, true),
                };
                span.record("otel.status_code", "ERROR");
                if let Some(code) = reply_code {
                    span.record("reply_code", i64::from(code));
                }
                tracing::warn!(reply_code, retryable, elapsed_ms, "mail not handed over");
            }
        });
        sent
    }
}
