//! The emulated directory and mailboxes: everything a Graph call can read or change.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::control_api::{EmulatedSubscription, NotificationDelivery};
use crate::faults::Fault;
use crate::identity::Permission;
use crate::request_log::LoggedRequest;
use crate::seed::{Seed, SeedApp, SeedTenant, SeedUser};

/// Knobs tests turn through `POST /_emulator/settings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// `expires_in` of issued tokens.
    pub token_lifetime_secs: u64,
    /// Items per page of recording/transcript lists.
    pub page_size: usize,
    /// Status of `ErrorDuplicateTransactionId` (400 seen from Graph; some fakes use 409).
    pub duplicate_transaction_status: u16,
    /// In-flight requests per mailbox before 429 `ApplicationThrottled` (Outlook allows 4).
    pub mailbox_concurrency: usize,
    /// Requests per mailbox per window before 429 (Outlook: 10,000 per 10 minutes); off when
    /// absent.
    pub mailbox_requests_per_window: Option<u32>,
    pub mailbox_window_secs: u64,
    /// Seconds after its event's creation before the JoinWebUrl lookup lists a new online
    /// meeting (Graph's replication lag: until then the lookup answers 200 with no match).
    pub online_meeting_lag_secs: u64,
    /// Longest lifetime of a recordings/transcripts subscription; longer requests are capped to
    /// it. Absent: the documented 4,230 minutes.
    pub subscription_max_lifetime_secs: Option<u64>,
    /// Renewals (PATCH) of subscriptions are answered 403 while set.
    pub refuse_subscription_renewals: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_lifetime_secs: 3599,
            page_size: 10,
            duplicate_transaction_status: 400,
            mailbox_concurrency: 4,
            mailbox_requests_per_window: None,
            mailbox_window_secs: 600,
            online_meeting_lag_secs: 0,
            subscription_max_lifetime_secs: None,
            refuse_subscription_renewals: false,
        }
    }
}

pub struct World {
    pub seed: Seed,
    pub settings: Settings,
    pub tokens: HashMap<String, IssuedToken>,
    /// Apps whose secret the control API marked as expired: `(tenant id, client id)`.
    pub expired_secrets: Vec<(String, String)>,
    /// Application permissions the control API took away: `(tenant id, client id, permission)`.
    pub revoked_permissions: Vec<(String, String, Permission)>,
    /// Users whose Teams application access policy the control API took away:
    /// `(tenant id, object id)`.
    pub revoked_access_policies: Vec<(String, String)>,
    pub events: Vec<Event>,
    pub meetings: Vec<Meeting>,
    pub faults: Vec<Fault>,
    pub log: Vec<LoggedRequest>,
    /// Subscriptions ever created, expired and removed ones included.
    pub subscriptions: Vec<EmulatedSubscription>,
    /// Every POST the emulator sent to a notification URL (validations, change and lifecycle
    /// notifications), oldest first.
    pub deliveries: Vec<NotificationDelivery>,
    pub mailbox_in_flight: HashMap<String, usize>,
    /// Per mailbox: (window start, requests in it).
    pub mailbox_windows: HashMap<String, (DateTime<Utc>, u32)>,
    next_seq: u64,
}

pub struct IssuedToken {
    pub tenant_id: String,
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
    /// The app roles granted when it was issued (its `roles` claim).
    pub roles: Vec<&'static str>,
}

