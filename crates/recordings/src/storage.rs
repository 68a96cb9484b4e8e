//! Streaming recordings into the configured object store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, WriteMultipart};

use crate::error::{Operation, StorageError};
use crate::key::ObjectKey;
use crate::location::StorageLocation;
use crate::progress::ProgressThrottle;

/// S3's minimum part size (except for the last part). Together with [`PARTS_IN_FLIGHT`] this
/// bounds memory per copy at roughly (PARTS_IN_FLIGHT + 1) × PART_SIZE whatever the recording's
/// size, and still allows 10 000 × 5 MiB ≈ 48 GiB objects.
const PART_SIZE: usize = 5 * 1024 * 1024;

/// Two parts uploading while the third fills keeps the link busy without holding more memory.
const PARTS_IN_FLIGHT: usize = 2;

/// A recording that has been stored completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// `s3://bucket/prefix/key` or `file:///abs/folder/key`.
    pub location: String,
    /// Bytes stored.
    pub size: u64,
}

/// The tenant recordings' object store: an S3-compatible bucket or a local folder.
#[derive(Clone)]
pub struct RecordingStorage {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) location: Arc<StorageLocation>,
    /// The same S3 client as `store`, for presigned URLs; `None` for a local folder.
    pub(crate) signer: Option<Arc<AmazonS3>>,
}

/// Only the location: the S3 client's own Debug would print its credentials.
impl fmt::Debug for RecordingStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingStorage")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl RecordingStorage {
    /// Opens the store named by `url` (`file:///abs/path`, `file://relative/path` or
    /// `s3://bucket/prefix`). S3 endpoint, region and credentials come from the standard AWS
    /// environment variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`, ...). A local folder is created if missing.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::from_url_with_env(url, env)
    }

    /// As [`Self::from_url`], with the `AWS_*` settings taken from `env` instead of the process
    /// environment (for callers that hold configuration elsewhere, and tests).
    pub fn from_url_with_env<I>(url: &str, env: I) -> Result<Self, StorageError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let working_dir = std::env::current_dir().map_err(|e| StorageError::Config {
            reason: format!("cannot resolve a relative file:// URL: {e}"),
        })?;
        let mut location = StorageLocation::parse(url, &working_dir)?;
        let (store, signer): (Arc<dyn ObjectStore>, _) = match &mut location {
            StorageLocation::Local { root } => {
                let (store, canonical) = open_local(root)?;
                // Reported locations then name the folder without `..` or symlinks.
                *root = canonical;
                (Arc::new(store), None)
            }
            StorageLocation::S3 { bucket, .. } => {
                let s3 = Arc::new(open_s3(bucket, env)?);
                (s3.clone(), Some(s3))
            }
        };
        Ok(Self {
            store,
            location: Arc::new(location),
            signer,
        })
    }

    /// Streams `chunks` into `key` and returns where it was stored and how big it is.
    ///
    /// Memory stays bounded (about 15 MiB) whatever the size. The object becomes visible under
    /// `key` only once complete (S3 multipart completion, or a rename of the local staging
    /// file), so a failure, crash or cancellation never leaves a truncated object there; an
    /// existing object under `key` is replaced atomically. `progress` receives the running byte
    /// count roughly every 8 MiB or every second (whichever comes first), and once at the end.
    ///
    /// If the future is dropped (activity cancelled), the upload is aborted in the background;
    /// after a crash, an S3 bucket's incomplete-multipart-upload lifecycle rule reclaims the parts.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        mut chunks: S,
        mut progress: impl FnMut(u64),
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        let failed = |operation, e| StorageError::backend(operation, key.as_str(), e);
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(|e| failed(Operation::StartUpload, e))?;
        let mut writer = AbortOnDrop::new(WriteMultipart::new_with_chunk_size(upload, PART_SIZE));
        let mut throttle = ProgressThrottle::new(Instant::now());
        let mut size = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(source) => {
                    writer.abort().await;
                    return Err(StorageError::Source {
                        bytes_read: size,
                        source: Box::new(source),
                    });
                }
            };
            // Back-pressure on the source: no more parts in memory than the store accepts.
            if let Err(e) = writer.get().wait_for_capacity(PARTS_IN_FLIGHT).await {
                writer.abort().await;
                return Err(failed(Operation::UploadPart, e));
            }
            size += chunk.len() as u64;
            writer.get().put(chunk);
            if throttle.should_report(size, Instant::now()) {
                progress(size);
            }
        }
        writer
            .finish()
            .await
            .map_err(|e| failed(Operation::CompleteUpload, e))?;
        if throttle.needs_final_report(size) {
            progress(size);
        }
        Ok(self.stored_object(&key, size))
    }

    /// What is stored under `key`: its location and size as [`Self::put_stream`] reported them,
    /// or `None`. An object appears under its key only once complete, so `Some` means an
    /// earlier copy finished and a retried copy can record it instead of copying again. It does
    /// not say *which* source was copied: keys are per recording (see [`crate::recording_key`]).
    pub async fn head(&self, key: &str) -> Result<Option<StoredObject>, StorageError> {
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(self.stored_object(&key, meta.size))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StorageError::backend(Operation::Head, key.as_str(), e)),
        }
    }

    /// Writes a few bytes under `key` and deletes them again: proves the store is reachable and
    /// writable (`meetflow doctor`). The object is deleted even when reading it back fails.
    pub async fn probe(&self, key: &str) -> Result<(), StorageError> {
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        let failed = |operation, e| StorageError::backend(operation, key.as_str(), e);
        let body = Bytes::from_static(b"meetflow doctor probe; safe to delete\n");
        self.store
            .put(&path, body.into())
            .await
            .map_err(|e| failed(Operation::Put, e))?;
        let read = self.store.head(&path).await;
        let deleted = self.store.delete(&path).await;
        read.map_err(|e| failed(Operation::Head, e))?;
        deleted.map_err(|e| failed(Operation::Delete, e))
    }

    fn stored_object(&self, key: &ObjectKey, size: u64) -> StoredObject {
        StoredObject {
            location: self.location.object_url(key),
            size,
        }
    }

    pub(crate) fn object_path(&self, key: &ObjectKey) -> Result<ObjectPath, StorageError> {
        let full = match self.location.as_ref() {
            StorageLocation::S3 {
                prefix: Some(prefix),
                ..
            } => format!("{}/{}", prefix.as_str(), key.as_str()),
            _ => key.as_str().to_owned(),
        };
        // ObjectKey's rules are stricter than object_store's, so this cannot fail in practice.
        ObjectPath::parse(&full).map_err(|_| StorageError::InvalidKey {
            key: key.as_str().to_owned(),
            reason: "rejected by the object store's path rules",
        })
    }
}

