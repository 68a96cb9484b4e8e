//! Recording storage: copies meeting recordings (hundreds of MB to several GB) into the tenant's
//! object storage — an S3-compatible bucket in production, a local folder for development — as a
//! stream in bounded memory, never exposing a partial object.

mod error;
mod key;
mod location;
mod progress;
mod read;
mod staged;
mod storage;

pub use error::{Operation, StorageError};
pub use key::recording_key;
pub use read::{ObjectBody, ObjectInfo};
pub use staged::SEGMENT_SIZE;
pub use storage::{RecordingStorage, StoredObject};
