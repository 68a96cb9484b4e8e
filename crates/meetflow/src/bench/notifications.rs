//! `meetflow bench notifications`: the change-notification receiver under a burst.
//!
//! Starts the embedded stack and the worker (a separate process of this binary, its receiver on
//! a free loopback port, the demo tenant with its own `notification_client_state`), schedules
//! `appointments` Teams meetings, then posts `notifications` change notifications as Graph sends
//! them (`per_request` in each POST's `value`, `concurrency` POSTs in flight), spread round-robin
//! over those meetings, `bursts` times, each once the previous burst's coalescing window has
//! closed and its signals are in. Prints the receiver's answer latency as the poster saw it, requests/s,
//! the notifications accepted, and the `artifactsAvailable` signals the appointments' histories
//! hold against appointments × coalescing windows.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use meetflow_proto::{
    names,
    v1::{AppointmentPhase, meeting_outcome::Outcome},
};
use serde_json::{Value, json};
use temporalio_client::Client;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use super::{appointment, percentile, wait_phase};
use crate::{approve, connect, dev, inspect, process};

pub struct NotificationBenchOptions {
    pub notifications: usize,
    /// Notifications in one POST.
    pub per_request: usize,
    /// POSTs in flight at once.
    pub concurrency: usize,
    pub appointments: usize,
    /// Bursts, each after the previous one's window closed: one signal per appointment each.
    pub bursts: usize,
    pub dir: PathBuf,
}

/// The receiver answers Graph within this (the target for the burst's p99).
const P99_TARGET: Duration = Duration::from_millis(50);

const CLIENT_STATE: &str = "bench-client-state-0123456789abcdef";
const SUBSCRIPTION_ID: &str = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07";

pub async fn run(opts: NotificationBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.notifications > 0 && opts.per_request > 0 && opts.concurrency > 0,
        "--notifications, --per-request and --concurrency must be at least 1"
    );
    anyhow::ensure!(
        opts.appointments > 0 && opts.bursts > 0,
        "--appointments and --bursts must be at least 1"
    );
    std::fs::create_dir_all(&opts.dir)?;
    let secret = opts.dir.join("bench-client-state");
    std::fs::write(&secret, CLIENT_STATE)?;
    let listen = format!("127.0.0.1:{}", process::free_port()?);
    let overrides = vec![
        ("MEETFLOW_NOTIFICATIONS__LISTEN".to_string(), listen.clone()),
        (
            format!(
                "MEETFLOW_TENANTS__{}__NOTIFICATION_CLIENT_STATE",
                dev::DEMO_TENANT.to_ascii_uppercase()
            ),
            format!("{{ file = \"{}\" }}", secret.display()),
        ),
    ];
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.extend(overrides.clone());
    let stack = dev::DevStack::start_ephemeral(&opts.dir, env, false).await?;
    let mut worker_env = overrides;
    worker_env.push((
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    ));
    let log = opts.dir.join("bench-notifications-worker.log");
    let exe = std::env::current_exe()?;
    let result = match process::spawn(&exe, &["worker".to_string()], &worker_env, &log) {
        Ok(mut worker) => {
            let result = measure(&opts, &stack, &listen).await;
            process::stop(&mut worker, Duration::from_secs(20)).await;
            result
        }
        Err(e) => Err(e),
    };
    stack.stop().await;
    result
}

/// One Graph change notification about a new recording of `meeting`, in the shape Graph posts
/// for a `communications/onlineMeetings/getAllRecordings` subscription.
fn notification(ms_tenant: &str, meeting: &str, n: usize) -> Value {
    let recording = format!("VjIjIzE{n:06}");
    let resource = format!("communications/onlineMeetings('{meeting}')/recordings('{recording}')");
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    json!({
        "subscriptionId": SUBSCRIPTION_ID,
        "subscriptionExpirationDateTime":
            expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "changeType": "created",
        "resource": resource,
        "resourceData": {
            "@odata.type": "#Microsoft.Graph.callRecording",
            "@odata.id": resource,
            "id": recording
        },
        "clientState": CLIENT_STATE,
        "tenantId": ms_tenant
    })
}

/// Approves one appointment with a Teams meeting; its workflow id and online meeting id.
async fn scheduled(client: &Client, n: usize) -> anyhow::Result<(String, String)> {
    let id = format!("notify-{n}");
    approve::approve(
        client,
        "meetflow",
        &appointment(dev::DEMO_TENANT, &id, true, false),
    )
    .await?;
    let workflow = format!("appointment/{}/{id}", dev::DEMO_TENANT);
    wait_phase(client, &workflow, AppointmentPhase::Scheduled, 0).await?;
    let s = inspect::state(client, &workflow).await?;
    let Some(Outcome::Created(m)) = s.meeting.and_then(|m| m.outcome) else {
        anyhow::bail!("{workflow}: no meeting");
    };
    Ok((workflow, m.online_meeting_id))
}

/// `artifactsAvailable` signals in the workflow's history.
async fn signals(client: &Client, workflow: &str) -> anyhow::Result<usize> {
    Ok(inspect::events(client, workflow)
        .await?
        .iter()
        .filter(|e| {
            matches!(&e.attributes, Some(Attributes::WorkflowExecutionSignaledEventAttributes(a))
                if a.signal_name == names::SIGNAL_ARTIFACTS_AVAILABLE)
        })
        .count())
}

async fn all_signals(client: &Client, workflows: &[String]) -> anyhow::Result<Vec<usize>> {
    let mut out = Vec::with_capacity(workflows.len());
    for w in workflows {
        out.push(signals(client, w).await?);
    }
    Ok(out)
}

