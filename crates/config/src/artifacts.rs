//! `[artifacts]`: links to captured recordings and transcripts (`GET /artifacts/{token}`).
//! Off unless `listen` is set (the endpoint) or a link is asked for (the CLI); either way the
//! signing keys are secrets by reference, read and checked when the configuration is loaded.

use base64::Engine as _;
use serde::Deserialize;
use url::Url;

use crate::bounds::{LINK_EXPIRY_SECS, in_range};
use crate::{ConfigError, SecretRef};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArtifactsConfig {
    /// `host:port` serving `GET|HEAD /artifacts/{token}`; empty: off.
    pub listen: String,
    /// The base URL links are put under, as the PSA's users reach the endpoint (through a
    /// reverse proxy, usually): `{public_url}/artifacts/{token}`.
    pub public_url: Option<Url>,
    /// The first key signs new links; every key verifies (rotation: prepend the new key, drop
    /// the old one once its links have expired).
    pub signing_keys: Vec<SigningKeyRef>,
    /// Lifetime of a link when `--expires` is not given.
    pub default_expiry_secs: u64,
    /// Longest lifetime a link may be given; longer requests are capped to it.
    pub max_expiry_secs: u64,
    /// With S3 storage: answer a recording link with a 307 to a presigned URL of the object
    /// (valid for the link's remaining lifetime) instead of streaming it through the worker.
    /// Needs the bucket's endpoint reachable from the users' browsers.
    pub redirect_to_s3: bool,
}

impl Default for ArtifactsConfig {
    fn default() -> Self {
        Self {
            listen: String::new(),
            public_url: None,
            signing_keys: Vec::new(),
            default_expiry_secs: 3_600,
            max_expiry_secs: 7 * 86_400,
            redirect_to_s3: false,
        }
    }
}

/// `{ id = "2026-12", secret = { env = "MEETFLOW_LINK_KEY_2026_12" } }`: base64 of at least 32
/// random bytes (`openssl rand -base64 32`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyRef {
    /// Written in clear into every link: a name, not a secret.
    pub id: String,
    pub secret: SecretRef,
}

/// HMAC-SHA256 keys shorter than its output make a forged link cheaper than it needs to be.
const MIN_SECRET_BYTES: usize = 32;

/// A signing key read from its reference: (id, secret bytes).
pub type ResolvedSigningKey = (String, Vec<u8>);

impl ArtifactsConfig {
    /// Reads every signing key now, in configured order.
    pub fn resolve_keys(&self) -> Result<Vec<ResolvedSigningKey>, ConfigError> {
        self.resolve_keys_with(|name| std::env::var(name).ok())
    }

    pub fn resolve_keys_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<ResolvedSigningKey>, ConfigError> {
        if self.signing_keys.is_empty() {
            return Err(ConfigError::key(
                "artifacts.signing_keys",
                "at least one key is required to issue or serve artifact links",
            ));
        }
        let mut keys: Vec<ResolvedSigningKey> = Vec::new();
        for (i, k) in self.signing_keys.iter().enumerate() {
            let at = format!("artifacts.signing_keys[{i}]");
            if keys.iter().any(|(id, _)| *id == k.id) {
                return Err(ConfigError::key(
                    format!("{at}.id"),
                    format!("key id {:?} is used twice", k.id),
                ));
            }
            let secret_key = format!("{at}.secret");
            let secret = k.secret.resolve_with(&secret_key, &env)?;
            // Described without quoting the value (a base64 error names the bad character).
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(secret.expose().trim())
                .map_err(|_| {
                    ConfigError::key(
                        &secret_key,
                        "not base64 (expected at least 32 random bytes, e.g. \
                         `openssl rand -base64 32`)",
                    )
                })?;
            if bytes.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::key(
                    &secret_key,
                    format!(
                        "the key is {} bytes; at least {MIN_SECRET_BYTES} are needed",
                        bytes.len()
                    ),
                ));
            }
            keys.push((k.id.clone(), bytes));
        }
        Ok(keys)
    }

    /// The link base, without a trailing `/`.
    pub fn link_base(&self) -> Result<String, ConfigError> {
        let url = self.public_url.as_ref().ok_or_else(|| {
            ConfigError::key(
                "artifacts.public_url",
                "required to issue artifact links (the URL users reach artifacts.listen under)",
            )
        })?;
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }

    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        in_range(
            "artifacts.default_expiry_secs",
            self.default_expiry_secs,
            LINK_EXPIRY_SECS,
        )?;
        in_range(
            "artifacts.max_expiry_secs",
            self.max_expiry_secs,
            LINK_EXPIRY_SECS,
        )?;
        if self.default_expiry_secs > self.max_expiry_secs {
            return Err(ConfigError::key(
                "artifacts.default_expiry_secs",
                "must not exceed artifacts.max_expiry_secs",
            ));
        }
        if let Some(url) = &self.public_url {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(ConfigError::key(
                    "artifacts.public_url",
                    "must be an http:// or https:// URL",
                ));
            }
            if !url.username().is_empty() || url.password().is_some() {
                return Err(ConfigError::key(
                    "artifacts.public_url",
                    "must not hold credentials: it is printed in every link",
                ));
            }
        }
        if !self.listen.is_empty() {
            self.resolve_keys()?;
        }
        Ok(())
    }
}
