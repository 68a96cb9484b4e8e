//! The same-shape floor of `meetflow bench`: every measured lifecycle run once more as a
//! `FloorLifecycle` ([`meetflow_workflows::floor`]) — the same activities, timers, upserts,
//! patch markers, children, updates and signals, read from its own histories ([`shape`]) — with
//! no-op bodies, on a worker of this binary tuned like meetflow's ([`worker`]), at the same
//! concurrency, measured the same way (worker and server CPU from /proc). Meetflow's worker CPU
//! divided by the floor's is what its own code costs on top of the SDK.
//!
//! The bench sends each update or signal when the floor workflow waits for it, as it does to
//! meetflow's: once DescribeWorkflowExecution shows nothing in flight (no workflow task, activity
//! or child), the workflow is blocked on its wait. That holds as long as no fired timer precedes
//! a wait since the previous one in the top-level workflow, which is true of both bench paths;
//! a shape where it is not would arrive early and show in the counts check.

pub mod shape;
pub mod worker;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use futures_util::{StreamExt, stream};
use meetflow_workflows::floor::{
    FLOOR_QUERY, FLOOR_SIGNAL, FLOOR_UPDATE, FLOOR_WORKFLOW, Shape, Step,
};
use serde_json::json;
use temporalio_client::{
    Client, UntypedQuery, UntypedSignal, UntypedUpdate, WorkflowDescribeOptions,
    WorkflowExecuteUpdateOptions, WorkflowGetResultOptions, WorkflowQueryOptions,
    WorkflowSignalOptions, WorkflowStartOptions,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use super::{cpu, report, tally::Tally};
use crate::{dev, process};

/// No floor step may take longer (a hung floor reports instead of waiting forever).
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// What the floor run is given: the measured lifecycles' shapes and how they were driven.
pub struct FloorPlan {
    /// One per measured (loaded) lifecycle, in any order.
    pub shapes: Vec<Shape>,
    pub concurrency: usize,
    /// `state` queries the bench sent per measured lifecycle: the floor answers as many.
    pub queries_per_lifecycle: u64,
    /// The floor worker's log.
    pub log: std::path::PathBuf,
}

pub struct FloorFigures {
    pub floor: report::Floor,
    /// Counts in which the floor's histories differ from the measured ones (empty: same shape).
    pub differences: Vec<String>,
}

/// Runs the floor on `stack` and compares its histories with `measured` (the tally of the
/// lifecycles whose shapes `plan` holds). `meetflow_worker_cpu` is meetflow's worker CPU-seconds
/// per 1,000 lifecycles.
pub async fn measure(
    plan: FloorPlan,
    stack: &dev::DevStack,
    client: &Client,
    measured: &Tally,
    meetflow_worker_cpu: f64,
) -> anyhow::Result<FloorFigures> {
    let server_pid = stack
        .temporal_pid()
        .context("the dev server is not running")?;
    let exe = std::env::current_exe()?;
    let env = vec![(
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    )];
    let log = plan.log.clone();
    let mut floor_worker = process::spawn(&exe, &["bench-floor-worker".to_string()], &env, &log)?;
    let pid = floor_worker.id().context("floor worker pid")?;
    // As for meetflow's worker: started and polling before the clock starts.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let driver = Arc::new(Driver {
        client: client.clone(),
        task_queue: worker::task_queue(&stack.config),
        queries: AtomicU64::new(0),
    });
    let lifecycles = plan.shapes.len();
    let cpu = cpu::Meter::start(pid, server_pid);
    let began = Instant::now();
    let queries = plan.queries_per_lifecycle;
    let lived: Vec<anyhow::Result<String>> = stream::iter(plan.shapes.into_iter().enumerate())
        .map(|(n, shape)| {
            let driver = driver.clone();
            async move {
                driver
                    .live(&format!("floor/bench-{n}"), shape, queries)
                    .await
            }
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    let elapsed = began.elapsed();
    let cpu_used = cpu.used();
    process::stop(&mut floor_worker, Duration::from_secs(20)).await;
    let ids = lived
        .into_iter()
        .collect::<anyhow::Result<Vec<String>>>()
        .with_context(|| format!("see {}", log.display()))?;

    let tallies: Vec<anyhow::Result<Tally>> = stream::iter(&ids)
        .map(|id| super::tally::collect(client, id))
        .buffer_unordered(8)
        .collect()
        .await;
    let mut total = Tally::default();
    for t in tallies {
        total.add(&t?);
    }
    let differences = differences(measured, &total, lifecycles);
    let totals = report::Totals {
        lifecycles,
        tally: total,
        graph_calls: 0,
        token_requests: 0,
        mails: 0,
        bench_queries: driver.queries.load(Ordering::Relaxed),
    };
    let (per_lifecycle, _) = totals.per_lifecycle();
    let per_1000 = 1000.0 / lifecycles.max(1) as f64;
    let worker_cpu = cpu_used.0 * per_1000;
    Ok(FloorFigures {
        floor: report::Floor {
            cpu_seconds_per_1000: report::Cpu {
                worker: worker_cpu,
                server: cpu_used.1 * per_1000,
            },
            lifecycles_per_second: lifecycles as f64 / elapsed.as_secs_f64(),
            per_lifecycle,
            worker_cpu_multiple: meetflow_worker_cpu / worker_cpu,
        },
        differences,
    })
}

/// The counts that make a shape, where the floor's total differs from the measured one.
pub fn differences(measured: &Tally, floor: &Tally, lifecycles: usize) -> Vec<String> {
    let n = lifecycles.max(1) as f64;
    [
        ("workflows", measured.workflows, floor.workflows),
        ("activities", measured.activities, floor.activities),
        ("timers", measured.timers, floor.timers),
        ("updates", measured.updates, floor.updates),
        ("signals", measured.signals, floor.signals),
        (
            "child workflows",
            measured.child_workflows,
            floor.child_workflows,
        ),
        ("upserts", measured.upserts, floor.upserts),
        ("markers", measured.markers, floor.markers),
    ]
    .into_iter()
    .filter(|(_, m, f)| m != f)
    .map(|(what, m, f)| {
        format!(
            "{what}: measured {m} ({:.2} per lifecycle), floor {f} ({:.2})",
            m as f64 / n,
            f as f64 / n
        )
    })
    .collect()
}

struct Driver {
    client: Client,
    task_queue: String,
    queries: AtomicU64,
}

impl Driver {
    /// Runs one floor lifecycle of `shape` as workflow `id`; sends `queries` state queries
    /// before its first wait, as the bench does to meetflow's.
    async fn live(&self, id: &str, shape: Shape, queries: u64) -> anyhow::Result<String> {
        let waits: Vec<Step> = shape
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Update | Step::Signal))
            .cloned()
            .collect();
        let opts = WorkflowStartOptions::new(&self.task_queue, id).build();
        let input =
            RawValue::from_value(&serde_json::to_value(&shape)?, &PayloadConverter::default());
        let handle = self
            .client
            .start_workflow(UntypedWorkflow::new(FLOOR_WORKFLOW), input, opts)
            .await
            .with_context(|| format!("starting {id}"))?;
        for (n, wait) in waits.iter().enumerate() {
            self.blocked(id).await?;
            if n == 0 {
                for _ in 0..queries {
                    self.queries.fetch_add(1, Ordering::Relaxed);
                    handle
                        .query(
                            UntypedQuery::new(FLOOR_QUERY),
                            RawValue::new(vec![]),
                            WorkflowQueryOptions::default(),
                        )
                        .await
                        .with_context(|| format!("query of {id}"))?;
                }
            }
            let input = RawValue::from_value(&json!({}), &PayloadConverter::default());
            match wait {
                Step::Update => {
                    handle
                        .execute_update(
                            UntypedUpdate::new(FLOOR_UPDATE),
                            input,
                            WorkflowExecuteUpdateOptions::default(),
                        )
                        .await
                        .with_context(|| format!("update of {id}"))?;
                }
                _ => handle
                    .signal(
                        UntypedSignal::new(FLOOR_SIGNAL),
                        input,
                        WorkflowSignalOptions::default(),
                    )
                    .await
                    .with_context(|| format!("signal to {id}"))?,
            }
        }
        tokio::time::timeout(
            STEP_TIMEOUT,
            handle.get_result(WorkflowGetResultOptions::default()),
        )
        .await
        .with_context(|| format!("{id} did not complete"))?
        .with_context(|| format!("{id} failed"))?;
        Ok(id.to_string())
    }

    /// Waits until nothing of `id` is in flight: no workflow task, activity or child. Read with
    /// DescribeWorkflowExecution at the rate the bench reads meetflow's phase.
    async fn blocked(&self, id: &str) -> anyhow::Result<()> {
        let handle = self.client.get_workflow_handle::<UntypedWorkflow>(id);
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let described = handle.describe(WorkflowDescribeOptions::default()).await?;
            let raw = described.raw();
            if raw.pending_workflow_task.is_none()
                && raw.pending_activities.is_empty()
                && raw.pending_children.is_empty()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{id} never waited for its update or signal");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_count_that_differs() {
        let measured = Tally {
            workflows: 20,
            activities: 180,
            timers: 30,
            updates: 10,
            ..Tally::default()
        };
        let mut floor = measured.clone();
        assert!(differences(&measured, &floor, 10).is_empty());
        floor.timers = 20;
        floor.workflow_tasks = 999;
        assert_eq!(
            differences(&measured, &floor, 10),
            vec!["timers: measured 30 (3.00 per lifecycle), floor 20 (2.00)".to_string()]
        );
    }
}