async fn measure(
    opts: &NotificationBenchOptions,
    stack: &dev::DevStack,
    listen: &str,
) -> anyhow::Result<()> {
    let ms_tenant = stack
        .config
        .tenants
        .get(dev::DEMO_TENANT)
        .and_then(|t| t.microsoft_tenant_id.clone())
        .context("the dev configuration has no demo Microsoft tenant")?;
    let window = Duration::from_millis(stack.config.notifications.coalesce_window_ms);
    let client = connect::client(&stack.config, &connect::identity("bench")).await?;
    let meetings: Vec<(String, String)> = stream::iter(0..opts.appointments)
        .map(|n| scheduled(&client, n))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let workflows: Vec<String> = meetings.iter().map(|(w, _)| w.clone()).collect();
    let before = all_signals(&client, &workflows).await?;
    anyhow::ensure!(before.iter().all(|n| *n == 0), "signalled before the burst");

    // Bodies are built before the clock starts: the figure is the receiver's, not serde's.
    let bodies: Vec<(usize, String)> = (0..opts.notifications)
        .step_by(opts.per_request)
        .map(|first| {
            let items: Vec<Value> = (first..(first + opts.per_request).min(opts.notifications))
                .map(|n| notification(&ms_tenant, &meetings[n % meetings.len()].1, n))
                .collect();
            (items.len(), json!({ "value": items }).to_string())
        })
        .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()?;
    let url = format!("http://{listen}/notifications");
    // Connections opened outside the figures (Graph keeps its connections too).
    stream::iter(0..opts.concurrency)
        .for_each_concurrent(opts.concurrency, |_| {
            let (http, url) = (&http, &url);
            async move {
                let _ = http
                    .post(format!("{url}?validationToken=warm-up"))
                    .send()
                    .await;
            }
        })
        .await;

    let mut answers: Vec<(Duration, u16, usize)> = Vec::new();
    let mut bursts = Vec::new();
    let mut delivered = vec![0; workflows.len()];
    for b in 0..opts.bursts {
        let began = Instant::now();
        let got: Vec<anyhow::Result<(Duration, u16, usize)>> = stream::iter(bodies.clone())
            .map(|(items, body)| {
                let (http, url) = (&http, &url);
                async move {
                    let sent = Instant::now();
                    let status = http
                        .post(url)
                        .header("content-type", "application/json; charset=utf-8")
                        .body(body)
                        .send()
                        .await?
                        .status()
                        .as_u16();
                    Ok((sent.elapsed(), status, items))
                }
            })
            .buffer_unordered(opts.concurrency)
            .collect()
            .await;
        let took = began.elapsed();
        answers.extend(got.into_iter().collect::<anyhow::Result<Vec<_>>>()?);
        bursts.push(took);
        // A burst shorter than the window falls into the one window its first notification
        // opened: one signal per appointment. Wait for them, then one more window for any
        // duplicate to show.
        let want = b + 1;
        let settle = Instant::now() + window * 2 + Duration::from_secs(30);
        while Instant::now() < settle {
            delivered = all_signals(&client, &workflows).await?;
            if delivered.iter().all(|n| *n >= want) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(window + Duration::from_secs(1)).await;
        delivered = all_signals(&client, &workflows).await?;
    }
    let accepted: usize = answers
        .iter()
        .filter(|(_, s, _)| *s == 202)
        .map(|(_, _, n)| n)
        .sum();
    let refused = answers.iter().filter(|(_, s, _)| *s != 202).count();
    let mut latencies: Vec<Duration> = answers.iter().map(|(d, _, _)| *d).collect();
    latencies.sort();
    let sent = opts.notifications * opts.bursts;
    let posting: Duration = bursts.iter().sum();
    // Every burst within its window: exactly one window each.
    let windows = opts.bursts;
    let exact = bursts.iter().all(|b| *b < window);
    let total: usize = delivered.iter().sum();
    let (min, max) = (
        delivered.iter().min().copied().unwrap_or_default(),
        delivered.iter().max().copied().unwrap_or_default(),
    );
    let p99 = percentile(&latencies, 0.99);

    println!(
        "meetflow bench notifications — {} × {} notifications in {} POSTs of {} ({} in flight), \
         about {} appointments; coalescing window {}",
        opts.bursts,
        opts.notifications,
        bodies.len(),
        opts.per_request,
        opts.concurrency,
        opts.appointments,
        ms(window)
    );
    println!(
        "  receiver answer latency: p50 {}  p90 {}  p99 {}  max {}  (p99 target < {}: {})",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(p99),
        ms(latencies.last().copied().unwrap_or_default()),
        ms(P99_TARGET),
        if p99 < P99_TARGET { "met" } else { "NOT met" }
    );
    println!(
        "  bursts took {}; {:.0} requests/s, {:.0} notifications/s; accepted {accepted} of {sent} \
         notifications ({refused} POSTs refused)",
        bursts.iter().map(|b| ms(*b)).collect::<Vec<_>>().join(", "),
        answers.len() as f64 / posting.as_secs_f64(),
        sent as f64 / posting.as_secs_f64(),
    );
    println!(
        "  artifactsAvailable signals in the histories: {total}; expected {} appointments × {windows} \
         window(s) = {}; per appointment min {min} max {max}",
        opts.appointments,
        opts.appointments * windows
    );
    anyhow::ensure!(
        accepted == sent,
        "{} notifications not accepted",
        sent - accepted
    );
    anyhow::ensure!(exact, "a burst outlasted the coalescing window");
    anyhow::ensure!(
        min == windows && max == windows,
        "not exactly one signal per appointment per window: {delivered:?}"
    );
    Ok(())
}

/// `12.3 ms`
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
