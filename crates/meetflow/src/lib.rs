//! The `meetflow` binary's building blocks, public so the end-to-end tests drive the same code
//! the binary runs.

pub mod allocator;
pub mod approve;
pub mod artifact_links;
pub mod bench;
pub mod codec_server;
pub mod connect;
pub mod dev;
pub mod doctor;
pub mod exit;
pub mod health;
pub mod ingress;
pub mod inspect;
pub mod notifications;
pub mod process;
pub mod sample;
pub mod subscriptions;
pub mod summary;
pub mod telemetry;
#[cfg(test)]
mod test_histories;
pub mod timeline;
pub mod versioning;
pub mod worker;
