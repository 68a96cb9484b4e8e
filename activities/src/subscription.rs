//! The Graph subscriptions a `SubscriptionKeeper` keeps: create (with a fresh `clientState`),
//! renew, reauthorize, delete, and the poke that covers a gap.
//!
//! Idempotency: Graph's create is not idempotent, so the store row of (tenant, resource) is
//! written before the create (new generation, new `clientState`) and gets the id after it; a
//! retry of the same generation returns that id. A crash between Graph's answer and that write
//! leaves a subscription nobody knows: before every create, the app's subscriptions on the
//! same resource and notification URL that no store row knows are deleted. Renew, reauthorize
//! and delete may be repeated as they are (a delete of a gone subscription is a success).
//!
//! The `clientState` goes to Graph and into the store, never into an input, output, log or
//! error.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;
use meetflow_graph::{
    ALL_RECORDINGS_RESOURCE, ALL_TRANSCRIPTS_RESOURCE, AppCredentials, ClientState,
    MAX_ARTIFACT_SUBSCRIPTION_LIFETIME, NewSubscription,
};
use meetflow_proto::model::TenantId;
use meetflow_proto::names;
use meetflow_store::SubscriptionRecord;
use meetflow_workflows::activity_api::{
    CreateSubscriptionInput, KeptSubscription, SubscribedResource, SubscriptionKey, SubscriptionRef,
};
use temporalio_sdk::activities::ActivityError;

use crate::deps::Deps;
use crate::failure::{self, Classify};

/// What a create or renewal asks for: Graph's maximum less a margin, so clock skew between us
/// and Graph never makes the request exceed it.
const REQUESTED_LIFETIME: Duration =
    Duration::from_secs(MAX_ARTIFACT_SUBSCRIPTION_LIFETIME.as_secs() - 300);

/// The Graph resource a [`SubscribedResource`] names (tenant-wide).
pub fn graph_resource(resource: SubscribedResource) -> &'static str {
    match resource {
        SubscribedResource::Recordings => ALL_RECORDINGS_RESOURCE,
        SubscribedResource::Transcripts => ALL_TRANSCRIPTS_RESOURCE,
    }
}

/// The `clientState`s of the kept subscriptions, by PSA tenant: what the notification receiver
/// accepts besides configured secrets. Shared by the activities (which change it the moment
/// they rotate a secret) and the receiver; refreshed from the store for rotations made by
/// other workers.
#[derive(Clone, Default)]
pub struct ClientStates(Arc<RwLock<ByTenant>>);

/// PSA tenant → its kept subscriptions' resources and `clientState`s.
type ByTenant = HashMap<String, Vec<(SubscribedResource, ClientState)>>;

impl ClientStates {
    /// Replaces everything with the store's rows.
    pub fn load(&self, rows: &[SubscriptionRecord]) {
        let mut map = ByTenant::new();
        for row in rows {
            let (Ok(resource), Ok(state)) = (
                row.resource.parse::<SubscribedResource>(),
                ClientState::new(row.client_state.clone()),
            ) else {
                continue;
            };
            map.entry(row.tenant_id.clone())
                .or_default()
                .push((resource, state));
        }
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = map;
    }

    fn set(&self, tenant: &str, resource: SubscribedResource, state: Option<ClientState>) {
        let mut map = self.0.write().unwrap_or_else(|p| p.into_inner());
        let entries = map.entry(tenant.to_owned()).or_default();
        entries.retain(|(r, _)| *r != resource);
        entries.extend(state.map(|s| (resource, s)));
    }

    /// The resource of `tenant`'s subscription whose `clientState` `received` is, compared in
    /// constant time with every one of the tenant's (so timing tells nothing of which came
    /// close).
    pub fn resource_of(&self, tenant: &str, received: &str) -> Option<SubscribedResource> {
        let map = self.0.read().unwrap_or_else(|p| p.into_inner());
        let mut found = None;
        for (resource, state) in map.get(tenant).map(Vec::as_slice).unwrap_or_default() {
            if state.matches(received) {
                found = Some(*resource);
            }
        }
        found
    }
}

fn app<'a>(deps: &'a Deps, tenant: &TenantId) -> Result<&'a AppCredentials, ActivityError> {
    deps.tenants
        .get(tenant.as_str())
        .and_then(|t| t.app.as_ref())
        .ok_or_else(|| {
            failure::permanent(
                "not_configured",
                format!("tenant {tenant} has no Microsoft app configured (microsoft_tenant_id, client_id, client_secret)"),
            )
        })
}

fn notification_url(deps: &Deps) -> Result<&url::Url, ActivityError> {
    deps.notification_url.as_ref().ok_or_else(|| {
        failure::permanent(
            "config_error",
            "notifications.public_url is not set: this worker keeps no subscriptions",
        )
    })
}

