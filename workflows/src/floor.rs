//! `FloorLifecycle`: `meetflow bench`'s same-shape floor. It issues the commands a measured
//! workflow issued — the same activity batches, timers, search-attribute upserts, patch markers
//! and children, in the same order — waits for the same updates and signals, and does nothing
//! else: its activity has a no-op body and its handlers only count. What a worker spends on it
//! is what the SDK and the server's protocol cost for that shape, so meetflow's own cost is the
//! difference.
//!
//! Its input, a [`Shape`], is derived by the bench from the measured histories (module
//! `meetflow::bench::floor::shape`); nothing here knows meetflow's steps. Not registered on the
//! production worker: only `meetflow bench-floor-worker` runs it, on its own task queue.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporalio_common::{ActivityDefinition, data_converters::RawValue};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityOptions, CancellableFuture as _, ChildWorkflowOptions,
    LocalActivityOptions, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult, workflows::join_all,
};

use crate::detached;
use crate::search;

/// One workflow's commands and waits, in the order its history shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Activities scheduled by one workflow task, side by side; all are awaited.
    Activities(u32),
    /// Local activities run by one workflow task, side by side; all are awaited.
    LocalActivities(u32),
    /// A timer awaited until it fires.
    Sleep { ms: u64 },
    /// A timer started and raced by a later wait, never fired: left pending, or, `cancelled`,
    /// cancelled once the next update or signal has been taken.
    Timer {
        ms: u64,
        #[serde(default)]
        cancelled: bool,
    },
    /// One search-attribute upsert (not the patching API's own).
    Upsert,
    /// A patch marker (`ctx.patched`), with the upsert the SDK adds to it.
    Patch,
    /// Waits for the next update the bench sends (accepted at once).
    Update,
    /// Waits for the next signal the bench sends.
    Signal,
    /// Starts a child of this shape and awaits its result.
    Child(Shape),
}

impl Shape {
    /// Counts over this shape and its children, as the bench tallies a history.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for step in &self.steps {
            match step {
                Step::Activities(n) => c.activities += u64::from(*n),
                Step::LocalActivities(n) => c.local_activities += u64::from(*n),
                Step::Sleep { .. } | Step::Timer { .. } => c.timers += 1,
                Step::Upsert => c.upserts += 1,
                Step::Patch => c.patches += 1,
                Step::Update => c.updates += 1,
                Step::Signal => c.signals += 1,
                Step::Child(shape) => {
                    c.child_workflows += 1;
                    c.add(&shape.counts());
                }
            }
        }
        c
    }
}

/// What a [`Shape`] makes a workflow (and its children) do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub activities: u64,
    pub local_activities: u64,
    pub timers: u64,
    pub upserts: u64,
    pub patches: u64,
    pub updates: u64,
    pub signals: u64,
    pub child_workflows: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.activities += o.activities;
        self.local_activities += o.local_activities;
        self.timers += o.timers;
        self.upserts += o.upserts;
        self.patches += o.patches;
        self.updates += o.updates;
        self.signals += o.signals;
        self.child_workflows += o.child_workflows;
    }
}

/// The floor's only activity: no input, no output, no body.
#[derive(Debug, Clone, Copy, Default)]
pub struct FloorNoop;

impl FloorNoop {
    pub const NAME: &'static str = "floor_noop";
}

impl ActivityDefinition for FloorNoop {
    type Input = ();
    type Output = ();
    fn name(&self) -> &str {
        Self::NAME
    }
}

pub const FLOOR_WORKFLOW: &str = "FloorLifecycle";
pub const FLOOR_UPDATE: &str = "floorUpdate";
pub const FLOOR_SIGNAL: &str = "floorSignal";
pub const FLOOR_QUERY: &str = "floorState";

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

#[workflow]
pub struct FloorLifecycle {
    shape: Shape,
    updates: u32,
    signals: u32,
}

