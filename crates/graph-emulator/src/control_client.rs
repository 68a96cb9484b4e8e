//! A typed client of the control API, for tests, benchmarks and `meetflow dev`: one method per
//! `/_emulator/*` endpoint, with the server's own types ([`crate::control_api`]).

use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::control_api::{
    AccessPolicyRevocation, AddedArtifact, AddedAttendanceReport, EmulatedEvent, EmulatedMeeting,
    EmulatedSubscription, Fault, LifecycleRequest, LifecycleSent, LoggedRequest, NewArtifact,
    NewAttendanceReport, NotificationDelivery, Permission, PermissionRevocation, SecretExpiry,
    Settings, SettingsPatch,
};

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("emulator control API: {0}")]
    Http(#[from] reqwest::Error),
    /// The emulator answered with an error status (e.g. 404 for an unknown meeting).
    #[error("emulator control API refused {path}: {status} {body}")]
    Refused {
        path: String,
        status: u16,
        body: String,
    },
}

pub type ControlResult<T> = Result<T, ControlError>;

/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct ControlClient {
    /// `http://HOST:PORT/_emulator/`
    base: url::Url,
    http: reqwest::Client,
}

impl ControlClient {
    /// `emulator` is the emulator's base URL, `http://HOST:PORT/`.
    pub fn new(emulator: &url::Url) -> Self {
        Self {
            base: emulator.join("_emulator/").expect("static path"),
            http: reqwest::Client::new(),
        }
    }

    /// Every Graph and token request served (latest 10,000), oldest first; control calls are
    /// not logged.
    pub async fn requests(&self) -> ControlResult<Vec<LoggedRequest>> {
        self.requests_since(0).await
    }

    /// The requests logged after the one with sequence number `seq`.
    pub async fn requests_since(&self, seq: u64) -> ControlResult<Vec<LoggedRequest>> {
        let request = self
            .request(Method::GET, &["requests"])
            .query(&[("since", seq)]);
        self.json(request).await
    }

    /// Every event of every tenant, deleted ones included.
    pub async fn events(&self) -> ControlResult<Vec<EmulatedEvent>> {
        self.json(self.request(Method::GET, &["events"])).await
    }

    /// Online meetings with their artifacts.
    pub async fn meetings(&self) -> ControlResult<Vec<EmulatedMeeting>> {
        self.json(self.request(Method::GET, &["meetings"])).await
    }

    /// Back to the seed: events, meetings, tokens, faults, log and settings cleared.
    pub async fn reset(&self) -> ControlResult<()> {
        self.empty(self.request(Method::POST, &["reset"])).await
    }

    pub async fn settings(&self) -> ControlResult<Settings> {
        self.json(self.request(Method::GET, &["settings"])).await
    }

    /// Changes what `patch` names; returns the settings now in force.
    pub async fn update_settings(&self, patch: &SettingsPatch) -> ControlResult<Settings> {
        self.json_with(Method::POST, &["settings"], patch).await
    }

    /// Adds a rule; returns it with its id.
    pub async fn add_fault(&self, fault: &Fault) -> ControlResult<Fault> {
        self.json_with(Method::POST, &["faults"], fault).await
    }

    /// The rules with their remaining counts.
    pub async fn faults(&self) -> ControlResult<Vec<Fault>> {
        self.json(self.request(Method::GET, &["faults"])).await
    }

    pub async fn clear_faults(&self) -> ControlResult<()> {
        self.empty(self.request(Method::DELETE, &["faults"])).await
    }

    /// Every issued token expires now: the next Graph call gets 401.
    pub async fn expire_tokens(&self) -> ControlResult<()> {
        self.empty(self.request(Method::POST, &["tokens", "expire"]))
            .await
    }

    /// Token requests of this app now fail with AADSTS7000222.
    pub async fn expire_secret(&self, tenant_id: &str, client_id: &str) -> ControlResult<()> {
        let body = SecretExpiry {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
        };
        self.empty(
            self.request(Method::POST, &["secrets", "expire"])
                .json(&body),
        )
        .await
    }

