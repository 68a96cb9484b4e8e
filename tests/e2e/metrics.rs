//! `worker.metrics_listen`: one Prometheus endpoint with the SDK's worker metrics and meetflow's
//! business metrics, scraped over HTTP and read back with an independent parser. The test
//! drives a lifecycle through approve → end → capture next to a skipped, a failed and a
//! half-refused approval, posts real change notifications (genuine, forged, malformed) to the
//! receiver, and checks every business counter's exact value; then the dashboard and the alert
//! rules may only name metrics that scrape has.

use std::time::Duration;

use meetflow_proto::v1::AppointmentPhase;
use serde_json::{Value, json};

use crate::lifecycle::{fast_capture, short_meeting};
use crate::support::{Samples, SmtpSink, Stack, approval, in_phase, monitoring};

const MINUTE: Duration = Duration::from_secs(60);

fn metrics_listen() -> (String, (String, String)) {
    let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
    let var = ("MEETFLOW_WORKER__METRICS_LISTEN".into(), listen.clone());
    (listen, var)
}

fn demo(pairs: Value) -> Value {
    let mut labels = json!({"tenant": "demo"});
    labels
        .as_object_mut()
        .unwrap()
        .extend(pairs.as_object().unwrap().clone());
    labels
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_lifecycle_every_business_counter_has_its_value() {
    let (listen, var) = metrics_listen();
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let secrets = tempfile::tempdir().unwrap();
    let client_state = secrets.path().join("client-state");
    std::fs::write(&client_state, "meetflow-e2e-client-state").unwrap();
    let receiver = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
    let mut overrides = fast_capture(40);
    overrides.extend(smtp.overrides());
    overrides.push(var);
    overrides.push(("MEETFLOW_NOTIFICATIONS__LISTEN".into(), receiver.clone()));
    overrides.push((
        "MEETFLOW_NOTIFICATIONS__CLIENT_STATE".into(),
        format!("{{ file = \"{}\" }}", client_state.display()),
    ));
    overrides.push((
        "MEETFLOW_TENANTS__DEMO__DOWNLOAD_RECORDINGS".into(),
        "true".into(),
    ));
    let stack = Stack::start_with(overrides).await;
    let create = |status: u16| json!({"method": "POST", "path": "/v1.0/users/*/events", "status": status, "count": 1});
    let approve = |input: Value| {
        let client = stack.client.clone();
        async move {
            meetflow::approve::approve(&client, "meetflow", &input)
                .await
                .unwrap()
        }
    };
    let scheduled = |appointment: &str| {
        let id = format!("appointment/demo/{appointment}");
        let stack = &stack;
        async move { in_phase(stack, &id, AppointmentPhase::Scheduled, MINUTE).await }
    };

    // A create Graph refuses for good (403): the meeting fails.
    stack.emulator.add_fault(create(403)).await;
    approve(approval("demo", "failed")).await;
    scheduled("failed").await;
    // A create that fails once (500) and is retried: the full lifecycle, with both artifacts.
    stack.emulator.add_fault(create(500)).await;
    approve(short_meeting("full", 2)).await;
    let s = scheduled("full").await;
    let Some(meetflow_proto::v1::meeting_outcome::Outcome::Created(meeting)) =
        s.meeting.and_then(|m| m.outcome)
    else {
        panic!("no meeting")
    };
    for artifact in [
        json!({"kind": "transcript", "availableAfterSecs": 4}),
        json!({"kind": "recording", "availableAfterSecs": 9, "sizeBytes": 3_000_000}),
    ] {
        stack
            .emulator
            .add_artifact(&meeting.event_id, artifact)
            .await;
    }
    // Capture finishes once attendance is in too.
    stack
        .emulator
        .add_attendance_report(
            &meeting.event_id,
            crate::lifecycle::attendance_report(&[(0, 30)], &[(0, 30)]),
        )
        .await;
    // No Teams meeting asked for.
    let mut skipped = approval("demo", "skipped");
    skipped["generateTeamsMeeting"] = json!(false);
    approve(skipped).await;
    scheduled("skipped").await;
    // Graph throttles the create once with a short Retry-After, which the client waits out
    // inside the call; then the client's server refuses its mail for good (550), the
    // technician's goes out.
    stack
        .emulator
        .add_fault(
            json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 429,
                          "code": "ApplicationThrottled", "retryAfter": "1", "count": 1}),
        )
        .await;
    let mut refused = approval("demo", "refused");
    refused["participants"][0]["email"] = json!("reject-ana@customer.example");
    approve(refused).await;
    scheduled("refused").await;
    post_notifications(&receiver).await;
    let done = in_phase(
        &stack,
        "appointment/demo/full",
        AppointmentPhase::Done,
        MINUTE,
    )
    .await;
    assert_eq!(done.capture_status, "complete", "{done:?}");

    let m = Samples::scrape(&listen).await;
    let counter = |name: &str, labels: Value| m.value(name, labels);
    // Created: the retried one and the refused-mail one; not the skipped, not the failed.
    assert_eq!(
        counter("meetflow_meetings_created_total", demo(json!({}))),
        Some(2.0)
    );
    assert_eq!(
        m.labels_of("meetflow_meetings_skipped_total"),
        [&demo(json!({"reason": "not_requested"}))]
    );
    assert_eq!(
        counter(
            "meetflow_meetings_skipped_total",
            demo(json!({"reason": "not_requested"}))
        ),
        Some(1.0)
    );
    // Graph's 403 is the contract's graph_unauthorized.
    assert_eq!(
        m.labels_of("meetflow_meetings_failed_total"),
        [&demo(json!({"code": "graph_unauthorized"}))]
    );
    assert_eq!(
        counter(
            "meetflow_meetings_failed_total",
            demo(json!({"code": "graph_unauthorized"}))
        ),
        Some(1.0)
    );
    // Two mails per appointment, less the refused one.
    assert_eq!(
        counter(
            "meetflow_mails_sent_total",
            demo(json!({"step": "approved", "resent": "false"}))
        ),
        Some(7.0)
    );
    assert_eq!(
        m.labels_of("meetflow_mails_failed_total"),
        [&demo(json!({"step": "approved", "code": "smtp_rejected"}))]
    );
    assert_eq!(
        counter(
            "meetflow_mails_failed_total",
            demo(json!({"step": "approved", "code": "smtp_rejected"}))
        ),
        Some(1.0)
    );
    assert_eq!(
        m.labels_of("meetflow_capture_outcomes_total"),
        [&demo(json!({"outcome": "complete"}))]
    );
    assert_eq!(
        counter(
            "meetflow_capture_outcomes_total",
            demo(json!({"outcome": "complete"}))
        ),
        Some(1.0)
    );
    assert_eq!(
        counter("meetflow_recording_bytes_copied_total", demo(json!({}))),
        Some(3_000_000.0)
    );
    for kind in ["transcript", "recording"] {
        let labels = demo(json!({"kind": kind}));
        assert_eq!(
            counter(
                "meetflow_capture_artifact_delay_seconds_count",
                labels.clone()
            ),
            Some(1.0),
            "{kind}"
        );
        // Stored seconds after the end, on a schedule of seconds: neither zero nor an hour.
        let delay = counter(
            "meetflow_capture_artifact_delay_seconds_sum",
            labels.clone(),
        )
        .unwrap();
        assert!((1.0..60.0).contains(&delay), "{kind} after {delay} s");
        // meetflow's buckets (minutes to days), not the SDK's default (up to 10 s).
        let mut bucket = labels.clone();
        bucket["le"] = json!("60");
        let within_a_minute = counter("meetflow_capture_artifact_delay_seconds_bucket", bucket);
        assert_eq!(
            within_a_minute,
            Some(1.0),
            "{kind}: {:?}",
            m.labels_of("meetflow_capture_artifact_delay_seconds_bucket")
        );
        bucket = labels;
        bucket["le"] = json!("172800");
        let within_two_days = counter("meetflow_capture_artifact_delay_seconds_bucket", bucket);
        assert_eq!(within_two_days, Some(1.0), "{kind}");
    }
    // Notification batches: the handshake is none; two forged, one malformed, one genuine.
    assert_eq!(
        counter("meetflow_notifications_received_total", json!({})),
        Some(4.0)
    );
    assert_eq!(
        counter("meetflow_notifications_accepted_total", json!({})),
        Some(1.0)
    );
    for (reason, expected) in [("client_state", 2.0), ("malformed", 1.0)] {
        assert_eq!(
            counter(
                "meetflow_notifications_refused_total",
                json!({"reason": reason})
            ),
            Some(expected),
            "{reason}"
        );
    }
    // One token for the tenant, cached for every later call.
    assert_eq!(
        m.labels_of("meetflow_graph_token_requests_total"),
        [&json!({"outcome": "issued"})]
    );
    assert_eq!(
        counter(
            "meetflow_graph_token_requests_total",
            json!({"outcome": "issued"})
        ),
        Some(1.0)
    );
    for (code, expected) in [("graph_server_error", 1.0), ("graph_unauthorized", 1.0)] {
        assert_eq!(
            counter(
                "meetflow_activity_failures_total",
                json!({"activity": "create_meeting", "code": code})
            ),
            Some(expected),
            "create_meeting {code}"
        );
    }
    assert_eq!(
        counter(
            "meetflow_activity_failures_total",
            json!({"activity": "send_invitation", "code": "smtp_rejected"})
        ),
        Some(1.0)
    );
    // Graph exchanges as the client saw them: the refused creates and the two that worked.
    for (status, expected) in [("403", 1.0), ("500", 1.0), ("429", 1.0), ("201", 2.0)] {
        assert_eq!(
            counter(
                "meetflow_graph_requests_total",
                json!({"method": "POST", "operation": "events", "status": status})
            ),
            Some(expected),
            "POST events {status}"
        );
    }
    assert!(
        counter(
            "meetflow_graph_request_duration_seconds_count",
            json!({"method": "POST", "operation": "events"})
        )
        .is_some_and(|n| n == 5.0),
        "latency histogram"
    );
    assert_eq!(
        m.labels_of("meetflow_graph_retry_after_waits_total"),
        [&json!({"operation": "events"})]
    );
    assert_eq!(
        counter(
            "meetflow_graph_retry_after_waits_total",
            json!({"operation": "events"})
        ),
        Some(1.0)
    );
    // The SDK's own worker metrics, through its telemetry options.
    for expected in [
        "temporal_worker_task_slots_available",
        "temporal_activity_execution_latency_seconds_count",
        "temporal_workflow_completed_total",
    ] {
        assert!(
            m.names().contains(expected),
            "{expected} in {:?}",
            m.names()
        );
    }

    // The dashboard and the alert rules read only what the endpoint serves.
    for (file, names) in monitoring::metric_names() {
        for name in names {
            assert!(
                m.names().contains(name.as_str()),
                "{file} uses {name}, which the worker does not export"
            );
        }
    }
    stack.stop().await;
    drop(smtp);
}

/// Posts Graph change notifications to the receiver at `receiver`, as Graph would: a
/// validation handshake, two batches with a forged clientState, one that is no batch at all, and
/// one genuine batch about a meeting nobody here knows (acknowledged, nothing signalled).
async fn post_notifications(receiver: &str) {
    let http = reqwest::Client::new();
    let url = format!("http://{receiver}/notifications");
    let handshake = http
        .post(format!("{url}?validationToken=check"))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    let batch = |client_state: &str| {
        json!({"value": [{
            "subscriptionId": "sub-1", "changeType": "created", "clientState": client_state,
            "resource": "communications/onlineMeetings('MSo-unknown')/recordings('r1')",
            "tenantId": "11111111-1111-4111-8111-111111111111"
        }]})
        .to_string()
    };
    for (body, status) in [
        (batch("guessed"), 403),
        (batch("guessed"), 403),
        ("{\"value\": 7}".to_string(), 400),
        (batch("meetflow-e2e-client-state"), 202),
    ] {
        let answer = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{body}");
    }
}
