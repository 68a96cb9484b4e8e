//! What can go wrong sealing or opening a payload. Messages name key ids, never key bytes.

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(
        "payload was encrypted with key id {0:?}, which is not among the configured codec.keys"
    )]
    UnknownKey(String),
    #[error(
        "payload encrypted with key id {0:?} does not decrypt: it was altered or truncated, or a \
         different key is configured under that id"
    )]
    Tampered(String),
    #[error("encrypted payload carries no {} metadata", crate::KEY_ID_METADATA)]
    NoKeyId,
    #[error("decrypted payload is not a Temporal Payload: {0}")]
    Inner(#[from] prost::DecodeError),
    #[error("a failure's encoded attributes are not {{message, stack_trace}}: {0}")]
    FailureAttributes(serde_json::Error),
    #[error("encryption failed")]
    Seal,
    #[error("keyring: {0}")]
    Keyring(String),
}