    /// Tokens issued to this app from now on lack `permission` (the routes needing it get 403).
    pub async fn revoke_permission(
        &self,
        tenant_id: &str,
        client_id: &str,
        permission: Permission,
    ) -> ControlResult<()> {
        let body = PermissionRevocation {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            permission,
        };
        self.empty(
            self.request(Method::POST, &["permissions", "revoke"])
                .json(&body),
        )
        .await
    }

    /// The Teams application access policy no longer covers `user` (object id or UPN).
    pub async fn revoke_access_policy(&self, tenant_id: &str, user: &str) -> ControlResult<()> {
        let body = AccessPolicyRevocation {
            tenant_id: tenant_id.to_owned(),
            user: user.to_owned(),
        };
        self.empty(
            self.request(Method::POST, &["access-policies", "revoke"])
                .json(&body),
        )
        .await
    }

    /// Marks a meeting ended; `meeting` is its online meeting id, event id or join URL.
    pub async fn end_meeting(&self, meeting: &str) -> ControlResult<()> {
        self.empty(self.request(Method::POST, &["meetings", meeting, "end"]))
            .await
    }

    /// Adds a recording or transcript to a meeting (online meeting id, event id or join URL).
    pub async fn add_artifact(
        &self,
        meeting: &str,
        artifact: &NewArtifact,
    ) -> ControlResult<AddedArtifact> {
        self.json_with(Method::POST, &["meetings", meeting, "artifacts"], artifact)
            .await
    }

    /// Every subscription, expired and removed ones included.
    pub async fn subscriptions(&self) -> ControlResult<Vec<EmulatedSubscription>> {
        self.json(self.request(Method::GET, &["subscriptions"]))
            .await
    }

    /// Every POST sent to a notification URL (validations, change and lifecycle notifications).
    pub async fn notifications(&self) -> ControlResult<Vec<NotificationDelivery>> {
        self.json(self.request(Method::GET, &["notifications"]))
            .await
    }

    /// Sends the lifecycle notification `event` (`reauthorizationRequired`,
    /// `subscriptionRemoved`, `missed`) for subscription `id`; returns the answer's status.
    pub async fn send_lifecycle(&self, id: &str, event: &str) -> ControlResult<LifecycleSent> {
        let body = LifecycleRequest {
            lifecycle_event: event.to_owned(),
        };
        self.json_with(Method::POST, &["subscriptions", id, "lifecycle"], &body)
            .await
    }

    /// Adds an attendance report to a meeting (online meeting id, event id or join URL).
    pub async fn add_attendance_report(
        &self,
        meeting: &str,
        report: &NewAttendanceReport,
    ) -> ControlResult<AddedAttendanceReport> {
        self.json_with(
            Method::POST,
            &["meetings", meeting, "attendance-reports"],
            report,
        )
        .await
    }

    /// Each segment is percent-encoded on its own, so ids holding `/` or a whole join URL
    /// travel as one segment.
    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http URL has path segments")
            .pop_if_empty()
            .extend(segments);
        self.http.request(method, url)
    }

    async fn json_with<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &impl Serialize,
    ) -> ControlResult<T> {
        self.json(self.request(method, segments).json(body)).await
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> ControlResult<T> {
        Ok(checked(request.send().await?).await?.json().await?)
    }

    async fn empty(&self, request: RequestBuilder) -> ControlResult<()> {
        checked(request.send().await?).await.map(drop)
    }
}

/// The response if its status is a success, else [`ControlError::Refused`] with the body (the
/// control API explains refusals in it).
async fn checked(response: reqwest::Response) -> ControlResult<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let path = response.url().path().to_owned();
    Err(ControlError::Refused {
        path,
        status: status.as_u16(),
        body: response.text().await.unwrap_or_default(),
    })
}
