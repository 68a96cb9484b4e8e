//! What a change-notification endpoint needs (validation handshake, `clientState` check,
//! payload parsing). Subscriptions themselves are created outside meetflow (see
//! `deploy/README.md`).

use std::fmt;

use percent_encoding::percent_decode_str;
use serde::Deserialize;

use crate::error::{GraphError, GraphErrorKind};

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
    fn client_state_length() {
        assert!(ClientState::new(String::new()).is_err());
        assert!(ClientState::new("x".repeat(129)).is_err());
        assert_eq!(ClientState::random().expose().len(), 32);
    }
}
