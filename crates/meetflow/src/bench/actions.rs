//! Temporal Cloud billable Actions, estimated from event histories.
//!
//! The rules follow Temporal's published definition, "Temporal Cloud Actions"
//! (<https://docs.temporal.io/cloud/actions>, source `docs/evaluate/cloud/actions.mdx` of
//! github.com/temporalio/documentation, read 2026-12-01). Per history event:
//!
//! | event | actions | type (the page's metric name) |
//! |---|---|---|
//! | `WorkflowExecutionStarted` (client start, continue-as-new) | 1 | `start_workflow` |
//! | `WorkflowExecutionStarted` of a child (first run) | 0 — billed on the parent's initiated event | |
//! | `StartChildWorkflowExecutionInitiated` | 2 (the intent and the start attempt) | `start_child_workflow` |
//! | `UpsertWorkflowSearchAttributes`, unless it only sets `TemporalChangeVersion` | 1 | `upsert_workflow_search_attributes` |
//! | `WorkflowExecutionOptionsUpdated` | 1 | `update_workflow_options` |
//! | `WorkflowTaskFailed` with cause `RESET_WORKFLOW` | 1 | `reset_workflow` |
//! | `ActivityTaskScheduled` | 1 | `schedule_activity` |
//! | `ActivityTaskStarted` with attempt n | n − 1 | `retry_activity` |
//! | `MarkerRecorded`: all markers of one workflow task together | 1 | `record_activity_markers` |
//! | `WorkflowTaskCompleted` metering `nonfirst_local_activity_execution_attempts` = n | n | `retry_activity_local` |
//! | `TimerStarted` | 1 | `start_timer` |
//! | `WorkflowExecutionSignaled` (from a client or a workflow) | 1 | `signal_workflow` |
//! | `SignalExternalWorkflowExecutionInitiated` | 0 — billed in the signalled history | |
//! | `WorkflowExecutionUpdateAccepted` | 1 | `accept_workflow_update` |
//! | `NexusOperationScheduled` / `NexusOperationCancelRequested` | 1 | `schedule_nexus_operation` / `request_nexus_operation_cancellation` |
//!
//! Not visible in a history, so not counted: queries (one Action each, including the ones the
//! bench itself sends to watch progress), rejected updates (never written), activity and
//! workflow-task heartbeats, schedules, exports, and the fairness/capacity surcharges. A
//! signal-with-start is one Action on Cloud but reads here as a start plus a signal. The page
//! says "all RecordMarkers from each Workflow Task" count as one Action; taken literally that
//! includes the SDK's patch (`core_patch`) markers, which this module counts.

use std::collections::{BTreeMap, BTreeSet};

use temporalio_common::protos::temporal::api::{
    enums::v1::WorkflowTaskFailedCause,
    history::v1::{
        HistoryEvent, UpsertWorkflowSearchAttributesEventAttributes, history_event::Attributes,
    },
};

/// The search attribute the SDK's patching API sets alongside its marker.
const CHANGE_VERSION: &str = "TemporalChangeVersion";

/// Whether an upsert is the patching API's own (it sets only [`CHANGE_VERSION`]): exempt from
/// Action counting, and part of its patch marker's step in a floor shape.
pub fn is_patch_upsert(a: &UpsertWorkflowSearchAttributesEventAttributes) -> bool {
    a.search_attributes
        .as_ref()
        .is_some_and(|s| s.indexed_fields.keys().all(|k| k == CHANGE_VERSION))
}

