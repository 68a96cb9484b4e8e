//! Graph change notifications as the worker's receiver (`POST /notifications`) handles them.
//! Counted per POST Graph makes (one batch of notifications); validation handshakes are not
//! notifications and are not counted.

use std::sync::Arc;

use temporalio_common::telemetry::metrics::{CoreMeter, Counter, MetricParameters, NoOpCoreMeter};

use super::labels;

/// Why a batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A notification without the configured `clientState`: not from our subscription (403).
    ClientState,
    /// Not a notification batch at all (400).
    Malformed,
    /// Larger than `notifications.max_body_bytes` (413).
    TooLarge,
    /// More POSTs at once than `notifications.max_concurrent_requests` (503).
    Busy,
    /// The queue to the workflows has no room for the batch (503; Graph retries it).
    QueueFull,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::ClientState => "client_state",
            Refusal::Malformed => "malformed",
            Refusal::TooLarge => "too_large",
            Refusal::Busy => "busy",
            Refusal::QueueFull => "queue_full",
        }
    }
}

pub struct NotificationMetrics {
    meter: Arc<dyn CoreMeter>,
    received: Counter,
    accepted: Counter,
    refused: Counter,
}

impl NotificationMetrics {
    pub fn new(meter: Arc<dyn CoreMeter>) -> Self {
        let counter = |name: &'static str, description: &'static str| {
            meter.counter(
                MetricParameters::builder()
                    .name(name)
                    .description(description)
                    .build(),
            )
        };
        Self {
            received: counter(
                "meetflow_notifications_received",
                "Graph change-notification batches posted to the receiver",
            ),
            accepted: counter(
                "meetflow_notifications_accepted",
                "batches accepted (202): their meetings' captures are signalled",
            ),
            refused: counter(
                "meetflow_notifications_refused",
                "batches refused, by reason (client_state: 403, malformed: 400, too_large: 413, \
                 busy and queue_full: 503)",
            ),
            meter,
        }
    }

    /// Records nothing: the worker without `worker.metrics_listen`.
    pub fn off() -> Self {
        Self::new(Arc::new(NoOpCoreMeter))
    }

    pub fn received(&self) {
        self.received.add(1, &labels(self.meter.as_ref(), &[]));
    }

    pub fn accepted(&self) {
        self.accepted.add(1, &labels(self.meter.as_ref(), &[]));
    }

    pub fn refused(&self, why: Refusal) {
        self.refused
            .add(1, &labels(self.meter.as_ref(), &[("reason", why.as_str())]));
    }
}
