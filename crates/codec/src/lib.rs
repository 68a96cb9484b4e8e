//! Payload encryption for every Temporal client meetflow makes (worker, CLI, tests).
//!
//! Temporal stores workflow inputs, results, activity payloads, memos and (with
//! `DefaultFailureConverter::new(true)`) failure messages in its history for as long as the
//! namespace retains it. Appointments carry personal data — participant addresses and names,
//! titles, descriptions, join links — so with `[codec]` on every payload leaves the process
//! sealed with AES-256-GCM:
//!
//! - the whole inner `Payload` (its metadata, so the original `encoding`, and its data) is
//!   protobuf-encoded and encrypted, so decoding restores it exactly;
//! - the sealed payload's `data` is `nonce (12 bytes, random per payload) ‖ ciphertext ‖ tag`,
//!   its metadata `encoding = binary/encrypted` and `encryption-key-id = <id>`: the same layout
//!   the TypeScript codec in docs/codec.md writes, so a PSA backend on `@temporalio/client`
//!   reads and writes the same workflows;
//! - key rotation: one key encrypts, every configured key decrypts ([`Keyring`]);
//! - payloads that are not ours (written before the codec was switched on) pass through.
//!
//! Search attributes are not payloads the codec sees: they stay readable by design and hold
//! ids and the phase only.

mod error;
mod failure;
mod keyring;
mod seal;

pub use error::CodecError;
pub use keyring::{KEY_LEN, Keyring};
pub use seal::{EncryptionCodec, is_sealed};

use temporalio_common::data_converters::{
    DataConverter, DefaultFailureConverter, PayloadConverter,
};

/// `encoding` of a sealed payload.
pub const ENCODING: &str = "binary/encrypted";
/// Metadata key naming the key a payload was sealed with (never the key itself).
pub const KEY_ID_METADATA: &str = "encryption-key-id";

/// The converter for every client: default JSON payloads, failure messages and stack traces
/// moved into encoded attributes (so the codec covers them too), then the codec.
pub fn data_converter(codec: EncryptionCodec) -> DataConverter {
    DataConverter::new(
        PayloadConverter::default(),
        DefaultFailureConverter::new(true),
        codec,
    )
}

#[cfg(test)]
mod tests;
