//! `[codec]`: payload encryption keys. Off by default; when on, every Temporal client meetflow
//! makes seals its payloads (see docs/codec.md). Keys are secrets by reference, like every other
//! secret, and are read and checked when the configuration is loaded, so a wrong key stops the
//! process at start-up rather than at the first payload. Errors name the key's config path,
//! never its value.

use std::fmt;

use base64::Engine as _;
use serde::Deserialize;

use crate::{ConfigError, SecretRef};

/// AES-256 keys are 32 bytes.
const KEY_LEN: usize = 32;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodecConfig {
    /// Seal every payload (workflow and activity inputs and results, memos, failure messages).
    pub enabled: bool,
    /// The key new payloads are sealed with; default: the first of `keys`.
    pub encrypt_key_id: Option<String>,
    /// Every key that may have sealed a payload still in retained history.
    pub keys: Vec<CodecKeyRef>,
}

/// `{ id = "2026-01", key = { env = "MEETFLOW_CODEC_KEY_2026_01" } }`: the key is base64 of 32
/// random bytes (`openssl rand -base64 32`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodecKeyRef {
    /// Written in clear into every sealed payload's metadata: a name, not a secret.
    pub id: String,
    pub key: SecretRef,
}

/// The keys, read and checked; the encrypting one is named by `encrypt_key_id`.
pub struct CodecKeys {
    pub encrypt_key_id: String,
    pub keys: Vec<(String, [u8; KEY_LEN])>,
}

/// Key ids only.
impl fmt::Debug for CodecKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("CodecKeys")
            .field("encrypt_key_id", &self.encrypt_key_id)
            .field("key_ids", &ids)
            .finish()
    }
}

impl CodecConfig {
    /// Reads every key now; `None` when the codec is off.
    pub fn resolve(&self) -> Result<Option<CodecKeys>, ConfigError> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    pub fn resolve_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<CodecKeys>, ConfigError> {
        if !self.enabled {
            return Ok(None);
        }
        if self.keys.is_empty() {
            return Err(ConfigError::key(
                "codec.keys",
                "at least one key is required when codec.enabled = true",
            ));
        }
        let mut keys: Vec<(String, [u8; KEY_LEN])> = Vec::new();
        for (i, k) in self.keys.iter().enumerate() {
            let at = format!("codec.keys[{i}]");
            check_id(&k.id).map_err(|p| ConfigError::key(format!("{at}.id"), p))?;
            if keys.iter().any(|(id, _)| *id == k.id) {
                return Err(ConfigError::key(
                    format!("{at}.id"),
                    format!("key id {:?} is used twice", k.id),
                ));
            }
            let key_path = format!("{at}.key");
            let secret = k.key.resolve_with(&key_path, &env)?;
            keys.push((k.id.clone(), decode_key(secret.expose(), &key_path)?));
        }
        let encrypt_key_id = match &self.encrypt_key_id {
            Some(id) if !keys.iter().any(|(k, _)| k == id) => {
                return Err(ConfigError::key(
                    "codec.encrypt_key_id",
                    format!("{id:?} is not the id of any of codec.keys"),
                ));
            }
            Some(id) => id.clone(),
            None => keys[0].0.clone(),
        };
        Ok(Some(CodecKeys {
            encrypt_key_id,
            keys,
        }))
    }

    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        self.resolve().map(drop)
    }
}

/// Ids travel in clear in payload metadata and in error messages: keep them plain.
fn check_id(id: &str) -> Result<(), String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || id.len() > 64 || !id.chars().all(plain) {
        return Err(format!(
            "{id:?} is not a key id (1–64 of A–Z a–z 0–9 - _ .)"
        ));
    }
    Ok(())
}

/// The problem is described without any part of the value (a base64 error would quote the
/// offending character and its offset).
fn decode_key(text: &str, key_path: &str) -> Result<[u8; KEY_LEN], ConfigError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| {
            ConfigError::key(
                key_path,
                "the key is not base64 (expected 32 random bytes, e.g. `openssl rand -base64 32`)",
            )
        })?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        ConfigError::key(
            key_path,
            format!("the key is {} bytes; AES-256 needs 32", b.len()),
        )
    })
}

#[cfg(test)]
mod tests;
