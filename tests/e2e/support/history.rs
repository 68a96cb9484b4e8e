//! Saved workflow histories: recorded from the end-to-end runs (`MEETFLOW_RECORD_HISTORIES=1`),
//! replayed against the current workflow code on every test run (see `replay.rs`).

use std::path::PathBuf;

use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::UntypedWorkflow;

use super::Stack;

pub fn histories_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("histories")
}

/// Writes `tests/histories/{name}.json` when recording is switched on; otherwise does nothing.
pub async fn save_history(stack: &Stack, workflow_id: &str, name: &str) {
    if std::env::var_os("MEETFLOW_RECORD_HISTORIES").is_none() {
        return;
    }
    let handle = stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let json = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .expect("history");
    std::fs::create_dir_all(histories_dir()).unwrap();
    std::fs::write(histories_dir().join(format!("{name}.json")), json).unwrap();
}
