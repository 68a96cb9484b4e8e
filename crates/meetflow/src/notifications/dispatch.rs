//! Between answering Graph and signalling the workflows: a bounded queue of accepted
//! notifications and one task that drains it window by window, so a burst about one
//! appointment becomes one `artifactsAvailable` signal per window, and the store lookups and
//! signals never hold up Graph's answer.

use std::{collections::BTreeSet, time::Duration};

use futures_util::{StreamExt, stream};
use meetflow_proto::names;
use meetflow_store::Store;
use temporalio_client::Client;
use tokio::sync::mpsc;

use super::subscribers::Target;

/// Signals in flight at once while a window is delivered.
const SIGNALS_IN_FLIGHT: usize = 16;

/// The receiver's end of a queue: change notifications' targets for the dispatcher, or
/// lifecycle events for the keepers ([`super::lifecycle::Keepers`]).
pub struct Queue<T = Target>(mpsc::Sender<T>);

// Not derived: a derive would require `T: Clone`, and only the sender is cloned.
impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// The batch did not fit: nothing of it was queued (Graph is answered 503 and retries it).
#[derive(Debug)]
pub struct QueueFull;

impl<T> Queue<T> {
    /// A queue of `capacity` items and its receiving end.
    pub fn bounded(capacity: usize) -> (Self, mpsc::Receiver<T>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Self(tx), rx)
    }

    /// Queues a whole batch or none of it, so a retried batch is never half done twice.
    pub fn offer(&self, items: Vec<T>) -> Result<(), QueueFull> {
        if items.is_empty() {
            return Ok(());
        }
        let permits = self
            .0
            .try_reserve_many(items.len())
            .map_err(|_| QueueFull)?;
        for (permit, item) in permits.zip(items) {
            permit.send(item);
        }
        Ok(())
    }
}

/// The distinct targets of the next window: waits for one, then takes every target that
/// arrives within `window` of it. `None` when the queue is closed and empty.
pub async fn next_window(
    rx: &mut mpsc::Receiver<Target>,
    window: Duration,
) -> Option<BTreeSet<Target>> {
    let first = rx.recv().await?;
    let mut targets = BTreeSet::from([first]);
    let until = tokio::time::Instant::now() + window;
    loop {
        tokio::select! {
            next = rx.recv() => match next {
                Some(t) => { targets.insert(t); }
                None => break,
            },
            () = tokio::time::sleep_until(until) => break,
        }
    }
    // What is already queued at the deadline belongs to this window too.
    while let Ok(t) = rx.try_recv() {
        targets.insert(t);
    }
    Some(targets)
}

/// Drains the queue until the receiver is gone: one signal per appointment per window.
pub async fn run(mut rx: mpsc::Receiver<Target>, window: Duration, client: Client, store: Store) {
    while let Some(targets) = next_window(&mut rx, window).await {
        let mut workflows = BTreeSet::new();
        for t in &targets {
            match store
                .meeting_by_online_meeting_id(&t.tenant, &t.online_meeting_id)
                .await
            {
                Ok(Some(m)) => {
                    workflows.insert(format!("appointment/{}/{}", t.tenant, m.appointment_id));
                }
                // Tenant-wide subscriptions report every meeting of the Microsoft tenant.
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    tenant = %t.tenant, error = %e,
                    "notification: store lookup failed; capture keeps its scheduled polls"
                ),
            }
        }
        stream::iter(workflows)
            .for_each_concurrent(SIGNALS_IN_FLIGHT, |id| signal(&client, id))
            .await;
    }
}

async fn signal(client: &Client, workflow_id: String) {
    let input = serde_json::json!({"source": "graph-notification"});
    let name = names::SIGNAL_ARTIFACTS_AVAILABLE;
    if let Err(e) =
        meetflow_activities::signal::signal(client, &workflow_id, name, Some(&input)).await
    {
        // A closed workflow has nothing left to capture.
        tracing::info!(%workflow_id, error = %e, "notification: signal not delivered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(tenant: &str, meeting: &str) -> Target {
        Target {
            tenant: tenant.into(),
            online_meeting_id: meeting.into(),
        }
    }

    #[tokio::test]
    async fn a_window_coalesces_repeats_and_the_next_starts_after_it() {
        let (queue, mut rx) = Queue::bounded(100);
        let window = Duration::from_millis(400);
        let feeder = tokio::spawn(async move {
            for i in 0..30 {
                queue
                    .offer(vec![target("demo", ["a", "b", "c"][i % 3])])
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            // Well after the first window closed (30 × 5 ms ≪ 400 ms).
            tokio::time::sleep(Duration::from_millis(600)).await;
            queue.offer(vec![target("demo", "a")]).unwrap();
        });
        let first = next_window(&mut rx, window).await.unwrap();
        assert_eq!(
            first,
            BTreeSet::from([
                target("demo", "a"),
                target("demo", "b"),
                target("demo", "c")
            ])
        );
        let second = next_window(&mut rx, window).await.unwrap();
        assert_eq!(second, BTreeSet::from([target("demo", "a")]));
        feeder.await.unwrap();
        assert_eq!(next_window(&mut rx, window).await, None);
    }

    #[tokio::test]
    async fn a_batch_that_does_not_fit_is_refused_whole() {
        let (queue, mut rx) = Queue::bounded(3);
        queue
            .offer(vec![target("demo", "a"), target("demo", "b")])
            .unwrap();
        assert!(
            queue
                .offer(vec![target("demo", "c"), target("demo", "d")])
                .is_err()
        );
        queue.offer(vec![target("demo", "c")]).unwrap();
        let mut got = Vec::new();
        while let Ok(t) = rx.try_recv() {
            got.push(t.online_meeting_id);
        }
        assert_eq!(got, ["a", "b", "c"]);
    }
}
