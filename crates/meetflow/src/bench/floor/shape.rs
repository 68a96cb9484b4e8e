//! A measured workflow's [`Shape`], read from its history and its children's: the floor copies
//! what the server recorded, not what meetflow's code is believed to do, so the floor follows
//! every change of the lifecycle without being edited.
//!
//! Per history, in event order:
//! - `ActivityTaskScheduled` events of one workflow task, with no other command between them →
//!   one [`Step::Activities`] batch (they ran side by side); local-activity markers likewise →
//!   [`Step::LocalActivities`];
//! - `TimerStarted` → [`Step::Sleep`] when the history has its `TimerFired`, else
//!   [`Step::Timer`] (started, then raced by an update or signal and left pending, or cancelled
//!   when the history has its `TimerCanceled`);
//! - `UpsertWorkflowSearchAttributes` → [`Step::Upsert`], except the patching API's own
//!   (only `TemporalChangeVersion`), which comes with its patch marker → [`Step::Patch`];
//! - `WorkflowExecutionUpdateAccepted` → [`Step::Update`]; `WorkflowExecutionSignaled` →
//!   [`Step::Signal`];
//! - `StartChildWorkflowExecutionInitiated` → [`Step::Child`] with the child's own shape.
//!
//! A command the floor cannot copy (an external signal or cancel, continue-as-new, a Nexus
//! operation, …) is an error: a floor without it would not be the same shape.

use anyhow::{Context, bail};
use meetflow_workflows::floor::{Shape, Step};
use temporalio_common::protos::{
    constants::{LOCAL_ACTIVITY_MARKER_NAME, PATCH_MARKER_NAME},
    temporal::api::history::v1::history_event::Attributes,
};

use super::super::actions;
pub use super::super::tally::Histories;

/// The shape of `workflow_id`, whose history (and its children's) `histories` holds.
pub fn derive(histories: &Histories, workflow_id: &str) -> anyhow::Result<Shape> {
    let events = histories
        .get(workflow_id)
        .with_context(|| format!("no history of {workflow_id}"))?;
    // The `TimerStarted` event ids of the timers that fired, and of those cancelled.
    let (mut fired, mut cancelled) = (Vec::new(), Vec::new());
    for attrs in events.iter().filter_map(|e| e.attributes.as_ref()) {
        match attrs {
            Attributes::TimerFiredEventAttributes(a) => fired.push(a.started_event_id),
            Attributes::TimerCanceledEventAttributes(a) => cancelled.push(a.started_event_id),
            _ => {}
        }
    }
    let mut steps = Vec::new();
    // The workflow task whose batch the last step is, while that step is a batch.
    let mut batch: Option<i64> = None;
    for event in events {
        let Some(attrs) = event.attributes.as_ref() else {
            continue;
        };
        let step = match attrs {
            Attributes::ActivityTaskScheduledEventAttributes(a) => {
                if grow(&mut steps, batch, a.workflow_task_completed_event_id, false) {
                    continue;
                }
                batch = Some(a.workflow_task_completed_event_id);
                steps.push(Step::Activities(1));
                continue;
            }
            Attributes::MarkerRecordedEventAttributes(a)
                if a.marker_name == LOCAL_ACTIVITY_MARKER_NAME =>
            {
                if grow(&mut steps, batch, a.workflow_task_completed_event_id, true) {
                    continue;
                }
                batch = Some(a.workflow_task_completed_event_id);
                steps.push(Step::LocalActivities(1));
                continue;
            }
            Attributes::MarkerRecordedEventAttributes(a) if a.marker_name == PATCH_MARKER_NAME => {
                Step::Patch
            }
            Attributes::MarkerRecordedEventAttributes(a) => {
                bail!("{workflow_id}: marker {:?} has no floor", a.marker_name)
            }
            Attributes::TimerStartedEventAttributes(a) => {
                let ms = a.start_to_fire_timeout.as_ref().map_or(0, |d| {
                    (d.seconds.max(0) as u64) * 1000 + (d.nanos.max(0) as u64) / 1_000_000
                });
                if fired.contains(&event.event_id) {
                    Step::Sleep { ms }
                } else {
                    Step::Timer {
                        ms,
                        cancelled: cancelled.contains(&event.event_id),
                    }
                }
            }
            Attributes::UpsertWorkflowSearchAttributesEventAttributes(a) => {
                if actions::is_patch_upsert(a) {
                    continue;
                }
                Step::Upsert
            }
            Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_) => Step::Update,
            Attributes::WorkflowExecutionSignaledEventAttributes(_) => Step::Signal,
            Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(a) => {
                Step::Child(derive(histories, &a.workflow_id)?)
            }
            Attributes::ActivityTaskCancelRequestedEventAttributes(_)
            | Attributes::SignalExternalWorkflowExecutionInitiatedEventAttributes(_)
            | Attributes::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_)
            | Attributes::WorkflowExecutionContinuedAsNewEventAttributes(_)
            | Attributes::WorkflowPropertiesModifiedEventAttributes(_)
            | Attributes::NexusOperationScheduledEventAttributes(_)
            | Attributes::NexusOperationCancelRequestedEventAttributes(_) => {
                bail!(
                    "{workflow_id}: event {} ({}) has no floor",
                    event.event_id,
                    event.event_type().as_str_name()
                )
            }
            _ => continue,
        };
        batch = None;
        steps.push(step);
    }
    Ok(Shape { steps })
}

