//! A real SMTP server for the suites: `aiosmtpd` (PyPI) via tests/peers/smtp_sink.py, on a free
//! loopback port, storing each accepted message as an `.eml` file. It exits when dropped.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

impl SmtpSink {
    pub fn start(maildir: &Path) -> Self {
        let python = std::env::var_os("MEETFLOW_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join(".venv/bin/python"));
        std::fs::create_dir_all(maildir).unwrap();
        let mut child = Command::new(&python)
            .arg(workspace().join("tests/peers/smtp_sink.py"))
            .arg(maildir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} (run scripts/setup.sh): {e}",
                    python.display()
                )
            });
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!("smtp_sink.py did not start (said {line:?}); run scripts/setup.sh")
            });
        Self {
            child,
            port,
            maildir: maildir.to_path_buf(),
        }
    }

    /// `MEETFLOW_*` overrides that send the worker's mail here.
    pub fn overrides(&self) -> Vec<(String, String)> {
        vec![
            ("MEETFLOW_MAIL__TRANSPORT".into(), "smtp".into()),
            ("MEETFLOW_MAIL__SMTP__HOST".into(), "127.0.0.1".into()),
            ("MEETFLOW_MAIL__SMTP__PORT".into(), self.port.to_string()),
            ("MEETFLOW_MAIL__SMTP__SECURITY".into(), "none".into()),
        ]
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
