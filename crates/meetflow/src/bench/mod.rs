//! `meetflow bench`: figures, not a pass/fail test. Runs against the embedded stack (Temporal dev
//! server in memory, Graph emulator with a configurable latency, SQLite, outbox) with the worker
//! as a separate process of this binary, so its RSS is the worker's alone.
//!
//! Phase 1 — lifecycles: `lifecycles` appointments (Teams meeting + 2 invitations, then a cancel
//! with 2 CANCEL mails), `concurrency` in flight: lifecycles/s, approve→both-mails latency
//! p50/p99 (start call → both `.eml` files written), Graph calls per lifecycle.
//! Phase 2 — footprint: open workflows waiting for their end (no meeting, no mail) until each
//! target count is reached; worker RSS at each.
//!
//! `meetflow bench history` (module [`history`]) times `appointment history` on a long history;
//! `meetflow bench artifact-link` (module [`artifact_link`]) serves a 1 GiB recording by link;
//! `meetflow bench notifications` (module [`notifications`]) bursts change notifications at the
//! receiver; `meetflow bench ingress` (module [`ingress`]) measures approvals through the HTTP
//! ingress.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use meetflow_graph_emulator::{ControlClient, Fault};
use meetflow_proto::v1::AppointmentPhase;
use serde_json::{Value, json};
use temporalio_client::{Client, UntypedUpdate, WorkflowExecuteUpdateOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::{approve, connect, dev, inspect, process};

pub mod actions;
pub mod artifact_link;
pub mod cpu;
pub mod history;
pub mod ingress;
pub mod notifications;
pub mod tally;

pub struct BenchOptions {
    pub lifecycles: usize,
    pub concurrency: usize,
    pub graph_latency_ms: u64,
    /// Open-workflow counts at which the worker's RSS is reported, ascending.
    pub open_workflows: Vec<usize>,
    pub dir: PathBuf,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn appointment(tenant: &str, id: &str, with_meeting: bool, mails: bool) -> Value {
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    json!({
        "tenantId": tenant, "appointmentId": id, "title": "Bench",
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "end": (start + chrono::Duration::minutes(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "participants": [
            {"role": "PARTICIPANT_ROLE_CLIENT_CONTACT", "email": "client@customer.example", "displayName": "Client"},
            {"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": "tech@msp.example", "displayName": "Tech"}],
        "generateTeamsMeeting": with_meeting, "sendInvites": mails
    })
}

/// When the mail with this delivery key landed in the outbox (its file's mtime).
fn mail_written(outbox: &Path, domain: &str, key: &str) -> Option<SystemTime> {
    let id = meetflow_mail::message_id_for(key, domain);
    let path = meetflow_mail::Outbox::new(outbox).path_for(&id);
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

async fn wait_phase(
    client: &Client,
    id: &str,
    phase: AppointmentPhase,
    mails: usize,
) -> anyhow::Result<()> {
    loop {
        if let Ok(s) = inspect::state(client, id).await
            && s.phase == phase as i32
            && s.mails.len() >= mails
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn lifecycle(
    client: &Client,
    outbox: &Path,
    domain: &str,
    n: usize,
) -> anyhow::Result<Duration> {
    let appointment_id = format!("bench-{n}");
    let id = format!("appointment/{}/{appointment_id}", dev::DEMO_TENANT);
    let started = SystemTime::now();
    approve::approve(
        client,
        "meetflow",
        &appointment(dev::DEMO_TENANT, &appointment_id, true, true),
    )
    .await?;
    wait_phase(client, &id, AppointmentPhase::Scheduled, 2).await?;
    let keys = ["client@customer.example", "tech@msp.example"]
        .map(|r| format!("{}/{appointment_id}/approved-0/{r}", dev::DEMO_TENANT));
    let landed = keys
        .iter()
        .filter_map(|k| mail_written(outbox, domain, k))
        .max()
        .context("mails not in the outbox")?;
    let latency = landed.duration_since(started).unwrap_or_default();
    let handle = client.get_workflow_handle::<UntypedWorkflow>(&id);
    let input = RawValue::from_value(&json!({"reason": "bench"}), &PayloadConverter::default());
    handle
        .execute_update(
            UntypedUpdate::new("cancelAppointment"),
            input,
            WorkflowExecuteUpdateOptions::default(),
        )
        .await?;
    wait_phase(client, &id, AppointmentPhase::Cancelled, 4).await?;
    Ok(latency)
}

pub async fn run(opts: BenchOptions) -> anyhow::Result<()> {
    let stack =
        dev::DevStack::start_ephemeral(&opts.dir, std::env::vars().collect(), false).await?;
    let result = measure(&opts, &stack).await;
    stack.stop().await;
    result
}

async fn measure(opts: &BenchOptions, stack: &dev::DevStack) -> anyhow::Result<()> {
    let emulator = ControlClient::new(&stack.emulator_url());
    if opts.graph_latency_ms > 0 {
        let slow = Fault::on("/v1.0/*").latency_ms(opts.graph_latency_ms);
        emulator.add_fault(&slow).await?;
    }
    let exe = std::env::current_exe()?;
    let env = vec![(
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    )];
    let log = opts.dir.join("bench-worker.log");
    let mut worker = process::spawn(&exe, &["worker".to_string()], &env, &log)?;
    let pid = worker.id().context("worker pid")?;
    let client = Arc::new(connect::client(&stack.config, &connect::identity("bench")).await?);
    let idle_rss = {
        tokio::time::sleep(Duration::from_secs(2)).await;
        rss_mib(pid)
    };

    let outbox = stack.outbox.clone();
    let domain = stack.config.mail.from.domain().to_string();
    let began = Instant::now();
    let latencies: Vec<anyhow::Result<Duration>> = stream::iter(0..opts.lifecycles)
        .map(|n| {
            let (client, outbox, domain) = (client.clone(), outbox.clone(), domain.clone());
            async move { lifecycle(&client, &outbox, &domain, n).await }
        })
        .buffer_unordered(opts.concurrency)
        .collect()
        .await;
    let elapsed = began.elapsed();
    let mut ok: Vec<Duration> = latencies.into_iter().collect::<anyhow::Result<_>>()?;
    ok.sort();
    let requests = emulator.requests().await?;
    let graph_calls = requests
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/"))
        .count();
    let token_calls = requests.len() - graph_calls;
    let after_lifecycles_rss = rss_mib(pid);

    println!(
        "meetflow bench — {} lifecycles, concurrency {}, Graph latency {} ms",
        opts.lifecycles, opts.concurrency, opts.graph_latency_ms
    );
    println!(
        "  lifecycles/s (approve → meeting → 2 mails → cancel → delete → 2 mails): {:.1}",
        opts.lifecycles as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  approve → both mails latency: p50 {:?}  p99 {:?}  max {:?}",
        percentile(&ok, 0.5),
        percentile(&ok, 0.99),
        ok.last().copied().unwrap_or_default()
    );
    println!(
        "  Graph calls per lifecycle: {:.2} (+ {:.3} token requests)",
        graph_calls as f64 / opts.lifecycles as f64,
        token_calls as f64 / opts.lifecycles as f64
    );
    println!(
        "  worker RSS: idle {idle_rss:.1} MiB, after the lifecycles {after_lifecycles_rss:.1} MiB"
    );

    let mut opened = 0usize;
    for &target in &opts.open_workflows {
        let began = Instant::now();
        let starts: Vec<anyhow::Result<()>> = stream::iter(opened..target)
            .map(|n| {
                let client = client.clone();
                async move {
                    let input = appointment("bench-open", &format!("open-{n}"), false, false);
                    approve::approve(&client, "meetflow", &input)
                        .await
                        .map(|_| ())
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        starts.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        // Every one of them has run its first steps and is waiting on its end timer.
        let last = format!("appointment/bench-open/open-{}", target - 1);
        wait_phase(&client, &last, AppointmentPhase::Scheduled, 0).await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rate = (target - opened) as f64 / began.elapsed().as_secs_f64().max(0.001);
        opened = target;
        println!(
            "  worker RSS with {target} open workflows: {:.1} MiB (opened at {rate:.0}/s)",
            rss_mib(pid)
        );
    }
    process::stop(&mut worker, Duration::from_secs(20)).await;
    Ok(())
}
