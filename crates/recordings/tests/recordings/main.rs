//! Recording storage against a local folder and against a real S3-compatible server (moto,
//! started on a free loopback port by the test and stopped afterwards). One module per
//! behaviour; `support` holds the recording generator and the stores' harnesses.

#[path = "../../../../tests/peers/peers.rs"]
mod peers;
mod support;

mod failures;
mod keys;
mod memory;
mod round_trip;
mod s3;
mod urls;
