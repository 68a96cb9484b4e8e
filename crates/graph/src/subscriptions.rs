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

    /// Constant-time comparison with a received value.
    pub fn matches(&self, received: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), received.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

/// Why a notification POST was refused (answer 400 or ignore; never act on it).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotificationError {
    #[error("notification body is not a change-notification collection: {0}")]
    Malformed(String),
    #[error("notification for subscription {0} carries a wrong clientState")]
    WrongClientState(String),
}

/// Parses a notification POST and checks every item's `clientState`.
pub fn parse_notifications(
    body: &[u8],
    expected: &ClientState,
) -> Result<Vec<ChangeNotification>, NotificationError> {
    let batch: NotificationBatch =
        serde_json::from_slice(body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
    for n in &batch.value {
        if !n
            .client_state
            .as_deref()
            .is_some_and(|s| expected.matches(s))
        {
            return Err(NotificationError::WrongClientState(
                n.subscription_id.clone(),
            ));
        }
    }
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
        let parsed = parse_notifications(&bytes, &state).unwrap();
        assert_eq!(
            parsed[0].resource_data.as_ref().unwrap().id.as_deref(),
            Some("VjIjIzE")
        );
        let other = ClientState::new("different".into()).unwrap();
        assert!(matches!(
            parse_notifications(&bytes, &other),
            Err(NotificationError::WrongClientState(_))
        ));
        assert!(matches!(
            parse_notifications(b"{}", &state),
            Err(NotificationError::Malformed(_))
        ));
    }

    #[test]
    fn client_state_length() {
        assert!(ClientState::new(String::new()).is_err());
        assert!(ClientState::new("x".repeat(129)).is_err());
        assert_eq!(ClientState::random().expose().len(), 32);
    }
}
