//! Connecting to Temporal by Temporal's own conventions: `TEMPORAL_ADDRESS`,
//! `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE` and
//! `temporal.toml` win; `[temporal]` in meetflow's config fills in what they leave unset.
//! Every client meetflow makes comes from here, so with `[codec]` on every one of them (worker,
//! CLI, tests) seals and opens payloads the same way.

use anyhow::Context;
use meetflow_codec::{EncryptionCodec, Keyring};
use meetflow_config::{CodecConfig, Config, GrpcCompression, TemporalConfig};
use temporalio_client::{
    Client, ClientOptions, ClientTlsOptions, Connection, TlsOptions,
    envconfig::LoadClientConfigProfileOptions,
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
    // TLS options from Temporal's variables count too: with them, a bare address must become
    // https://, or the connection would be plain despite them.
    let tls = cfg.tls_wanted() || conn.api_key.is_some() || conn.tls_options.is_some();
    if tls {
        fill_tls(
            cfg,
            conn.tls_options
                .get_or_insert_with(|| TlsOptions::builder().build()),
        )?;
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
    conn.grpc_compression = match cfg.grpc_compression {
        GrpcCompression::None => temporalio_client::GrpcCompression::None,
        GrpcCompression::Gzip => temporalio_client::GrpcCompression::Gzip,
    };
    let target = conn.target.clone();
    let how = conn
        .tls_options
        .as_ref()
        .map(describe_tls)
        .unwrap_or_default();
    let connection = Connection::connect(conn)
        .await
        .with_context(|| format!("connecting to Temporal at {target}{how}"))?;
    Ok(Client::new(connection, opts)?)
}

/// `[temporal]`'s `tls_…` keys, for each setting Temporal's own variables left unset.
fn fill_tls(cfg: &TemporalConfig, tls: &mut TlsOptions) -> anyhow::Result<()> {
    let read = |key: &str, path: &std::path::Path| {
        std::fs::read(path)
            .with_context(|| format!("temporal.{key}: cannot read {}", path.display()))
    };
    if tls.server_root_ca_cert.is_none()
        && let Some(path) = &cfg.tls_ca_path
    {
        tls.server_root_ca_cert = Some(read("tls_ca_path", path)?);
    }
    if tls.domain.is_none() {
        tls.domain.clone_from(&cfg.tls_server_name);
    }
    if tls.client_tls_options.is_none()
        && let (Some(cert), Some(key)) = (&cfg.tls_client_cert_path, &cfg.tls_client_key_path)
    {
        tls.client_tls_options = Some(
            ClientTlsOptions::builder()
                .client_cert(read("tls_client_cert_path", cert)?)
                .client_private_key(read("tls_client_key_path", key)?)
                .build(),
        );
    }
    Ok(())
}

/// What a failed TLS connection was attempted with, so that a certificate the server's CA did
/// not sign, or a name it does not carry, can be told from an unreachable address.
fn describe_tls(tls: &TlsOptions) -> String {
    format!(
        " over TLS (server name: {}; trusted CA: {}; client certificate: {})",
        tls.domain.as_deref().unwrap_or("the address's host"),
        if tls.server_root_ca_cert.is_some() {
            "the configured CA file"
        } else {
            "the system's roots"
        },
        if tls.client_tls_options.is_some() {
            "yes"
        } else {
            // What an mTLS server does then, seen by the client only as a closed connection.
            "none, and a server that requires one closes the connection"
        }
    )
}

/// `meetflow@host:pid`: how this process appears among a task queue's pollers.
pub fn identity(role: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("meetflow-{role}@{}:{}", host.trim(), std::process::id())
}
