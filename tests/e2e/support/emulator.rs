//! What the Graph emulator saw, through its typed control client. The suites read the answers
//! as JSON (`r["path"]`, `e["joinUrl"]`), so the typed values are handed out in their wire
//! form.

use meetflow_graph_emulator::ControlClient;
use meetflow_graph_emulator::control_api::{Fault, NewArtifact, NewAttendanceReport};
use serde::Serialize;
use serde_json::Value;

pub struct EmulatorView {
    control: ControlClient,
}

impl EmulatorView {
    pub fn new(base: url::Url) -> Self {
        Self {
            control: ControlClient::new(&base),
        }
    }

    /// The typed control client, for the calls these helpers do not wrap.
    pub fn control(&self) -> &ControlClient {
        &self.control
    }

    /// Adds a fault rule (`POST /_emulator/faults`); `fault` is its JSON.
    pub async fn add_fault(&self, fault: Value) {
        let fault: Fault = serde_json::from_value(fault).expect("a fault rule");
        self.control
            .add_fault(&fault)
            .await
            .expect("fault accepted");
    }

    /// Changes emulator settings (`POST /_emulator/settings`); `patch` is its JSON.
    pub async fn settings(&self, patch: Value) {
        let patch = serde_json::from_value(patch).expect("a settings patch");
        self.control
            .update_settings(&patch)
            .await
            .expect("settings accepted");
    }

    /// Adds a recording or transcript to the meeting of `event_id`; `artifact` is its JSON.
    pub async fn add_artifact(&self, event_id: &str, artifact: Value) {
        let artifact: NewArtifact = serde_json::from_value(artifact).expect("an artifact");
        self.control
            .add_artifact(event_id, &artifact)
            .await
            .expect("artifact accepted");
    }

    /// Adds an attendance report to the meeting of `event_id`; `report` is its JSON.
    pub async fn add_attendance_report(&self, event_id: &str, report: Value) {
        let report: NewAttendanceReport = serde_json::from_value(report).expect("a report");
        self.control
            .add_attendance_report(event_id, &report)
            .await
            .expect("report accepted");
    }

    /// Every request the emulator served, oldest first.
    pub async fn requests(&self) -> anyhow::Result<Vec<Value>> {
        wire(self.control.requests().await?)
    }

    /// How many requests match `method` and `path_prefix`.
    pub async fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.requests_to(method, path_prefix)
            .await
            .expect("request log")
            .len()
    }

    /// Every calendar event in the emulator, across tenants.
    pub async fn events(&self) -> anyhow::Result<Vec<Value>> {
        wire(self.control.events().await?)
    }

    /// Requests whose method and path match (`path` may be a prefix).
    pub async fn requests_to(&self, method: &str, path_prefix: &str) -> anyhow::Result<Vec<Value>> {
        let mut requests = self.control.requests().await?;
        requests.retain(|r| r.method == method && r.path.starts_with(path_prefix));
        wire(requests)
    }
}

fn wire<T: Serialize>(items: Vec<T>) -> anyhow::Result<Vec<Value>> {
    Ok(items
        .into_iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?)
}