/// Keeps `e` as the row's last error (best effort: the failure itself is what matters), then
/// returns it classified.
async fn failed(
    deps: &Deps,
    tenant: &TenantId,
    resource: SubscribedResource,
    e: impl Classify,
) -> ActivityError {
    if let Err(store) = deps
        .store
        .record_subscription_error(tenant.as_str(), resource.as_str(), e.code(), &e.to_string())
        .await
    {
        tracing::warn!(error = %store, "subscription: could not keep the last error");
    }
    failure::classify(e)
}

pub(crate) async fn create(
    deps: &Deps,
    input: &CreateSubscriptionInput,
) -> Result<KeptSubscription, ActivityError> {
    let (tenant, resource) = (&input.tenant_id, input.resource);
    let app = app(deps, tenant)?;
    let url = notification_url(deps)?;
    let row = deps
        .store
        .subscription(tenant.as_str(), resource.as_str())
        .await
        .map_err(failure::classify)?;
    // A retry of this generation: the subscription its first attempt made.
    if let Some(row) = &row
        && row.generation == input.generation
        && let (Some(id), Some(expires_at)) = (&row.subscription_id, row.expires_at)
        && expires_at > Utc::now()
    {
        return Ok(KeptSubscription {
            subscription_id: id.clone(),
            expires_at,
            since: row.updated_at,
        });
    }
    if let Some(old) = row.as_ref().and_then(|r| r.subscription_id.as_deref()) {
        deps.graph
            .delete_subscription(app, old)
            .await
            .map_err(failure::classify)?;
    }
    delete_strays(deps, app, url, graph_resource(resource)).await?;

    let client_state = ClientState::random();
    deps.store
        .begin_subscription(
            tenant.as_str(),
            resource.as_str(),
            input.generation,
            client_state.expose(),
        )
        .await
        .map_err(failure::classify)?;
    // Graph may notify right after it answers; the receiver must know the secret by then.
    deps.client_states
        .set(tenant.as_str(), resource, Some(client_state.clone()));
    let since = Utc::now();
    let new = NewSubscription {
        resource: graph_resource(resource).to_owned(),
        notification_url: url.clone(),
        lifecycle_notification_url: url.clone(),
        expiration: since + REQUESTED_LIFETIME,
        client_state,
    };
    let created = match deps.graph.create_subscription(app, &new).await {
        Ok(s) => s,
        Err(e) => return Err(failed(deps, tenant, resource, e).await),
    };
    deps.store
        .record_subscription_created(
            tenant.as_str(),
            resource.as_str(),
            input.generation,
            &created.id,
            created.expiration_date_time,
        )
        .await
        .map_err(failure::classify)?;
    tracing::info!(
        tenant = %tenant, %resource, subscription = %created.id,
        expires = %created.expiration_date_time, "subscription created"
    );
    Ok(KeptSubscription {
        subscription_id: created.id,
        expires_at: created.expiration_date_time,
        since,
    })
}

/// Deletes the app's subscriptions on `resource` to our notification URL that no store row
/// knows: left by a create whose answer was lost before its id was written.
async fn delete_strays(
    deps: &Deps,
    app: &AppCredentials,
    url: &url::Url,
    resource: &str,
) -> Result<(), ActivityError> {
    let known: HashSet<String> = deps
        .store
        .subscriptions()
        .await
        .map_err(failure::classify)?
        .into_iter()
        .filter_map(|r| r.subscription_id)
        .collect();
    let listed = deps
        .graph
        .list_subscriptions(app)
        .await
        .map_err(failure::classify)?;
    for stray in listed.iter().filter(|s| {
        s.resource.trim_start_matches('/') == resource
            && s.notification_url == url.as_str()
            && !known.contains(&s.id)
    }) {
        tracing::info!(subscription = %stray.id, "subscription: deleting a stray from a lost create");
        deps.graph
            .delete_subscription(app, &stray.id)
            .await
            .map_err(failure::classify)?;
    }
    Ok(())
}

pub(crate) async fn renew(
    deps: &Deps,
    input: &SubscriptionRef,
) -> Result<KeptSubscription, ActivityError> {
    let (tenant, resource) = (&input.tenant_id, input.resource);
    let app = app(deps, tenant)?;
    let since = Utc::now();
    let renewed = match deps
        .graph
        .renew_subscription(app, &input.subscription_id, since + REQUESTED_LIFETIME)
        .await
    {
        Ok(s) => s,
        Err(e) => return Err(failed(deps, tenant, resource, e).await),
    };
    deps.store
        .record_subscription_renewed(
            tenant.as_str(),
            resource.as_str(),
            &input.subscription_id,
            renewed.expiration_date_time,
        )
        .await
        .map_err(failure::classify)?;
    Ok(KeptSubscription {
        subscription_id: renewed.id,
        expires_at: renewed.expiration_date_time,
        since,
    })
}

