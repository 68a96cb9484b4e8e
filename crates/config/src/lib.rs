//! meetflow's configuration: one TOML file plus environment overrides.
//!
//! - File: `meetflow.toml` (path from `--config` or `MEETFLOW_CONFIG`); every key has a default,
//!   so an empty file is a valid embedded-default configuration.
//! - Overrides: `MEETFLOW_<SECTION>__<KEY>=value` sets `[section] key = value` (double underscore
//!   separates levels; the value is parsed as TOML when it can be, else taken as a string), e.g.
//!   `MEETFLOW_STORE__URL=postgres://…`, `MEETFLOW_MAIL__TRANSPORT=smtp`.
//! - Temporal's own variables (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
//!   `TEMPORAL_TLS*`, `TEMPORAL_PROFILE`, …) win over `[temporal]` (see [`TemporalConfig`]).
//! - Secrets are never values in the file: a tenant's client secret is a [`SecretRef`] (an
//!   environment variable or a file), resolved once at start-up into a redacted [`Secret`].
//!
//! Every error names the key that is wrong, and never quotes the value of a key that may hold
//! a secret (see [`ConfigError`]). Every number has a range ([`bounds`]).

mod artifacts;
pub mod bounds;
mod codec;
mod ingress;
mod secret;
mod telemetry;
mod tenant;
mod urls;
mod versioning;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

use meetflow_proto::model::EmailAddress;
use serde::Deserialize;
use url::Url;

pub use artifacts::{ArtifactsConfig, ResolvedSigningKey, SigningKeyRef};
pub use codec::{CodecConfig, CodecKeyRef, CodecKeys};
pub use ingress::{IngressConfig, IngressKeyRef};
pub use secret::{Secret, SecretRef};
pub use telemetry::{OtlpEndpoint, TelemetryConfig};
pub use tenant::{
    CaptureSchedule, ConfiguredOrganizer, DEFAULT_ATTEMPT_TIMEOUT_SECS, ObjectId, Organizer,
    TenantConfig, TenantSettings,
};
pub use urls::{StorageUrl, StoreUrl};
pub use versioning::{BuildId, DeploymentName};

/// A configuration error that names the key at fault.
///
/// Its text (`Display` and `Debug` alike) never holds the value of a key that may carry a secret
/// ([`holds_secret`]): such keys get messages written not to quote their value, and serde's
/// messages for them, which do quote (`invalid type: string "hunter2"`), are scrubbed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("config key `{key}`: {problem}")]
    Key { key: String, problem: String },
}

impl ConfigError {
    /// A problem meetflow's own checks found; their texts are written not to quote secrets.
    pub(crate) fn key(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Key {
            key: key.into(),
            problem: problem.into(),
        }
    }

    /// A problem serde found while reading `key`, scrubbed of quoted values when the key may
    /// hold a secret.
    fn deserializing(key: String, message: &str) -> Self {
        let problem = if holds_secret(&key) {
            scrub(message)
        } else {
            message.to_string()
        };
        Self::Key { key, problem }
    }
}

/// Whether the value at `key` (a dotted path, or a `MEETFLOW_…` variable) may hold a secret or
/// a URL with a password: a secret reference, a password, the store URL, the other URLs.
pub fn holds_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let segments: Vec<&str> = key.split(['.', '_']).collect();
    ["secret", "password", "state", "key", "url", "token"]
        .iter()
        .any(|s| segments.contains(s))
}

/// `problem` with every quoted part (`"…"`, `'…'`, `` `…` ``) replaced by `<redacted>`.
fn scrub(problem: &str) -> String {
    let mut out = String::with_capacity(problem.len());
    let mut quote: Option<char> = None;
    for c in problem.chars() {
        match quote {
            Some(q) if c == q => {
                out.push_str("<redacted>");
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if matches!(c, '"' | '\'' | '`') {
                    quote = Some(c);
                }
            }
        }
    }
    if quote.is_some() {
        out.push_str("<redacted>");
    }
    out
}

/// The whole, checked configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub temporal: TemporalConfig,
    pub worker: WorkerConfig,
    pub store: StoreConfig,
    pub mail: MailConfig,
    pub graph: GraphConfig,
    pub storage: StorageConfig,
    pub notifications: NotificationsConfig,
    pub codec: CodecConfig,
    pub telemetry: TelemetryConfig,
    pub artifacts: ArtifactsConfig,
    pub ingress: IngressConfig,
    /// Per-tenant settings, keyed by the PSA tenant id.
    pub tenants: BTreeMap<String, TenantConfig>,
}

