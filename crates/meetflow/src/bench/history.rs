//! `meetflow bench history`: how long `meetflow appointment history` takes on a long history.
//!
//! Builds one appointment whose history has at least `events` events — approved with a Teams
//! meeting, then rescheduled again and again (each reschedule: update, Graph PATCH, store write,
//! two invitations, a new end timer) — on the embedded stack (the worker a separate process, as in `meetflow bench`), then
//! times the command `runs` times two ways: the whole CLI process (`meetflow appointment history`,
//! as an operator runs it: start, connect, fetch, render) and the report alone in this process
//! (fetch through the server + render).

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::Context;
use meetflow_proto::{names, v1::AppointmentPhase};
use serde_json::json;
use temporalio_client::{Client, UntypedUpdate, WorkflowExecuteUpdateOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use super::{appointment, percentile, wait_phase};
use crate::{approve, connect, dev, inspect, process, timeline};

pub struct HistoryBenchOptions {
    /// The history is grown until it has at least this many events.
    pub events: usize,
    /// Timed runs of each kind.
    pub runs: usize,
    pub dir: PathBuf,
}

const APPOINTMENT: &str = "bench-history";

pub async fn run(opts: HistoryBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(opts.runs > 0, "--runs must be at least 1");
    let stack =
        dev::DevStack::start_ephemeral(&opts.dir, std::env::vars().collect(), false).await?;
    let result = measure(&opts, &stack).await;
    stack.stop().await;
    result
}

async fn measure(opts: &HistoryBenchOptions, stack: &dev::DevStack) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let config = stack.config_path.display().to_string();
    let env = vec![("MEETFLOW_CONFIG".to_string(), config.clone())];
    let log = opts.dir.join("bench-history-worker.log");
    let mut worker = process::spawn(&exe, &["worker".to_string()], &env, &log)?;
    let result = async {
        let client = connect::client(&stack.config, &connect::identity("bench")).await?;
        let (events, reschedules) = grow_history(&client, opts.events).await?;
        let args = [
            "--config",
            &config,
            "appointment",
            "history",
            dev::DEMO_TENANT,
            APPOINTMENT,
        ];
        let mut command_times = Vec::with_capacity(opts.runs);
        let mut lines = 0;
        for _ in 0..opts.runs {
            let began = Instant::now();
            let out = tokio::process::Command::new(&exe)
                .args(args)
                .output()
                .await?;
            command_times.push(began.elapsed());
            anyhow::ensure!(
                out.status.success(),
                "meetflow appointment history failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            lines = out.stdout.iter().filter(|b| **b == b'\n').count();
        }
        let report_opts = inspect::HistoryOptions {
            tz: chrono_tz::UTC,
            format: inspect::Format::Text,
            ui: inspect::ui_base(&stack.config),
            decoder: timeline::Decoder::plain(),
        };
        let mut report_times = Vec::with_capacity(opts.runs);
        for _ in 0..opts.runs {
            let began = Instant::now();
            inspect::history_report(&client, dev::DEMO_TENANT, APPOINTMENT, &report_opts).await?;
            report_times.push(began.elapsed());
        }
        command_times.sort();
        report_times.sort();
        println!(
            "meetflow bench history — {events} events ({reschedules} reschedules), {lines} lines printed, {} runs each",
            opts.runs
        );
        println!(
            "  `meetflow appointment history` (whole process): {}",
            spread(&command_times)
        );
        println!(
            "  history report in process (fetch + render):    {}",
            spread(&report_times)
        );
        Ok(())
    }
    .await;
    process::stop(&mut worker, Duration::from_secs(20)).await;
    result
}

fn spread(sorted: &[Duration]) -> String {
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    format!(
        "p50 {}  p95 {}  max {}",
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.95)),
        ms(sorted.last().copied().unwrap_or_default())
    )
}

/// Approves the appointment and reschedules it, one step at a time (each reschedule's mails
/// out before the next, as a person would), until its history has `target` events.
/// Returns the event count and the number of reschedules.
async fn grow_history(client: &Client, target: usize) -> anyhow::Result<(usize, usize)> {
    let id = format!("appointment/{}/{APPOINTMENT}", dev::DEMO_TENANT);
    let input = appointment(dev::DEMO_TENANT, APPOINTMENT, true, true);
    approve::approve(client, "meetflow", &input).await?;
    wait_phase(client, &id, AppointmentPhase::Scheduled, 2).await?;
    let first_start = chrono::DateTime::parse_from_rfc3339(
        input["start"]
            .as_str()
            .context("the bench approval's start")?,
    )?
    .to_utc();
    let handle = client.get_workflow_handle::<UntypedWorkflow>(&id);
    let mut reschedules = 0;
    loop {
        let events = inspect::events(client, &id).await?.len();
        if events >= target {
            return Ok((events, reschedules));
        }
        reschedules += 1;
        // A new time each round: the workflow refuses a reschedule to the times it has.
        let start = first_start + chrono::Duration::minutes(5 * reschedules as i64);
        let input = RawValue::from_value(
            &json!({
                "start": start.to_rfc3339(),
                "end": (start + chrono::Duration::minutes(30)).to_rfc3339(),
                "reason": format!("bench {reschedules}"),
            }),
            &PayloadConverter::default(),
        );
        handle
            .execute_update(
                UntypedUpdate::new(names::UPDATE_RESCHEDULE),
                input,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .with_context(|| format!("reschedule {reschedules}"))?;
        wait_phase(
            client,
            &id,
            AppointmentPhase::Scheduled,
            2 * (reschedules + 1),
        )
        .await?;
    }
}
