//! The JSON of the control API (`/_emulator/*`). The server's handlers and
//! [`crate::ControlClient`] both use these types, so the two cannot drift apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::faults::Fault;
pub use crate::identity::Permission;
pub use crate::request_log::LoggedRequest;
pub use crate::world::{ArtifactKind, Attendee, Settings};

/// `POST /_emulator/settings`: the fields to change; absent ones stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_transaction_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_concurrency: Option<usize>,
    /// `Some(None)` (JSON `null`) switches the budget off again.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mailbox_requests_per_window: Option<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_window_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_meeting_lag_secs: Option<u64>,
    /// `Some(None)` (JSON `null`) restores the documented maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub subscription_max_lifetime_secs: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse_subscription_renewals: Option<bool>,
}

/// A present field, `null` included, is `Some`; only an absent one (serde `default`) is `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl SettingsPatch {
    pub fn apply(self, settings: &mut Settings) {
        let Self {
            token_lifetime_secs,
            page_size,
            duplicate_transaction_status,
            mailbox_concurrency,
            mailbox_requests_per_window,
            mailbox_window_secs,
            online_meeting_lag_secs,
            subscription_max_lifetime_secs,
            refuse_subscription_renewals,
        } = self;
        set(&mut settings.token_lifetime_secs, token_lifetime_secs);
        set(&mut settings.page_size, page_size);
        set(
            &mut settings.duplicate_transaction_status,
            duplicate_transaction_status,
        );
        set(&mut settings.mailbox_concurrency, mailbox_concurrency);
        set(
            &mut settings.mailbox_requests_per_window,
            mailbox_requests_per_window,
        );
        set(&mut settings.mailbox_window_secs, mailbox_window_secs);
        set(
            &mut settings.online_meeting_lag_secs,
            online_meeting_lag_secs,
        );
        set(
            &mut settings.subscription_max_lifetime_secs,
            subscription_max_lifetime_secs,
        );
        set(
            &mut settings.refuse_subscription_renewals,
            refuse_subscription_renewals,
        );
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// One entry of `GET /_emulator/events`: an event as the emulator stores it, deleted ones
/// included (Graph itself answers 404 for those).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatedEvent {
    pub tenant: String,
    /// Object id.
    pub organizer: String,
    pub organizer_upn: String,
    pub id: String,
    #[serde(rename = "iCalUId")]
    pub ical_uid: String,
    pub change_key: String,
    pub transaction_id: Option<String>,
    pub subject: String,
    pub body_html: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub attendees: Vec<Attendee>,
    pub is_online_meeting: bool,
    pub online_meeting_provider: String,
    pub online_meeting_id: Option<String>,
    pub join_url: Option<String>,
    pub created_date_time: DateTime<Utc>,
    pub last_modified_date_time: DateTime<Utc>,
    pub deleted: bool,
    /// `singleValueExtendedProperties` given at creation.
    #[serde(default)]
    pub extended_properties: Vec<ExtendedProperty>,
    /// The create request as received, to tell an identical retry from a conflicting reuse
    /// (emulator-internal; not sent).
    #[serde(skip)]
    pub(crate) create_fingerprint: serde_json::Value,
}

/// A `singleValueLegacyExtendedProperty` of an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendedProperty {
    pub id: String,
    pub value: String,
}

/// One entry of `GET /_emulator/meetings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatedMeeting {
    pub tenant: String,
    pub organizer: String,
    pub id: String,
    pub event_id: String,
    pub join_url: String,
    pub ended_at: Option<DateTime<Utc>>,
    pub artifacts: Vec<EmulatedArtifact>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatedArtifact {
    pub kind: ArtifactKind,
    pub id: String,
    pub available_at: DateTime<Utc>,
    pub available: bool,
}

/// `POST /_emulator/meetings/{id}/artifacts`: a recording or transcript Teams will "produce".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewArtifact {
    pub kind: ArtifactKind,
    /// Seconds from now until Graph lists it.
    #[serde(default)]
    pub available_after_secs: f64,
    /// Transcript text; a small sample when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtt: Option<String>,
    /// Recording size; 1 MiB when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// The recording's content streams no faster than this; at full speed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_sec: Option<u64>,
    /// The recording's bytes (standard base64) instead of the synthetic pattern, e.g. a real
    /// MP4 a browser can play; excludes `sizeBytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// Shared by a recording and its transcript; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_correlation_id: Option<String>,
}

impl NewArtifact {
    /// A recording of 1 MiB, available now.
    pub fn recording() -> Self {
        Self::of(ArtifactKind::Recording)
    }

    /// A transcript with a sample cue, available now.
    pub fn transcript() -> Self {
        Self::of(ArtifactKind::Transcript)
    }

    fn of(kind: ArtifactKind) -> Self {
        Self {
            kind,
            available_after_secs: 0.0,
            vtt: None,
            size_bytes: None,
            bytes_per_sec: None,
            content_base64: None,
            content_correlation_id: None,
        }
    }

    pub fn vtt(mut self, vtt: impl Into<String>) -> Self {
        self.vtt = Some(vtt.into());
        self
    }

