//! A real Prometheus scrapes the worker: the Debian `prometheus` binary, configured like
//! deploy/monitoring/prometheus.yml (one second apart instead of fifteen) with the alert rules
//! of deploy/monitoring/alerts.yml loaded. After one approval its HTTP API answers for a
//! business counter and an SDK metric, the target is up, every rule evaluates, and every query
//! of the dashboard is one Prometheus accepts.

use std::time::Duration;

use meetflow_proto::v1::AppointmentPhase;
use serde_json::Value;

use crate::support::{Prometheus, Stack, approval, eventually, in_phase, monitoring};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_worker_and_evaluates_the_alert_rules() {
    let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
    let stack = Stack::start_with(vec![(
        "MEETFLOW_WORKER__METRICS_LISTEN".into(),
        listen.clone(),
    )])
    .await;
    let rules = monitoring::dir().join(monitoring::ALERTS);
    let prometheus = Prometheus::start(&listen, &[&rules]).await;

    meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", "prom-1"))
        .await
        .unwrap();
    in_phase(
        &stack,
        "appointment/demo/prom-1",
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;

    let within = Duration::from_secs(30);
    let created = eventually(within, "meetings created in Prometheus", || async {
        let r = prometheus
            .query(r#"meetflow_meetings_created_total{tenant="demo"}"#)
            .await;
        Ok(r.first()
            .map(|s| s["value"][1].as_str().unwrap().to_string())
            .filter(|v| v == "1"))
    })
    .await;
    assert_eq!(created, "1");
    // The SDK's slot gauge, as Prometheus stored it from the same scrape.
    let slots = prometheus
        .query(r#"temporal_worker_task_slots_available{worker_type="ActivityWorker"}"#)
        .await;
    assert_eq!(slots.len(), 1, "{slots:?}");
    let free: f64 = slots[0]["value"][1].as_str().unwrap().parse().unwrap();
    assert!(free > 0.0, "{slots:?}");
    assert_eq!(slots[0]["metric"]["job"], "meetflow");

    let targets = prometheus.api("targets", &[]).await;
    let active = targets["activeTargets"].as_array().unwrap();
    assert_eq!(active.len(), 1, "{targets}");
    assert_eq!(active[0]["health"], "up", "{targets}");
    assert_eq!(active[0]["scrapeUrl"], format!("http://{listen}/metrics"));

    // Every rule of alerts.yml loaded and evaluated without error.
    let rules = eventually(within, "every rule evaluated", || async {
        let data = prometheus.api("rules", &[]).await;
        let rules: Vec<Value> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap().clone())
            .collect();
        Ok(rules.iter().all(|r| r["health"] == "ok").then_some(rules))
    })
    .await;
    let mut names: Vec<&str> = rules.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "MeetflowActivityScheduleToStartLatencyHigh",
            "MeetflowCaptureBacklog",
            "MeetflowGraphThrottled",
            "MeetflowMeetingsFailing",
            "MeetflowWorkerSlotsExhausted",
            "MeetflowWorkflowTaskScheduleToStartLatencyHigh",
        ]
    );
    // A healthy worker with one approval fires nothing.
    let firing: Vec<&Value> = rules.iter().filter(|r| r["state"] == "firing").collect();
    assert!(firing.is_empty(), "{firing:?}");

    // Each dashboard query parses and runs in Prometheus itself.
    for query in monitoring::dashboard_queries() {
        prometheus.api("query", &[("query", &query)]).await;
    }
    drop(prometheus);
    stack.stop().await;
}