#[workflow_methods]
impl FloorLifecycle {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, shape: Shape) -> Self {
        Self {
            shape,
            updates: 0,
            signals: 0,
        }
    }

    #[run(name = "FloorLifecycle")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<u32> {
        let steps = ctx.state(|s| s.shape.steps.clone());
        let (mut updates, mut signals, mut children, mut patches) = (0u32, 0u32, 0u32, 0u32);
        // Raced timers to cancel once the wait that supersedes them is over, as meetflow does.
        let mut to_cancel = Vec::new();
        for step in steps {
            match step {
                Step::Activities(n) => {
                    let runs = (0..n).map(|_| ctx.execute_activity(FloorNoop, (), activity()));
                    for result in join_all(runs).await {
                        result?;
                    }
                }
                Step::LocalActivities(n) => {
                    let runs =
                        (0..n).map(|_| ctx.execute_local_activity(FloorNoop, (), local_activity()));
                    for result in join_all(runs).await {
                        result?;
                    }
                }
                Step::Sleep { ms } => {
                    detached::timer(ctx, Duration::from_millis(ms.max(1))).await;
                }
                Step::Timer { ms, cancelled } => {
                    // The command is sent when the timer is made; dropping the future neither
                    // waits for it nor cancels it, as meetflow's raced timers are left.
                    let pending = detached::timer(ctx, Duration::from_millis(ms.max(1)));
                    if cancelled {
                        to_cancel.push(pending);
                    }
                }
                Step::Upsert => {
                    ctx.upsert_search_attributes([
                        search::APPOINTMENT_PHASE.value_set("floor".to_string())
                    ]);
                }
                Step::Patch => {
                    patches += 1;
                    ctx.patched(&format!("floor-{patches}"));
                }
                Step::Update => {
                    updates += 1;
                    ctx.wait_condition(move |s: &Self| s.updates >= updates)
                        .await?;
                    to_cancel.drain(..).for_each(|t| t.cancel());
                }
                Step::Signal => {
                    signals += 1;
                    ctx.wait_condition(move |s: &Self| s.signals >= signals)
                        .await?;
                    to_cancel.drain(..).for_each(|t| t.cancel());
                }
                Step::Child(shape) => {
                    children += 1;
                    let id = format!("{}/child-{children}", ctx.workflow_id());
                    let opts = ChildWorkflowOptions::builder()
                        .workflow_id(id)
                        .cancellation_token(detached::token())
                        .build();
                    let started = ctx
                        .start_child_workflow(FloorLifecycle::run, shape, opts)
                        .await?;
                    started.result().await?;
                }
            }
        }
        Ok(updates + signals)
    }

    #[signal(name = "floorSignal")]
    pub fn signal(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        self.signals += 1;
    }

    #[update(name = "floorUpdate")]
    pub fn update(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        _input: RawValue,
    ) -> Result<u32, HandlerError> {
        self.updates += 1;
        Ok(self.updates)
    }

    #[query(name = "floorState")]
    pub fn state(&self, _ctx: &WorkflowContextView) -> u32 {
        self.updates + self.signals
    }
}

fn activity() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::StartToClose(Duration::from_secs(
        15,
    )))
    .build()
}

fn local_activity() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(15))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_include_children() {
        let child = Shape {
            steps: vec![
                Step::Activities(1),
                Step::Sleep { ms: 5 },
                Step::Activities(2),
            ],
        };
        let shape = Shape {
            steps: vec![
                Step::Upsert,
                Step::Activities(2),
                Step::Patch,
                Step::Timer {
                    ms: 9,
                    cancelled: false,
                },
                Step::Update,
                Step::Signal,
                Step::Child(child),
            ],
        };
        let c = shape.counts();
        assert_eq!((c.activities, c.timers, c.child_workflows), (5, 2, 1));
        assert_eq!((c.updates, c.signals, c.upserts, c.patches), (1, 1, 1, 1));
    }

    #[test]
    fn the_handlers_names_are_the_constants() {
        let source = include_str!("floor.rs");
        for (kind, name) in [
            ("run", FLOOR_WORKFLOW),
            ("signal", FLOOR_SIGNAL),
            ("update", FLOOR_UPDATE),
            ("query", FLOOR_QUERY),
        ] {
            assert!(source.contains(&format!("#[{kind}(name = \"{name}\")]")));
        }
    }
}
