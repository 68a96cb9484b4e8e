//! `meetflow bench store`: what a store call costs the worker — the mail path's two statements
//! (claim a delivery, record it sent), as the worker runs them, one at a time and side by side.
//!
//! On a new SQLite file `store.db` in `--dir` by default, or the store at `--url` (it writes
//! deliveries of tenant `bench` there, under keys unique to the run: give it a scratch database).
//! CPU is this process's (`cpu::cpu_seconds`), so sqlx's SQLite connection threads count and a
//! PostgreSQL server's processes do not.

use std::path::PathBuf;
use std::time::Instant;

use meetflow_store::{Claim, Delivery, DeliveryState, Store};

use super::cpu;

pub struct StoreBenchOptions {
    /// Store calls per run (two per mail).
    pub calls: usize,
    /// One run per entry, with this many callers at once.
    pub concurrency: Vec<usize>,
    /// A store URL; a new SQLite file in `dir` when absent.
    pub url: Option<String>,
    pub dir: PathBuf,
}

pub async fn run(opts: StoreBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.concurrency.iter().all(|&c| c > 0),
        "--concurrency must be at least 1"
    );
    let url = match opts.url {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&opts.dir)?;
            let file = opts.dir.join("store.db");
            super::remove_sqlite_database(&file)?;
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    let store = Store::connect(&url).await?;
    println!(
        "store bench — {} backend, {} calls per run",
        store.backend_name(),
        opts.calls
    );
    // Keys unique to this process, so runs against a kept PostgreSQL database do not collide.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let me = std::process::id();
    for (run, &concurrent) in opts.concurrency.iter().enumerate() {
        let per_task = (opts.calls / 2).div_ceil(concurrent);
        let cpu_before = cpu::cpu_seconds(me);
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrent)
            .map(|task| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..per_task {
                        mail(&store, &format!("bench-{nonce}-{run}-{task}-{i}")).await?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for t in tasks {
            t.await??;
        }
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu::cpu_seconds(me) - cpu_before;
        let done = (per_task * concurrent * 2) as f64;
        println!(
            "  concurrency {concurrent:>3}: {:>8.0} calls/s, {:>6.1} µs CPU per call",
            done / wall,
            cpu * 1e6 / done
        );
    }
    store.close().await;
    Ok(())
}

/// The two statements a first attempt at one mail makes.
async fn mail(store: &Store, key: &str) -> anyhow::Result<()> {
    let mut d = Delivery {
        key: key.to_owned(),
        tenant_id: "bench".into(),
        appointment_id: key.to_owned(),
        step: "approved-0".into(),
        recipient: "jane@client.example".into(),
        message_id: format!("<{key}@bench.example>"),
        state: DeliveryState::Pending,
    };
    anyhow::ensure!(
        store.claim_delivery(&d).await? == Claim::New,
        "delivery {key} was already recorded"
    );
    d.state = DeliveryState::Sent;
    store.record_delivery(&d).await?;
    Ok(())
}
