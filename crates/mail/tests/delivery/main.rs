//! Composition checked by an independent MIME parser (Python's `email`), and delivery through
//! the outbox and through a real SMTP server (aiosmtpd) started on a free loopback port.
//! One module per behaviour; `support` holds the fixtures and the peers' harnesses.

#[path = "../../../../tests/peers/peers.rs"]
mod peers;
mod support;

mod golden;
mod mime_structure;
mod originator;
mod outbox;
mod smtp;
mod smtp_tls;
mod traces;