/// Where the worker finds Temporal. Temporal's environment variables take precedence; these
/// keys are the file-level defaults beneath them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemporalConfig {
    /// `host:port`, as in `TEMPORAL_ADDRESS`.
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    /// Name of the environment variable that holds an API key (Temporal Cloud); the key itself is
    /// never in the file. `TEMPORAL_API_KEY` is honoured too.
    pub api_key_env: Option<String>,
    /// Turn TLS on (implied by an API key and by any `tls_…` key below).
    pub tls: bool,
    /// PEM file of the CA that signed the frontend's certificate, for a cluster with a private
    /// CA; unset: the publicly trusted roots. `TEMPORAL_TLS_SERVER_CA_CERT_PATH` wins.
    pub tls_ca_path: Option<PathBuf>,
    /// The name the frontend's certificate must carry, when it is not the address's host (e.g.
    /// through a load balancer's IP). `TEMPORAL_TLS_SERVER_NAME` wins.
    pub tls_server_name: Option<String>,
    /// mTLS: this client's certificate (chain) and private key, PEM files, both or neither.
    /// `TEMPORAL_TLS_CLIENT_CERT_PATH` / `TEMPORAL_TLS_CLIENT_KEY_PATH` win.
    pub tls_client_cert_path: Option<PathBuf>,
    pub tls_client_key_path: Option<PathBuf>,
    /// The Temporal Web UI's base URL, for the links `meetflow appointment history` prints.
    /// Unset: derived for a loopback dev server (its UI listens on the frontend port + 1000).
    pub ui_url: Option<String>,
    /// gRPC compression on the connection to Temporal. Default `none`, unlike the SDK's gzip:
    /// see [`GrpcCompression`].
    pub grpc_compression: GrpcCompression,
}

/// Compression of the gRPC messages between meetflow and the Temporal frontend.
///
/// The SDK's default is gzip. Measured on the worker (docs/performance.md), gzip was 18 % of its
/// CPU: tonic builds a new compressor, with a few hundred KiB of zeroed tables, for every
/// message, and most messages are small. What gzip could save is mostly payload bytes, and with
/// `[codec]` on those are AES-GCM ciphertext, which does not compress. So compression is off
/// unless a narrow link to the frontend (a WAN to Temporal Cloud metered by the byte) is worth
/// that CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GrpcCompression {
    #[default]
    None,
    /// Requests sent gzip-compressed, gzip-compressed answers accepted.
    Gzip,
}

impl Default for TemporalConfig {
    fn default() -> Self {
        Self {
            address: "localhost:7233".into(),
            namespace: "default".into(),
            task_queue: meetflow_proto::names::DEFAULT_TASK_QUEUE.into(),
            api_key_env: None,
            tls: false,
            tls_ca_path: None,
            tls_server_name: None,
            tls_client_cert_path: None,
            tls_client_key_path: None,
            ui_url: None,
            grpc_compression: GrpcCompression::None,
        }
    }
}

impl TemporalConfig {
    /// Whether these keys ask for TLS: `tls`, or any of the `tls_…` keys.
    pub fn tls_wanted(&self) -> bool {
        self.tls
            || self.tls_ca_path.is_some()
            || self.tls_server_name.is_some()
            || self.tls_client_cert_path.is_some()
            || self.tls_client_key_path.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// `host:port` for `/healthz` (process up) and `/readyz` (polling Temporal). Empty: off.
    pub health_listen: String,
    /// `host:port` serving Prometheus metrics at `/metrics`: the SDK's worker metrics and
    /// meetflow's `meetflow_*` counters. Empty: off.
    pub metrics_listen: String,
    /// Seconds in-flight activities get to finish on SIGTERM before they are cancelled.
    pub graceful_shutdown_secs: u64,
    pub max_concurrent_activities: usize,
    pub max_concurrent_workflow_tasks: usize,
    /// Workflows kept in memory between tasks (the sticky cache): the main term of worker RSS
    /// with many open appointments, about 75 KiB each (see docs/performance.md); evicted ones
    /// are replayed when they wake. It needs to hold the workflows that are busy at once, not
    /// the appointments waiting days for their meeting.
    pub max_cached_workflows: usize,
    /// The build this worker runs, stamped on every workflow task it completes. Unset: the
    /// crate version plus a checksum of the executable (`0.1.0+1a2b3c4d`), which differs for
    /// every binary; set it from the release pipeline (image tag, commit) to name builds.
    pub build_id: Option<BuildId>,
    /// Opts in to Temporal's Worker Versioning under this Worker Deployment: the worker then
    /// takes only the tasks Temporal routes to its build (docs/versioning.md). Unset: off.
    pub deployment_name: Option<DeploymentName>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            health_listen: String::new(),
            metrics_listen: String::new(),
            graceful_shutdown_secs: 20,
            max_concurrent_activities: 50,
            max_concurrent_workflow_tasks: 50,
            max_cached_workflows: 500,
            build_id: None,
            deployment_name: None,
        }
    }
}

