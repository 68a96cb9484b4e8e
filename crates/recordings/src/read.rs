//! Reading a stored recording back, as a stream of a byte range: what artifact links serve.

use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::signer::Signer;
use object_store::{GetOptions, GetRange};
use sha2::{Digest, Sha256};

use crate::RecordingStorage;
use crate::error::{Operation, StorageError};
use crate::key::ObjectKey;

/// What a reader needs to know before choosing a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    /// A strong HTTP entity tag (quoted) that changes whenever the object is replaced: derived
    /// from the store's own e-tag and version, and the size. The store's e-tag is not shown as
    /// it is (a local folder's names the inode).
    pub etag: String,
    /// The store's e-tag as it reported it, for [`RecordingStorage::read`]'s precondition.
    store_etag: Option<String>,
}

/// The object's bytes, as the store delivers them (a local file is read in small chunks; S3's
/// body is streamed from the connection), so memory does not grow with the object's size.
pub type ObjectBody = BoxStream<'static, Result<Bytes, StorageError>>;

impl RecordingStorage {
    /// The key of `location` as [`crate::StoredObject::location`] gave it, if it lies in this
    /// storage (a location from another bucket or folder is not ours to serve).
    pub fn key_of(&self, location: &str) -> Option<String> {
        let probe = ObjectKey::parse("k").expect("static key");
        let probe_url = self.location.object_url(&probe);
        let base = probe_url.strip_suffix('k')?;
        let key = location.strip_prefix(base)?;
        ObjectKey::parse(key).ok().map(|k| k.as_str().to_owned())
    }

    /// Size and entity tag of `key`, or `None` when nothing is stored there.
    pub async fn info(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        let meta = match self.store.head(&path).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(StorageError::backend(Operation::Head, key.as_str(), e)),
        };
        let mut digest = Sha256::new();
        for part in [meta.e_tag.as_deref(), meta.version.as_deref()] {
            digest.update(part.unwrap_or("").as_bytes());
            digest.update([0]);
        }
        digest.update(meta.size.to_be_bytes());
        let etag = format!("\"{}\"", &hex::encode(digest.finalize())[..32]);
        Ok(Some(ObjectInfo {
            size: meta.size,
            etag,
            store_etag: meta.e_tag,
        }))
    }

    /// Streams `range` of `key` (the whole object when `None`). Fails when the object is no
    /// longer the one `info` describes (replaced in between), so a response never mixes two
    /// objects' bytes under one entity tag.
    pub async fn read(
        &self,
        key: &str,
        info: &ObjectInfo,
        range: Option<RangeInclusive<u64>>,
    ) -> Result<ObjectBody, StorageError> {
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        let options = GetOptions {
            if_match: info.store_etag.clone(),
            range: range.map(|r| GetRange::Bounded(*r.start()..*r.end() + 1)),
            ..Default::default()
        };
        let failed = |e| StorageError::backend(Operation::Get, key.as_str(), e);
        let result = self.store.get_opts(&path, options).await.map_err(failed)?;
        let owned_key = key.as_str().to_owned();
        Ok(result
            .into_stream()
            .map(move |chunk| {
                chunk.map_err(|e| StorageError::backend(Operation::Get, &owned_key, e))
            })
            .boxed())
    }

    /// A presigned `GET` URL for `key` valid for `expires_in`, when the storage is S3 (the
    /// browser then fetches from the bucket directly); `None` for a local folder.
    pub async fn presigned_get(
        &self,
        key: &str,
        expires_in: Duration,
    ) -> Result<Option<url::Url>, StorageError> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let key = ObjectKey::parse(key)?;
        let path = self.object_path(&key)?;
        signer
            .signed_url(http::Method::GET, &path, expires_in)
            .await
            .map(Some)
            .map_err(|e| StorageError::backend(Operation::Sign, key.as_str(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stored(storage: &RecordingStorage, key: &str, body: &'static [u8]) -> String {
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(body))]);
        storage
            .put_stream(key, chunks, |_| {})
            .await
            .unwrap()
            .location
    }

    async fn collect(body: ObjectBody) -> Vec<u8> {
        body.map(|c| c.unwrap().to_vec()).concat().await
    }

    #[tokio::test]
    async fn reads_back_ranges_of_what_was_stored() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            RecordingStorage::from_url(&format!("file://{}", dir.path().display())).unwrap();
        let location = stored(&storage, "recordings/t/a/r.mp4", b"0123456789").await;
        let key = storage.key_of(&location).expect("our own location");
        assert_eq!(key, "recordings/t/a/r.mp4");
        let info = storage.info(&key).await.unwrap().expect("stored");
        assert_eq!(info.size, 10);
        assert!(
            info.etag.starts_with('"') && info.etag.ends_with('"'),
            "{}",
            info.etag
        );
        assert_eq!(
            collect(storage.read(&key, &info, None).await.unwrap()).await,
            b"0123456789"
        );
        assert_eq!(
            collect(storage.read(&key, &info, Some(3..=5)).await.unwrap()).await,
            b"345"
        );
        assert_eq!(
            collect(storage.read(&key, &info, Some(9..=9)).await.unwrap()).await,
            b"9"
        );
        assert!(
            storage
                .presigned_get(&key, Duration::from_secs(60))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(storage.info("recordings/t/a/none.mp4").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_replaced_object_gets_a_new_etag_and_old_reads_fail() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            RecordingStorage::from_url(&format!("file://{}", dir.path().display())).unwrap();
        stored(&storage, "k.mp4", b"first").await;
        let before = storage.info("k.mp4").await.unwrap().unwrap();
        // Local e-tags include the modification time in microseconds.
        tokio::time::sleep(Duration::from_millis(20)).await;
        stored(&storage, "k.mp4", b"second").await;
        let after = storage.info("k.mp4").await.unwrap().unwrap();
        assert_ne!(before.etag, after.etag);
        assert!(storage.read("k.mp4", &before, None).await.is_err());
    }

    #[test]
    fn locations_outside_this_storage_have_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            RecordingStorage::from_url(&format!("file://{}", dir.path().display())).unwrap();
        assert_eq!(storage.key_of("file:///etc/passwd"), None);
        assert_eq!(storage.key_of("s3://bucket/recordings/t/a/r.mp4"), None);
        let inside = format!("file://{}/../x.mp4", storage_root(&storage));
        assert_eq!(storage.key_of(&inside), None, "no way out through ..");
    }

    fn storage_root(storage: &RecordingStorage) -> String {
        let url = storage.location.object_url(&ObjectKey::parse("k").unwrap());
        url.strip_prefix("file://")
            .unwrap()
            .strip_suffix("/k")
            .unwrap()
            .to_owned()
    }

    #[tokio::test]
    async fn s3_links_are_presigned() {
        let env = [
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
            ("AWS_ALLOW_HTTP", "true"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let storage = RecordingStorage::from_url_with_env("s3://rec-bucket/pre", env).unwrap();
        let url = storage
            .presigned_get("recordings/t/a/r.mp4", Duration::from_secs(300))
            .await
            .unwrap()
            .expect("S3 signs");
        let text = url.as_str();
        assert!(
            text.contains("/rec-bucket/pre/recordings/t/a/r.mp4?"),
            "{text}"
        );
        assert!(
            text.contains("X-Amz-Expires=300") && text.contains("X-Amz-Signature="),
            "{text}"
        );
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert_eq!(
            storage
                .key_of("s3://rec-bucket/pre/recordings/t/a/r.mp4")
                .as_deref(),
            Some("recordings/t/a/r.mp4")
        );
    }
}
