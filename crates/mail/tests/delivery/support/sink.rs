//! aiosmtpd as the SMTP relay under test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use meetflow_mail::{SmtpSecurity, SmtpSettings};

use crate::peers;

/// Settings for a plain-text relay on loopback, patient enough for a loaded machine.
pub fn plain(port: u16) -> SmtpSettings {
    let mut settings = SmtpSettings::new("127.0.0.1", port, SmtpSecurity::None);
    settings.timeout = std::time::Duration::from_secs(10);
    settings
}

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
