//! What a store call costs the worker: the mail path's two statements (claim a delivery, record
//! it sent) on a SQLite file store, as the worker runs them, one at a time and side by side.
//!
//! ```bash
//! cargo run --release -p meetflow-store --example bench [-- CALLS [CONCURRENCY] [STORE_URL]]
//! ```
//! Defaults: 20,000 calls (10,000 mails), concurrency 1 and 20, a SQLite file in a temporary
//! directory. Prints calls/s and the process's CPU time per call (utime + stime from
//! `/proc/self/stat`, so the connections' own threads count).

use std::time::Instant;

use meetflow_store::{Claim, Delivery, DeliveryState, Store};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let concurrency: Vec<usize> = args
        .next()
        .map_or(Ok(vec![1, 20]), |a| a.split(',').map(str::parse).collect())?;
    let dir = tempfile::tempdir()?;
    let url = args.next().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let store = Store::connect(&url).await?;
    println!(
        "store bench — {} backend, {calls} calls per run",
        store.backend_name()
    );
    // Keys unique to this process, so runs against a kept PostgreSQL database do not collide.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    for (run, &concurrent) in concurrency.iter().enumerate() {
        let mails = calls / 2;
        let cpu = cpu_seconds();
        let started = Instant::now();
        let per_task = mails.div_ceil(concurrent);
        let tasks: Vec<_> = (0..concurrent)
            .map(|task| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..per_task {
                        mail(&store, &format!("bench-{nonce}-{run}-{task}-{i}")).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await?;
        }
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let done = per_task * concurrent * 2;
        println!(
            "  concurrency {concurrent:>3}: {:>8.0} calls/s, {:>6.1} µs CPU per call",
            done as f64 / wall,
            cpu * 1e6 / done as f64
        );
    }
    store.close().await;
    Ok(())
}

/// The two statements a first attempt at one mail makes.
async fn mail(store: &Store, key: &str) {
    let mut d = Delivery {
        key: key.to_owned(),
        tenant_id: "bench".into(),
        appointment_id: key.to_owned(),
        step: "approved-0".into(),
        recipient: "jane@client.example".into(),
        message_id: format!("<{key}@bench.example>"),
        state: DeliveryState::Pending,
    };
    assert_eq!(store.claim_delivery(&d).await.expect("claim"), Claim::New);
    d.state = DeliveryState::Sent;
    store.record_delivery(&d).await.expect("record");
}

/// utime + stime of this process, all threads.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("stat")
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // USER_HZ is 100 on every Linux this runs on.
    ticks / 100.0
}