    pub fn size_bytes(mut self, size: u64) -> Self {
        self.size_bytes = Some(size);
        self
    }

    pub fn bytes_per_sec(mut self, rate: u64) -> Self {
        self.bytes_per_sec = Some(rate);
        self
    }

    /// A recording with exactly these bytes.
    pub fn content(mut self, bytes: &[u8]) -> Self {
        use base64::Engine as _;
        self.content_base64 = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        self
    }

    pub fn available_after_secs(mut self, secs: f64) -> Self {
        self.available_after_secs = secs;
        self
    }
}

/// The answer to [`NewArtifact`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedArtifact {
    pub id: String,
    pub meeting_id: String,
    pub organizer: String,
    pub kind: ArtifactKind,
    pub available_at: DateTime<Utc>,
}

/// One entry of `GET /_emulator/subscriptions`: a subscription as the emulator keeps it,
/// expired and removed ones included, `clientState` shown (Graph never reads it back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatedSubscription {
    pub id: String,
    pub tenant: String,
    pub application_id: String,
    pub resource: String,
    pub change_type: String,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub expiration_date_time: DateTime<Utc>,
    pub client_state: String,
    pub created_date_time: DateTime<Utc>,
    /// Successful PATCHes.
    pub renewals: u32,
    /// Successful `POST …/reauthorize` calls.
    pub reauthorizations: u32,
    /// Deleted by the app or removed by a `subscriptionRemoved` lifecycle event.
    pub removed: bool,
}

/// What the emulator POSTed to a notification URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeliveryKind {
    /// The `?validationToken=` handshake of a create.
    Validation,
    /// A change notification (a new recording or transcript).
    Change,
    /// A lifecycle notification.
    Lifecycle,
}

/// One entry of `GET /_emulator/notifications`: one POST attempt to a notification URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDelivery {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: DeliveryKind,
    pub subscription_id: String,
    pub url: String,
    /// The change's `resource`, or the lifecycle event.
    pub detail: Option<String>,
    /// The answer's status; `None` when no answer came (and `0` for a validation answered 200
    /// without echoing the token as `text/plain`).
    pub status: Option<u16>,
}

/// `POST /_emulator/subscriptions/{id}/lifecycle`: the lifecycle notification to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleRequest {
    /// `reauthorizationRequired`, `subscriptionRemoved` (removes the subscription first) or
    /// `missed`.
    pub lifecycle_event: String,
}

/// The answer to [`LifecycleRequest`]: the notification URL's last answer (`None`: none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleSent {
    pub status: Option<u16>,
}

/// `POST /_emulator/meetings/{id}/attendance-reports`: the attendance report Teams will
/// produce for one session of the meeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAttendanceReport {
    /// Seconds from now until Graph lists it.
    #[serde(default)]
    pub available_after_secs: f64,
    /// Who attended; the session spans their first join to their last leave.
    pub records: Vec<SeededAttendance>,
}

/// One participant of a seeded report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeededAttendance {
    pub email: String,
    pub display_name: String,
    pub role: AttendanceRole,
    pub intervals: Vec<SeededInterval>,
}

/// The meeting role Graph reports (`attendanceRecord.role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttendanceRole {
    Organizer,
    Presenter,
    Attendee,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeededInterval {
    pub join: DateTime<Utc>,
    pub leave: DateTime<Utc>,
}

/// The answer to [`NewAttendanceReport`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedAttendanceReport {
    pub id: String,
    pub meeting_id: String,
    pub organizer: String,
    pub available_at: DateTime<Utc>,
}

/// `POST /_emulator/secrets/expire`: the app whose secret now counts as expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretExpiry {
    pub tenant_id: String,
    pub client_id: String,
}

/// `POST /_emulator/permissions/revoke`: tokens issued to the app from now on lack `permission`,
/// so the routes that need it answer 403.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionRevocation {
    pub tenant_id: String,
    pub client_id: String,
    pub permission: Permission,
}

/// `POST /_emulator/access-policies/revoke`: the Teams application access policy no longer
/// covers `user` (object id or UPN), so its onlineMeetings routes answer 403.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessPolicyRevocation {
    pub tenant_id: String,
    pub user: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_patch_changes_only_what_it_names() {
        let mut settings = Settings {
            mailbox_requests_per_window: Some(5),
            ..Settings::default()
        };
        let patch: SettingsPatch = serde_json::from_value(json!({"pageSize": 2})).unwrap();
        patch.apply(&mut settings);
        assert_eq!(settings.page_size, 2);
        assert_eq!(settings.mailbox_requests_per_window, Some(5));

        let off: SettingsPatch =
            serde_json::from_value(json!({"mailboxRequestsPerWindow": null})).unwrap();
        assert_eq!(
            serde_json::to_value(&off).unwrap(),
            json!({"mailboxRequestsPerWindow": null})
        );
        off.apply(&mut settings);
        assert_eq!(settings.mailbox_requests_per_window, None);

        assert!(serde_json::from_value::<SettingsPatch>(json!({"pagesize": 2})).is_err());
    }
}
