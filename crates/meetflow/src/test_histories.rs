//! The saved workflow histories of `tests/histories/` (recorded by the e2e suites), for the unit
//! tests that read them: the timeline's wording and the bench's counts.

use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;

/// The events of `tests/histories/{name}.json`.
pub fn recorded(name: &str) -> Vec<HistoryEvent> {
    let path = format!(
        "{}/../../tests/histories/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
            .unwrap();
    serde_json::from_value(saved["events"].clone()).unwrap()
}