/// Billable actions of one history, by type (the page's metric names); types with none are
/// absent.
pub fn count(events: &[HistoryEvent]) -> BTreeMap<&'static str, u64> {
    let mut out = BTreeMap::new();
    let mut add = |kind: &'static str, n: u64| {
        if n > 0 {
            *out.entry(kind).or_insert(0) += n;
        }
    };
    let mut marker_tasks = BTreeSet::new();
    for attrs in events.iter().filter_map(|e| e.attributes.as_ref()) {
        match attrs {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => {
                let first_child_run = a.parent_workflow_execution.is_some()
                    && a.continued_execution_run_id.is_empty();
                if !first_child_run {
                    add("start_workflow", 1);
                }
            }
            Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(_) => {
                add("start_child_workflow", 2)
            }
            Attributes::UpsertWorkflowSearchAttributesEventAttributes(a) if !is_patch_upsert(a) => {
                add("upsert_workflow_search_attributes", 1)
            }
            Attributes::WorkflowExecutionOptionsUpdatedEventAttributes(_) => {
                add("update_workflow_options", 1)
            }
            Attributes::WorkflowTaskFailedEventAttributes(a)
                if a.cause == WorkflowTaskFailedCause::ResetWorkflow as i32 =>
            {
                add("reset_workflow", 1)
            }
            Attributes::ActivityTaskScheduledEventAttributes(_) => add("schedule_activity", 1),
            Attributes::ActivityTaskStartedEventAttributes(a) => add(
                "retry_activity",
                u64::from(a.attempt.max(1).unsigned_abs() - 1),
            ),
            Attributes::MarkerRecordedEventAttributes(a) => {
                marker_tasks.insert(a.workflow_task_completed_event_id);
            }
            Attributes::WorkflowTaskCompletedEventAttributes(a) => add(
                "retry_activity_local",
                a.metering_metadata.as_ref().map_or(0, |m| {
                    u64::from(m.nonfirst_local_activity_execution_attempts)
                }),
            ),
            Attributes::TimerStartedEventAttributes(_) => add("start_timer", 1),
            Attributes::WorkflowExecutionSignaledEventAttributes(_) => add("signal_workflow", 1),
            Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_) => {
                add("accept_workflow_update", 1)
            }
            Attributes::NexusOperationScheduledEventAttributes(_) => {
                add("schedule_nexus_operation", 1)
            }
            Attributes::NexusOperationCancelRequestedEventAttributes(_) => {
                add("request_nexus_operation_cancellation", 1)
            }
            _ => {}
        }
    }
    add("record_activity_markers", marker_tasks.len() as u64);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_histories::recorded;

    fn total(actions: &BTreeMap<&str, u64>) -> u64 {
        actions.values().sum()
    }

    /// Approve → reschedule ×2 → cancel, before `cheaper-lifecycle`: 1 start, 19 activities,
    /// 1 timer, 3 accepted updates, 3 of its 4 upserts (one only sets TemporalChangeVersion),
    /// 1 patch marker.
    #[tokio::test]
    async fn a_recorded_reschedule_cancel_life() {
        let actions = count(&recorded("pre-cheaper-reschedule-reschedule-cancel"));
        assert_eq!(
            actions,
            BTreeMap::from([
                ("start_workflow", 1),
                ("schedule_activity", 19),
                ("start_timer", 1),
                ("accept_workflow_update", 3),
                ("upsert_workflow_search_attributes", 3),
                ("record_activity_markers", 1),
            ])
        );
        assert_eq!(total(&actions), 28);
    }

    /// The same life with `cheaper-lifecycle`: the tenant read and the 5 store calls are local
    /// activities (13 activities instead of 19); their markers cost one action per workflow
    /// task that holds any — 6 here, as the recording test's `state` queries ended the first
    /// task between the tenant read and the stored-SEQUENCE read.
    #[tokio::test]
    async fn a_recorded_reschedule_cancel_life_with_local_activities() {
        let actions = count(&recorded("reschedule-reschedule-cancel"));
        assert_eq!(actions["schedule_activity"], 13);
        assert_eq!(actions["record_activity_markers"], 6);
        assert_eq!(actions["upsert_workflow_search_attributes"], 3);
        assert_eq!(total(&actions), 27);
    }

    /// The capture parent pays 2 for its child; the child's own start is not billed again.
    #[tokio::test]
    async fn a_recorded_capture_parent_and_child() {
        let parent = count(&recorded("pre-cheaper-capture-parent"));
        assert_eq!(parent["start_child_workflow"], 2);
        assert_eq!(parent["start_workflow"], 1);
        assert_eq!(parent["upsert_workflow_search_attributes"], 5);
        // With `cheaper-lifecycle` the `ended` phase is not upserted: capture follows at once.
        let parent = count(&recorded("capture-parent"));
        assert_eq!(parent["upsert_workflow_search_attributes"], 4);
        let child = count(&recorded("pre-cheaper-capture-child"));
        assert_eq!(child.get("start_workflow"), None);
        assert_eq!(child["schedule_activity"], 7);
        assert_eq!(child["start_timer"], 4);
        assert_eq!(total(&child), 11);
    }

    #[tokio::test]
    async fn signals_are_billed_where_they_land() {
        let actions = count(&recorded("ended-early"));
        assert_eq!(actions["signal_workflow"], 2);
    }

    #[test]
    fn retries_and_markers_of_one_task_count_as_the_page_says() {
        use temporalio_common::protos::temporal::api::{
            common::v1::MeteringMetadata,
            history::v1::{
                ActivityTaskStartedEventAttributes, MarkerRecordedEventAttributes,
                WorkflowTaskCompletedEventAttributes,
            },
        };
        let event = |a| HistoryEvent {
            attributes: Some(a),
            ..Default::default()
        };
        let marker = |task| {
            event(Attributes::MarkerRecordedEventAttributes(
                MarkerRecordedEventAttributes {
                    workflow_task_completed_event_id: task,
                    ..Default::default()
                },
            ))
        };
        let events = vec![
            event(Attributes::ActivityTaskStartedEventAttributes(
                ActivityTaskStartedEventAttributes {
                    attempt: 4,
                    ..Default::default()
                },
            )),
            event(Attributes::WorkflowTaskCompletedEventAttributes(
                WorkflowTaskCompletedEventAttributes {
                    metering_metadata: Some(MeteringMetadata {
                        nonfirst_local_activity_execution_attempts: 2,
                    }),
                    ..Default::default()
                },
            )),
            marker(5),
            marker(5),
            marker(5),
            marker(9),
        ];
        assert_eq!(
            count(&events),
            BTreeMap::from([
                ("retry_activity", 3),
                ("retry_activity_local", 2),
                ("record_activity_markers", 2),
            ])
        );
    }
}
