//! Shared by every topic: the mails under test, the MIME parser peer and the SMTP server peer.

pub mod fixtures;
pub mod inspect;
pub mod sink;
