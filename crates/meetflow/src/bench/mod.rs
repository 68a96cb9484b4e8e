//! `meetflow bench`: figures, not a pass/fail test. Runs against the embedded stack (Temporal dev
//! server in memory or file-backed as `meetflow dev` runs it, Graph emulator with a configurable
//! latency, SQLite, outbox) with the worker as a separate process of this binary, so its RSS and
//! CPU are the worker's alone. Every run starts from empty state ([`fresh_state`]).
//!
//! Phase 1 — lifecycles ([`lifecycle`], shape `cancel` or `full`): first `sequential` ones at
//! concurrency 1 (the approve→mails floor), then `lifecycles` with `concurrency` in flight:
//! lifecycles/s, approve→both-mails latency (start call → both `.eml` files written), worker and
//! server CPU over the loaded part ([`cpu`]), and per lifecycle the Graph calls, mails, and what
//! the histories of every bench workflow and child hold ([`tally`]), billable Actions included
//! ([`actions`]).
//! Phase 2 — the same-shape floor ([`floor`], unless `--no-floor`): the loaded lifecycles again
//! as no-op `FloorLifecycle`s of their own histories' shape, on a floor worker of this binary;
//! meetflow's worker CPU as a multiple of the floor's.
//! Phase 3 — footprint: open workflows waiting for their end (no meeting, no mail) until each
//! target count is reached; worker RSS at each.
//!
//! `meetflow bench history` (module [`history`]) times `appointment history` on a long history;
//! `meetflow bench artifact-link` (module [`artifact_link`]) serves a 1 GiB recording by link;
//! `meetflow bench notifications` (module [`notifications`]) bursts change notifications at the
//! receiver; `meetflow bench ingress` (module [`ingress`]) measures approvals through the HTTP
//! ingress.
//!
//! `--json` prints one object ([`report::Report`]) on stdout, the human lines on stderr.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use meetflow_config::StoreUrl;
use meetflow_graph_emulator::{ControlClient, Fault};
use meetflow_proto::v1::AppointmentPhase;
use meetflow_store::ScratchSchema;

use crate::{approve, connect, dev, inspect, process};

pub mod actions;
pub mod artifact_link;
pub mod cpu;
pub mod floor;
pub mod history;
pub mod ingress;
pub mod lifecycle;
pub mod notifications;
pub mod report;
pub mod store;
pub mod tally;

use lifecycle::appointment;
use report::{Report, percentile};

/// Which Temporal dev server the bench runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Server {
    /// In memory (`temporal server start-dev` without a database file).
    Memory,
    /// File-backed SQLite (WAL), exactly as `meetflow dev` starts it.
    File,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Memory => "memory",
            Server::File => "file",
        }
    }
}

pub struct BenchOptions {
    pub lifecycles: usize,
    pub concurrency: usize,
    /// Lifecycles run one at a time before the loaded ones.
    pub sequential: usize,
    pub graph_latency_ms: u64,
    /// Open-workflow counts at which the worker's RSS is reported, ascending.
    pub open_workflows: Vec<usize>,
    pub dir: PathBuf,
    pub server: Server,
    pub path: lifecycle::Path,
    pub json: bool,
    /// Run the same-shape floor after the lifecycles.
    pub floor: bool,
    /// Added to the measured worker's environment only (not the floor worker's, the bench's or
    /// the dev server's).
    pub worker_env: Vec<(String, String)>,
    /// A PostgreSQL database for the measured worker's store, in a schema of the run's own;
    /// `None`: SQLite in `dir`, as `meetflow dev` runs it.
    pub store_url: Option<StoreUrl>,
}

/// `--store-url`: a `postgres://` (or `postgresql://`) URL; SQLite is the default already.
pub fn parse_store_url(arg: &str) -> Result<StoreUrl, String> {
    StoreUrl::parse(arg)
        .ok()
        .filter(StoreUrl::is_postgres)
        .ok_or_else(|| "expected a postgres:// URL (SQLite in --dir is the default)".to_owned())
}

/// The store the measured worker uses: its `MEETFLOW_STORE__URL` when one is set (by
/// `--store-url` or `--worker-env`), else the dev stack's SQLite.
fn store_backend(worker_env: &[(String, String)]) -> &'static str {
    match worker_env
        .iter()
        .rev()
        .find(|(k, _)| k == "MEETFLOW_STORE__URL")
    {
        Some((_, url)) if parse_store_url(url).is_ok() => "postgres",
        _ => "sqlite",
    }
}