impl WorkerConfig {
    pub fn graceful_shutdown(&self) -> Duration {
        Duration::from_secs(self.graceful_shutdown_secs)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` (embedded default) or `postgres://…` (production). A
    /// PostgreSQL server that is not on loopback needs `?sslmode=verify-full`.
    pub url: StoreUrl,
    /// Connect to a PostgreSQL server beyond loopback without `sslmode=verify-full` (TLS that
    /// checks the server's certificate and name): only for a network you trust end to end.
    pub allow_insecure_tls: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: StoreUrl::parse("sqlite://.meetflow/meetflow.db").expect("static url"),
            allow_insecure_tls: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// Write each message as an `.eml` file (embedded default).
    Outbox,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refuses to send if the server cannot.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS at all: only for a relay on loopback.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransportKind,
    /// The sending mailbox: SMTP envelope sender, and `Sender:` of invitation mails (or their
    /// `From:` when `from_organizer` is false, or when there is no Teams meeting).
    pub from: EmailAddress,
    pub from_name: String,
    /// `From:` is the ICS ORGANIZER (the tenant's organizer mailbox), as RFC 6047 expects of an
    /// iMIP request; set false for a relay that refuses a foreign From (the organizer then goes
    /// to `Reply-To:`). See docs/invitations.md.
    pub from_organizer: bool,
    pub outbox_dir: PathBuf,
    pub smtp: SmtpConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransportKind::Outbox,
            from: EmailAddress::parse("meetings@meetflow.localhost").expect("static address"),
            from_name: "Meetings".into(),
            from_organizer: true,
            outbox_dir: PathBuf::from(".meetflow/outbox"),
            smtp: SmtpConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<SecretRef>,
    pub timeout_secs: u64,
    pub pool_max_size: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            timeout_secs: 30,
            pool_max_size: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphConfig {
    /// Microsoft identity platform (token endpoint host). The emulator stands in for it locally.
    pub authority_url: Url,
    /// Microsoft Graph including the version segment.
    pub graph_url: Url,
}

impl Default for GraphConfig {
    fn default() -> Self {
        Self {
            authority_url: Url::parse("https://login.microsoftonline.com").expect("static url"),
            graph_url: Url::parse("https://graph.microsoft.com/v1.0").expect("static url"),
        }
    }
}

/// The endpoint Microsoft Graph posts recording/transcript change notifications to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// `host:port` serving `POST /notifications`; empty: off.
    pub listen: String,
    /// The public base URL under which Graph reaches `notifications.listen` (e.g.
    /// `https://meetflow.example.com`, behind a TLS-terminating proxy). When set, the worker
    /// keeps a Graph subscription on recordings and one on transcripts alive for every tenant
    /// with a Microsoft app (`SubscriptionKeeper` workflows), with notification and lifecycle URL
    /// `{public_url}/notifications`; when absent, it stops the keepers (deleting their
    /// subscriptions).
    pub public_url: Option<Url>,
    /// The `clientState` of every tenant without its own `notification_client_state` (a secret,
    /// by reference). Deprecated where several Microsoft tenants are served: one shared secret
    /// lets a subscription of one tenant speak for another. Kept for single-tenant installs.
    pub client_state: Option<SecretRef>,
    /// A larger POST is answered 413 unread (Graph's batches are a few KiB per notification).
    pub max_body_bytes: usize,
    /// Graph waits at most 3 s for an answer (10 s for the handshake); a request still running
    /// after this is answered 503 so Graph retries it.
    pub request_timeout_ms: u64,
    /// POSTs handled at once; one more is answered 503 with `Retry-After`.
    pub max_concurrent_requests: usize,
    /// Notifications accepted but not yet signalled; a batch that does not fit is answered 503
    /// (Graph retries it) rather than dropped.
    pub queue_capacity: usize,
    /// Notifications for one appointment within this window become one `artifactsAvailable`
    /// signal.
    pub coalesce_window_ms: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            listen: String::new(),
            public_url: None,
            client_state: None,
            max_body_bytes: 1024 * 1024,
            request_timeout_ms: 2_000,
            max_concurrent_requests: 64,
            queue_capacity: 10_000,
            coalesce_window_ms: 2_000,
        }
    }
}

