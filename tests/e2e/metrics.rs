//! `worker.metrics_listen`: one Prometheus endpoint with the SDK's worker metrics and meetflow's
//! business counters, scraped over HTTP after one approval and read back with an independent
//! parser (Python's prometheus_client), not by string matching.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use meetflow_proto::v1::AppointmentPhase;
use serde_json::{Value, json};

use crate::support::{Stack, approval, in_phase};

/// (name, labels, value) of every sample the endpoint exposes.
fn parse(text: &str) -> Vec<(String, Value, f64)> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/prom_parse.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python (run scripts/setup.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the exposition must parse");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["name"].as_str().unwrap().to_string(),
                v["labels"].clone(),
                v["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn value(samples: &[(String, Value, f64)], name: &str, labels: Value) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(k, v)| l.get(k) == Some(v))
        })
        .map(|(_, _, v)| *v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_endpoint_serves_worker_and_business_metrics() {
    let port = meetflow::process::free_port().unwrap();
    let listen = format!("127.0.0.1:{port}");
    let stack = Stack::start_with(vec![(
        "MEETFLOW_WORKER__METRICS_LISTEN".into(),
        listen.clone(),
    )])
    .await;
    // One failed create attempt (retried), so the failure counter has something to count.
    stack
        .emulator
        .add_fault(
            json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 500, "count": 1}),
        )
        .await;
    meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", "metrics-1"))
        .await
        .unwrap();
    in_phase(
        &stack,
        "appointment/demo/metrics-1",
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;

    let text = reqwest::get(format!("http://{listen}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let samples = parse(&text);
    assert_eq!(
        value(
            &samples,
            "meetflow_meetings_created_total",
            json!({"tenant": "demo"})
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            "meetflow_mails_sent_total",
            json!({"tenant": "demo", "step": "approved", "resent": "false"})
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &samples,
            "meetflow_activity_failures_total",
            json!({"activity": "create_meeting", "code": "graph_server_error"})
        ),
        Some(1.0)
    );
    // Graph exchanges as the client saw them: the refused create and the one that worked.
    for (status, expected) in [("500", 1.0), ("201", 1.0)] {
        assert_eq!(
            value(
                &samples,
                "meetflow_graph_requests_total",
                json!({"method": "POST", "operation": "events", "status": status})
            ),
            Some(expected),
            "POST events {status}"
        );
    }
    assert!(
        value(
            &samples,
            "meetflow_graph_request_duration_seconds_count",
            json!({"method": "POST", "operation": "events"})
        )
        .is_some_and(|n| n >= 2.0),
        "latency histogram"
    );
    // The SDK's own worker metrics, through its telemetry options.
    let sdk: Vec<&str> = samples
        .iter()
        .map(|(n, _, _)| n.as_str())
        .filter(|n| n.starts_with("temporal_"))
        .collect();
    for expected in [
        "temporal_worker_task_slots_available",
        "temporal_activity_execution_latency",
    ] {
        assert!(
            sdk.iter().any(|n| n.starts_with(expected)),
            "{expected} in {sdk:?}"
        );
    }
    stack.stop().await;
}
