//! Artifact links (docs/recordings.md#links): `meetflow appointment link` issues them
//! ([`issue`]), `GET|HEAD /artifacts/{token}` on `artifacts.listen` serves them ([`serve`]).

pub mod issue;
pub mod serve;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use meetflow_config::Config;
use meetflow_links::{SigningKey, SigningKeys};

/// The configured keys, read from their references; the first signs.
pub fn signing_keys(config: &Config) -> anyhow::Result<SigningKeys> {
    let mut keys = Vec::new();
    for (i, (id, secret)) in config.artifacts.resolve_keys()?.into_iter().enumerate() {
        keys.push(
            SigningKey::new(&id, secret)
                .map_err(|p| anyhow::anyhow!("config key `artifacts.signing_keys[{i}]`: {p}"))?,
        );
    }
    SigningKeys::new(keys).map_err(|p| anyhow::anyhow!("config key `artifacts.signing_keys`: {p}"))
}

/// Tenants whose flag lets client contacts get links.
fn client_link_tenants(config: &Config) -> BTreeSet<String> {
    config
        .tenants
        .iter()
        .filter(|(_, t)| t.client_links)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Now, in the grants' unit.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
