//! What can go wrong while storing a recording, classified for the activity's retry decision.

use std::error::Error as StdError;
use std::fmt;

/// The storage step that failed; part of the error message so operators know where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    StartUpload,
    UploadPart,
    CompleteUpload,
    Head,
    Put,
    Delete,
    List,
    Get,
    Sign,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::StartUpload => "start upload",
            Operation::UploadPart => "upload part",
            Operation::CompleteUpload => "complete upload",
            Operation::Head => "head",
            Operation::Put => "put",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::Get => "get",
            Operation::Sign => "presign",
        })
    }
}

/// Messages never contain credentials: URLs carrying userinfo are rejected without being
/// echoed, and credentials only ever reach the store through the AWS environment variables.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The storage URL or the store's settings are wrong; retrying cannot help.
    #[error("recording storage configuration: {reason}")]
    Config { reason: String },

    /// The caller passed a key that is not a safe object key; a bug, never retryable.
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },

    /// The recording's source stream failed (e.g. the Graph download broke off): the source's
    /// fault, not the store's. Nothing was written under the key.
    #[error("recording source failed after {bytes_read} bytes: {source}")]
    Source {
        bytes_read: u64,
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },

    /// The object store refused or failed the operation.
    #[error("object storage {operation} of {key:?} failed: {source}")]
    Backend {
        operation: Operation,
        key: String,
        retryable: bool,
        #[source]
        source: object_store::Error,
    },
}

impl StorageError {
    pub(crate) fn backend(operation: Operation, key: &str, source: object_store::Error) -> Self {
        StorageError::Backend {
            operation,
            key: key.to_owned(),
            retryable: is_transient(&source),
            source,
        }
    }

    /// Whether the same copy may succeed if attempted again later.
    ///
    /// A source failure counts as retryable because a broken download is the common cause; a
    /// caller that knows better can inspect [`StorageError::source_failure`].
    pub fn is_retryable(&self) -> bool {
        match self {
            StorageError::Config { .. } | StorageError::InvalidKey { .. } => false,
            StorageError::Source { .. } => true,
            StorageError::Backend { retryable, .. } => *retryable,
        }
    }

    /// The source stream's own error when the source (not the store) failed.
    pub fn source_failure(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        match self {
            StorageError::Source { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// object_store already retries 5xx, throttling and connection errors internally, so what
/// reaches us is either a definite refusal (typed variants) or a transient failure that outlived
/// those retries; only the latter is worth another activity attempt.
fn is_transient(error: &object_store::Error) -> bool {
    use object_store::Error as E;
    match error {
        E::Generic { source, .. } => !chain_has_permanent_io_error(source.as_ref()),
        E::JoinError { .. } => true,
        // A missing bucket or folder, wrong credentials, denied access, or an unsupported
        // operation are configuration problems.
        E::NotFound { .. }
        | E::PermissionDenied { .. }
        | E::Unauthenticated { .. }
        | E::UnknownConfigurationKey { .. }
        | E::NotSupported { .. }
        | E::NotImplemented
        | E::InvalidPath { .. }
        | E::AlreadyExists { .. }
        | E::Precondition { .. }
        | E::NotModified { .. } => false,
        _ => false,
    }
}

/// Local filesystem failures arrive as `Generic` wrapping an `io::Error`; those that an
/// operator must fix (permissions, read-only mount, a file where a folder should be) are not
/// transient, while e.g. a full disk or an interrupted write may clear up.
fn chain_has_permanent_io_error(error: &(dyn StdError + 'static)) -> bool {
    use std::io::ErrorKind;
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ErrorKind::PermissionDenied
                    | ErrorKind::ReadOnlyFilesystem
                    | ErrorKind::NotADirectory
                    | ErrorKind::IsADirectory
                    | ErrorKind::InvalidInput
                    | ErrorKind::InvalidFilename
            );
        }
        next = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(source: impl StdError + Send + Sync + 'static) -> object_store::Error {
        object_store::Error::Generic {
            store: "test",
            source: Box::new(source),
        }
    }

    #[test]
    fn permission_and_configuration_failures_are_final() {
        let denied = object_store::Error::PermissionDenied {
            path: "k".into(),
            source: "403".into(),
        };
        assert!(!StorageError::backend(Operation::StartUpload, "k", denied).is_retryable());
        let io = generic(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(!StorageError::backend(Operation::UploadPart, "k", io).is_retryable());
        let config = StorageError::Config { reason: "x".into() };
        assert!(!config.is_retryable());
    }

    #[test]
    fn transient_failures_are_retryable() {
        let timeout = generic(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert!(StorageError::backend(Operation::UploadPart, "k", timeout).is_retryable());
        let opaque = generic(std::fmt::Error);
        assert!(StorageError::backend(Operation::CompleteUpload, "k", opaque).is_retryable());
    }

    #[test]
    fn source_failure_is_distinguishable() {
        let error = StorageError::Source {
            bytes_read: 3,
            source: Box::new(std::io::Error::other("graph hung up")),
        };
        let inner = error.source_failure().expect("source failure");
        assert_eq!(inner.to_string(), "graph hung up");
        assert!(error.to_string().contains("after 3 bytes"));
    }
}
