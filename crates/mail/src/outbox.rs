//! A directory of `.eml` files standing in for an SMTP relay in the embedded stack.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::compose::ComposedMail;
use crate::error::SendError;
use crate::transport::Transport;

/// The file name is a function of the Message-ID, and the file appears by rename, so a
/// retried send of the same delivery replaces its own file instead of adding a second mail,
/// and a reader never sees a half-written one.
///
/// Each file is the message as a final delivery agent stores it: a `Return-Path:` line with the
/// envelope sender (RFC 5321 §4.4), then the composed bytes unchanged. The envelope is thus
/// visible in the embedded stack, as it would be in a recipient's mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the mail with this Message-ID lands.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(file_name(message_id))
    }

    fn write(&self, mail: &ComposedMail) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".sending-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        temp.write_all(return_path(mail).as_bytes())?;
        temp.write_all(&mail.bytes)?;
        temp.as_file().sync_all()?;
        temp.persist(self.path_for(&mail.message_id))
            .map_err(|e| e.error)?;
        // Make the rename itself durable before reporting the mail as sent.
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

impl Transport for Outbox {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let outbox = self.clone();
        let mail = mail.clone();
        tokio::task::spawn_blocking(move || outbox.write(&mail))
            .await
            .map_err(|e| temporary(format!("outbox writer stopped: {e}")))?
            .map_err(|e| temporary(format!("writing to outbox {}: {e}", self.dir.display())))
    }
}

/// `<>` is the null reverse-path of RFC 5321 §4.5.5; composed mails always have a sender.
fn return_path(mail: &ComposedMail) -> String {
    let sender = mail
        .envelope
        .from()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("Return-Path: <{sender}>\r\n")
}

fn temporary(text: String) -> SendError {
    SendError::Temporary { code: None, text }
}

/// A readable, filesystem-safe name; the hash suffix keeps ids that differ only in replaced
/// characters apart.
fn file_name(message_id: &str) -> String {
    let bare = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let readable: String = bare
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(bare.as_bytes());
    format!("{readable}-{}.eml", hex::encode(&digest[..6]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_is_stable_and_safe() {
        let a = file_name("<abc/../x@mail.example>");
        assert_eq!(a, file_name("<abc/../x@mail.example>"));
        assert!(a.ends_with(".eml"));
        assert!(!a.contains('/'));
        assert!(a.starts_with("abc_.._x@mail.example-"));
        assert_ne!(file_name("<a/b@x>"), file_name("<a_b@x>"));
    }
}
