//! `SubscriptionKeeper`: keeps one tenant's Graph subscription on one resource (new recordings,
//! or new transcripts) alive for as long as the tenant is configured for it.
//!
//! Create → sleep on a durable timer two thirds of the way to the expiry Graph granted → renew,
//! for ever. A `lifecycleEvent` signal (forwarded by the notification receiver) interrupts the
//! sleep: `reauthorizationRequired` → reauthorize; `subscriptionRemoved` → recreate;
//! `missed` → poke the tenant's captures (the subscription itself is still there, as Graph
//! documents). A renewal or reauthorization answered 404 means the subscription is gone
//! (expired while nobody renewed, deleted): recreate. After any gap, every capture of the
//! tenant that is still running is poked, so what Graph could not announce is polled. `stop`
//! deletes the subscription and completes. The history is bounded by a continue-as-new after
//! [`RENEWALS_PER_RUN`] renewals.
//!
//! The `clientState` never passes through here: the create activity generates it and keeps it
//! in the store, where the receiver finds it.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use meetflow_proto::model::TenantId;
use meetflow_proto::status::SubscribedResource;
use serde::{Deserialize, Serialize};
use temporalio_common::data_converters::RawValue;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ContinueAsNewOptions, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult, workflows::select,
};

use crate::activity_api::{
    CreateSubscription, CreateSubscriptionInput, DeleteSubscription, KeptSubscription,
    PokeCaptures, ReauthorizeSubscription, RenewSubscription, SubscriptionKey, SubscriptionRef,
};
use crate::clock::now;
use crate::detached;
use crate::lifecycle::ErrorInfo;
use crate::{failure, options, payload};

/// Renewals in one run before it continues as new (each adds about ten history events).
pub const RENEWALS_PER_RUN: u32 = 100;
/// First wait after a failed create; doubled per failure up to [`CREATE_RETRY_MAX`].
const CREATE_RETRY_MIN: StdDuration = StdDuration::from_secs(30);
const CREATE_RETRY_MAX: StdDuration = StdDuration::from_secs(3600);
/// A renewal is never scheduled sooner than this after the last one (a tiny granted lifetime
/// must not turn into a busy loop).
const MIN_RENEW_WAIT: StdDuration = StdDuration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeeperInput {
    pub tenant_id: TenantId,
    pub resource: SubscribedResource,
    /// What the previous run kept, when this run is a continue-as-new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Carried>,
}

/// The keeper's memory across a continue-as-new.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Carried {
    pub subscription: Option<KeptSubscription>,
    pub generation: u64,
    pub renewals: u32,
    pub recreations: u32,
    pub last_error: Option<ErrorInfo>,
}

/// Signal `lifecycleEvent` (proto `SubscriptionLifecycleEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleEvent {
    pub subscription_id: String,
    /// `reauthorizationRequired`, `subscriptionRemoved` or `missed`.
    pub lifecycle_event: String,
}

/// Query `state` and the workflow result (proto `SubscriptionState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeeperState {
    pub tenant_id: String,
    pub resource: SubscribedResource,
    /// Empty while there is none (before the first create, in a gap, after `stop`).
    pub subscription_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub renewals: u32,
    /// Creates after the first one (after a removal, a 404, an expiry).
    pub recreations: u32,
    pub last_error: Option<ErrorInfo>,
    pub stopping: bool,
}

#[workflow]
pub struct SubscriptionKeeper {
    tenant_id: TenantId,
    resource: SubscribedResource,
    kept: Carried,
    renewals_this_run: u32,
    events: Vec<LifecycleEvent>,
    stop: bool,
}

/// When the renewal of a subscription granted at `since` until `expires_at` is due: two thirds
/// of the way, so a third of its lifetime is left for retries (a day for Graph's 4,230 minutes).
pub fn renew_at(s: &KeptSubscription) -> DateTime<Utc> {
    let lifetime = s.expires_at - s.since;
    s.since + lifetime * 2 / 3
}

impl SubscriptionKeeper {
    fn snapshot(&self) -> KeeperState {
        let s = self.kept.subscription.as_ref();
        KeeperState {
            tenant_id: self.tenant_id.to_string(),
            resource: self.resource,
            subscription_id: s.map(|s| s.subscription_id.clone()).unwrap_or_default(),
            expires_at: s.map(|s| s.expires_at),
            renewals: self.kept.renewals,
            recreations: self.kept.recreations,
            last_error: self.kept.last_error.clone(),
            stopping: self.stop,
        }
    }

    fn key(&self) -> SubscriptionKey {
        SubscriptionKey {
            tenant_id: self.tenant_id.clone(),
            resource: self.resource,
        }
    }

    fn reference(&self, id: &str) -> SubscriptionRef {
        SubscriptionRef {
            tenant_id: self.tenant_id.clone(),
            resource: self.resource,
            subscription_id: id.to_owned(),
        }
    }
}

/// What woke the keeper.
enum Wake {
    Due,
    Event(LifecycleEvent),
    Stop,
}

