//! Secrets by reference: the config file names where a secret lives, never the secret itself.

use std::{fmt, path::PathBuf};

use serde::Deserialize;

use crate::ConfigError;

/// Where a secret is kept: `{ env = "ACME_GRAPH_SECRET" }` or `{ file = "/run/secrets/acme" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum SecretRef {
    Env(String),
    File(PathBuf),
}

impl SecretRef {
    /// Reads the secret now; `key` is the config key, used only in error messages.
    pub fn resolve(&self, key: &str) -> Result<Secret, ConfigError> {
        self.resolve_with(key, |name| std::env::var(name).ok())
    }

    pub fn resolve_with(
        &self,
        key: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Secret, ConfigError> {
        let value = match self {
            SecretRef::Env(name) => env(name).ok_or_else(|| {
                ConfigError::key(key, format!("environment variable {name} is not set"))
            })?,
            SecretRef::File(path) => std::fs::read_to_string(path).map_err(|e| {
                ConfigError::key(
                    key,
                    format!("cannot read secret file {}: {e}", path.display()),
                )
            })?,
        };
        // Files written by `echo` end in a newline that is not part of the secret.
        let value = value.trim_end_matches(['\r', '\n']).to_string();
        if value.is_empty() {
            return Err(ConfigError::key(key, "the secret is empty"));
        }
        Ok(Secret(value))
    }
}

/// A secret value. `Debug` and `Display` print a placeholder, so it cannot leak into logs,
/// errors or (since it is not `Serialize`) workflow payloads.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The only way to read the value; grep for it to audit every use.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
