//! Lifecycle notifications (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) about
//! the subscriptions meetflow keeps, handed to their `SubscriptionKeeper` workflows as
//! `lifecycleEvent` signals by one task, so Graph's answer never waits for Temporal.

use meetflow_proto::{model::TenantId, names};
use temporalio_client::{Client, UntypedSignal, WorkflowSignalOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};
use tokio::sync::mpsc;

use super::dispatch::QueueFull;
use super::subscribers::KeeperTarget;

/// The receiver's end of the keepers' queue.
#[derive(Clone)]
pub struct Keepers(mpsc::Sender<KeeperTarget>);

impl Keepers {
    /// A queue of `capacity` lifecycle events and its receiving end for [`run`].
    pub fn bounded(capacity: usize) -> (Self, mpsc::Receiver<KeeperTarget>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Self(tx), rx)
    }

    /// Queues a whole batch's events or none of them (a full queue is answered 503, and Graph
    /// retries the batch).
    pub fn offer(&self, targets: Vec<KeeperTarget>) -> Result<(), QueueFull> {
        if targets.is_empty() {
            return Ok(());
        }
        let permits = self
            .0
            .try_reserve_many(targets.len())
            .map_err(|_| QueueFull)?;
        for (permit, target) in permits.zip(targets) {
            permit.send(target);
        }
        Ok(())
    }
}

/// Signals each queued event to its keeper until the receiver is gone.
pub async fn run(mut rx: mpsc::Receiver<KeeperTarget>, client: Client) {
    while let Some(t) = rx.recv().await {
        let Ok(tenant) = TenantId::parse(&t.tenant) else {
            continue;
        };
        let workflow_id = names::subscription_workflow_id(&tenant, t.resource);
        let input = RawValue::from_value(
            &serde_json::json!({
                "subscriptionId": t.subscription_id,
                "lifecycleEvent": t.lifecycle_event,
            }),
            &PayloadConverter::default(),
        );
        let signalled = client
            .get_workflow_handle::<UntypedWorkflow>(&workflow_id)
            .signal(
                UntypedSignal::new(names::SIGNAL_LIFECYCLE_EVENT),
                input,
                WorkflowSignalOptions::default(),
            )
            .await;
        match signalled {
            Ok(_) => tracing::info!(
                %workflow_id, event = %t.lifecycle_event, "lifecycle notification signalled"
            ),
            // A keeper that is gone has nothing left to keep.
            Err(e) => {
                tracing::warn!(%workflow_id, error = %e, "lifecycle notification not delivered")
            }
        }
    }
}
