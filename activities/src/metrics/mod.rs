//! Business metrics, recorded through the Temporal SDK's meter so they are served with the
//! worker's own metrics on one Prometheus endpoint (`worker.metrics_listen`). Labels are low
//! cardinality by construction: tenant, step, activity, failure code, closed vocabularies of
//! `meetflow_proto::status` — never an appointment, an address or an id. docs/metrics.md lists
//! every metric and when it counts.
//!
//! Only activities and the notification receiver record: workflow code replays, and would
//! count again on every replay.

mod graph;
mod notifications;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use meetflow_proto::status::{ArtifactKind, CaptureStatus, MeetingStatus, SkipReason};
use meetflow_workflows::activity_api::MeetingRecordInput;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, HistogramDuration, MetricAttributes, MetricKeyValue, MetricParameters,
    NewAttributes, NoOpCoreMeter,
};
use temporalio_sdk::activities::ActivityError;

pub use graph::GraphMetrics;
pub use notifications::{NotificationMetrics, Refusal};

/// Bucket bounds (seconds) for histograms whose default buckets (≤ 10 s) do not fit, by metric
/// name: the exporter is built with these (see the worker's `metrics_exporter`).
pub fn histogram_buckets() -> Vec<(String, Vec<f64>)> {
    // Transcripts come minutes after a meeting, recordings up to hours; capture gives up after
    // its window (48 h by default).
    let artifact_delay = [
        10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0, 172800.0,
    ];
    vec![(ARTIFACT_DELAY.to_string(), artifact_delay.to_vec())]
}

const ARTIFACT_DELAY: &str = "meetflow_capture_artifact_delay";

/// What a write of the meeting's store row tells the business counters, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome<'a> {
    Skipped(SkipReason),
    Failed { code: &'a str },
    Captured(CaptureStatus),
}

impl<'a> Outcome<'a> {
    pub(crate) fn of(input: &'a MeetingRecordInput) -> Option<Self> {
        match input.status {
            // Rows written by workers before `skip_reason` existed carry none: not counted.
            MeetingStatus::NoMeeting => input.skip_reason.map(Outcome::Skipped),
            MeetingStatus::Failed => Some(Outcome::Failed {
                code: input.error_code.as_deref().unwrap_or("unknown"),
            }),
            status => status.capture().map(Outcome::Captured),
        }
    }
}

pub struct Metrics {
    meter: Arc<dyn CoreMeter>,
    meetings_created: Counter,
    meetings_skipped: Counter,
    meetings_failed: Counter,
    mails_sent: Counter,
    mails_failed: Counter,
    activity_failures: Counter,
    capture_outcomes: Counter,
    artifact_delay: HistogramDuration,
    recording_bytes: Counter,
}