#[workflow_methods]
impl SubscriptionKeeper {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: KeeperInput) -> Self {
        Self {
            tenant_id: input.tenant_id,
            resource: input.resource,
            kept: input.carried.unwrap_or_default(),
            renewals_this_run: 0,
            events: Vec::new(),
            stop: false,
        }
    }

    #[run(name = "SubscriptionKeeper")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<KeeperState> {
        let mut create_retry = CREATE_RETRY_MIN;
        // Set when notifications may have been lost: the next create pokes the captures.
        let mut gap = false;
        loop {
            if ctx.state(|s| s.stop) {
                delete(ctx).await;
                return Ok(ctx.state(|s| s.snapshot()));
            }
            let Some(current) = ctx.state(|s| s.kept.subscription.clone()) else {
                if create(ctx).await {
                    create_retry = CREATE_RETRY_MIN;
                    if gap {
                        poke(ctx).await;
                        gap = false;
                    }
                } else {
                    // Lifecycle events are about a subscription we no longer have.
                    if let Wake::Stop = sleep(ctx, create_retry, false).await {
                        continue;
                    }
                    create_retry = (create_retry * 2).min(CREATE_RETRY_MAX);
                }
                continue;
            };
            let due = renew_at(&current);
            let wait = (due - now(ctx))
                .to_std()
                .unwrap_or_default()
                .max(MIN_RENEW_WAIT);
            match sleep(ctx, wait, true).await {
                Wake::Stop => continue,
                Wake::Event(event) if event.subscription_id == current.subscription_id => {
                    gap |= on_lifecycle_event(ctx, &current, &event.lifecycle_event).await;
                }
                // About an earlier subscription of ours: nothing to do now.
                Wake::Event(_) => {}
                Wake::Due => gap |= renew(ctx, &current).await,
            }
            if ctx.state(|s| s.renewals_this_run >= RENEWALS_PER_RUN) {
                let input = ctx.state(|s| KeeperInput {
                    tenant_id: s.tenant_id.clone(),
                    resource: s.resource,
                    carried: Some(s.kept.clone()),
                });
                ctx.continue_as_new(input, ContinueAsNewOptions::default())?;
            }
        }
    }

    #[signal(name = "lifecycleEvent")]
    pub fn lifecycle_event(&mut self, _ctx: &mut SyncWorkflowContext<Self>, input: RawValue) {
        // A payload that is no lifecycle event cannot be acted on; Graph's own are well formed.
        if let Some(event) = payload::json_argument(&input)
            .ok()
            .and_then(|j| serde_json::from_value::<LifecycleEvent>(j).ok())
        {
            self.events.push(event);
        }
    }

    #[signal(name = "stop")]
    pub fn stop(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        self.stop = true;
    }

    #[query(name = "state")]
    pub fn state(&self, _ctx: &WorkflowContextView) -> KeeperState {
        self.snapshot()
    }
}

/// Sleeps `wait` on a durable timer, woken early by `stop` and (when `events`) by a lifecycle
/// event, which it takes off the queue.
async fn sleep(
    ctx: &mut WorkflowContext<SubscriptionKeeper>,
    wait: StdDuration,
    events: bool,
) -> Wake {
    let woken = move |s: &SubscriptionKeeper| s.stop || (events && !s.events.is_empty());
    if !ctx.state(woken) {
        select! {
            _ = detached::timer(ctx, wait) => {}
            _ = ctx.wait_condition(woken) => {}
        }
    }
    ctx.state_mut(|s| {
        if s.stop {
            Wake::Stop
        } else if events && !s.events.is_empty() {
            Wake::Event(s.events.remove(0))
        } else {
            Wake::Due
        }
    })
}

fn keep_error(
    ctx: &mut WorkflowContext<SubscriptionKeeper>,
    e: &temporalio_sdk::ActivityExecutionError,
) {
    let info: ErrorInfo = failure::error_info(e).into();
    ctx.state_mut(|s| s.kept.last_error = Some(info));
}

fn is_gone(e: &temporalio_sdk::ActivityExecutionError) -> bool {
    failure::error_info(e).code == "graph_not_found"
}

/// Creates the next generation; false when Graph refused (kept as the last error).
async fn create(ctx: &mut WorkflowContext<SubscriptionKeeper>) -> bool {
    let (key, generation) = ctx.state(|s| (s.key(), s.kept.generation + 1));
    let input = CreateSubscriptionInput {
        tenant_id: key.tenant_id,
        resource: key.resource,
        generation,
    };
    match ctx
        .execute_activity(CreateSubscription, input, options::graph(GRAPH_ATTEMPT))
        .await
    {
        Ok(created) => {
            ctx.state_mut(|s| {
                if s.kept.generation > 0 {
                    s.kept.recreations += 1;
                }
                s.kept.generation = generation;
                s.kept.subscription = Some(created);
                s.kept.last_error = None;
            });
            true
        }
        Err(e) => {
            keep_error(ctx, &e);
            false
        }
    }
}

/// One attempt of a Graph call; the policy's retries and 30-minute bound come on top.
const GRAPH_ATTEMPT: StdDuration = StdDuration::from_secs(60);

