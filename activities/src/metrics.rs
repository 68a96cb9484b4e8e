//! Business metrics, recorded through the Temporal SDK's meter so they are served with the
//! worker's own metrics on one Prometheus endpoint (`worker.metrics_listen`). Labels are low
//! cardinality by construction: tenant, step, activity, failure code — never an appointment,
//! an address or an id.

use std::{sync::Arc, time::Duration};

use meetflow_graph::GraphObserver;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, HistogramDuration, MetricAttributes, MetricKeyValue, MetricParameters,
    NewAttributes, NoOpCoreMeter,
};
use temporalio_sdk::activities::ActivityError;

pub struct Metrics {
    meter: Arc<dyn CoreMeter>,
    meetings_created: Counter,
    mails_sent: Counter,
    activity_failures: Counter,
}

impl Metrics {
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
            meetings_created: counter(
                "meetflow_meetings_created",
                "Teams meetings created (or found again by transactionId) in Graph",
            ),
            mails_sent: counter(
                "meetflow_mails_sent",
                "invitation mails handed to the transport; resent=true for a delivery an earlier attempt had already recorded",
            ),
            activity_failures: counter(
                "meetflow_activity_failures",
                "activity attempts that failed, by activity and failure code",
            ),
            meter,
        }
    }

    /// Records nothing: the worker without `worker.metrics_listen`, and tests.
    pub fn off() -> Self {
        Self::new(Arc::new(NoOpCoreMeter))
    }

    fn labels(&self, pairs: &[(&'static str, &str)]) -> MetricAttributes {
        labels(self.meter.as_ref(), pairs)
    }

    pub fn meeting_created(&self, tenant: &str) {
        self.meetings_created
            .add(1, &self.labels(&[("tenant", tenant)]));
    }

    pub fn mail_sent(&self, tenant: &str, step: &str, resent: bool) {
        let resent = if resent { "true" } else { "false" };
        self.mails_sent.add(
            1,
            &self.labels(&[("tenant", tenant), ("step", step), ("resent", resent)]),
        );
    }

    /// Counts `result` when it is a failure, under the activity's name and the failure's code.
    pub fn observe<T>(&self, activity: &str, result: &Result<T, ActivityError>) {
        let Err(e) = result else { return };
        let code = crate::failure::code_of(e);
        self.activity_failures
            .add(1, &self.labels(&[("activity", activity), ("code", code)]));
    }
}

/// Attributes for one recording; keys are fixed names, values low-cardinality by the callers.
fn labels(meter: &dyn CoreMeter, pairs: &[(&'static str, &str)]) -> MetricAttributes {
    meter.new_attributes(NewAttributes {
        attributes: pairs
            .iter()
            .map(|(k, v)| MetricKeyValue::new(*k, v.to_string()))
            .collect(),
    })
}

/// Graph exchanges as the client reports them: requests by method, route and status, their
/// latency, and the `Retry-After` waits the client sat out inside a call.
pub struct GraphMetrics {
    meter: Arc<dyn CoreMeter>,
    requests: Counter,
    latency: HistogramDuration,
    retry_after_waits: Counter,
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
}
