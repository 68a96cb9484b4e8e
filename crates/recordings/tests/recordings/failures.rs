//! A failed, retried or cancelled copy never leaves a partial object under its key.

use std::path::PathBuf;

use futures::{StreamExt, stream};
use meetflow_recordings::{StorageError, recording_key};

use crate::support::local::{files_under, temporary_storage};
use crate::support::recording::{self, CHUNK, MIB};

#[tokio::test]
async fn source_failure_leaves_no_object() {
    let (dir, storage) = temporary_storage();
    let key = recording_key("t", "a", "broken");
    let error = storage
        .put_stream(&key, recording::broken_after(12 * MIB), |_| {})
        .await
        .expect_err("source failed");
    match &error {
        StorageError::Source { bytes_read, .. } => assert_eq!(*bytes_read, 12 * MIB),
        other => panic!("expected a source failure, got {other:?}"),
    }
    let cause = error.source_failure().expect("source's own error");
    assert_eq!(
        cause.downcast_ref::<std::io::Error>().map(|e| e.kind()),
        Some(std::io::ErrorKind::ConnectionReset)
    );
    assert_eq!(storage.head(&key).await.unwrap(), None);
    assert_eq!(
        files_under(dir.path()),
        Vec::<PathBuf>::new(),
        "staging file removed"
    );
}

#[tokio::test]
async fn a_failed_retry_keeps_the_earlier_complete_object() {
    let (_dir, storage) = temporary_storage();
    let key = recording_key("t", "a", "r");
    let first = storage
        .put_stream(&key, recording::chunks(MIB, CHUNK), |_| {})
        .await
        .unwrap();
    storage
        .put_stream(&key, recording::broken_after(7 * MIB), |_| {})
        .await
        .expect_err("source failed");
    assert_eq!(first.size, MIB);
    assert_eq!(storage.head(&key).await.unwrap(), Some(first));
}

#[tokio::test]
async fn cancelled_copy_leaves_nothing_behind() {
    let (dir, storage) = temporary_storage();
    // Data, then a source that never answers, as a stalled download would.
    let stalled = recording::chunks(11 * MIB, CHUNK).chain(stream::pending());
    let copy = storage.put_stream("stalled.mp4", stalled, |_| {});
    let outcome = tokio::time::timeout(std::time::Duration::from_millis(500), copy).await;
    assert!(
        outcome.is_err(),
        "copy should still be waiting on its source"
    );
    // The abort runs in the background after the drop.
    for _ in 0..100 {
        if files_under(dir.path()).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
    assert_eq!(storage.head("stalled.mp4").await.unwrap(), None);
}