impl NotificationsConfig {
    /// `{public_url}/notifications`: where the kept subscriptions send change and lifecycle
    /// notifications; `None` when subscriptions are off.
    pub fn notification_url(&self) -> Option<Url> {
        let mut url = self.public_url.clone()?;
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .push("notifications");
        Some(url)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `file:///var/lib/meetflow/recordings` (default: a local folder) or `s3://bucket/prefix`.
    pub url: StorageUrl,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            url: StorageUrl::parse("file://.meetflow/recordings").expect("static url"),
        }
    }
}

/// Reads the TOML file (when given), applies `MEETFLOW_*` overrides from `env`, checks every key.
pub fn load(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut doc = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.into(),
                source,
            })?;
            text.parse::<toml::Table>()
                .map_err(|e| ConfigError::Syntax {
                    path: p.into(),
                    message: e.message().to_string(),
                })?
        }
        None => toml::Table::new(),
    };
    let mut overrides: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with("MEETFLOW_") && k.contains("__"))
        .collect();
    overrides.sort();
    for (k, v) in overrides {
        apply_override(&mut doc, &k, &v)?;
    }
    let config: Config = serde_path_to_error::deserialize(toml::Value::Table(doc))
        .map_err(|e| ConfigError::deserializing(e.path().to_string(), e.inner().message()))?;
    config.check()?;
    Ok(config)
}

fn apply_override(doc: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = var["MEETFLOW_".len()..]
        .split("__")
        .map(str::to_ascii_lowercase)
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::key(var, "empty segment in override name"));
    }
    // `x = <value>` parses numbers, booleans and inline tables; anything else is a plain string.
    let parsed = format!("x = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("x"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let (last, parents) = path.split_last().expect("non-empty");
    let mut table = doc;
    for seg in parents {
        table = table
            .entry(seg.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| ConfigError::key(var, format!("`{seg}` is not a table")))?;
    }
    table.insert(last.clone(), parsed);
    Ok(())
}

