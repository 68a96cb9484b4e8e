//! `meetflow bench-floor-worker` (hidden): a worker of this binary that runs only
//! `FloorLifecycle` and its no-op activity, on its own task queue, tuned by the same `[worker]`
//! settings as `meetflow worker` ([`crate::worker::tune`]). Nothing else: no store, Graph, mail,
//! metrics or HTTP endpoints — what it spends is the SDK's share of a lifecycle.

use anyhow::Context;
use meetflow_config::Config;
use meetflow_workflows::floor::FloorLifecycle;
use temporalio_common::worker::WorkerDeploymentOptions;
use temporalio_macros::activities;
use temporalio_sdk::{
    Worker, WorkerOptions,
    activities::{ActivityContext, ActivityError},
    runtime::RuntimeOptions,
};

use crate::{connect, versioning, worker};

/// The floor's task queue: next to meetflow's, never shared with it.
pub fn task_queue(config: &Config) -> String {
    format!("{}-floor", config.temporal.task_queue)
}

pub struct FloorActivities;

#[activities]
impl FloorActivities {
    #[activity(name = "floor_noop")]
    pub async fn noop(_ctx: ActivityContext) -> Result<(), ActivityError> {
        Ok(())
    }
}

/// Runs until SIGTERM or SIGINT.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let client = connect::client(config, &connect::identity("bench-floor")).await?;
    let queue = task_queue(config);
    let mut opts = WorkerOptions::new(queue.clone())
        .register_activities(FloorActivities)
        .register_workflow::<FloorLifecycle>()?
        .build();
    // A build id but no Worker Deployment: the floor's queue is not part of meetflow's rollout.
    opts.deployment_options =
        WorkerDeploymentOptions::from_build_id(versioning::build_id(&config.worker));
    worker::tune(&mut opts, &config.worker);
    let runtime = temporalio_sdk::Runtime::from_current_tokio(
        RuntimeOptions::builder()
            .build()
            .map_err(anyhow::Error::msg)?,
    )?;
    let mut w = Worker::new(&runtime, client, opts).context("creating the floor worker")?;
    let stop = w.shutdown_handle();
    tracing::info!(task_queue = %queue, "floor worker started");
    let run = w.run();
    tokio::pin!(run);
    tokio::select! {
        r = &mut run => return r.context("floor worker stopped"),
        () = worker::termination() => stop(),
    }
    run.await.context("floor worker drain")
}

#[cfg(test)]
mod tests {
    use meetflow_workflows::floor::FloorNoop;

    /// The activity's wire name must be the one the floor workflow schedules.
    #[test]
    fn the_activity_name_is_the_workflow_s() {
        assert!(
            include_str!("worker.rs")
                .contains(&format!("#[activity(name = \"{}\")]", FloorNoop::NAME))
        );
    }
}
