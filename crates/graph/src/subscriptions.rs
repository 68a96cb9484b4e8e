//! Change notifications, both ends: the subscriptions meetflow keeps at Graph (create, renew,
//! reauthorize, delete, list) and what the notification endpoint needs (validation handshake,
//! `clientState` check, payload parsing).
//!
//! Idempotency: renew, reauthorize and delete may be repeated; **create is not** (each POST makes
//! another subscription), so its caller records what it created before it retries, and deletes
//! strays it finds with [`GraphClient::list_subscriptions`].

use std::fmt;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{GraphClient, GraphRequest};
use crate::credentials::AppCredentials;
use crate::error::{GraphError, GraphErrorKind};

/// Tenant-wide subscription resource: every new recording of the Microsoft tenant's meetings.
pub const ALL_RECORDINGS_RESOURCE: &str = "communications/onlineMeetings/getAllRecordings";
/// Tenant-wide subscription resource: every new transcript of the Microsoft tenant's meetings.
pub const ALL_TRANSCRIPTS_RESOURCE: &str = "communications/onlineMeetings/getAllTranscripts";

/// The longest a subscription on a Teams callRecording / callTranscript resource may live
/// (4,230 minutes, "under 3 days", per the subscription resource's table).
pub const MAX_ARTIFACT_SUBSCRIPTION_LIFETIME: std::time::Duration =
    std::time::Duration::from_secs(4230 * 60);

/// Beyond one hour ahead, Graph requires a `lifecycleNotificationUrl` on these resources.
pub const LIFECYCLE_URL_REQUIRED_BEYOND: std::time::Duration = std::time::Duration::from_secs(3600);

/// `POST /subscriptions`: a `created` subscription on `resource`.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub resource: String,
    pub notification_url: url::Url,
    /// Where `reauthorizationRequired`, `subscriptionRemoved` and `missed` go; may equal
    /// `notification_url`.
    pub lifecycle_notification_url: url::Url,
    pub expiration: DateTime<Utc>,
    pub client_state: ClientState,
}

/// A subscription as Graph returns it (`clientState` is never read back).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub resource: String,
    pub change_type: String,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub expiration_date_time: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    change_type: &'static str,
    notification_url: &'a str,
    lifecycle_notification_url: &'a str,
    resource: &'a str,
    expiration_date_time: String,
    client_state: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenewBody {
    expiration_date_time: String,
}

