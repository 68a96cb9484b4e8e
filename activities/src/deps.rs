//! The adapters the activities share, built once from configuration at worker start-up.

use std::collections::HashMap;

use meetflow_config::{
    Config, MailTransportKind, SmtpConfig, SmtpSecurity as CfgSecurity, TenantConfig,
    TenantSettings,
};
use meetflow_graph::{AppCredentials, ClientSecret, GraphClient, GraphEndpoints};
use meetflow_mail::{
    FromHeader, MailSender, MailTransport, Outbox, SmtpCredentials, SmtpSecurity, SmtpSettings,
    SmtpTransport,
};
use meetflow_store::Store;

/// A configured tenant: what workflows may see, and what only activities use (the app's
/// credentials, the organizer mailbox).
pub(crate) struct Tenant {
    pub settings: TenantSettings,
    pub app: Option<AppCredentials>,
    pub organizer: Option<crate::tenant::OrganizerMailbox>,
}

pub struct Deps {
    pub(crate) tenants: HashMap<String, Tenant>,
    pub(crate) graph: GraphClient,
    pub(crate) store: Store,
    pub(crate) mail: MailTransport,
    pub(crate) mail_sender: MailSender,
    pub(crate) storage: meetflow_recordings::RecordingStorage,
    /// Right-hand side of our Message-IDs.
    pub(crate) message_id_domain: String,
    pub(crate) metrics: crate::metrics::Metrics,
    /// `{notifications.public_url}/notifications`; `None`: no subscriptions are kept.
    pub(crate) notification_url: Option<url::Url>,
    /// The kept subscriptions' `clientState`s, shared with the notification receiver.
    pub(crate) client_states: crate::ClientStates,
    /// For activities that signal workflows (`poke_captures`); set by the worker.
    pub(crate) temporal: std::sync::OnceLock<temporalio_client::Client>,
}

#[derive(Debug, thiserror::Error)]
pub enum DepsError {
    #[error(transparent)]
    Config(#[from] meetflow_config::ConfigError),
    #[error("store ({0}): {1}")]
    Store(String, meetflow_store::StoreError),
    #[error("graph client: {0}")]
    Graph(meetflow_graph::GraphError),
    #[error("mail transport: {0}")]
    Mail(meetflow_mail::MailError),
    #[error("config key `storage.url`: {0}")]
    Storage(meetflow_recordings::StorageError),
}

/// The app a tenant's Graph calls authenticate as, its secret resolved; `None` when the tenant
/// has no app configured.
pub fn app_credentials(
    id: &str,
    t: &TenantConfig,
) -> Result<Option<AppCredentials>, meetflow_config::ConfigError> {
    let (Some(tenant_id), Some(client_id), Some(secret)) =
        (&t.microsoft_tenant_id, &t.client_id, &t.client_secret)
    else {
        return Ok(None);
    };
    let secret = secret.resolve(&format!("tenants.{id}.client_secret"))?;
    Ok(Some(AppCredentials {
        tenant_id: tenant_id.clone(),
        client_id: client_id.clone(),
        client_secret: ClientSecret::new(secret.expose().to_string()),
    }))
}

/// The SMTP transport `[mail.smtp]` describes, its password resolved.
pub fn smtp_transport(s: &SmtpConfig) -> Result<SmtpTransport, DepsError> {
    let security = match s.security {
        CfgSecurity::Starttls => SmtpSecurity::StartTls,
        CfgSecurity::Tls => SmtpSecurity::ImplicitTls,
        CfgSecurity::None => SmtpSecurity::None,
    };
    let mut settings = SmtpSettings::new(s.host.clone(), s.port, security);
    settings.timeout = std::time::Duration::from_secs(s.timeout_secs);
    settings.max_connections = s.pool_max_size;
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        let password = password.resolve("mail.smtp.password")?;
        settings.credentials = Some(SmtpCredentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    SmtpTransport::new(settings).map_err(DepsError::Mail)
}

impl Deps {
    /// Resolves secrets, opens the store (running migrations) and builds the transports.
    /// Fails with the config key at fault.
    pub async fn from_config(config: &Config) -> Result<Self, DepsError> {
        let mut tenants = HashMap::new();
        for (id, t) in &config.tenants {
            tenants.insert(
                id.clone(),
                Tenant {
                    settings: t.settings(),
                    app: app_credentials(id, t)?,
                    organizer: t.organizer().map(Into::into),
                },
            );
        }
        let graph = GraphClient::new(GraphEndpoints {
            authority: config.graph.authority_url.clone(),
            graph: config.graph.graph_url.clone(),
        })
        .map_err(DepsError::Graph)?;
        let store = Store::connect(config.store.url.expose())
            .await
            .map_err(|e| DepsError::Store(config.store.url.to_string(), e))?;
        let mail = match config.mail.transport {
            MailTransportKind::Outbox => {
                MailTransport::Outbox(Outbox::new(config.mail.outbox_dir.clone()))
            }
            MailTransportKind::Smtp => MailTransport::Smtp(smtp_transport(&config.mail.smtp)?),
        };
        let storage = meetflow_recordings::RecordingStorage::from_url(config.storage.url.as_str())
            .map_err(DepsError::Storage)?;
        let message_id_domain = config.mail.from.domain().to_string();
        Ok(Self {
            tenants,
            graph,
            store,
            mail,
            mail_sender: MailSender {
                mailbox: meetflow_ics::CalAddress {
                    email: config.mail.from.to_string(),
                    name: config.mail.from_name.clone(),
                },
                from_header: if config.mail.from_organizer {
                    FromHeader::Organizer
                } else {
                    FromHeader::SendingMailbox
                },
            },
            storage,
            message_id_domain,
            metrics: crate::metrics::Metrics::off(),
            notification_url: config.notifications.notification_url(),
            client_states: crate::ClientStates::default(),
            temporal: std::sync::OnceLock::new(),
        })
    }

    /// Lets activities signal workflows through `client` (the worker's own connection).
    pub fn with_temporal(self, client: temporalio_client::Client) -> Self {
        let _ = self.temporal.set(client);
        self
    }

    /// The `clientState`s of the kept subscriptions (the receiver accepts them).
    pub fn client_states(&self) -> crate::ClientStates {
        self.client_states.clone()
    }

    /// Records business metrics through `meter` (the worker's Prometheus exporter).
    pub fn with_metrics(
        mut self,
        meter: std::sync::Arc<dyn temporalio_common::telemetry::metrics::CoreMeter>,
    ) -> Self {
        self.graph
            .observe(std::sync::Arc::new(crate::metrics::GraphMetrics::new(
                meter.clone(),
            )));
        self.metrics = crate::metrics::Metrics::new(meter);
        self
    }

    /// The store, for the binary's status commands and the tests.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