/// The control API shows events as they are stored.
pub type Event = crate::control_api::EmulatedEvent;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attendee {
    pub email: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Meeting {
    pub tenant_id: String,
    pub organizer_id: String,
    pub id: String,
    pub event_id: String,
    pub join_url: String,
    /// When its event was created: the JoinWebUrl lookup lists it `online_meeting_lag_secs` later.
    pub created: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub artifacts: Vec<Artifact>,
    pub attendance_reports: Vec<AttendanceReport>,
}

/// One session's attendance report, as Teams produces it some minutes after the session ends.
#[derive(Clone, Debug)]
pub struct AttendanceReport {
    pub id: String,
    pub meeting_start: DateTime<Utc>,
    pub meeting_end: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub records: Vec<AttendanceRecord>,
}

#[derive(Clone, Debug)]
pub struct AttendanceRecord {
    pub id: String,
    /// The participant's Entra object id (Graph's `identity.id`).
    pub identity_id: String,
    pub email: String,
    pub display_name: String,
    pub role: crate::control_api::AttendanceRole,
    pub intervals: Vec<crate::control_api::SeededInterval>,
}

impl AttendanceReport {
    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        self.available_at <= now
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ArtifactKind {
    Recording,
    Transcript,
}

impl ArtifactKind {
    /// The meeting's collection in Graph URLs: `recordings` or `transcripts`.
    /// The application permission that reads this kind.
    pub fn permission(&self) -> Permission {
        match self {
            ArtifactKind::Recording => Permission::OnlineMeetingRecordingReadAll,
            ArtifactKind::Transcript => Permission::OnlineMeetingTranscriptReadAll,
        }
    }

    pub fn segment(&self) -> &'static str {
        match self {
            ArtifactKind::Recording => "recordings",
            ArtifactKind::Transcript => "transcripts",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Artifact {
    pub kind: ArtifactKind,
    pub id: String,
    pub call_id: String,
    pub content_correlation_id: String,
    pub created: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub content: ArtifactContent,
}

#[derive(Clone, Debug)]
pub enum ArtifactContent {
    Vtt(String),
    /// Generated on the fly so a 1 GiB recording costs no memory.
    SyntheticMp4 {
        size: u64,
        /// Streamed no faster than this (a slow link, so a copy can be interrupted mid-way).
        bytes_per_sec: Option<u64>,
    },
    /// Bytes a test supplied (a real, playable MP4 for browser tests).
    Mp4(bytes::Bytes),
}

impl Artifact {
    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        self.available_at <= now
    }
}

impl World {
    pub fn new(seed: Seed) -> Self {
        Self {
            seed,
            settings: Settings::default(),
            tokens: HashMap::new(),
            expired_secrets: Vec::new(),
            revoked_permissions: Vec::new(),
            revoked_access_policies: Vec::new(),
            events: Vec::new(),
            meetings: Vec::new(),
            faults: Vec::new(),
            log: Vec::new(),
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
            mailbox_in_flight: HashMap::new(),
            mailbox_windows: HashMap::new(),
            next_seq: 0,
        }
    }

    /// Back to the seed: no events, meetings, tokens, faults, log; default settings.
    pub fn reset(&mut self) {
        *self = Self::new(self.seed.clone());
    }

    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A tenant by id or by the domain of one of its users' UPNs.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&SeedTenant> {
        self.seed.tenants.iter().find(|t| {
            t.tenant_id.eq_ignore_ascii_case(id_or_domain)
                || t.users.iter().any(|u| {
                    u.user_principal_name
                        .rsplit_once('@')
                        .is_some_and(|(_, d)| d.eq_ignore_ascii_case(id_or_domain))
                })
        })
    }

    pub fn app<'a>(tenant: &'a SeedTenant, client_id: &str) -> Option<&'a SeedApp> {
        tenant
            .apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn secret_expired(&self, tenant_id: &str, client_id: &str) -> bool {
        self.expired_secrets
            .iter()
            .any(|(t, c)| t == tenant_id && c.eq_ignore_ascii_case(client_id))
    }

    pub fn permission_revoked(
        &self,
        tenant_id: &str,
        client_id: &str,
        permission: Permission,
    ) -> bool {
        self.revoked_permissions.iter().any(|(t, c, p)| {
            t == tenant_id && c.eq_ignore_ascii_case(client_id) && *p == permission
        })
    }

    /// Whether a Teams application access policy covers the user: seeded, and not revoked since.
    pub fn has_access_policy(&self, tenant_id: &str, user: &SeedUser) -> bool {
        user.online_meeting_access_policy
            && !self
                .revoked_access_policies
                .iter()
                .any(|(t, u)| t == tenant_id && u.eq_ignore_ascii_case(&user.id))
    }

    /// A user of `tenant_id` by object id or UPN.
    pub fn user(&self, tenant_id: &str, id_or_upn: &str) -> Option<&SeedUser> {
        self.seed
            .tenants
            .iter()
            .find(|t| t.tenant_id == tenant_id)?
            .users
            .iter()
            .find(|u| {
                u.id.eq_ignore_ascii_case(id_or_upn)
                    || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
            })
    }

    /// A live (not deleted) event of an organizer.
    pub fn event_mut(
        &mut self,
        tenant_id: &str,
        organizer_id: &str,
        id: &str,
    ) -> Option<&mut Event> {
        self.events.iter_mut().find(|e| {
            e.tenant == tenant_id && e.organizer == organizer_id && e.id == id && !e.deleted
        })
    }

    pub fn meeting_by_control_id(&mut self, id: &str) -> Option<&mut Meeting> {
        self.meetings
            .iter_mut()
            .find(|m| m.id == id || m.event_id == id || m.join_url == id)
    }
}

/// Random bytes for ids (UUIDv4 is the emulator's only randomness source).
fn random_bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

/// Outlook-style opaque event id; deliberately contains `/`, `+` and `=` so that clients
/// must percent-encode it in paths.
pub fn new_event_id() -> String {
    format!(
        "AAMkAD{}+ev/{}=",
        URL_SAFE_NO_PAD.encode(random_bytes()),
        URL_SAFE_NO_PAD.encode(random_bytes())
    )
}

pub fn new_change_key() -> String {
    STANDARD.encode(random_bytes())
}

/// Exchange's global object id form: fixed class id prefix + random part.
pub fn new_ical_uid() -> String {
    format!(
        "040000008200E00074C5B7101A82E00800000000{}",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    )
}

/// `(meeting id, join URL)`: the id is base64 of `1*{oid}*0**19:meeting_{x}@thread.v2`, the
/// join URL the documented `meetup-join` form with its own percent-escapes.
pub fn new_online_meeting(tenant_id: &str, organizer_id: &str) -> (String, String) {
    let thread = format!("meeting_{}", URL_SAFE_NO_PAD.encode(random_bytes()));
    let id = STANDARD.encode(format!("1*{organizer_id}*0**19:{thread}@thread.v2"));
    let join_url = format!(
        "https://teams.microsoft.com/l/meetup-join/19%3a{thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22{tenant_id}%22%2c%22Oid%22%3a%22{organizer_id}%22%7d"
    );
    (id, join_url)
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn after(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
