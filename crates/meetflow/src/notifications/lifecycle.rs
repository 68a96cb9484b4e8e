//! Lifecycle notifications (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) about
//! the subscriptions meetflow keeps, handed to their `SubscriptionKeeper` workflows as
//! `lifecycleEvent` signals by one task, so Graph's answer never waits for Temporal.

use meetflow_proto::{model::TenantId, names};
use temporalio_client::Client;
use tokio::sync::mpsc;

use super::dispatch::Queue;
use super::subscribers::KeeperTarget;

/// The receiver's end of the keepers' queue (all or nothing per batch, like the dispatcher's).
pub type Keepers = Queue<KeeperTarget>;

/// Signals each queued event to its keeper until the receiver is gone.
pub async fn run(mut rx: mpsc::Receiver<KeeperTarget>, client: Client) {
    while let Some(t) = rx.recv().await {
        let Ok(tenant) = TenantId::parse(&t.tenant) else {
            continue;
        };
        let workflow_id = names::subscription_workflow_id(&tenant, t.resource);
        let input = serde_json::json!({
            "subscriptionId": t.subscription_id,
            "lifecycleEvent": t.lifecycle_event,
        });
        let name = names::SIGNAL_LIFECYCLE_EVENT;
        let signalled =
            meetflow_activities::signal::signal(&client, &workflow_id, name, Some(&input)).await;
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
