//! A directory of `.eml` files standing in for an SMTP relay in the embedded stack.

use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::compose::ComposedMail;
use crate::error::SendError;
use crate::transport::Transport;

/// The file name is a function of the Message-ID, and a file appears under its name only whole
/// and synced, so a retried send of the same delivery finds its own file instead of adding a
/// second mail (composition is deterministic: the file holds the bytes the retry would write),
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
        let dir = self.open_dir()?;
        let name = file_name(&mail.message_id);
        let head = return_path(mail);
        place(&dir, &self.dir, &name, &[head.as_bytes(), &mail.bytes])?;
        // The name must be durable before the mail counts as sent — also when an earlier attempt
        // placed the file and died before this sync.
        dir.sync_all()
    }

    /// The directory, created when missing (first mail, or removed since): the mail path's
    /// common case is one open, not a `mkdir` and a `stat` per mail as well.
    fn open_dir(&self) -> std::io::Result<File> {
        match File::open(&self.dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir)?;
                File::open(&self.dir)
            }
            opened => opened,
        }
    }
}

/// Writes `contents` to a file that appears as `name` in `dir` whole and synced; keeps the file
/// already there, if any (an earlier attempt's, which appeared the same way).
fn place(dir: &File, dir_path: &Path, name: &str, contents: &[&[u8]]) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    match unnamed::place(dir, name, contents) {
        Err(e) if unnamed::unsupported(&e) => {}
        placed => return placed,
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    named::place(dir_path, name, contents)
}

/// Linux: the mail is written to an unnamed file (`O_TMPFILE`) and linked under its name once
/// synced. Unlike a temporary name renamed into place, a crash before the link leaves nothing
/// behind in the outbox, and there is no temporary directory entry to create and remove (a
/// little less for the directory's sync to write, per mail).
#[cfg(target_os = "linux")]
mod unnamed {
    use std::fs::File;
    use std::io::Write as _;
    use std::os::fd::AsRawFd as _;

    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;

    pub(super) fn place(dir: &File, name: &str, contents: &[&[u8]]) -> std::io::Result<()> {
        let mut file = File::from(rustix::fs::openat(
            dir,
            ".",
            OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
            // Owner only, as the named fallback's temporary file (a mail holds personal data).
            Mode::from_raw_mode(0o600),
        )?);
        for part in contents {
            file.write_all(part)?;
        }
        file.sync_all()?;
        // linkat(2) with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; through /proc it needs
        // nothing (open(2), O_TMPFILE).
        let unnamed = format!("/proc/self/fd/{}", file.as_raw_fd());
        match rustix::fs::linkat(CWD, unnamed.as_str(), dir, name, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) | Err(Errno::EXIST) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The filesystem or kernel has no `O_TMPFILE`, or there is no /proc to link through.
    pub(super) fn unsupported(e: &std::io::Error) -> bool {
        matches!(
            Errno::from_io_error(e),
            Some(Errno::OPNOTSUPP | Errno::ISDIR | Errno::NOENT)
        )
    }
}

/// Elsewhere: a temporary name in the same directory, renamed into place unless the name is
/// taken. A crash before the rename leaves a `.sending-*.tmp` file behind.
mod named {
    use std::io::Write as _;
    use std::path::Path;

    pub(super) fn place(dir: &Path, name: &str, contents: &[&[u8]]) -> std::io::Result<()> {
        let mut temp = tempfile::Builder::new()
            .prefix(".sending-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        for part in contents {
            temp.write_all(part)?;
        }
        temp.as_file().sync_all()?;
        match temp.persist_noclobber(dir.join(name)) {
            Ok(_) => Ok(()),
            // Dropping the error's file removes the temporary one.
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e.error),
        }
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

    /// Each way of placing a file (the unnamed one where Linux has it, the named fallback
    /// everywhere): the file appears whole, a second placement keeps the first, and nothing else
    /// is left in the directory.
    #[test]
    fn a_file_is_placed_once_and_nothing_else_is_left() {
        type Place = fn(&File, &Path, &str, &[&[u8]]) -> std::io::Result<()>;
        let ways: Vec<(&str, Place)> = vec![
            #[cfg(target_os = "linux")]
            ("unnamed", |dir, _, name, contents| {
                unnamed::place(dir, name, contents)
            }),
            ("named", |_, path, name, contents| {
                named::place(path, name, contents)
            }),
        ];
        for (way, place) in ways {
            let tmp = tempfile::tempdir().unwrap();
            let dir = File::open(tmp.path()).unwrap();
            place(
                &dir,
                tmp.path(),
                "m.eml",
                &[b"Return-Path: <a@b>\r\n", b"first"],
            )
            .unwrap();
            place(&dir, tmp.path(), "m.eml", &[b"second"]).unwrap();
            let stored = std::fs::read(tmp.path().join("m.eml")).unwrap();
            assert_eq!(stored, b"Return-Path: <a@b>\r\nfirst", "{way}");
            let names: Vec<_> = std::fs::read_dir(tmp.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["m.eml"], "{way}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = std::fs::metadata(tmp.path().join("m.eml"))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{way}: only the owner may read a mail");
            }
        }
    }
}
