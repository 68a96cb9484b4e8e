//! Failures. With `DefaultFailureConverter::new(true)` a failure's message and stack trace travel
//! in `encoded_attributes` (sealed like any payload) and `message` reads "Encoded failure". The
//! SDK opens them where it decodes failures itself, but an update's failure reaches the caller
//! as the raw proto (SDK 1.1.1): callers that show it open it here first.

use serde::Deserialize;
use temporalio_common::protos::temporal::api::failure::v1::Failure;

use crate::{CodecError, EncryptionCodec};

/// What the failure converter moved into `encoded_attributes`.
#[derive(Deserialize)]
struct CommonAttributes {
    #[serde(default)]
    message: String,
    #[serde(default)]
    stack_trace: String,
}

impl EncryptionCodec {
    /// Restores the message and stack trace of `failure` and of its causes.
    pub fn open_failure(&self, failure: &mut Failure) -> Result<(), CodecError> {
        if let Some(sealed) = failure.encoded_attributes.take() {
            let opened = self.open(sealed)?;
            let common: CommonAttributes =
                serde_json::from_slice(&opened.data).map_err(CodecError::FailureAttributes)?;
            failure.message = common.message;
            failure.stack_trace = common.stack_trace;
        }
        if let Some(cause) = failure.cause.as_deref_mut() {
            self.open_failure(cause)?;
        }
        Ok(())
    }
}
