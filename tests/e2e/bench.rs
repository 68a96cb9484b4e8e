//! `meetflow bench` end to end, on the full path (update, signal, child, timers): the same-shape
//! floor runs after the measured lifecycles, and its histories hold exactly what theirs did.

use std::path::Path;

use serde_json::Value;

use crate::support::{meetflow_binary, pg_url};

/// `meetflow bench ARGS --json --dir DIR`: its report and its stderr (the human lines).
async fn bench_in(dir: &Path, args: &[&str]) -> (Value, String) {
    let out = tokio::process::Command::new(meetflow_binary())
        .arg("bench")
        .args(args)
        .arg("--json")
        .arg("--dir")
        .arg(dir)
        .env_remove("MEETFLOW_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_floor_copies_the_measured_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (report, stderr) = bench_in(
        dir.path(),
        &[
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
        ],
    )
    .await;
    assert!(!stderr.contains("warning"), "{stderr}");
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

/// `--store-url`: the measured worker keeps its store in a schema of the run's own in that
/// PostgreSQL database (it writes no SQLite file in --dir), and the schema is gone afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_s_store_can_be_postgres_in_a_schema_of_the_run_s_own() {
    use sqlx::Connection as _;

    let base = pg_url();
    let mut pg = sqlx::PgConnection::connect(&base).await.unwrap();
    let bench_schemas = "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench\\_%'";
    let before: i64 = sqlx::query_scalar(bench_schemas)
        .fetch_one(&mut pg)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = bench_in(
        dir.path(),
        &[
            "--lifecycles",
            "2",
            "--concurrency",
            "2",
            "--sequential",
            "0",
            "--no-floor",
            "--open-workflows",
            "1",
            "--store-url",
            &base,
        ],
    )
    .await;
    assert_eq!(report["store"], "postgres");
    // Each mail's delivery was claimed and recorded in the store before and after it was sent.
    assert_eq!(report["per_lifecycle"]["mails"], 4.0);
    assert!(
        !dir.path().join("meetflow.db").exists(),
        "the worker opened SQLite in --dir"
    );
    let after: i64 = sqlx::query_scalar(bench_schemas)
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(after, before, "the run's schema was left behind");
}
