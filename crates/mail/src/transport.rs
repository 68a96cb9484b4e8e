use std::future::Future;

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

impl Transport for MailTransport {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        match self {
            MailTransport::Outbox(outbox) => outbox.send(mail).await,
            MailTransport::Smtp(smtp) => smtp.send(mail).await,
        }
    }
}
