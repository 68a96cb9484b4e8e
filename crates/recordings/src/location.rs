//! The storage URL from configuration, parsed into where objects live.

use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::StorageError;
use crate::key::ObjectKey;

/// Where recordings are stored, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StorageLocation {
    /// A local folder (absolute; relative URLs are resolved against the working directory).
    Local { root: PathBuf },
    /// An S3-compatible bucket, with keys placed under `prefix` (validated like a key).
    S3 {
        bucket: String,
        prefix: Option<ObjectKey>,
    },
}

/// Characters escaped when a local path is shown as a `file://` URL.
const FILE_URL_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl StorageLocation {
    /// Parses `file:///abs/path`, `file://relative/path` or `s3://bucket[/prefix]`.
    ///
    /// Errors describe the problem without repeating the URL, which might embed credentials.
    pub(crate) fn parse(url: &str, working_dir: &Path) -> Result<Self, StorageError> {
        let config = |reason: String| StorageError::Config { reason };
        if let Some(rest) = url.strip_prefix("file://") {
            if rest.contains(['?', '#']) {
                return Err(config("file:// URLs take no query or fragment".into()));
            }
            let decoded = percent_decode_str(rest)
                .decode_utf8()
                .map_err(|_| config("file:// path is not UTF-8 once percent-decoded".into()))?;
            if decoded.is_empty() {
                return Err(config("file:// URL names no folder".into()));
            }
            let path = Path::new(decoded.as_ref());
            let root = if path.is_absolute() {
                path.to_path_buf()
            } else {
                working_dir.join(path)
            };
            Ok(StorageLocation::Local { root })
        } else if let Some(rest) = url.strip_prefix("s3://") {
            let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if authority.contains('@') {
                return Err(config(
                    "s3:// URL must not embed credentials; set AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY instead"
                        .into(),
                ));
            }
            if rest.contains(['?', '#']) {
                return Err(config("s3:// URLs take no query or fragment".into()));
            }
            if !is_bucket_name(authority) {
                return Err(config(format!(
                    "{authority:?} is not an S3 bucket name (3-63 characters of [a-z0-9.-], \
                     starting and ending with a letter or digit); the endpoint comes from \
                     AWS_ENDPOINT_URL, not the URL"
                )));
            }
            let prefix = prefix.trim_end_matches('/');
            let prefix = if prefix.is_empty() {
                None
            } else {
                Some(ObjectKey::parse(prefix).map_err(|e| config(format!("s3:// prefix: {e}")))?)
            };
            Ok(StorageLocation::S3 {
                bucket: authority.to_owned(),
                prefix,
            })
        } else {
            let scheme = url.split_once("://").map_or("", |(s, _)| s);
            Err(config(format!(
                "unsupported scheme {scheme:?}; expected file:// or s3://"
            )))
        }
    }

    /// How an object is referred to outside this crate (store records, logs).
    pub(crate) fn object_url(&self, key: &ObjectKey) -> String {
        match self {
            StorageLocation::Local { root } => {
                let path = root.join(key.as_str());
                let path = path.to_string_lossy();
                format!("file://{}", utf8_percent_encode(&path, FILE_URL_ESCAPES))
            }
            StorageLocation::S3 { bucket, prefix } => match prefix {
                Some(prefix) => format!("s3://{bucket}/{}/{}", prefix.as_str(), key.as_str()),
                None => format!("s3://{bucket}/{}", key.as_str()),
            },
        }
    }
}

fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge_ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (3..=63).contains(&bytes.len())
        && bytes.first().is_some_and(edge_ok)
        && bytes.last().is_some_and(edge_ok)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<StorageLocation, StorageError> {
        StorageLocation::parse(url, Path::new("/srv/meetflow"))
    }

    #[test]
    fn file_urls() {
        assert_eq!(
            parse("file:///var/rec").unwrap(),
            StorageLocation::Local {
                root: "/var/rec".into()
            }
        );
        assert_eq!(
            parse("file://data/recordings").unwrap(),
            StorageLocation::Local {
                root: "/srv/meetflow/data/recordings".into()
            }
        );
        assert_eq!(
            parse("file:///var/my%20rec").unwrap(),
            StorageLocation::Local {
                root: "/var/my rec".into()
            }
        );
        assert!(parse("file://").is_err());
        assert!(parse("file:///x?y").is_err());
    }

    #[test]
    fn s3_urls() {
        let key = |k: &str| ObjectKey::parse(k).unwrap();
        assert_eq!(
            parse("s3://meetflow-rec/prod/eu/").unwrap(),
            StorageLocation::S3 {
                bucket: "meetflow-rec".into(),
                prefix: Some(key("prod/eu"))
            }
        );
        assert_eq!(
            parse("s3://meetflow-rec").unwrap(),
            StorageLocation::S3 {
                bucket: "meetflow-rec".into(),
                prefix: None
            }
        );
        for bad in [
            "s3://",
            "s3://UPPER",
            "s3://ab",
            "s3://b/../x",
            "s3://b//x",
            "s3://b/x?y",
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn errors_never_echo_embedded_credentials() {
        let err = parse("s3://AKIAEXAMPLE:s3cr3tValue@bucket/p").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cr3tValue"), "{shown}");
        assert!(!shown.contains("AKIAEXAMPLE"), "{shown}");
        let err = parse("https://user:s3cr3tValue@example.com/").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cr3tValue"));
    }

    #[test]
    fn object_urls() {
        let key = ObjectKey::parse("recordings/t/a/r.mp4").unwrap();
        let s3 = parse("s3://bkt/pre").unwrap();
        assert_eq!(s3.object_url(&key), "s3://bkt/pre/recordings/t/a/r.mp4");
        let local = parse("file:///var/my rec").unwrap();
        assert_eq!(
            local.object_url(&key),
            "file:///var/my%20rec/recordings/t/a/r.mp4"
        );
    }
}
