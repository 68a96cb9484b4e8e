//! The keys: one encrypts, every one decrypts, so a key can be rotated without re-encrypting
//! history (add the new key first, make it the encrypting one, drop the old key only once no
//! retained history holds payloads sealed with it).

use std::{collections::HashMap, fmt};

use aes_gcm::{Aes256Gcm, KeyInit};

use crate::CodecError;

/// AES-256: 32-byte keys.
pub const KEY_LEN: usize = 32;

pub struct Keyring {
    encrypt_key_id: String,
    ciphers: HashMap<String, Aes256Gcm>,
}

impl Keyring {
    /// `keys` are `(id, key)`; `encrypt_key_id` must be one of them.
    pub fn new(
        encrypt_key_id: &str,
        keys: impl IntoIterator<Item = (String, [u8; KEY_LEN])>,
    ) -> Result<Self, CodecError> {
        let mut ciphers = HashMap::new();
        for (id, key) in keys {
            if id.is_empty() {
                return Err(CodecError::Keyring("a key id is empty".into()));
            }
            let cipher = Aes256Gcm::new(&key.into());
            if ciphers.insert(id.clone(), cipher).is_some() {
                return Err(CodecError::Keyring(format!("key id {id:?} is given twice")));
            }
        }
        if !ciphers.contains_key(encrypt_key_id) {
            return Err(CodecError::Keyring(format!(
                "the encrypting key id {encrypt_key_id:?} is not among the keys"
            )));
        }
        Ok(Self {
            encrypt_key_id: encrypt_key_id.to_string(),
            ciphers,
        })
    }

    pub fn encrypt_key_id(&self) -> &str {
        &self.encrypt_key_id
    }

    pub(crate) fn encrypting(&self) -> (&str, &Aes256Gcm) {
        (&self.encrypt_key_id, &self.ciphers[&self.encrypt_key_id])
    }

    pub(crate) fn decrypting(&self, id: &str) -> Result<&Aes256Gcm, CodecError> {
        self.ciphers
            .get(id)
            .ok_or_else(|| CodecError::UnknownKey(id.to_string()))
    }
}

/// Key ids only: the key bytes must never reach a log line.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.ciphers.keys().collect();
        ids.sort();
        f.debug_struct("Keyring")
            .field("encrypt_key_id", &self.encrypt_key_id)
            .field("key_ids", &ids)
            .finish()
    }
}
