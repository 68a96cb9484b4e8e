//! Object keys: the deterministic key of a recording, and the rules every key must meet so it
//! is the same harmless path on S3 and on a local disk.

use sha2::{Digest, Sha256};

use crate::StorageError;

/// S3's limit on key length.
const MAX_KEY_BYTES: usize = 1024;

/// Ids at most this long that use only [`is_verbatim_byte`] characters appear as they are, so an
/// operator can find a tenant's recordings by eye; anything else is hashed.
const MAX_VERBATIM_ID_BYTES: usize = 64;

/// The key under which a recording is stored: `recordings/{tenant}/{appointment}/{artifact}.mp4`.
///
/// The same ids always give the same key, so a retried copy lands on the same object. Each id
/// appears verbatim when it is short and made of `[A-Za-z0-9_-]`; otherwise (Graph's long
/// base64 recording ids, anything with `/`, `.` or `%`) it becomes `~` followed by its SHA-256
/// in hex. `~` never appears in a verbatim id, so the two forms cannot collide, and neither can
/// produce `..`, an empty segment or a leading `/`.
pub fn recording_key(tenant_id: &str, appointment_id: &str, provider_artifact_id: &str) -> String {
    format!(
        "recordings/{}/{}/{}.mp4",
        path_segment(tenant_id),
        path_segment(appointment_id),
        path_segment(provider_artifact_id)
    )
}

fn is_verbatim_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn path_segment(id: &str) -> String {
    let verbatim =
        !id.is_empty() && id.len() <= MAX_VERBATIM_ID_BYTES && id.bytes().all(is_verbatim_byte);
    if verbatim {
        id.to_owned()
    } else {
        format!("~{}", hex::encode(Sha256::digest(id.as_bytes())))
    }
}

/// A key accepted by [`crate::RecordingStorage`]: relative, `/`-separated, non-empty segments of
/// `[A-Za-z0-9._~-]`, none of them `.` or `..`.
///
/// The alphabet is deliberately narrow: `%`, `#` and the like have special meanings to the local
/// store (percent-decoding, multipart staging files) and to URLs, so they are kept out entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectKey(String);

impl ObjectKey {
    pub(crate) fn parse(key: &str) -> Result<Self, StorageError> {
        let invalid = |reason| StorageError::InvalidKey {
            key: key.to_owned(),
            reason,
        };
        if key.is_empty() {
            return Err(invalid("empty"));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(invalid("longer than 1024 bytes"));
        }
        for segment in key.split('/') {
            if segment.is_empty() {
                return Err(invalid("leading, trailing or doubled '/'"));
            }
            if segment == "." || segment == ".." {
                return Err(invalid("'.' or '..' segment"));
            }
            let allowed = |b: u8| is_verbatim_byte(b) || b == b'.' || b == b'~';
            if !segment.bytes().all(allowed) {
                return Err(invalid("characters outside [A-Za-z0-9._~-]"));
            }
        }
        Ok(ObjectKey(key.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_stay_readable() {
        assert_eq!(
            recording_key("contoso", "appt-42", "rec_1"),
            "recordings/contoso/appt-42/rec_1.mp4"
        );
    }

    #[test]
    fn unsafe_ids_are_hashed_into_valid_keys() {
        for hostile in [
            "..",
            "../../etc/passwd",
            "/abs",
            "a/b",
            "",
            "a%2Fb",
            "x#1",
            "é",
            ".",
        ] {
            let key = recording_key(hostile, hostile, hostile);
            ObjectKey::parse(&key).unwrap_or_else(|e| panic!("{hostile:?} gave {key}: {e}"));
            assert!(!key.contains(".."), "{key}");
            assert_eq!(key.matches('/').count(), 3, "{key}");
        }
    }

    #[test]
    fn long_graph_ids_are_hashed_and_distinct() {
        let a = "VjIjI0MTkxNjQ2NThiZWE3LWVlNjctNDIyZi1hZTNjLTE1ZWVhOGQ0ZDQ3ZA".repeat(4) + "==";
        let b = a.replace("==", "=A");
        let (ka, kb) = (recording_key("t", "a", &a), recording_key("t", "a", &b));
        assert_ne!(ka, kb);
        assert!(ka.len() < 120, "{ka}");
        assert_eq!(ka, recording_key("t", "a", &a), "deterministic");
    }

    #[test]
    fn a_verbatim_id_never_equals_a_hashed_one() {
        // The hashed form of "a/b" must not be reachable by choosing a verbatim id.
        let hashed = path_segment("a/b");
        assert!(hashed.starts_with('~'));
        assert_ne!(path_segment(&hashed), hashed);
    }

    #[test]
    fn key_rules() {
        for bad in [
            "", "/a", "a/", "a//b", "a/../b", "./a", "a b", "a%20", "a#1", "a\\b",
        ] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ObjectKey::parse(&"a".repeat(1025)).is_err());
        for good in ["a", "a/b.mp4", "~ab/..x/y..", "recordings/t/a/r.mp4"] {
            assert!(ObjectKey::parse(good).is_ok(), "{good:?} rejected");
        }
    }
}
