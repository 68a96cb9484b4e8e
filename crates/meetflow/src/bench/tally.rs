//! What the server kept for a lifecycle: counted from the real event histories of a workflow and
//! every child it started, plus each execution's state-transition count
//! (`DescribeWorkflowExecution` → `workflow_execution_info.state_transition_count`).

use std::collections::BTreeMap;

use prost::Message as _;
use temporalio_client::{Client, WorkflowDescribeOptions};
use temporalio_common::{
    UntypedWorkflow,
    protos::temporal::api::history::v1::{History, HistoryEvent, history_event::Attributes},
};

use super::actions;

/// Sums over executions; every field is a count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub workflows: u64,
    pub history_events: u64,
    /// The histories' encoded protobuf size.
    pub history_bytes: u64,
    /// Workflow tasks handed to a worker (`WorkflowTaskStarted`).
    pub workflow_tasks: u64,
    /// Scheduled activities (retries are not new events).
    pub activities: u64,
    pub timers: u64,
    pub signals: u64,
    /// Accepted updates (a rejected one leaves no event).
    pub updates: u64,
    /// Every `UpsertWorkflowSearchAttributes`, the patching API's own included.
    pub upserts: u64,
    pub markers: u64,
    pub child_workflows: u64,
    pub state_transitions: u64,
    pub actions_by_type: BTreeMap<&'static str, u64>,
}

impl Tally {
    /// One execution's history (its state transitions are added by [`collect`]).
    pub fn of_history(events: &[HistoryEvent]) -> Self {
        let mut t = Tally {
            workflows: 1,
            history_events: events.len() as u64,
            history_bytes: History {
                events: events.to_vec(),
            }
            .encoded_len() as u64,
            actions_by_type: actions::count(events),
            ..Tally::default()
        };
        for attrs in events.iter().filter_map(|e| e.attributes.as_ref()) {
            let counter = match attrs {
                Attributes::WorkflowTaskStartedEventAttributes(_) => &mut t.workflow_tasks,
                Attributes::ActivityTaskScheduledEventAttributes(_) => &mut t.activities,
                Attributes::TimerStartedEventAttributes(_) => &mut t.timers,
                Attributes::WorkflowExecutionSignaledEventAttributes(_) => &mut t.signals,
                Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_) => &mut t.updates,
                Attributes::UpsertWorkflowSearchAttributesEventAttributes(_) => &mut t.upserts,
                Attributes::MarkerRecordedEventAttributes(_) => &mut t.markers,
                Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(_) => {
                    &mut t.child_workflows
                }
                _ => continue,
            };
            *counter += 1;
        }
        t
    }

    pub fn billable_actions(&self) -> u64 {
        self.actions_by_type.values().sum()
    }

    pub fn add(&mut self, o: &Tally) {
        self.workflows += o.workflows;
        self.history_events += o.history_events;
        self.history_bytes += o.history_bytes;
        self.workflow_tasks += o.workflow_tasks;
        self.activities += o.activities;
        self.timers += o.timers;
        self.signals += o.signals;
        self.updates += o.updates;
        self.upserts += o.upserts;
        self.markers += o.markers;
        self.child_workflows += o.child_workflows;
        self.state_transitions += o.state_transitions;
        for (k, v) in &o.actions_by_type {
            *self.actions_by_type.entry(k).or_insert(0) += v;
        }
    }
}

/// The workflow ids of the children `events` started.
pub fn children(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e.attributes.as_ref()? {
            Attributes::ChildWorkflowExecutionStartedEventAttributes(a) => {
                Some(a.workflow_execution.as_ref()?.workflow_id.clone())
            }
            _ => None,
        })
        .collect()
}

/// Histories by workflow id: a lifecycle's workflow and every child it started.
pub type Histories = BTreeMap<String, Vec<HistoryEvent>>;

/// The tally of `workflow_id` (latest run) and, recursively, of its children.
pub async fn collect(client: &Client, workflow_id: &str) -> anyhow::Result<Tally> {
    Ok(collect_with_histories(client, workflow_id).await?.0)
}

/// As [`collect`], with the histories it read, for what else is derived from them (the floor's
/// shapes) without fetching them again.
pub async fn collect_with_histories(
    client: &Client,
    workflow_id: &str,
) -> anyhow::Result<(Tally, Histories)> {
    let mut total = Tally::default();
    let mut histories = Histories::new();
    let mut todo = vec![workflow_id.to_string()];
    while let Some(id) = todo.pop() {
        let handle = client.get_workflow_handle::<UntypedWorkflow>(&id);
        let events = crate::inspect::events(client, &id).await?;
        let mut t = Tally::of_history(&events);
        t.state_transitions = handle
            .describe(WorkflowDescribeOptions::default())
            .await?
            .raw()
            .workflow_execution_info
            .as_ref()
            .map_or(0, |i| i.state_transition_count.max(0) as u64);
        todo.extend(children(&events));
        total.add(&t);
        histories.insert(id, events);
    }
    Ok((total, histories))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_histories::recorded;

    #[tokio::test]
    async fn a_recorded_capture_counts_parent_and_child() {
        let parent = recorded("pre-cheaper-capture-parent");
        assert_eq!(children(&parent), vec!["capture/demo/cap-1".to_string()]);
        let mut t = Tally::of_history(&parent);
        t.add(&Tally::of_history(&recorded("pre-cheaper-capture-child")));
        assert_eq!(t.workflows, 2);
        assert_eq!(t.history_events, 83 + 67);
        assert_eq!(t.workflow_tasks, 13 + 12);
        assert_eq!(t.activities, 10 + 7);
        assert_eq!(t.timers, 1 + 4);
        assert_eq!(t.upserts, 6);
        assert_eq!(t.markers, 1);
        assert_eq!(t.child_workflows, 1);
        assert_eq!((t.signals, t.updates), (0, 0));
        assert_eq!(t.billable_actions(), 20 + 11);
        // Real bytes: more than a few per event, less than the JSON they were saved as.
        assert!(t.history_bytes > 150 * 50, "{}", t.history_bytes);
    }

    /// The same capture with `cheaper-lifecycle`: store calls and the tenant read run in the
    /// workflow task (markers, not activity tasks), one upsert fewer, no patch marker in the
    /// child.
    #[tokio::test]
    async fn a_recorded_cheaper_capture_counts_fewer_tasks_and_actions() {
        let mut t = Tally::of_history(&recorded("capture-parent"));
        t.add(&Tally::of_history(&recorded("capture-child")));
        // (The child's polls depend on when the emulator's artifacts appeared in each
        // recording: here one poll more than in the earlier recording.)
        assert_eq!(t.history_events, 58 + 73);
        assert_eq!(t.workflow_tasks, 9 + 13);
        assert_eq!(t.activities, 4 + 8);
        assert_eq!(t.timers, 1 + 4);
        assert_eq!(t.upserts, 5);
        assert_eq!(t.markers, 7);
        assert_eq!(t.billable_actions(), 17 + 12);
    }

    #[tokio::test]
    async fn updates_and_signals_are_counted() {
        let t = Tally::of_history(&recorded("reschedule-reschedule-cancel"));
        assert_eq!((t.updates, t.signals), (3, 0));
        let t = Tally::of_history(&recorded("cancel-by-signal"));
        assert_eq!((t.updates, t.signals), (0, 1));
    }
}
