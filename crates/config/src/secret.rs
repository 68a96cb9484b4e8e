//! Secrets by reference: the config file names where a secret lives, never the secret itself.

use std::{fmt, path::PathBuf};

use serde::{Deserialize, Deserializer};

use crate::ConfigError;

/// Where a secret is kept: `{ env = "ACME_GRAPH_SECRET" }` or `{ file = "/run/secrets/acme" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Env(String),
    File(PathBuf),
}

/// The table form, read only after the value is known to be a table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretTable {
    env: Option<String>,
    file: Option<PathBuf>,
}

/// Hand-written so that no error ever quotes the value: serde's own messages do
/// (`unknown variant `hunter2``), and a secret written into the file by mistake must not reach
/// a log through the error that refuses it.
impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        // No quotes in the hint: quoted parts of a secret key's error are scrubbed.
        const HOW: &str = "refer to it as { env = <variable name> } or { file = <path> }";
        match toml::Value::deserialize(d)? {
            toml::Value::Table(t) => {
                let table = SecretTable::deserialize(toml::Value::Table(t)).map_err(|e| {
                    // Field names only (`unknown field `value``): no value is quoted.
                    D::Error::custom(format!("{}; {HOW}", e.message()))
                })?;
                match (table.env, table.file) {
                    (Some(name), None) => Ok(SecretRef::Env(name)),
                    (None, Some(path)) => Ok(SecretRef::File(path)),
                    _ => Err(D::Error::custom(format!(
                        "give exactly one of env and file; {HOW}"
                    ))),
                }
            }
            other => Err(D::Error::custom(format!(
                "a secret is never written in the file (got a {}); {HOW}",
                other.type_str()
            ))),
        }
    }
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