impl Config {
    fn check(&self) -> Result<(), ConfigError> {
        self.check_numbers()?;
        if let Some(problem) = self.store.url.tls_problem()
            && !self.store.allow_insecure_tls
        {
            return Err(ConfigError::key(
                "store.url",
                format!("{problem}; or set store.allow_insecure_tls = true"),
            ));
        }
        for (key, url) in [
            ("graph.authority_url", &self.graph.authority_url),
            ("graph.graph_url", &self.graph.graph_url),
        ] {
            if !url.username().is_empty() || url.password().is_some() {
                return Err(ConfigError::key(
                    key,
                    "must not hold credentials: the app authenticates with its client secret",
                ));
            }
        }
        if self.temporal.task_queue.trim().is_empty() {
            return Err(ConfigError::key("temporal.task_queue", "must not be empty"));
        }
        if self.temporal.task_queue.starts_with("/_sys/") {
            return Err(ConfigError::key(
                "temporal.task_queue",
                "must not start with the reserved prefix /_sys/",
            ));
        }
        match (
            &self.temporal.tls_client_cert_path,
            &self.temporal.tls_client_key_path,
        ) {
            (Some(_), None) => {
                return Err(ConfigError::key(
                    "temporal.tls_client_key_path",
                    "required with temporal.tls_client_cert_path (mTLS needs both)",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::key(
                    "temporal.tls_client_cert_path",
                    "required with temporal.tls_client_key_path (mTLS needs both)",
                ));
            }
            _ => {}
        }
        if self.mail.transport == MailTransportKind::Smtp && self.mail.smtp.host.trim().is_empty() {
            return Err(ConfigError::key(
                "mail.smtp.host",
                "required when mail.transport = \"smtp\"",
            ));
        }
        if let Some(url) = &self.notifications.public_url {
            if self.notifications.listen.is_empty() {
                return Err(ConfigError::key(
                    "notifications.public_url",
                    "needs notifications.listen: Graph's notifications must reach this worker",
                ));
            }
            if !matches!(url.scheme(), "https" | "http")
                || url.cannot_be_a_base()
                || !url.username().is_empty()
                || url.password().is_some()
                || url.query().is_some()
                || url.fragment().is_some()
            {
                return Err(ConfigError::key(
                    "notifications.public_url",
                    "must be an https:// base URL without credentials, query or fragment \
                     (Graph only calls https; http is for the local emulator)",
                ));
            }
        }
        if !self.notifications.listen.is_empty()
            && self.notifications.client_state.is_none()
            && self.notifications.public_url.is_none()
            && self
                .tenants
                .values()
                .all(|t| t.notification_client_state.is_none())
        {
            return Err(ConfigError::key(
                "notifications.client_state",
                "required when notifications.listen is set, notifications.public_url is not \
                 (no kept subscriptions) and no tenant has its own notification_client_state",
            ));
        }
        self.codec.check()?;
        self.ingress.check()?;
        self.telemetry.check()?;
        self.artifacts.check()?;
        for (id, t) in &self.tenants {
            meetflow_proto::model::TenantId::parse(id)
                .map_err(|p| ConfigError::key(format!("tenants.{id}"), p))?;
            t.check(&format!("tenants.{id}"))?;
        }
        Ok(())
    }

    /// Every number within its range ([`bounds`]), so no value can overflow the arithmetic
    /// that uses it (durations in the workflows, pool sizes in the worker).
    fn check_numbers(&self) -> Result<(), ConfigError> {
        use bounds::*;
        let w = &self.worker;
        in_range(
            "worker.graceful_shutdown_secs",
            w.graceful_shutdown_secs,
            GRACEFUL_SHUTDOWN_SECS,
        )?;
        in_range(
            "worker.max_concurrent_activities",
            w.max_concurrent_activities,
            CONCURRENT_ACTIVITIES,
        )?;
        in_range(
            "worker.max_concurrent_workflow_tasks",
            w.max_concurrent_workflow_tasks,
            CONCURRENT_WORKFLOW_TASKS,
        )?;
        in_range(
            "worker.max_cached_workflows",
            w.max_cached_workflows,
            CACHED_WORKFLOWS,
        )?;
        let smtp = &self.mail.smtp;
        in_range("mail.smtp.port", smtp.port, SMTP_PORT)?;
        in_range(
            "mail.smtp.timeout_secs",
            smtp.timeout_secs,
            SMTP_TIMEOUT_SECS,
        )?;
        in_range(
            "mail.smtp.pool_max_size",
            smtp.pool_max_size,
            SMTP_POOL_MAX_SIZE,
        )?;
        let n = &self.notifications;
        in_range(
            "notifications.max_body_bytes",
            n.max_body_bytes,
            NOTIFICATION_BODY_BYTES,
        )?;
        in_range(
            "notifications.request_timeout_ms",
            n.request_timeout_ms,
            NOTIFICATION_TIMEOUT_MS,
        )?;
        in_range(
            "notifications.max_concurrent_requests",
            n.max_concurrent_requests,
            NOTIFICATION_CONCURRENCY,
        )?;
        in_range(
            "notifications.queue_capacity",
            n.queue_capacity,
            NOTIFICATION_QUEUE,
        )?;
        in_range(
            "notifications.coalesce_window_ms",
            n.coalesce_window_ms,
            COALESCE_WINDOW_MS,
        )?;
        Ok(())
    }

    /// The `[tenants.<id>]` table of one tenant.
    pub fn tenant(&self, id: &str) -> Option<&TenantConfig> {
        self.tenants.get(id)
    }
}

#[cfg(test)]
mod tests;
