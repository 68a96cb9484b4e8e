//! Mail: the SMTP relay greeted as a send would (EHLO, STARTTLS, AUTH) without sending, or the
//! outbox folder written.

use meetflow_config::{Config, MailTransportKind};

use super::Check;

const NAME: &str = "mail";

pub async fn check(config: &Config) -> Check {
    match config.mail.transport {
        MailTransportKind::Outbox => outbox(&config.mail.outbox_dir),
        MailTransportKind::Smtp => smtp(config).await,
    }
}

fn outbox(dir: &std::path::Path) -> Check {
    let probe = dir.join(format!(".meetflow-doctor-{}", uuid::Uuid::new_v4()));
    let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&probe, b"probe"));
    let _ = std::fs::remove_file(&probe);
    match written {
        Ok(()) => Check::ok(
            NAME,
            format!(
                "outbox {}: writable (no mail leaves this machine)",
                dir.display()
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("outbox {}: {e}", dir.display()),
            "make mail.outbox_dir writable for meetflow, or configure mail.transport = \"smtp\"",
        ),
    }
}

async fn smtp(config: &Config) -> Check {
    let s = &config.mail.smtp;
    let relay = format!("{}:{}", s.host, s.port);
    let transport = match meetflow_activities::smtp_transport(s) {
        Ok(t) => t,
        Err(e) => {
            return Check::fail(NAME, format!("SMTP {relay}: {e}"), "fix [mail.smtp]");
        }
    };
    let auth = if s.username.is_some() && s.password.is_some() {
        "EHLO, AUTH and NOOP"
    } else {
        "EHLO and NOOP (no AUTH configured)"
    };
    match transport.check().await {
        Ok(()) => Check::ok(NAME, format!("SMTP {relay}: {auth} accepted; nothing sent")),
        Err(e @ meetflow_mail::SendError::Permanent { code: 535, .. }) => Check::fail(
            NAME,
            format!("SMTP {relay}: {e}"),
            "the relay refused the login: correct mail.smtp.username and the secret \
             mail.smtp.password refers to",
        ),
        Err(e) => Check::fail(
            NAME,
            format!("SMTP {relay}: {e}"),
            "make the relay reachable from this host and check mail.smtp.host, port and \
             security (starttls on 587, tls on 465)",
        ),
    }
}
