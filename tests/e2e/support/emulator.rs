//! What the Graph emulator saw, through its control API.

use serde_json::Value;

pub struct EmulatorView {
    base: url::Url,
    http: reqwest::Client,
}

impl EmulatorView {
    pub fn new(base: url::Url) -> Self {
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let url = self.base.join(path)?;
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<()> {
        let url = self.base.join(path)?;
        self.http
            .post(url)
            .json(body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Adds a fault rule (`POST /_emulator/faults`).
    pub async fn add_fault(&self, fault: Value) {
        self.post("_emulator/faults", &fault)
            .await
            .expect("fault accepted");
    }

    /// Adds a recording or transcript to the meeting of `event_id`.
    pub async fn add_artifact(&self, event_id: &str, artifact: Value) {
        let id: String = url::form_urlencoded::byte_serialize(event_id.as_bytes()).collect();
        self.post(&format!("_emulator/meetings/{id}/artifacts"), &artifact)
            .await
            .expect("artifact accepted");
    }

    /// Every request the emulator served, oldest first.
    pub async fn requests(&self) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .get("_emulator/requests")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
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
        Ok(self
            .get("_emulator/events")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Requests whose method and path match (`path` may be a prefix).
    pub async fn requests_to(&self, method: &str, path_prefix: &str) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .requests()
            .await?
            .into_iter()
            .filter(|r| {
                r["method"] == method
                    && r["path"]
                        .as_str()
                        .is_some_and(|p| p.starts_with(path_prefix))
            })
            .collect())
    }
}