impl Metrics {
    pub fn new(meter: Arc<dyn CoreMeter>) -> Self {
        let params = |name: &'static str, description: &'static str| {
            MetricParameters::builder()
                .name(name)
                .description(description)
                .build()
        };
        let counter = |name, description| meter.counter(params(name, description));
        Self {
            meetings_created: counter(
                "meetflow_meetings_created",
                "Teams meetings created (or found again by transactionId) in Graph",
            ),
            meetings_skipped: counter(
                "meetflow_meetings_skipped",
                "approved appointments without a Teams meeting, by reason",
            ),
            meetings_failed: counter(
                "meetflow_meetings_failed",
                "appointments whose Teams meeting could not be created, by failure code",
            ),
            mails_sent: counter(
                "meetflow_mails_sent",
                "invitation mails handed to the transport; resent=true for a delivery an earlier attempt had already recorded",
            ),
            mails_failed: counter(
                "meetflow_mails_failed",
                "invitation mails given up for good (a non-retryable failure), by step and code",
            ),
            activity_failures: counter(
                "meetflow_activity_failures",
                "activity attempts that failed, by activity and failure code",
            ),
            capture_outcomes: counter(
                "meetflow_capture_outcomes",
                "finished post-meeting captures, by outcome",
            ),
            artifact_delay: meter.histogram_duration(params(
                ARTIFACT_DELAY,
                "time from the meeting's end to a recording or transcript stored, by kind",
            )),
            recording_bytes: counter(
                "meetflow_recording_bytes_copied",
                "bytes of recordings copied into object storage",
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

    pub(crate) fn outcome(&self, tenant: &str, outcome: Outcome<'_>) {
        let (counter, label, value) = match outcome {
            Outcome::Skipped(reason) => (&self.meetings_skipped, "reason", reason.as_str()),
            Outcome::Failed { code } => (&self.meetings_failed, "code", code),
            Outcome::Captured(status) => (&self.capture_outcomes, "outcome", status.as_str()),
        };
        counter.add(1, &self.labels(&[("tenant", tenant), (label, value)]));
    }

    pub fn mail_sent(&self, tenant: &str, step: &str, resent: bool) {
        let resent = if resent { "true" } else { "false" };
        self.mails_sent.add(
            1,
            &self.labels(&[("tenant", tenant), ("step", step), ("resent", resent)]),
        );
    }

    /// Counts `result` when it gives the mail up: a failure no retry is made for. Transient
    /// failures are retried (and counted per attempt in `meetflow_activity_failures_total`).
    pub fn mail_given_up<T>(&self, tenant: &str, step: &str, result: &Result<T, ActivityError>) {
        let Err(ActivityError::Application(f)) = result else {
            return;
        };
        if f.is_non_retryable() {
            let code = f.type_name().unwrap_or("activity_failed");
            self.mails_failed.add(
                1,
                &self.labels(&[("tenant", tenant), ("step", step), ("code", code)]),
            );
        }
    }

    /// An artifact stored for the first time; `meeting_ended` is absent in inputs scheduled by
    /// workers older than this metric.
    pub fn artifact_stored(
        &self,
        tenant: &str,
        kind: ArtifactKind,
        meeting_ended: Option<DateTime<Utc>>,
    ) {
        let Some(ended) = meeting_ended else { return };
        // Artifacts of a meeting ended early by `meetingEnded` can be listed before its
        // scheduled end only if the clocks disagree; never a negative delay.
        let delay = (Utc::now() - ended).to_std().unwrap_or(Duration::ZERO);
        self.artifact_delay.record(
            delay,
            &self.labels(&[("tenant", tenant), ("kind", kind.as_str())]),
        );
    }

    pub fn recording_copied(&self, tenant: &str, bytes: u64) {
        self.recording_bytes
            .add(bytes, &self.labels(&[("tenant", tenant)]));
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use meetflow_proto::model::{AppointmentId, Schedule, TenantId};

    use super::*;

    fn written(status: MeetingStatus) -> MeetingRecordInput {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
        MeetingRecordInput {
            tenant_id: TenantId::parse("acme").unwrap(),
            appointment_id: AppointmentId::parse("a-1").unwrap(),
            subject: "s".into(),
            schedule: Schedule::new(at(9), at(10)).unwrap(),
            event_id: None,
            ical_uid: None,
            online_meeting_id: None,
            join_url: None,
            ics_uid: "u".into(),
            sequence: 0,
            status,
            error_code: None,
            skip_reason: None,
        }
    }

    #[test]
    fn each_outcome_status_maps_to_its_counter_and_the_rest_to_none() {
        let mut skipped = written(MeetingStatus::NoMeeting);
        assert_eq!(Outcome::of(&skipped), None, "a reason is needed to count");
        skipped.skip_reason = Some(SkipReason::Disabled);
        assert_eq!(
            Outcome::of(&skipped),
            Some(Outcome::Skipped(SkipReason::Disabled))
        );
        let mut failed = written(MeetingStatus::Failed);
        failed.error_code = Some("graph_unauthorized".into());
        assert_eq!(
            Outcome::of(&failed),
            Some(Outcome::Failed {
                code: "graph_unauthorized"
            })
        );
        assert_eq!(
            Outcome::of(&written(MeetingStatus::PartiallyCaptured)),
            Some(Outcome::Captured(CaptureStatus::Partial))
        );
        for status in [
            MeetingStatus::Scheduled,
            MeetingStatus::Rescheduled,
            MeetingStatus::Cancelled,
            MeetingStatus::Ended,
            MeetingStatus::Capturing,
        ] {
            assert_eq!(Outcome::of(&written(status)), None, "{status}");
        }
    }
}
