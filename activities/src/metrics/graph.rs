//! Graph exchanges as the client reports them through its observer hook.

use std::{sync::Arc, time::Duration};

use meetflow_graph::{GraphErrorKind, GraphObserver};
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, HistogramDuration, MetricAttributes, MetricParameters,
};

use super::labels;

/// Requests by method, route and status, their latency, the `Retry-After` waits the client sat
/// out inside a call, and token requests to the identity platform.
pub struct GraphMetrics {
    meter: Arc<dyn CoreMeter>,
    requests: Counter,
    latency: HistogramDuration,
    retry_after_waits: Counter,
    token_requests: Counter,
}

impl GraphMetrics {
    pub fn new(meter: Arc<dyn CoreMeter>) -> Self {
        let params = |name: &'static str, description: &'static str| {
            MetricParameters::builder()
                .name(name)
                .description(description)
                .build()
        };
        Self {
            requests: meter.counter(params(
                "meetflow_graph_requests",
                "Microsoft Graph HTTP exchanges by method, route and status (status \"none\": no answer)",
            )),
            latency: meter.histogram_duration(params(
                "meetflow_graph_request_duration",
                "time to a Graph answer, by method and route",
            )),
            retry_after_waits: meter.counter(params(
                "meetflow_graph_retry_after_waits",
                "short Retry-After delays waited out inside a Graph call, by route",
            )),
            token_requests: meter.counter(params(
                "meetflow_graph_token_requests",
                "app-only token requests to the identity platform (cache misses and refreshes), by outcome",
            )),
            meter,
        }
    }

    fn labels(&self, pairs: &[(&'static str, &str)]) -> MetricAttributes {
        labels(self.meter.as_ref(), pairs)
    }
}

impl GraphObserver for GraphMetrics {
    fn request(&self, method: &str, operation: &str, status: Option<u16>, elapsed: Duration) {
        let status = status.map_or_else(|| "none".to_string(), |s| s.to_string());
        self.requests.add(
            1,
            &self.labels(&[
                ("method", method),
                ("operation", operation),
                ("status", &status),
            ]),
        );
        self.latency.record(
            elapsed,
            &self.labels(&[("method", method), ("operation", operation)]),
        );
    }

    fn retry_after_wait(&self, operation: &str, _delay: Duration) {
        self.retry_after_waits
            .add(1, &self.labels(&[("operation", operation)]));
    }

    fn token_request(&self, outcome: Result<(), GraphErrorKind>) {
        let outcome = match outcome {
            Ok(()) => "issued",
            Err(kind) => kind.as_str(),
        };
        self.token_requests
            .add(1, &self.labels(&[("outcome", outcome)]));
    }
}
