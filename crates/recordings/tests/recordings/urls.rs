//! Storage URLs: where a relative folder resolves, and which URLs are refused.

use meetflow_recordings::{RecordingStorage, StorageError};

#[test]
fn relative_file_urls_resolve_against_the_working_directory() {
    // A relative path from the working directory into a temporary folder: creating the
    // folder proves where the URL was resolved, and nothing lands in the source tree.
    let dir = tempfile::tempdir().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let up = "../".repeat(cwd.components().count() - 1);
    let target = dir.path().join("recordings");
    let relative = format!("{up}{}", target.strip_prefix("/").unwrap().display());
    let storage = RecordingStorage::from_url(&format!("file://{relative}")).unwrap();
    assert!(target.is_dir(), "{target:?} not created");
    let canonical = target.canonicalize().unwrap();
    assert!(format!("{storage:?}").contains(canonical.to_str().unwrap()));
}

#[test]
fn bad_urls_are_configuration_errors() {
    for url in [
        "ftp://host/x",
        "s3://Bad_Bucket/x",
        "s3://k:secret-value@bucket/x",
        "file://",
    ] {
        let error = RecordingStorage::from_url(url).expect_err(url);
        assert!(
            matches!(error, StorageError::Config { .. }),
            "{url}: {error}"
        );
        assert!(!error.is_retryable());
        assert!(!format!("{error} {error:?}").contains("secret-value"));
    }
}
