//! Connecting to Temporal by Temporal's own conventions: `TEMPORAL_ADDRESS`,
//! `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE` and
//! `temporal.toml` win; `[temporal]` in meetflow's config fills in what they leave unset.
//! Every client meetflow makes comes from here, so with `[codec]` on every one of them (worker,
//! CLI, tests) seals and opens payloads the same way.

use anyhow::Context;
use meetflow_codec::{EncryptionCodec, Keyring};
use meetflow_config::{CodecConfig, Config};
use temporalio_client::{
    Client, ClientOptions, Connection, TlsOptions, envconfig::LoadClientConfigProfileOptions,
};
use url::Url;

/// `host:port` or a URL; a bare address gets `http://` (or `https://` with TLS), as in the CLI.
pub fn address_url(address: &str, tls: bool) -> anyhow::Result<Url> {
    let with_scheme = if address.contains("://") {
        address.to_string()
    } else {
        format!("{}://{address}", if tls { "https" } else { "http" })
    };
    Url::parse(&with_scheme)
        .with_context(|| format!("temporal.address {address:?} is not host:port"))
}

/// The payload codec `[codec]` describes; `None` when it is off.
pub fn codec(cfg: &CodecConfig) -> anyhow::Result<Option<EncryptionCodec>> {
    let Some(keys) = cfg.resolve()? else {
        return Ok(None);
    };
    let keyring = Keyring::new(&keys.encrypt_key_id, keys.keys).context("codec.keys")?;
    Ok(Some(EncryptionCodec::new(keyring)))
}

pub async fn client(config: &Config, identity: &str) -> anyhow::Result<Client> {
    let cfg = &config.temporal;
    let (mut conn, mut opts) = ClientOptions::load_from_config(
        LoadClientConfigProfileOptions::default(),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "reading Temporal client configuration (TEMPORAL_* variables / temporal.toml): {e:?}"
        )
    })?;
    let env_set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    let profile = env_set("TEMPORAL_CONFIG_FILE") || env_set("TEMPORAL_PROFILE");
    if conn.api_key.is_none()
        && let Some(var) = &cfg.api_key_env
    {
        let key = std::env::var(var).with_context(|| {
            format!("temporal.api_key_env: environment variable {var} is not set")
        })?;
        conn.api_key = Some(key);
    }
    let tls = cfg.tls || conn.api_key.is_some();
    if tls && conn.tls_options.is_none() {
        conn.tls_options = Some(TlsOptions::builder().build());
    }
    if !env_set("TEMPORAL_ADDRESS") && !profile {
        conn.target = address_url(&cfg.address, tls)?;
    }
    if !env_set("TEMPORAL_NAMESPACE") && !profile {
        opts.namespace = cfg.namespace.clone();
    }
    if let Some(codec) = codec(&config.codec)? {
        opts.data_converter = meetflow_codec::data_converter(codec);
    }
    conn.identity = identity.to_string();
    let target = conn.target.clone();
    let connection = Connection::connect(conn)
        .await
        .with_context(|| format!("connecting to Temporal at {target}"))?;
    Ok(Client::new(connection, opts)?)
}

/// `meetflow@host:pid`: how this process appears among a task queue's pollers.
pub fn identity(role: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("meetflow-{role}@{}:{}", host.trim(), std::process::id())
}
