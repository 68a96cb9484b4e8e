//! A temporary folder as the store, and what ended up in it.

use std::path::{Path, PathBuf};

use meetflow_recordings::RecordingStorage;

/// A store in a fresh temporary folder, deleted when the returned guard drops.
pub fn temporary_storage() -> (tempfile::TempDir, RecordingStorage) {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    (dir, storage)
}

pub fn storage(dir: &Path) -> RecordingStorage {
    RecordingStorage::from_url(&format!("file://{}", dir.display())).expect("local storage")
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

pub fn file_of(location: &str) -> PathBuf {
    let path = location.strip_prefix("file://").expect("file:// location");
    assert!(!path.contains('%'), "test folders need no escaping: {path}");
    PathBuf::from(path)
}
