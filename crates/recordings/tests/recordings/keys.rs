//! Keys cannot leave the store's folder, whatever ids they are built from.

use meetflow_recordings::{StorageError, recording_key};

use crate::support::local::{file_of, files_under, storage};
use crate::support::recording::{self, CHUNK};

#[tokio::test]
async fn keys_cannot_escape_the_folder() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("store");
    let storage = storage(&root);
    for bad in [
        "../outside.mp4",
        "/etc/x",
        "a/../../b",
        "a%2F..%2Fb",
        "x#1",
        "",
    ] {
        let error = storage
            .put_stream(bad, recording::chunks(10, CHUNK), |_| {})
            .await
            .expect_err(bad);
        assert!(
            matches!(error, StorageError::InvalidKey { .. }),
            "{bad}: {error}"
        );
        assert!(!error.is_retryable());
        assert!(storage.head(bad).await.is_err(), "{bad}");
    }
    // Hostile ids are fine: recording_key makes them safe.
    let key = recording_key("../..", "/etc", "a/../../b");
    let stored = storage
        .put_stream(&key, recording::chunks(10, CHUNK), |_| {})
        .await
        .unwrap();
    assert!(file_of(&stored.location).starts_with(root.canonicalize().unwrap()));
    let everything = files_under(parent.path());
    assert_eq!(everything.len(), 1, "{everything:?}");
    assert!(everything[0].starts_with(&root));
}