/// Configured like `AmazonS3Builder::from_env`, but from `env` rather than the process.
fn open_s3<I>(bucket: &str, env: I) -> Result<AmazonS3, StorageError>
where
    I: IntoIterator<Item = (String, String)>,
{
    env.into_iter()
        .filter(|(name, _)| name.starts_with("AWS_"))
        .filter_map(|(name, value)| {
            let key = name
                .to_ascii_lowercase()
                .parse::<AmazonS3ConfigKey>()
                .ok()?;
            Some((key, value))
        })
        .fold(AmazonS3Builder::new(), |builder, (key, value)| {
            builder.with_config(key, value)
        })
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| StorageError::Config {
            reason: format!("S3 client: {e}"),
        })
}

/// Creates the folder if needed; returns the store and the folder's canonical path.
fn open_local(root: &Path) -> Result<(LocalFileSystem, PathBuf), StorageError> {
    let config = |what: &str, e: &dyn fmt::Display| StorageError::Config {
        reason: format!("{what} local storage folder {}: {e}", root.display()),
    };
    std::fs::create_dir_all(root).map_err(|e| config("cannot create", &e))?;
    let canonical = std::fs::canonicalize(root).map_err(|e| config("cannot resolve", &e))?;
    let store =
        LocalFileSystem::new_with_prefix(&canonical).map_err(|e| config("cannot open", &e))?;
    Ok((store, canonical))
}

/// Aborts an unfinished multipart upload when the copy is abandoned (error or cancellation),
/// so S3 does not keep billing for orphaned parts and no local staging file is left behind.
struct AbortOnDrop(Option<WriteMultipart>);

impl AbortOnDrop {
    fn new(writer: WriteMultipart) -> Self {
        Self(Some(writer))
    }

    fn get(&mut self) -> &mut WriteMultipart {
        self.0
            .as_mut()
            .expect("upload is finished or aborted only once")
    }

    fn take(&mut self) -> WriteMultipart {
        self.0
            .take()
            .expect("upload is finished or aborted only once")
    }

    async fn finish(mut self) -> object_store::Result<object_store::PutResult> {
        self.take().finish().await
    }

    async fn abort(mut self) {
        if let Err(e) = self.take().abort().await {
            tracing::warn!(error = %e, "could not abort an unfinished recording upload");
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some(writer) = self.0.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move {
                if let Err(e) = writer.abort().await {
                    tracing::warn!(error = %e, "could not abort a cancelled recording upload");
                }
            })),
            Err(_) => drop(writer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Activities run on a multi-threaded runtime: the copy must be `Send` whenever its
    /// progress callback is.
    #[test]
    fn put_stream_future_is_send() {
        fn assert_send<T: Send>(_: T) {}
        let dir = tempfile::tempdir().unwrap();
        let storage = RecordingStorage::from_url(&format!("file://{}", dir.path().display()))
            .expect("local storage");
        let chunks = futures::stream::iter(Vec::<Result<Bytes, std::io::Error>>::new());
        let mut reported = 0;
        assert_send(storage.put_stream("k", chunks, |n| reported = n));
        assert_send(storage.head("k"));
    }
}
