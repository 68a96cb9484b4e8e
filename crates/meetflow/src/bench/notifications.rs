//! `meetflow bench --notifications N`: the change-notification receiver under a burst. Starts
//! the embedded stack and the worker (its receiver on a free port), schedules `appointments`
//! meetings, then posts `N` notifications — one per POST, the receiver's worst case — spread
//! over those meetings, `concurrency` POSTs at a time. Prints the answer latency p50/p99/max as
//! the poster saw it and the `artifactsAvailable` signals the workflows' histories hold.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use futures_util::{StreamExt, stream};
use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};
use serde_json::json;
use temporalio_common::protos::temporal::api::enums::v1::EventType;

use super::{appointment, percentile, wait_phase};
use crate::{approve, connect, dev, inspect, process};

pub struct NotificationBench {
    pub notifications: usize,
    pub appointments: usize,
    pub concurrency: usize,
}

const CLIENT_STATE: &str = "bench-client-state-0123456789abcdef";
const MS_TENANT: &str = "11111111-1111-4111-8111-111111111111";
/// The receiver's default window, so the figure is of the shipped configuration.
const WINDOW: Duration = Duration::from_secs(2);

pub async fn run(b: &NotificationBench, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let secret = dir.join("bench-client-state");
    std::fs::write(&secret, CLIENT_STATE)?;
    let listen = format!("127.0.0.1:{}", process::free_port()?);
    let overrides = vec![
        ("MEETFLOW_NOTIFICATIONS__LISTEN".to_string(), listen.clone()),
        (
            "MEETFLOW_NOTIFICATIONS__CLIENT_STATE".to_string(),
            format!("{{ file = \"{}\" }}", secret.display()),
        ),
    ];
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.extend(overrides.clone());
    let stack = dev::DevStack::start_ephemeral(dir, env, false).await?;
    let mut worker_env = overrides;
    worker_env.push((
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    ));
    let log = dir.join("bench-worker.log");
    let exe = std::env::current_exe()?;
    let mut worker = process::spawn(&exe, &["worker".to_string()], &worker_env, &log)?;
    let result = measure(b, &stack, &listen).await;
    process::stop(&mut worker, Duration::from_secs(20)).await;
    stack.stop().await;
    result
}

async fn measure(b: &NotificationBench, stack: &dev::DevStack, listen: &str) -> anyhow::Result<()> {
    let client = connect::client(&stack.config, &connect::identity("bench")).await?;
    let mut meetings = Vec::new();
    for n in 0..b.appointments {
        let id = format!("notify-{n}");
        approve::approve(
            &client,
            "meetflow",
            &appointment(dev::DEMO_TENANT, &id, true, false),
        )
        .await?;
        let workflow = format!("appointment/{}/{id}", dev::DEMO_TENANT);
        wait_phase(&client, &workflow, AppointmentPhase::Scheduled, 0).await?;
        let s = inspect::state(&client, &workflow).await?;
        let Some(Outcome::Created(m)) = s.meeting.and_then(|m| m.outcome) else {
            anyhow::bail!("{workflow}: no meeting");
        };
        meetings.push((workflow, m.online_meeting_id));
    }

    let http = reqwest::Client::new();
    let url = format!("http://{listen}/notifications");
    // One warm-up POST (connection set-up, first allocation) outside the figures.
    http.post(&url).body("{\"value\": []}").send().await?;
    let began = Instant::now();
    let answers: Vec<anyhow::Result<(Duration, u16)>> = stream::iter(0..b.notifications)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            let body = json!({"value": [{
                "subscriptionId": "bench", "changeType": "created", "clientState": CLIENT_STATE,
                "resource": format!("communications/onlineMeetings('{}')/recordings('r')",
                    meetings[i % meetings.len()].1),
                "tenantId": MS_TENANT
            }]})
            .to_string();
            async move {
                let sent = Instant::now();
                let status = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?
                    .status()
                    .as_u16();
                Ok((sent.elapsed(), status))
            }
        })
        .buffer_unordered(b.concurrency)
        .collect()
        .await;
    let burst = began.elapsed();
    let answers: Vec<(Duration, u16)> = answers.into_iter().collect::<anyhow::Result<_>>()?;
    let accepted = answers.iter().filter(|(_, s)| *s == 202).count();
    let mut latencies: Vec<Duration> = answers.iter().map(|(d, _)| *d).collect();
    latencies.sort();

    // Every window the burst touched has closed and been delivered.
    tokio::time::sleep(WINDOW * 3).await;
    let mut signals = Vec::new();
    for (workflow, _) in &meetings {
        let n = inspect::events(&client, workflow)
            .await?
            .iter()
            .filter(|e| e.event_type() == EventType::WorkflowExecutionSignaled)
            .count();
        signals.push(n);
    }
    let windows = burst.as_secs_f64() / WINDOW.as_secs_f64();
    println!(
        "meetflow bench — {} notifications (one per POST) about {} appointments, concurrency {}",
        b.notifications, b.appointments, b.concurrency
    );
    println!(
        "  receiver answers: {accepted} × 202 of {}; p50 {:?}  p99 {:?}  max {:?}; burst took {burst:?} \
         ({windows:.2} coalescing windows of {WINDOW:?})",
        answers.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
    println!(
        "  artifactsAvailable signals: {} in all; per appointment min {} max {}",
        signals.iter().sum::<usize>(),
        signals.iter().min().copied().unwrap_or_default(),
        signals.iter().max().copied().unwrap_or_default()
    );
    anyhow::ensure!(
        accepted == answers.len(),
        "{} POSTs not accepted",
        answers.len() - accepted
    );
    Ok(())
}
