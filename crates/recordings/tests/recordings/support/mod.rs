//! Shared by every topic: generated recordings, the local folder store and the S3 server peer.

pub mod local;
pub mod moto;
pub mod recording;
