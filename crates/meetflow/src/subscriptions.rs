//! The worker's side of kept subscriptions: which `SubscriptionKeeper`s should run (one per
//! tenant with a Microsoft app and resource, while `notifications.public_url` is set), starting
//! the missing ones and stopping the rest; and `meetflow subscriptions list`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use meetflow_config::Config;
use meetflow_proto::{model::TenantId, names, status::SubscribedResource};
use meetflow_store::{Store, SubscriptionRecord};
use meetflow_workflows::subscription::KeeperInput;
use temporalio_client::{
    Client, WorkflowIdConflictPolicy, WorkflowListOptions, WorkflowStartOptions,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

/// The keepers the configuration asks for: every resource of every tenant that has a Microsoft
/// app and Teams meetings on; none while `notifications.public_url` is unset.
pub fn wanted(config: &Config) -> BTreeSet<(TenantId, SubscribedResource)> {
    if config.notifications.public_url.is_none() {
        return BTreeSet::new();
    }
    config
        .tenants
        .iter()
        .filter(|(_, t)| {
            t.teams_enabled
                && t.microsoft_tenant_id.is_some()
                && t.client_id.is_some()
                && t.client_secret.is_some()
        })
        .filter_map(|(id, _)| TenantId::parse(id).ok())
        .flat_map(|t| SubscribedResource::ALL.iter().map(move |r| (t.clone(), *r)))
        .collect()
}

/// Starts the wanted keepers that are not running (a running one is left alone) and stops the
/// running ones that are no longer wanted (they delete their subscription and complete).
pub async fn reconcile(config: &Config, client: &Client) -> anyhow::Result<()> {
    let wanted = wanted(config);
    let running = running(client).await?;
    for (tenant, resource) in &wanted {
        let workflow_id = names::subscription_workflow_id(tenant, *resource);
        let input = KeeperInput {
            tenant_id: tenant.clone(),
            resource: *resource,
            carried: None,
        };
        let opts = WorkflowStartOptions::new(&config.temporal.task_queue, &workflow_id)
            // Start it, or leave the running one as it is.
            .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
            .build();
        let raw =
            RawValue::from_value(&serde_json::to_value(&input)?, &PayloadConverter::default());
        client
            .start_workflow(
                UntypedWorkflow::new(names::SUBSCRIPTION_WORKFLOW),
                raw,
                opts,
            )
            .await?;
        tracing::info!(%workflow_id, "subscription keeper running");
    }
    for (tenant, resource) in running.difference(&wanted) {
        let workflow_id = names::subscription_workflow_id(tenant, *resource);
        meetflow_activities::signal::signal(client, &workflow_id, names::SIGNAL_STOP, None).await?;
        tracing::info!(%workflow_id, "subscription keeper stopped: tenant no longer subscribed");
    }
    Ok(())
}

/// The keepers running now, by their workflow ids.
async fn running(client: &Client) -> anyhow::Result<BTreeSet<(TenantId, SubscribedResource)>> {
    let query = format!(
        "WorkflowType = '{}' AND ExecutionStatus = 'Running'",
        names::SUBSCRIPTION_WORKFLOW
    );
    let mut listed = client.list_workflows(query, WorkflowListOptions::default());
    let mut out = BTreeSet::new();
    while let Some(w) = listed.next().await {
        let w = w?;
        let id = w.raw().execution.as_ref().map(|e| e.workflow_id.as_str());
        if let Some(key) = id.and_then(names::subscription_of_workflow_id) {
            out.insert(key);
        }
    }
    Ok(out)
}

/// One row of `meetflow subscriptions list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    pub tenant_id: String,
    pub resource: String,
    pub subscription_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// `active`, `expired`, or `creating` (no id yet, or the last create failed).
    pub state: &'static str,
    pub renewals: u64,
    pub last_error: Option<String>,
}

pub fn state_of(r: &SubscriptionRecord, now: DateTime<Utc>) -> &'static str {
    match (&r.subscription_id, r.expires_at) {
        (Some(_), Some(at)) if at > now => "active",
        (Some(_), _) => "expired",
        (None, _) => "creating",
    }
}

pub async fn list(store: &Store) -> anyhow::Result<Vec<Listed>> {
    let now = Utc::now();
    Ok(store
        .subscriptions()
        .await?
        .into_iter()
        .map(|r| Listed {
            state: state_of(&r, now),
            last_error: r
                .last_error_code
                .as_ref()
                .map(|c| format!("{c}: {}", r.last_error_message.as_deref().unwrap_or(""))),
            tenant_id: r.tenant_id,
            resource: r.resource,
            subscription_id: r.subscription_id,
            expires_at: r.expires_at,
            renewals: r.renewals,
        })
        .collect())
}

/// `meetflow subscriptions list`: a table, or (`json`) one JSON array.
pub async fn list_report(store: &Store, json: bool) -> anyhow::Result<String> {
    let rows = list(store).await?;
    if json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&rows)?));
    }
    if rows.is_empty() {
        return Ok(
            "no subscriptions (is notifications.public_url set and the worker running?)\n".into(),
        );
    }
    let mut out = String::from("TENANT\tRESOURCE\tSTATE\tEXPIRES\tRENEWALS\tID\tLAST ERROR\n");
    for r in rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.tenant_id,
            r.resource,
            r.state,
            r.expires_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            r.renewals,
            r.subscription_id.as_deref().unwrap_or("-"),
            r.last_error.as_deref().unwrap_or("-"),
        ));
    }
    Ok(out)
}