#[derive(Deserialize)]
struct SubscriptionPage {
    value: Vec<Subscription>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// Graph's `DateTimeOffset` as it documents request bodies: UTC with seven fraction digits.
fn graph_instant(at: DateTime<Utc>) -> String {
    format!("{}0Z", at.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

impl GraphClient {
    /// `POST /subscriptions`. Graph validates `notificationUrl` and `lifecycleNotificationUrl`
    /// (a POST with `?validationToken=` each must be echoed within 10 s) before it answers; a
    /// refused validation is a 400 ([`GraphError::is_notification_url_refused`]). Not
    /// idempotent: see the module documentation.
    pub async fn create_subscription(
        &self,
        app: &AppCredentials,
        new: &NewSubscription,
    ) -> Result<Subscription, GraphError> {
        let body = CreateBody {
            change_type: "created",
            notification_url: new.notification_url.as_str(),
            lifecycle_notification_url: new.lifecycle_notification_url.as_str(),
            resource: &new.resource,
            expiration_date_time: graph_instant(new.expiration),
            client_state: new.client_state.expose(),
        };
        let request =
            GraphRequest::new(Method::POST, self.url(&["subscriptions"])).json_body(&body);
        self.fetch_json(app, &request, "subscription").await
    }

    /// `PATCH /subscriptions/{id}` with a new `expirationDateTime` (renews and reauthorizes).
    /// A subscription that expired or was removed is a [`GraphErrorKind::NotFound`]: it must
    /// be created again.
    pub async fn renew_subscription(
        &self,
        app: &AppCredentials,
        id: &str,
        expiration: DateTime<Utc>,
    ) -> Result<Subscription, GraphError> {
        let body = RenewBody {
            expiration_date_time: graph_instant(expiration),
        };
        let request =
            GraphRequest::new(Method::PATCH, self.url(&["subscriptions", id])).json_body(&body);
        self.fetch_json(app, &request, "subscription").await
    }

    /// `POST /subscriptions/{id}/reauthorize`: answers a `reauthorizationRequired` lifecycle
    /// notification without moving the expiry. 404 as for [`Self::renew_subscription`].
    pub async fn reauthorize_subscription(
        &self,
        app: &AppCredentials,
        id: &str,
    ) -> Result<(), GraphError> {
        let request = GraphRequest::new(
            Method::POST,
            self.url(&["subscriptions", id, "reauthorize"]),
        );
        self.execute(app, &request).await.map(drop)
    }

    /// `DELETE /subscriptions/{id}`: true when this call deleted it, false when it was already
    /// gone (expired, removed, deleted before).
    pub async fn delete_subscription(
        &self,
        app: &AppCredentials,
        id: &str,
    ) -> Result<bool, GraphError> {
        let request = GraphRequest::new(Method::DELETE, self.url(&["subscriptions", id]));
        match self.execute(app, &request).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == GraphErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /subscriptions`: the live subscriptions this app made in the tenant (every page).
    pub async fn list_subscriptions(
        &self,
        app: &AppCredentials,
    ) -> Result<Vec<Subscription>, GraphError> {
        let mut url = self.url(&["subscriptions"]);
        let mut all = Vec::new();
        loop {
            let page: SubscriptionPage = self
                .fetch_json(app, &GraphRequest::new(Method::GET, url), "subscriptions")
                .await?;
            all.extend(page.value);
            match page.next_link {
                Some(next) => {
                    url = url::Url::parse(&next)
                        .map_err(|e| GraphError::unexpected("subscriptions", e))?;
                    self.check_same_origin(&url)?;
                }
                None => return Ok(all),
            }
        }
    }
}

/// The shared secret Graph echoes in every notification; proves a notification came from a
/// subscription we made. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientState(String);

impl ClientState {
    /// Graph accepts at most 128 characters.
    pub fn new(value: String) -> Result<Self, GraphError> {
        if value.is_empty() || value.len() > 128 {
            return Err(GraphError::new(
                GraphErrorKind::BadRequest,
                "clientState must be 1 to 128 characters",
            ));
        }
        Ok(Self(value))
    }

    /// A fresh random value (a UUIDv4).
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The value itself, for the one place that must send it (the subscription create) and
    /// the store that keeps it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with a received value (only the length may leak, and every
    /// clientState we create has the same length).
    pub fn matches(&self, received: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientState(<redacted>)")
    }
}

/// The validation handshake: when a notification request's query carries `validationToken`,
/// answer 200 `text/plain` with this (URL-decoded) value within 10 seconds.
pub fn validation_token(raw_query: &str) -> Option<String> {
    raw_query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        // Form encoding: `+` is a space before percent-decoding.
        let value = value.replace('+', " ");
        (key == "validationToken")
            .then(|| percent_decode_str(&value).decode_utf8_lossy().into_owned())
    })
}

/// One change notification without resource data.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeNotification {
    pub subscription_id: String,
    pub change_type: Option<String>,
    /// e.g. `communications/onlineMeetings('{meetingId}')/recordings('{recordingId}')`.
    pub resource: Option<String>,
    pub resource_data: Option<ResourceData>,
    pub tenant_id: Option<String>,
    /// Set on lifecycle notifications, e.g. `reauthorizationRequired`.
    pub lifecycle_event: Option<String>,
    #[serde(default)]
    client_state: Option<String>,
}

impl ChangeNotification {
    /// The `clientState` it carries, to be compared in constant time
    /// ([`ClientState::matches`]); never log it.
    pub fn client_state(&self) -> Option<&str> {
        self.client_state.as_deref()
    }

    /// Whether it carries `expected` (in constant time): only then did a subscription made with
    /// that secret send it.
    pub fn is_from(&self, expected: &ClientState) -> bool {
        self.client_state
            .as_deref()
            .is_some_and(|s| expected.matches(s))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ResourceData {
    pub id: Option<String>,
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    #[serde(rename = "@odata.id")]
    pub odata_id: Option<String>,
}

#[derive(Deserialize)]
struct NotificationBatch {
    value: Vec<ChangeNotification>,
}

/// A notification POST that is no change-notification collection (answer 400, never act on it).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("notification body is not a change-notification collection: {0}")]
pub struct MalformedNotifications(String);

/// Parses a notification POST. Each item's `clientState` is checked by the receiver against the
/// secret of the tenant the item names ([`ChangeNotification::is_from`]): one POST may carry
/// notifications of several subscriptions.
pub fn parse_notifications(body: &[u8]) -> Result<Vec<ChangeNotification>, MalformedNotifications> {
    let batch: NotificationBatch =
        serde_json::from_slice(body).map_err(|e| MalformedNotifications(e.to_string()))?;
    Ok(batch.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_token_is_decoded() {
        assert_eq!(
            validation_token("validationToken=Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+bd02").as_deref(),
            Some("Validation: Testing client application reachability for subscription Request-Id: bd02")
        );
        assert_eq!(validation_token("other=1"), None);
    }

    #[test]
    fn client_state_is_checked_and_redacted() {
        let state = ClientState::new("secretClientValue".into()).unwrap();
        assert!(!format!("{state:?}").contains("secret"));
        // Shape from GD concepts/teams-changenotifications-callrecording-and-calltranscript.md.
        let body = json!({"value": [{
            "subscriptionId": "a0f5a5c8-2f0e-4b2b-9bd1-5b0c0a1b2c3d",
            "changeType": "created",
            "clientState": "secretClientValue",
            "resource": "communications/onlineMeetings('MSpkYzE3Njc0Yy04MWQ5')/recordings('VjIjIzE')",
            "subscriptionExpirationDateTime": "2023-01-10T11:24:34.5003015-08:00",
            "resourceData": {"id": "VjIjIzE", "@odata.type": "#Microsoft.Graph.callRecording", "@odata.id": "communications/onlineMeetings('MSpkYzE3Njc0Yy04MWQ5')/recordings('VjIjIzE')"},
            "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34"
        }]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let parsed = parse_notifications(&bytes).unwrap();
        assert_eq!(
            parsed[0].resource_data.as_ref().unwrap().id.as_deref(),
            Some("VjIjIzE")
        );
        assert!(parsed[0].is_from(&state));
        let other = ClientState::new("different".into()).unwrap();
        assert!(!parsed[0].is_from(&other));
        // A prefix of the secret is not the secret.
        let prefix = ClientState::new("secretClient".into()).unwrap();
        assert!(!parsed[0].is_from(&prefix));
        assert!(parse_notifications(b"{}").is_err());
    }

    #[test]
    fn request_instants_have_seven_fraction_digits() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        assert_eq!(graph_instant(at), "2026-12-01T08:00:00.0000000Z");
    }

    #[test]
    fn client_state_length() {
        assert!(ClientState::new(String::new()).is_err());
        assert!(ClientState::new("x".repeat(129)).is_err());
        assert_eq!(ClientState::random().expose().len(), 32);
    }
}
