//! Every saved history (one per path: approve only, reschedule ×2 + cancel, cancel by signal,
//! a moved end timer, capture parent and child, early end, capture with attendance — recorded by the current code;
//! `pre-cheaper-*` recorded before the patch `cheaper-lifecycle` and `pre-resilience-*` before
//! the resilience patches of `workflows/src/lifecycle/patches.rs`) replays against the current
//! workflow code. A change that alters the commands an existing history recorded fails here, in CI,
//! instead of in production on the workflows already running.

use temporalio_client::WorkflowHistory;
use temporalio_common::data_converters::DataConverter;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::support::histories_dir;

fn replayer() -> WorkflowReplayer {
    replayer_with(DataConverter::default())
}

/// The replayer has a converter of its own: a history sealed by the codec replays only with
/// the codec's (see `codec/history_scan.rs`).
pub(crate) fn replayer_with(data_converter: DataConverter) -> WorkflowReplayer {
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<meetflow_workflows::AppointmentLifecycle>()
        .unwrap()
        .register_workflow::<meetflow_workflows::RecordingCapture>()
        .unwrap()
        .register_workflow_interceptors(meetflow_workflows::clock::interceptors())
        .data_converter(data_converter)
        .build();
    WorkflowReplayer::new(options).unwrap()
}

fn saved() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(histories_dir())
        .expect("tests/histories exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_saved_history_replays_against_the_current_code() {
    let files = saved();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for path in [
        "approve-only",
        "reschedule-reschedule-cancel",
        "cancel-by-signal",
        "end-timer-moved",
        "capture-parent",
        "capture-child",
        "ended-early",
        "attendance-parent",
        "attendance-child",
    ] {
        assert!(
            names.contains(&format!("{path}.json").as_str()),
            "missing history {path}: {names:?}"
        );
    }
    let replayer = replayer();
    for (name, bytes) in files {
        let history = WorkflowHistory::from_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        replayer
            .replay_workflow(history)
            .await
            .unwrap_or_else(|e| panic!("{name} no longer replays: {e:?}"));
    }
}

/// The check can fail: a history whose recorded commands differ from what the code does (here
/// the first activity recorded under another type, as if the code had been changed to call a
/// different activity first) is reported as nondeterministic.
#[tokio::test]
async fn a_history_that_disagrees_with_the_code_is_caught() {
    let (_, bytes) = saved()
        .into_iter()
        .find(|(n, _)| n == "pre-cheaper-reschedule-reschedule-cancel.json")
        .expect("saved");
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let scheduled = json["events"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find_map(|e| e["attributes"].get_mut("ActivityTaskScheduledEventAttributes"))
        .expect("an activity was scheduled");
    assert_eq!(scheduled["activity_type"]["name"], "resolve_tenant");
    scheduled["activity_type"]["name"] = "some_other_activity".into();
    let tampered = WorkflowHistory::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
    let err = replayer()
        .replay_workflow(tampered)
        .await
        .expect_err("a changed command sequence must not replay");
    let text = format!("{err:?}");
    assert!(text.contains("Nondeterminism"), "{text}");
}
