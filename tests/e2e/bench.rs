//! `meetflow bench` end to end, on the full path (update, signal, child, timers): the same-shape
//! floor runs after the measured lifecycles, and its histories hold exactly what theirs did.

use serde_json::Value;

use crate::support::meetflow_binary;

#[tokio::test(flavor = "multi_thread")]
async fn the_floor_copies_the_measured_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(meetflow_binary())
        .args([
            "bench",
            "--lifecycles",
            "4",
            "--concurrency",
            "2",
            // Every tallied lifecycle is then one the floor copied: the counts must be equal.
            "--sequential",
            "0",
            "--path",
            "full",
            "--open-workflows",
            "1",
            "--json",
            "--dir",
        ])
        .arg(dir.path())
        .env_remove("MEETFLOW_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let floor = &report["floor"];
    assert!(floor.is_object(), "no floor in {report:#}");
    for count in [
        "workflows",
        "activities",
        "timers",
        "updates",
        "signals",
        "child_workflows",
        "upserts",
        "markers",
    ] {
        assert_eq!(
            floor["per_lifecycle"][count], report["per_lifecycle"][count],
            "{count}"
        );
    }
    assert_eq!(report["per_lifecycle"]["child_workflows"], 1.0);
    assert_eq!(floor["per_lifecycle"]["graph_calls"], 0.0);
    let multiple = floor["worker_cpu_multiple"].as_f64().unwrap();
    let worker = report["cpu_seconds_per_1000"]["worker"].as_f64().unwrap();
    let floor_worker = floor["cpu_seconds_per_1000"]["worker"].as_f64().unwrap();
    assert!(floor_worker > 0.0, "{floor:#}");
    assert!((multiple - worker / floor_worker).abs() < 1e-9);
    assert!(
        stderr.contains("× the same-shape floor"),
        "no human floor line: {stderr}"
    );
}