/// Renews `current`; true when it turned out to be gone (a gap to cover after the recreate).
async fn renew(ctx: &mut WorkflowContext<SubscriptionKeeper>, current: &KeptSubscription) -> bool {
    let reference = ctx.state(|s| s.reference(&current.subscription_id));
    match ctx
        .execute_activity(RenewSubscription, reference, options::graph(GRAPH_ATTEMPT))
        .await
    {
        Ok(renewed) => {
            ctx.state_mut(|s| {
                s.kept.subscription = Some(renewed);
                s.kept.renewals += 1;
                s.renewals_this_run += 1;
                s.kept.last_error = None;
            });
            false
        }
        Err(e) => {
            keep_error(ctx, &e);
            let expired = now(ctx) >= current.expires_at;
            if is_gone(&e) || expired {
                ctx.state_mut(|s| s.kept.subscription = None);
                true
            } else {
                // Refused for now (e.g. a permission an admin took away): try again a third
                // of the way from now to the expiry.
                let since = now(ctx);
                ctx.state_mut(|s| {
                    if let Some(kept) = &mut s.kept.subscription {
                        kept.since = since;
                    }
                });
                false
            }
        }
    }
}

/// Acts on a lifecycle event about the current subscription; true when it left a gap.
async fn on_lifecycle_event(
    ctx: &mut WorkflowContext<SubscriptionKeeper>,
    current: &KeptSubscription,
    event: &str,
) -> bool {
    match event {
        "reauthorizationRequired" => {
            let reference = ctx.state(|s| s.reference(&current.subscription_id));
            match ctx
                .execute_activity(
                    ReauthorizeSubscription,
                    reference,
                    options::graph(GRAPH_ATTEMPT),
                )
                .await
            {
                Ok(()) => false,
                Err(e) => {
                    keep_error(ctx, &e);
                    if is_gone(&e) {
                        ctx.state_mut(|s| s.kept.subscription = None);
                        true
                    } else {
                        false
                    }
                }
            }
        }
        "subscriptionRemoved" => {
            ctx.state_mut(|s| s.kept.subscription = None);
            true
        }
        "missed" => {
            poke(ctx).await;
            false
        }
        _ => false,
    }
}

/// Nudges every running capture of the tenant; a failure only costs latency (captures poll on
/// their own schedule), so it is kept, not retried for ever.
async fn poke(ctx: &mut WorkflowContext<SubscriptionKeeper>) {
    let tenant = ctx.state(|s| s.tenant_id.clone());
    if let Err(e) = ctx
        .execute_activity(PokeCaptures, tenant, options::local())
        .await
    {
        keep_error(ctx, &e);
    }
}

/// Deletes the subscription (Graph and store) before the keeper completes.
async fn delete(ctx: &mut WorkflowContext<SubscriptionKeeper>) {
    let key = ctx.state(|s| s.key());
    match ctx
        .execute_activity(DeleteSubscription, key, options::graph(GRAPH_ATTEMPT))
        .await
    {
        Ok(_) => ctx.state_mut(|s| s.kept.subscription = None),
        Err(e) => keep_error(ctx, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn renewal_is_due_two_thirds_of_the_way() {
        let since = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let kept = |secs: i64| KeptSubscription {
            subscription_id: "s".into(),
            expires_at: since + Duration::seconds(secs),
            since,
        };
        // Graph's maximum: renewed after 47 hours, a day before it would expire.
        assert_eq!(renew_at(&kept(4230 * 60)) - since, Duration::minutes(2820));
        assert_eq!(renew_at(&kept(30)) - since, Duration::seconds(20));
    }

    #[test]
    fn signals_and_state_have_the_contract_s_json() {
        let event: LifecycleEvent = serde_json::from_value(serde_json::json!({
            "subscriptionId": "7f10", "lifecycleEvent": "reauthorizationRequired"
        }))
        .unwrap();
        assert_eq!(event.lifecycle_event, "reauthorizationRequired");
        let input: KeeperInput = serde_json::from_value(serde_json::json!({
            "tenantId": "acme", "resource": "recordings"
        }))
        .unwrap();
        assert_eq!(input.carried, None);
        // The query's JSON is the proto's SubscriptionState.
        let state = KeeperState {
            tenant_id: "acme".into(),
            resource: SubscribedResource::Recordings,
            subscription_id: "7f10".into(),
            expires_at: Some(Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()),
            renewals: 4,
            recreations: 1,
            last_error: Some(ErrorInfo {
                code: "graph_not_found".into(),
                message: "gone".into(),
            }),
            stopping: false,
        };
        let wire: meetflow_proto::v1::SubscriptionState =
            serde_json::from_value(serde_json::to_value(&state).unwrap()).unwrap();
        assert_eq!(wire.subscription_id, "7f10");
        assert_eq!((wire.renewals, wire.recreations), (4, 1));
        assert_eq!(wire.resource, "recordings");
        assert_eq!(wire.last_error.unwrap().code, "graph_not_found");
        assert!(wire.expires_at.is_some());
        let event: meetflow_proto::v1::SubscriptionLifecycleEvent =
            serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
        assert_eq!(event.lifecycle_event, "reauthorizationRequired");
    }
}