/// Adds one to the last step when it is the batch of workflow task `task` (of the same kind).
fn grow(steps: &mut [Step], batch: Option<i64>, task: i64, local: bool) -> bool {
    if batch != Some(task) {
        return false;
    }
    match (steps.last_mut(), local) {
        (Some(Step::Activities(n)), false) | (Some(Step::LocalActivities(n)), true) => {
            *n += 1;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::tally::{self, Tally};
    use crate::test_histories::recorded;

    async fn one(name: &str) -> (Histories, Shape) {
        let histories = Histories::from([(name.to_string(), recorded(name))]);
        let shape = derive(&histories, name).unwrap();
        (histories, shape)
    }

    /// The shape's counts are the history's tally: the floor would run what was recorded.
    fn assert_same_counts(shape: &Shape, t: &Tally) {
        let c = shape.counts();
        assert_eq!(c.activities, t.activities, "activities");
        assert_eq!(c.timers, t.timers, "timers");
        assert_eq!(c.updates, t.updates, "updates");
        assert_eq!(c.signals, t.signals, "signals");
        assert_eq!(c.child_workflows, t.child_workflows, "children");
        assert_eq!(c.patches + c.local_activities, t.markers, "markers");
        // Every upsert is a step, or the patching API's own that comes with its marker.
        assert_eq!(c.upserts + c.patches, t.upserts, "upserts");
    }

    #[tokio::test]
    async fn a_recorded_capture_nests_the_child_s_shape() {
        let parent = recorded("pre-cheaper-capture-parent");
        let child_id = tally::children(&parent).remove(0);
        let histories = Histories::from([
            ("pre-cheaper-capture-parent".to_string(), parent.clone()),
            (child_id, recorded("pre-cheaper-capture-child")),
        ]);
        let shape = derive(&histories, "pre-cheaper-capture-parent").unwrap();
        use Step::*;
        let child = Shape {
            steps: vec![
                Activities(1),
                Sleep { ms: 1806 },
                Activities(1),
                Activities(1),
                Sleep { ms: 1946 },
                Activities(1),
                Sleep { ms: 1961 },
                Activities(1),
                Sleep { ms: 1954 },
                Activities(1),
                Activities(1),
            ],
        };
        assert_eq!(
            shape.steps,
            vec![
                Upsert,
                Activities(1),
                Patch,
                Activities(1),
                Activities(1),
                Activities(1),
                Activities(1),
                Activities(2),
                Upsert,
                Sleep { ms: 2547 },
                Upsert,
                Activities(1),
                Upsert,
                Activities(1),
                Child(child),
                Activities(1),
                Upsert,
            ]
        );
        let mut t = Tally::default();
        for events in histories.values() {
            t.add(&Tally::of_history(events));
        }
        assert_eq!(t.workflows, 2);
        assert_same_counts(&shape, &t);
    }

    #[tokio::test]
    async fn updates_wait_where_they_were_accepted_and_the_end_timer_stays_pending() {
        let name = "pre-cheaper-reschedule-reschedule-cancel";
        let (h, shape) = one(name).await;
        use Step::*;
        assert_eq!(
            shape.steps[7..13],
            [
                Activities(2),
                Upsert,
                Timer {
                    ms: 6_599_544,
                    cancelled: false
                },
                Update,
                Activities(1),
                Update,
            ]
        );
        assert_same_counts(&shape, &Tally::of_history(&h[name]));
    }

    #[tokio::test]
    async fn a_superseded_end_timer_is_cancelled_after_the_update_that_moved_it() {
        let (h, shape) = one("reschedule-reschedule-cancel").await;
        let at = shape
            .steps
            .iter()
            .position(|s| {
                matches!(
                    s,
                    Step::Timer {
                        cancelled: true,
                        ..
                    }
                )
            })
            .expect("the reschedule cancels the end timer it supersedes");
        assert_eq!(shape.steps[at + 1], Step::Update);
        assert_same_counts(
            &shape,
            &Tally::of_history(&h["reschedule-reschedule-cancel"]),
        );
    }

    #[tokio::test]
    async fn a_signal_is_a_wait() {
        let (h, shape) = one("cancel-by-signal").await;
        let at = shape.steps.iter().position(|s| *s == Step::Signal).unwrap();
        assert!(matches!(shape.steps[at - 1], Step::Timer { .. }));
        assert_same_counts(&shape, &Tally::of_history(&h["cancel-by-signal"]));
    }

    #[tokio::test]
    async fn a_missing_child_history_is_an_error() {
        let histories =
            Histories::from([("capture-parent".to_string(), recorded("capture-parent"))]);
        let err = derive(&histories, "capture-parent").unwrap_err();
        assert!(err.to_string().contains("no history of"), "{err}");
    }
}
