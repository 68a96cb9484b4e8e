//! Copies that survive the copier: a recording is first written as a row of segments under
//! `<key>.staging/`, each a whole object of [`SEGMENT_SIZE`] bytes named by its offset, so what
//! a killed worker leaves behind is a durable prefix of the recording. A retried copy lists that
//! prefix, asks Graph only for the rest (`Range: bytes=<prefix>-`) and, once every byte is
//! staged, assembles the segments into the object under `key` (which still appears only when
//! complete) and deletes them.
//!
//! What resumes is the download from Graph, the slow and metered part. Assembly reads the
//! segments back once: object_store has no server-side concatenation, and an S3 multipart
//! upload cannot be resumed across processes through it (its upload id is not exposed).

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt, TryStreamExt, stream};
use object_store::path::Path as ObjectPath;

use crate::error::{Operation, StorageError};
use crate::key::ObjectKey;
use crate::storage::{RecordingStorage, StoredObject};

/// The unit of durability: at most this much is fetched again after a crash. Also the memory a
/// copy holds for staging, on top of [`RecordingStorage::put_stream`]'s at assembly.
pub const SEGMENT_SIZE: usize = 8 * 1024 * 1024;

impl RecordingStorage {
    /// Bytes of `key` already staged by earlier attempts: the contiguous run of segments from
    /// offset 0. Segments after a gap cannot be used and are deleted.
    pub async fn staged_bytes(&self, key: &str) -> Result<u64, StorageError> {
        let (segments, stale) = self.segments(key).await?;
        self.delete_all(key, stale).await?;
        Ok(segments.iter().map(|(_, size)| size).sum())
    }

    /// Stages `chunks` — the recording from byte `from` on, where `from` is what
    /// [`Self::staged_bytes`] returned — segment by segment, then assembles the object under
    /// `key`. `durable` receives the running count of staged bytes after each segment: what a
    /// later attempt can skip.
    pub async fn put_stream_from<S, E>(
        &self,
        key: &str,
        from: u64,
        mut chunks: S,
        mut durable: impl FnMut(u64),
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let mut staged = from;
        let mut segment = BytesMut::with_capacity(SEGMENT_SIZE);
        loop {
            let next = chunks.next().await;
            let end = next.is_none();
            match next {
                Some(Ok(mut chunk)) => {
                    while !chunk.is_empty() {
                        let take = chunk.len().min(SEGMENT_SIZE - segment.len());
                        segment.extend_from_slice(&chunk.split_to(take));
                        if segment.len() == SEGMENT_SIZE {
                            staged = self.stage(key, staged, segment.split().freeze()).await?;
                            durable(staged);
                        }
                    }
                }
                Some(Err(source)) => {
                    return Err(StorageError::Source {
                        bytes_read: staged + segment.len() as u64,
                        source: Box::new(source),
                    });
                }
                None => {}
            }
            if end {
                break;
            }
        }
        if !segment.is_empty() {
            staged = self.stage(key, staged, segment.freeze()).await?;
            durable(staged);
        }
        self.assemble(key).await
    }

    /// Writes one segment at `offset` (a single PUT: whole or absent); the new staged total.
    async fn stage(&self, key: &str, offset: u64, bytes: Bytes) -> Result<u64, StorageError> {
        let len = bytes.len() as u64;
        let path = self.segment_path(key, offset)?;
        self.store
            .put(&path, bytes.into())
            .await
            .map_err(|e| StorageError::backend(Operation::Put, key, e))?;
        Ok(offset + len)
    }

    /// Streams the staged segments, in order, into `key`; then deletes them.
    async fn assemble(&self, key: &str) -> Result<StoredObject, StorageError> {
        let (segments, stale) = self.segments(key).await?;
        self.delete_all(key, stale).await?;
        let paths: Vec<ObjectPath> = segments
            .iter()
            .map(|(offset, _)| self.segment_path(key, *offset))
            .collect::<Result<_, _>>()?;
        let store = self.store.clone();
        let owned_key = key.to_owned();
        let bytes = stream::iter(paths.clone())
            .then(move |path| {
                let (store, key) = (store.clone(), owned_key.clone());
                async move {
                    let got = store
                        .get(&path)
                        .await
                        .map_err(|e| StorageError::backend(Operation::Get, &key, e))?;
                    Ok::<_, StorageError>(
                        got.into_stream()
                            .map_err(move |e| StorageError::backend(Operation::Get, &key, e)),
                    )
                }
            })
            .try_flatten()
            .boxed();
        let stored = self.put_stream(key, bytes, |_| {}).await?;
        self.delete_all(key, paths).await?;
        Ok(stored)
    }

