//! Copies into a local folder: content, size, location and `head`, and a repeated copy.

use meetflow_recordings::recording_key;

use crate::support::local::{file_of, files_under, temporary_storage};
use crate::support::recording::{self, CHUNK, MIB};

#[tokio::test]
async fn round_trip_and_head() {
    let (dir, storage) = temporary_storage();
    let key = recording_key("tenant-1", "appt-7", "rec-1");
    assert_eq!(storage.head(&key).await.unwrap(), None);

    let size = 3 * MIB + 17;
    let stored = storage
        .put_stream(&key, recording::chunks(size, 10_000), |_| {})
        .await
        .expect("put");
    assert_eq!(stored.size, size);
    let file = file_of(&stored.location);
    assert!(
        file.starts_with(dir.path().canonicalize().unwrap()),
        "{file:?}"
    );
    let data = std::fs::read(&file).expect("stored file");
    assert_eq!(data.len() as u64, size);
    recording::assert_matches(0, &data);
    // A retry learns the finished copy's location and size without copying again.
    assert_eq!(storage.head(&key).await.unwrap(), Some(stored.clone()));
    assert_eq!(
        files_under(dir.path()),
        vec![file],
        "only the object, no staging files"
    );
}

#[tokio::test]
async fn empty_recording_is_stored_and_reported() {
    let (_dir, storage) = temporary_storage();
    let mut reports = Vec::new();
    let stored = storage
        .put_stream("empty.mp4", recording::chunks(0, CHUNK), |n| {
            reports.push(n)
        })
        .await
        .expect("put");
    assert_eq!((stored.size, reports), (0, vec![0]));
    assert_eq!(storage.head("empty.mp4").await.unwrap(), Some(stored));
}

#[tokio::test]
async fn re_put_replaces_atomically_and_is_idempotent() {
    let (dir, storage) = temporary_storage();
    let key = recording_key("t", "a", "r");
    let first = storage
        .put_stream(&key, recording::chunks(6 * MIB, CHUNK), |_| {})
        .await
        .unwrap();
    let again = storage
        .put_stream(&key, recording::chunks(6 * MIB, CHUNK), |_| {})
        .await
        .unwrap();
    assert_eq!(first, again);
    let smaller = storage
        .put_stream(&key, recording::chunks(MIB + 1, 4096), |_| {})
        .await
        .unwrap();
    assert_eq!(smaller.location, first.location);
    let data = std::fs::read(file_of(&smaller.location)).unwrap();
    assert_eq!(data.len() as u64, MIB + 1);
    recording::assert_matches(0, &data);
    assert_eq!(files_under(dir.path()).len(), 1);
}