pub(crate) async fn reauthorize(deps: &Deps, input: &SubscriptionRef) -> Result<(), ActivityError> {
    let app = app(deps, &input.tenant_id)?;
    match deps
        .graph
        .reauthorize_subscription(app, &input.subscription_id)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => Err(failed(deps, &input.tenant_id, input.resource, e).await),
    }
}

pub(crate) async fn delete(deps: &Deps, key: &SubscriptionKey) -> Result<bool, ActivityError> {
    let (tenant, resource) = (&key.tenant_id, key.resource);
    let row = deps
        .store
        .subscription(tenant.as_str(), resource.as_str())
        .await
        .map_err(failure::classify)?;
    let mut deleted = false;
    if let Some(id) = row.as_ref().and_then(|r| r.subscription_id.as_deref()) {
        // A tenant whose app is gone from the configuration cannot delete at Graph; the
        // subscription then expires on its own within three days.
        if let Ok(app) = app(deps, tenant) {
            deleted = deps
                .graph
                .delete_subscription(app, id)
                .await
                .map_err(failure::classify)?;
        }
    }
    deps.store
        .delete_subscription(tenant.as_str(), resource.as_str())
        .await
        .map_err(failure::classify)?;
    deps.client_states.set(tenant.as_str(), resource, None);
    Ok(deleted)
}

/// The visibility query for the tenant's appointments whose capture is running.
fn capturing_query(tenant: &TenantId) -> String {
    format!(
        "WorkflowType = '{}' AND ExecutionStatus = 'Running' AND {} = '{}' AND {} = 'capturing'",
        names::APPOINTMENT_WORKFLOW,
        names::SA_TENANT_ID,
        tenant.as_str(),
        names::SA_APPOINTMENT_PHASE,
    )
}

pub(crate) async fn poke_captures(deps: &Deps, tenant: &TenantId) -> Result<u32, ActivityError> {
    use futures::StreamExt as _;
    use temporalio_client::WorkflowListOptions;

    let client = deps.temporal.get().ok_or_else(|| {
        failure::permanent(
            "config_error",
            "this worker has no Temporal client for activities",
        )
    })?;
    let mut listed = client.list_workflows(capturing_query(tenant), WorkflowListOptions::default());
    let mut ids = Vec::new();
    while let Some(w) = listed.next().await {
        let w = w.map_err(|e| failure::transient("temporal_unavailable", e.to_string()))?;
        ids.extend(w.raw().execution.as_ref().map(|e| e.workflow_id.clone()));
    }
    let mut poked = 0;
    for id in ids {
        let input = serde_json::json!({"source": "subscription-gap"});
        let name = names::SIGNAL_ARTIFACTS_AVAILABLE;
        let signalled = crate::signal::signal(client, &id, name, Some(&input)).await;
        match signalled {
            Ok(_) => poked += 1,
            // Closed since it was listed: nothing left to capture.
            Err(e) => tracing::info!(workflow_id = %id, error = %e, "poke: not delivered"),
        }
    }
    tracing::info!(tenant = %tenant, poked, "poked running captures after a subscription gap");
    Ok(poked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_states_are_matched_per_tenant_and_resource() {
        let states = ClientStates::default();
        let a = ClientState::random();
        let b = ClientState::random();
        states.set("acme", SubscribedResource::Recordings, Some(a.clone()));
        states.set("acme", SubscribedResource::Transcripts, Some(b.clone()));
        assert_eq!(
            states.resource_of("acme", a.expose()),
            Some(SubscribedResource::Recordings)
        );
        assert_eq!(
            states.resource_of("acme", b.expose()),
            Some(SubscribedResource::Transcripts)
        );
        assert_eq!(states.resource_of("globex", a.expose()), None);
        // Rotation: the old secret stops being accepted at once.
        let rotated = ClientState::random();
        states.set(
            "acme",
            SubscribedResource::Recordings,
            Some(rotated.clone()),
        );
        assert_eq!(states.resource_of("acme", a.expose()), None);
        assert_eq!(
            states.resource_of("acme", rotated.expose()),
            Some(SubscribedResource::Recordings)
        );
    }

    #[test]
    fn the_gap_query_names_the_tenant_s_capturing_appointments() {
        let q = capturing_query(&TenantId::parse("acme").unwrap());
        assert_eq!(
            q,
            "WorkflowType = 'AppointmentLifecycle' AND ExecutionStatus = 'Running' AND TenantId = 'acme' AND AppointmentPhase = 'capturing'"
        );
    }
}
