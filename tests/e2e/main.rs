//! End-to-end suites. Each test starts its own stack on free loopback ports — a Temporal CLI dev
//! server, the Graph emulator, a SQLite store and an outbox folder — runs the real worker
//! against it, and stops all of it afterwards.

mod support;

/// The bad-input corpus, shared with proto's parser tests.
#[path = "../corpus/mod.rs"]
mod corpus;

mod approve;
mod bad_input;
mod bench;
mod chaos;
mod codec;
mod contract;
mod crash;
mod doctor;
mod health;
mod ingress;
mod lifecycle;
mod many_workers;
mod metrics;
mod notifications;
mod ops;
mod organizer_lookup;
mod prometheus;
mod replay;
mod subscriptions;
mod tenant_rules;
mod tls;
mod traces;
mod versioning;
mod web_ui;
