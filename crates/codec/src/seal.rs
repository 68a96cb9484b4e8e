//! Sealing and opening payloads, and the SDK's `PayloadCodec` on top.

use std::{collections::HashMap, sync::Arc};

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use futures_util::{FutureExt as _, future::BoxFuture};
use prost::Message as _;
use temporalio_common::{
    data_converters::{PayloadCodec, PayloadConversionError, SerializationContextData},
    protos::temporal::api::common::v1::Payload,
};

use crate::{CodecError, ENCODING, KEY_ID_METADATA, Keyring};

/// AES-GCM's standard 96-bit nonce, stored in front of the ciphertext.
const NONCE_LEN: usize = 12;

/// Cheap to clone: every client and the codec server share one keyring.
#[derive(Clone, Debug)]
pub struct EncryptionCodec {
    keys: Arc<Keyring>,
}

impl EncryptionCodec {
    pub fn new(keys: Keyring) -> Self {
        Self {
            keys: Arc::new(keys),
        }
    }

    /// Seals `payload` with the encrypting key under a fresh random nonce.
    pub fn seal(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let (id, cipher) = self.keys.encrypting();
        // A random 96-bit nonce per payload: the birthday bound (2^32 payloads per key) is far
        // beyond what one key seals between rotations.
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, payload.encode_to_vec().as_slice())
            .map_err(|_| CodecError::Seal)?;
        let mut data = Vec::with_capacity(NONCE_LEN + sealed.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&sealed);
        Ok(Payload {
            metadata: HashMap::from([
                ("encoding".to_string(), ENCODING.as_bytes().to_vec()),
                (KEY_ID_METADATA.to_string(), id.as_bytes().to_vec()),
            ]),
            data,
            ..Default::default()
        })
    }

    /// Opens a sealed payload; one that is not ours is returned unchanged.
    pub fn open(&self, payload: Payload) -> Result<Payload, CodecError> {
        if !is_sealed(&payload) {
            return Ok(payload);
        }
        let id = payload
            .metadata
            .get(KEY_ID_METADATA)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .ok_or(CodecError::NoKeyId)?;
        let cipher = self.keys.decrypting(&id)?;
        if payload.data.len() < NONCE_LEN {
            return Err(CodecError::Tampered(id));
        }
        let (nonce, sealed) = payload.data.split_at(NONCE_LEN);
        let inner = cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CodecError::Tampered(id))?;
        Ok(Payload::decode(inner.as_slice())?)
    }

    pub fn seal_all(&self, payloads: &[Payload]) -> Result<Vec<Payload>, CodecError> {
        payloads.iter().map(|p| self.seal(p)).collect()
    }

    pub fn open_all(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads.into_iter().map(|p| self.open(p)).collect()
    }

    pub fn encrypt_key_id(&self) -> &str {
        self.keys.encrypt_key_id()
    }
}

/// Whether `payload` is one this codec sealed (by its `encoding`).
pub fn is_sealed(payload: &Payload) -> bool {
    payload.metadata.get("encoding").map(Vec::as_slice) == Some(ENCODING.as_bytes())
}

fn conversion_error(e: CodecError) -> PayloadConversionError {
    PayloadConversionError::EncodingError(Box::new(e))
}

impl PayloadCodec for EncryptionCodec {
    fn encode(
        &self,
        _context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        // AES-GCM on a payload is microseconds: done here rather than on a blocking thread.
        let sealed = self.seal_all(&payloads).map_err(conversion_error);
        async move { sealed }.boxed()
    }

    fn decode(
        &self,
        _context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let opened = self.open_all(payloads).map_err(conversion_error);
        async move { opened }.boxed()
    }
}