    /// The usable segments (offset, size) in order, and the paths of unusable ones.
    async fn segments(
        &self,
        key: &str,
    ) -> Result<(Vec<(u64, u64)>, Vec<ObjectPath>), StorageError> {
        let prefix = self.staging_prefix(key)?;
        let mut found: Vec<(u64, u64, ObjectPath)> = self
            .store
            .list(Some(&prefix))
            .map_err(|e| StorageError::backend(Operation::List, key, e))
            .try_filter_map(|meta| async move {
                let offset = meta.location.filename().and_then(|f| f.parse::<u64>().ok());
                Ok(offset.map(|o| (o, meta.size, meta.location)))
            })
            .try_collect()
            .await?;
        found.sort_by_key(|(offset, _, _)| *offset);
        let (mut usable, mut stale, mut next) = (Vec::new(), Vec::new(), 0u64);
        for (offset, size, path) in found {
            if offset == next && size > 0 {
                usable.push((offset, size));
                next += size;
            } else {
                stale.push(path);
            }
        }
        Ok((usable, stale))
    }

    async fn delete_all(&self, key: &str, paths: Vec<ObjectPath>) -> Result<(), StorageError> {
        for path in paths {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(StorageError::backend(Operation::Delete, key, e)),
            }
        }
        Ok(())
    }

    fn staging_prefix(&self, key: &str) -> Result<ObjectPath, StorageError> {
        let object = self.object_path(&ObjectKey::parse(key)?)?;
        ObjectPath::parse(format!("{object}.staging")).map_err(|_| StorageError::InvalidKey {
            key: key.to_owned(),
            reason: "its staging folder is rejected by the object store's path rules",
        })
    }

    /// Zero-padded so a listing sorts like the offsets.
    fn segment_path(&self, key: &str, offset: u64) -> Result<ObjectPath, StorageError> {
        Ok(self.staging_prefix(key)?.child(format!("{offset:020}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(range: std::ops::Range<u64>) -> Vec<u8> {
        range.map(|i| (i % 251) as u8).collect()
    }

    fn chunks(
        bytes: Vec<u8>,
        fail_after: Option<usize>,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin {
        let parts: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(100_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .enumerate()
            .map(|(i, c)| match fail_after {
                Some(n) if i >= n => Err(std::io::Error::other("connection reset")),
                _ => c,
            })
            .collect();
        stream::iter(parts)
    }

    #[tokio::test]
    async fn an_interrupted_copy_resumes_from_its_staged_segments() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            RecordingStorage::from_url(&format!("file://{}", dir.path().display())).unwrap();
        let key = "t/a/recording-1.mp4";
        let size = 2 * SEGMENT_SIZE as u64 + 12_345;
        // The first attempt breaks off after ~9.5 MB: one segment is durable.
        let mut reported = Vec::new();
        let first = storage
            .put_stream_from(key, 0, chunks(pattern(0..size), Some(95)), |n| {
                reported.push(n)
            })
            .await;
        assert!(matches!(first, Err(StorageError::Source { .. })));
        assert_eq!(reported, [SEGMENT_SIZE as u64]);
        assert_eq!(storage.head(key).await.unwrap(), None);
        let from = storage.staged_bytes(key).await.unwrap();
        assert_eq!(from, SEGMENT_SIZE as u64);
        // The retry sends only the rest.
        let stored = storage
            .put_stream_from(key, from, chunks(pattern(from..size), None), |_| {})
            .await
            .unwrap();
        assert_eq!(stored.size, size);
        let written = std::fs::read(dir.path().join(key)).unwrap();
        assert!(written == pattern(0..size), "not byte-identical");
        assert_eq!(storage.staged_bytes(key).await.unwrap(), 0, "staging left");
    }
}
