//! SMTP delivery through lettre, with replies classified into permanent and temporary failures.

use std::error::Error as _;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::compose::ComposedMail;
use crate::error::{MailError, SendError};
use crate::transport::Transport;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text. Only for a relay on loopback (tests, a local MTA).
    None,
    /// Plain connect, then STARTTLS is required (submission, port 587).
    StartTls,
    /// TLS from the first byte (submissions, port 465).
    ImplicitTls,
}

/// AUTH credentials; the password never appears in Debug output.
#[derive(Clone)]
pub struct SmtpCredentials {
    username: String,
    password: String,
}

impl SmtpCredentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<SmtpCredentials>,
    /// Bound on one whole attempt (connect, TLS, EHLO, AUTH, MAIL, RCPT, DATA). lettre's own
    /// timeout covers only the TCP connect, so a relay that accepts and then stalls would
    /// otherwise hold the activity until its heartbeat or start-to-close timeout.
    pub timeout: Duration,
    /// Upper bound of pooled connections.
    pub max_connections: u32,
    /// EHLO name; defaults to the machine's host name.
    pub hello_name: Option<String>,
    /// Extra trusted roots in PEM (a private relay CA), on top of the public web PKI roots.
    pub extra_root_certificates_pem: Vec<Vec<u8>>,
}

impl SmtpSettings {
    pub fn new(host: impl Into<String>, port: u16, security: SmtpSecurity) -> Self {
        Self {
            host: host.into(),
            port,
            security,
            credentials: None,
            timeout: Duration::from_secs(30),
            max_connections: 4,
            hello_name: None,
            extra_root_certificates_pem: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    relay: String,
    timeout: Duration,
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("relay", &self.relay)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    /// Must be called inside a Tokio runtime (the connection pool lives on it).
    pub fn new(settings: SmtpSettings) -> Result<Self, MailError> {
        if settings.security == SmtpSecurity::None && !is_loopback(&settings.host) {
            return Err(MailError::Settings(format!(
                "plain-text SMTP is only allowed to a loopback relay, not {}",
                settings.host
            )));
        }
        let tls = match settings.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters(&settings)?),
            SmtpSecurity::ImplicitTls => Tls::Wrapper(tls_parameters(&settings)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            .pool_config(
                PoolConfig::new()
                    .max_size(settings.max_connections.max(1))
                    .idle_timeout(Duration::from_secs(60)),
            );
        if let Some(name) = &settings.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        if let Some(credentials) = &settings.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        Ok(Self {
            inner: builder.build(),
            relay: format!("{}:{}", settings.host, settings.port),
            host: settings.host.clone(),
            timeout: settings.timeout,
        })
    }
}

impl SmtpTransport {
    /// The relay's host name, for logs and traces.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl Transport for SmtpTransport {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        match tokio::time::timeout(
            self.timeout,
            self.inner.send_raw(&mail.envelope, &mail.bytes),
        )
        .await
        {
            Ok(result) => result.map(drop).map_err(classify),
            Err(_) => Err(SendError::Temporary {
                code: None,
                text: format!(
                    "no complete SMTP exchange with {} within {:?}",
                    self.relay, self.timeout
                ),
            }),
        }
    }
}

impl SmtpTransport {
    /// Connects and greets the relay as a send would (EHLO, STARTTLS, AUTH as configured), then
    /// sends NOOP instead of a message: proves the relay takes this configuration without
    /// mailing anyone (`meetflow doctor`).
    pub async fn check(&self) -> Result<(), SendError> {
        match tokio::time::timeout(self.timeout, self.inner.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(SendError::Temporary {
                code: None,
                text: format!("{} did not answer NOOP", self.relay),
            }),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(SendError::Temporary {
                code: None,
                text: format!(
                    "no SMTP greeting from {} within {:?}",
                    self.relay, self.timeout
                ),
            }),
        }
    }
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    for pem in &settings.extra_root_certificates_pem {
        let certificate = Certificate::from_pem(pem)
            .map_err(|e| MailError::Settings(format!("extra root certificate: {e}")))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build()
        .map_err(|e| MailError::Settings(format!("TLS: {e}")))
}

/// 5xx replies are final; everything else (4xx, refused or dropped connections, TLS and
/// timeouts) may succeed on a later attempt.
fn classify(error: lettre::transport::smtp::Error) -> SendError {
    let code = error
        .status()
        .and_then(|code| code.to_string().parse::<u16>().ok());
    // The source of a reply error is the server's own text.
    let text = match (code, error.source()) {
        (Some(_), Some(server_text)) => server_text.to_string(),
        _ => error.to_string(),
    };
    match code {
        Some(code) if error.is_permanent() => SendError::Permanent { code, text },
        code => SendError::Temporary { code, text },
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    // lettre's connection pool needs a runtime, as it has in the worker.
    #[tokio::test]
    async fn plain_text_only_to_loopback() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]"] {
            assert!(SmtpTransport::new(SmtpSettings::new(host, 25, SmtpSecurity::None)).is_ok());
        }
        let err = SmtpTransport::new(SmtpSettings::new("smtp.example", 25, SmtpSecurity::None))
            .unwrap_err();
        assert!(matches!(err, MailError::Settings(_)));
    }

    #[tokio::test]
    async fn credentials_debug_hides_password() {
        let mut settings = SmtpSettings::new("smtp.example", 587, SmtpSecurity::StartTls);
        settings.credentials = Some(SmtpCredentials::new("user", "hunter2-secret"));
        let debug = format!("{settings:?}");
        assert!(debug.contains("user"));
        assert!(!debug.contains("hunter2-secret"));
    }
}