/// `KEY=VALUE` of `--worker-env`: a non-empty name without `=` or NUL, a value without NUL.
pub fn parse_worker_env(arg: &str) -> Result<(String, String), String> {
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("{arg:?} is not KEY=VALUE"))?;
    if key.is_empty() || key.contains('\0') || value.contains('\0') {
        return Err(format!("{arg:?} is not KEY=VALUE"));
    }
    Ok((key.to_owned(), value.to_owned()))
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

/// Human lines go to stdout, or to stderr when stdout carries the JSON.
fn say(json: bool, line: &str) {
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

/// Removes what a previous run left in `dir` (Temporal's database, meetflow's store, outbox,
/// recordings), so ids do not collide, the outbox holds only this run's mails, and the
/// file-backed server starts as small as a new `meetflow dev`. Returns how many mails of the
/// previous run it removed.
fn fresh_state(dir: &Path) -> anyhow::Result<usize> {
    let previous_mails = std::fs::read_dir(dir.join("outbox")).map_or(0, Iterator::count);
    for name in ["temporal.db", "meetflow.db"] {
        remove_sqlite_database(&dir.join(name))?;
    }
    for name in ["outbox", "recordings"] {
        let sub = dir.join(name);
        if sub.exists() {
            std::fs::remove_dir_all(&sub).with_context(|| format!("removing {}", sub.display()))?;
        }
    }
    Ok(previous_mails)
}

/// Removes a SQLite database file and its WAL and shared-memory files, where they exist.
fn remove_sqlite_database(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = PathBuf::from(file);
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    Ok(())
}

async fn wait_phase(
    client: &temporalio_client::Client,
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

/// The floor shape of each lifecycle, from the histories its tally read.
fn shapes(
    ids: &[String],
    histories: &[tally::Histories],
) -> anyhow::Result<Vec<meetflow_workflows::floor::Shape>> {
    ids.iter()
        .zip(histories)
        .map(|(id, h)| floor::shape::derive(h, id))
        .collect()
}

pub async fn run(opts: BenchOptions) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.dir)?;
    let previous_mails = fresh_state(&opts.dir)?;
    if previous_mails > 0 {
        // docs/performance.md: on ext4 without a journal, creating files walks the inodes freed
        // in the last minutes one by one, in the worker's thread, for every mail it writes.
        say(
            opts.json,
            &format!(
                "note: removed {previous_mails} mails of a previous run from {}; for a few \
                 minutes after a deletion some filesystems (ext4 without a journal) create files \
                 more slowly, which the worker's CPU figure includes: compare CPU across runs \
                 with a new --dir each, and delete nothing on that filesystem (an old --dir \
                 included) in the minutes before a run",
                opts.dir.display()
            ),
        );
    }
    let mut overrides: Vec<(String, String)> = std::env::vars().collect();
    if opts.path == lifecycle::Path::Full {
        overrides.extend(lifecycle::capture_overrides());
    }
    let schema = match &opts.store_url {
        Some(url) => Some(
            ScratchSchema::create(url.expose(), "bench")
                .await
                .context("--store-url: creating the run's schema")?,
        ),
        None => None,
    };
    let mut opts = opts;
    if let Some(schema) = &schema {
        opts.worker_env
            .insert(0, ("MEETFLOW_STORE__URL".into(), schema.url().to_owned()));
    }
    let stack = match opts.server {
        Server::Memory => dev::DevStack::start_ephemeral(&opts.dir, overrides, false).await,
        Server::File => dev::DevStack::start_ephemeral_as_dev(&opts.dir, overrides).await,
    };
    let result = match stack {
        Ok(stack) => {
            let result = measure(&opts, &stack).await;
            stack.stop().await;
            result
        }
        Err(e) => Err(e),
    };
    if let Some(schema) = schema {
        let name = schema.name().to_owned();
        if let Err(e) = schema.drop_schema().await {
            say(
                opts.json,
                &format!("warning: --store-url: schema {name} was not dropped: {e}"),
            );
        }
    }
    let report = result?;
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

async fn measure(opts: &BenchOptions, stack: &dev::DevStack) -> anyhow::Result<Report> {
    let emulator = ControlClient::new(&stack.emulator_url());
    if opts.graph_latency_ms > 0 {
        let slow = Fault::on("/v1.0/*").latency_ms(opts.graph_latency_ms);
        emulator.add_fault(&slow).await?;
    }
    let server_pid = stack
        .temporal_pid()
        .context("the dev server is not running")?;
    let exe = std::env::current_exe()?;
    let mut env = vec![(
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    )];
    if opts.path == lifecycle::Path::Full {
        env.extend(lifecycle::capture_overrides());
    }
    env.extend(opts.worker_env.iter().cloned());
    let log = opts.dir.join("bench-worker.log");
    let mut worker = process::spawn(&exe, &["worker".to_string()], &env, &log)?;
    let result = measure_with_worker(opts, stack, emulator, server_pid, &mut worker).await;
    process::stop(&mut worker, Duration::from_secs(20)).await;
    result
}

async fn measure_with_worker(
    opts: &BenchOptions,
    stack: &dev::DevStack,
    emulator: ControlClient,
    server_pid: u32,
    worker: &mut tokio::process::Child,
) -> anyhow::Result<Report> {
    let pid = worker.id().context("worker pid")?;
    let client = connect::client(&stack.config, &connect::identity("bench")).await?;
    let idle_rss = {
        tokio::time::sleep(Duration::from_secs(2)).await;
        rss_mib(pid)
    };
    let driver = Arc::new(lifecycle::Driver::new(
        client.clone(),
        stack.config.temporal.task_queue.clone(),
        stack.outbox.clone(),
        stack.config.mail.from.domain().to_string(),
        emulator.clone(),
        opts.path,
    ));

    let mut workflows = Vec::new();
    let mut sequential = Vec::new();
    for n in 0..opts.sequential {
        let lived = driver.live(&format!("bench-seq-{n}")).await?;
        sequential.push(lived.approve_to_mails);
        workflows.push(lived.workflow_id);
    }
    sequential.sort();

    let cpu = cpu::Meter::start(pid, server_pid);
    let began = Instant::now();
    let lived: Vec<anyhow::Result<lifecycle::Lived>> = stream::iter(0..opts.lifecycles)
        .map(|n| {
            let driver = driver.clone();
            async move { driver.live(&format!("bench-{n}")).await }
        })
        .buffer_unordered(opts.concurrency)
        .collect()
        .await;
    let elapsed = began.elapsed();
    let cpu_used = cpu.used();
    let after_lifecycles_rss = rss_mib(pid);
    let mut loaded = Vec::with_capacity(lived.len());
    for l in lived {
        let l = l?;
        loaded.push(l.approve_to_mails);
        workflows.push(l.workflow_id);
    }
    loaded.sort();

    let requests = emulator.requests().await?;
    let graph_calls = requests
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/"))
        .count();
    // In order: the last `lifecycles` are the loaded ones, whose shapes the floor copies.
    let tallies: Vec<anyhow::Result<(tally::Tally, tally::Histories)>> = stream::iter(&workflows)
        .map(|id| tally::collect_with_histories(&client, id))
        .buffered(8)
        .collect()
        .await;
    let mut total = tally::Tally::default();
    let mut loaded_total = tally::Tally::default();
    let mut loaded_histories = Vec::new();
    for (n, t) in tallies.into_iter().enumerate() {
        let (t, histories) = t?;
        total.add(&t);
        if n >= opts.sequential {
            loaded_total.add(&t);
            loaded_histories.push(histories);
        }
    }
    let totals = report::Totals {
        lifecycles: workflows.len(),
        tally: total,
        graph_calls,
        token_requests: requests.len() - graph_calls,
        mails: lifecycle::mails_in(&stack.outbox),
        bench_queries: driver.queries(),
    };
    let (per_lifecycle, billable_actions_by_type) = totals.per_lifecycle();
    let per_1000 = 1000.0 / opts.lifecycles.max(1) as f64;
    let mut report = Report {
        schema: 1,
        meetflow_version: env!("CARGO_PKG_VERSION"),
        measured_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        machine: report::Machine::this(),
        server: opts.server.name(),
        store: store_backend(&opts.worker_env),
        path: opts.path.name(),
        lifecycles: opts.lifecycles,
        sequential_lifecycles: opts.sequential,
        concurrency: opts.concurrency,
        graph_latency_ms: opts.graph_latency_ms,
        elapsed_s: elapsed.as_secs_f64(),
        lifecycles_per_second: opts.lifecycles as f64 / elapsed.as_secs_f64(),
        approve_to_mails_ms: report::Latency {
            p50: report::ms(percentile(&loaded, 0.5)),
            p99: report::ms(percentile(&loaded, 0.99)),
            max: report::ms(loaded.last().copied().unwrap_or_default()),
        },
        approve_to_mails_ms_sequential: report::SequentialLatency {
            p50: report::ms(percentile(&sequential, 0.5)),
            p99: report::ms(percentile(&sequential, 0.99)),
            samples: sequential.len(),
        },
        per_lifecycle,
        billable_actions_by_type,
        cpu_seconds_per_1000: report::Cpu {
            worker: cpu_used.0 * per_1000,
            server: cpu_used.1 * per_1000,
        },
        rss_mib: report::Rss {
            idle: idle_rss,
            after_lifecycles: after_lifecycles_rss,
            open_workflows: Vec::new(),
        },
        floor: None,
        capture_schedule_secs: (opts.path == lifecycle::Path::Full).then(|| {
            lifecycle::CAPTURE_OVERRIDES
                .iter()
                .map(|(k, v)| (k.to_lowercase(), *v))
                .collect::<BTreeMap<_, _>>()
        }),
    };
    for line in report::lifecycle_lines(&report, opts.path.steps()) {
        say(opts.json, &line);
    }
    if opts.floor {
        let plan = floor::FloorPlan {
            shapes: shapes(&workflows[opts.sequential..], &loaded_histories)?,
            concurrency: opts.concurrency,
            queries_per_lifecycle: (driver.queries() as f64 / workflows.len().max(1) as f64).round()
                as u64,
            log: opts.dir.join("bench-floor-worker.log"),
        };
        let measured = floor::measure(
            plan,
            stack,
            &client,
            &loaded_total,
            report.cpu_seconds_per_1000.worker,
        )
        .await;
        match measured {
            Ok(figures) => {
                for difference in &figures.differences {
                    say(
                        opts.json,
                        &format!("  warning: the floor is not the same shape — {difference}"),
                    );
                }
                report.floor = Some(figures.floor);
                for line in report::floor_lines(&report) {
                    say(opts.json, &line);
                }
            }
            Err(e) => say(
                opts.json,
                &format!("  warning: the same-shape floor failed: {e:#}"),
            ),
        }
    }

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
        let rss = rss_mib(pid);
        say(
            opts.json,
            &format!(
                "  worker RSS with {target} open workflows: {rss:.1} MiB (opened at {rate:.0}/s)"
            ),
        );
        report.rss_mib.open_workflows.push(report::OpenRss {
            open: target,
            rss_mib: rss,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::parse_worker_env;

    #[test]
    fn the_store_url_is_postgres_only_and_names_the_report_s_store() {
        use super::{parse_store_url, store_backend};
        assert!(parse_store_url("postgres://postgres@127.0.0.1:5432/test").is_ok());
        assert!(parse_store_url("postgresql://h/db").is_ok());
        for bad in ["sqlite:///tmp/x.db", "mysql://h/db", "127.0.0.1:5432", ""] {
            assert!(parse_store_url(bad).is_err(), "{bad:?}");
        }
        let env = |url: &str| vec![("MEETFLOW_STORE__URL".to_string(), url.to_string())];
        assert_eq!(store_backend(&[]), "sqlite");
        assert_eq!(store_backend(&env("postgres://h/db")), "postgres");
        assert_eq!(store_backend(&env("sqlite:///tmp/x.db")), "sqlite");
    }

    #[test]
    fn worker_env_is_key_equals_value() {
        assert_eq!(
            parse_worker_env("LD_PRELOAD=/usr/lib/x.so"),
            Ok(("LD_PRELOAD".into(), "/usr/lib/x.so".into()))
        );
        assert_eq!(parse_worker_env("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(
            parse_worker_env("EMPTY="),
            Ok(("EMPTY".into(), String::new()))
        );
        for bad in ["NOVALUE", "=value", "A\0B=c"] {
            assert!(parse_worker_env(bad).is_err(), "{bad:?}");
        }
    }
}
