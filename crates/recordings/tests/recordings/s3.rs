//! Multipart copies into a real S3-compatible server (moto).

use futures::StreamExt;
use meetflow_recordings::{RecordingStorage, StorageError, recording_key};
use object_store::ObjectStore;

use crate::support::moto::{MotoServer, SECRET, inspector};
use crate::support::recording::{self, CHUNK, MIB};

#[tokio::test]
async fn multipart_copy_to_a_real_s3_server() {
    let server = MotoServer::start();
    server.create_bucket("meetflow-recordings");
    let storage =
        RecordingStorage::from_url_with_env("s3://meetflow-recordings/eu/prod", server.env())
            .expect("s3 storage");
    assert!(!format!("{storage:?}").contains(SECRET));

    let key = recording_key("tenant-1", "appt-9", "VjIjI0MTkx+/Zz==");
    assert_eq!(storage.head(&key).await.unwrap(), None);

    // Three full 5 MiB parts and a short last one.
    let size = 15 * MIB + 4321;
    let mut reports = Vec::new();
    let stored = storage
        .put_stream(&key, recording::chunks(size, CHUNK), |n| reports.push(n))
        .await
        .expect("multipart put");
    assert_eq!(stored.size, size);
    assert_eq!(
        stored.location,
        format!("s3://meetflow-recordings/eu/prod/{key}")
    );
    assert_eq!(reports.last(), Some(&size));
    assert_eq!(storage.head(&key).await.unwrap(), Some(stored.clone()));

    let inspector = inspector(&server, "meetflow-recordings");
    let path = object_store::path::Path::parse(format!("eu/prod/{key}")).unwrap();
    let meta = inspector.head(&path).await.expect("object exists");
    let etag = meta.e_tag.expect("etag");
    assert!(
        etag.trim_matches('"').ends_with("-4"),
        "a 4-part multipart upload has an ETag ending in -4, got {etag}"
    );
    let mut body = inspector.get(&path).await.expect("get").into_stream();
    let mut offset = 0u64;
    while let Some(bytes) = body.next().await {
        let bytes = bytes.expect("body chunk");
        recording::assert_matches(offset, &bytes);
        offset += bytes.len() as u64;
    }
    assert_eq!(offset, size);
}

#[tokio::test]
async fn failed_copy_is_invisible_and_its_upload_aborted() {
    let server = MotoServer::start();
    server.create_bucket("meetflow-recordings");
    let storage =
        RecordingStorage::from_url_with_env("s3://meetflow-recordings", server.env()).unwrap();
    let key = recording_key("t", "a", "broken");
    let error = storage
        .put_stream(&key, recording::broken_after(11 * MIB), |_| {})
        .await
        .expect_err("source failed");
    assert!(matches!(error, StorageError::Source { .. }), "{error}");
    assert_eq!(storage.head(&key).await.unwrap(), None);
    let (status, uploads) = server.request("GET", "/meetflow-recordings?uploads");
    assert_eq!(status, 200, "{uploads}");
    assert!(uploads.contains("ListMultipartUploadsResult"), "{uploads}");
    assert!(
        !uploads.contains("<UploadId>"),
        "upload left open: {uploads}"
    );
}

#[tokio::test]
async fn missing_bucket_is_a_final_error_without_credentials() {
    let server = MotoServer::start();
    let storage =
        RecordingStorage::from_url_with_env("s3://no-such-bucket/p", server.env()).unwrap();
    let error = storage
        .put_stream("k.mp4", recording::chunks(10, CHUNK), |_| {})
        .await
        .expect_err("no bucket");
    assert!(matches!(error, StorageError::Backend { .. }), "{error}");
    assert!(!error.is_retryable(), "{error}");
    assert!(!format!("{error} {error:?}").contains(SECRET));
}

/// What artifact links rely on: a byte range streamed back from the bucket, and a presigned
/// URL that fetches the object without the client holding credentials.
#[tokio::test]
async fn ranges_and_presigned_urls_from_a_real_s3_server() {
    let server = MotoServer::start();
    server.create_bucket("meetflow-recordings");
    let storage =
        RecordingStorage::from_url_with_env("s3://meetflow-recordings/links", server.env())
            .unwrap();
    let key = recording_key("tenant-1", "appt-1", "rec-1");
    let size = 6 * MIB + 10;
    let stored = storage
        .put_stream(&key, recording::chunks(size, CHUNK), |_| {})
        .await
        .unwrap();
    assert_eq!(
        storage.key_of(&stored.location).as_deref(),
        Some(key.as_str())
    );
    let info = storage.info(&key).await.unwrap().expect("stored");
    assert_eq!(info.size, size);
    let first = 5 * MIB - 3;
    let body: Vec<u8> = storage
        .read(&key, &info, Some(first..=first + 99))
        .await
        .unwrap()
        .map(|c| c.unwrap().to_vec())
        .concat()
        .await;
    assert_eq!(body.len(), 100);
    recording::assert_matches(first, &body);

    let url = storage
        .presigned_get(&key, std::time::Duration::from_secs(120))
        .await
        .unwrap()
        .expect("S3 presigns");
    assert!(url.as_str().contains("X-Amz-Signature="), "{url}");
    assert!(!url.as_str().contains(SECRET));
    let target = format!("{}?{}", url.path(), url.query().unwrap());
    let (status, _) = server.request("HEAD", &target);
    assert_eq!(status, 200, "{target}");
}
