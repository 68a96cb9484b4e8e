//! Per-tenant settings: the Microsoft app that acts for the tenant, its organizer mailbox, the
//! tenant's feature flags and its capture schedule.

use meetflow_proto::attendance::BillableRounding;
use meetflow_proto::model::EmailAddress;
use meetflow_proto::status::SkipReason;
use meetflow_proto::string_newtype_serde;
use serde::{Deserialize, Serialize};

use crate::{ConfigError, IngressKeyRef, SecretRef};

/// How long one attempt of a Graph or mail activity may run when the tenant does not say.
pub const DEFAULT_ATTEMPT_TIMEOUT_SECS: u64 = 60;

/// One `[tenants.<id>]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Master switch for Teams meetings of this tenant (`false` gives the skip reason `disabled`).
    #[serde(default = "yes")]
    pub teams_enabled: bool,
    /// The customer's Microsoft Entra tenant (GUID or verified domain).
    pub microsoft_tenant_id: Option<String>,
    /// Other names of the same Entra tenant (its GUID when `microsoft_tenant_id` is a domain,
    /// further verified domains): a change notification is this tenant's when its `tenantId`
    /// is any of them or `microsoft_tenant_id`.
    #[serde(default)]
    pub microsoft_tenant_aliases: Vec<String>,
    /// The `clientState` this tenant's Graph subscriptions carry (a secret, by reference); when
    /// absent, `notifications.client_state`.
    pub notification_client_state: Option<SecretRef>,
    /// Application (client) id of the app registration with Calendars.ReadWrite etc.
    pub client_id: Option<String>,
    /// Where the app's client secret is kept.
    pub client_secret: Option<SecretRef>,
    /// The mailbox that owns the meetings' calendar events (ORGANIZER of every ICS).
    pub organizer_upn: Option<EmailAddress>,
    /// Its Entra object id; `/onlineMeetings` only accepts the object id, not the UPN. When
    /// absent the worker looks it up from `organizer_upn` in Graph (needs `User.Read.All`).
    pub organizer_object_id: Option<ObjectId>,
    /// Put the participants on the Graph event, so Exchange itself sends its invitations,
    /// updates and cancellations (our mails then carry the event's iCalUId so calendars merge
    /// the two into one item).
    #[serde(default = "yes")]
    pub exchange_sends_invitations: bool,
    /// Whether meetflow mails invitations (with ICS) when an approval does not say
    /// (`sendInvites` absent).
    #[serde(default = "yes")]
    pub send_invites_default: bool,
    #[serde(default)]
    pub download_recordings: bool,
    #[serde(default)]
    pub expose_in_portal: bool,
    /// Whether artifact links may be issued to (and served for) the client contact, for
    /// artifacts captured as client-visible (`expose_in_portal`); technician links need no flag.
    #[serde(default)]
    pub client_links: bool,
    #[serde(default)]
    pub capture: CaptureSchedule,
    /// How long one attempt of a Graph or mail activity may run before Temporal retries it
    /// elsewhere (also how soon work of a crashed worker resumes).
    #[serde(default = "default_attempt_timeout")]
    pub activity_attempt_timeout_secs: u64,
    /// How long after a create Graph may still answer the online-meeting lookup with nothing
    /// (its replication lag) before the meeting counts as having no online meeting id.
    #[serde(default = "default_lookup_window")]
    pub online_meeting_lookup_window_secs: u64,
    /// How long a cancelled appointment waits before it retries a DELETE Graph refused after
    /// all its retries (a revoked permission, a long outage): it retries until the event is gone.
    #[serde(default = "default_delete_retry")]
    pub cancel_delete_retry_secs: u64,
    /// The technician's billable time from the attendance reports is rounded up to a multiple
    /// of this many minutes; 0 bills exact seconds.
    #[serde(default = "default_billable_rounding")]
    pub billable_rounding_minutes: u32,
    /// The keys this tenant's HTTP ingress requests may be signed with (see docs/contract.md);
    /// none: the ingress refuses the tenant.
    #[serde(default)]
    pub ingress_keys: Vec<IngressKeyRef>,
}

fn default_billable_rounding() -> u32 {
    DEFAULT_BILLABLE_ROUNDING_MINUTES
}

/// See [`TenantConfig::billable_rounding_minutes`]: the common MSP quarter hour.
const DEFAULT_BILLABLE_ROUNDING_MINUTES: u32 = 15;

/// Settings recorded before the rounding existed replay with the default.
fn default_rounding_rule() -> BillableRounding {
    rounding_rule(DEFAULT_BILLABLE_ROUNDING_MINUTES)
}

fn rounding_rule(minutes: u32) -> BillableRounding {
    std::num::NonZeroU32::new(minutes)
        .map_or(BillableRounding::Exact, BillableRounding::UpToMinutes)
}

fn default_delete_retry() -> u64 {
    DEFAULT_DELETE_RETRY_SECS
}

/// See [`TenantConfig::cancel_delete_retry_secs`].
const DEFAULT_DELETE_RETRY_SECS: u64 = 900;

fn default_lookup_window() -> u64 {
    DEFAULT_LOOKUP_WINDOW_SECS
}

/// See [`TenantConfig::online_meeting_lookup_window_secs`].
const DEFAULT_LOOKUP_WINDOW_SECS: u64 = 600;

fn yes() -> bool {
    true
}

fn default_attempt_timeout() -> u64 {
    DEFAULT_ATTEMPT_TIMEOUT_SECS
}

/// A Microsoft Entra object id (a GUID), kept in its canonical lower-case hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectId(String);

string_newtype_serde!(ObjectId);
impl ObjectId {
    pub fn parse(s: &str) -> Result<Self, String> {
        uuid::Uuid::try_parse(s.trim())
            .map(|u| Self(u.hyphenated().to_string()))
            .map_err(|_| format!("{s:?} is not an Entra object id (a GUID such as 8f3c…-…)"))
    }
}

/// The mailbox that owns a tenant's meetings, both ways Graph names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organizer {
    pub upn: EmailAddress,
    pub object_id: ObjectId,
}

/// The organizer as configured: the UPN always, the object id when an admin typed it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfiguredOrganizer {
    Known(Organizer),
    /// The object id is looked up from the UPN in Graph (`GET /users/{upn}`).
    UpnOnly(EmailAddress),
}

impl ConfiguredOrganizer {
    pub fn upn(&self) -> &EmailAddress {
        match self {
            ConfiguredOrganizer::Known(o) => &o.upn,
            ConfiguredOrganizer::UpnOnly(upn) => upn,
        }
    }

    pub fn object_id(&self) -> Option<&ObjectId> {
        match self {
            ConfiguredOrganizer::Known(o) => Some(&o.object_id),
            ConfiguredOrganizer::UpnOnly(_) => None,
        }
    }
}

/// When the capture workflow polls Graph, relative to the meeting's end. Seconds, so tests can
/// run the real schedule in seconds against a real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaptureSchedule {
    /// Wait after the scheduled end before treating the meeting as ended.
    pub grace_after_end_secs: u64,
    /// First poll, after the end.
    pub first_poll_secs: u64,
    /// Backoff doubles from `first_poll_secs` up to this cap.
    pub backoff_cap_secs: u64,
    /// Give up (no_recording / partial) this long after the end.
    pub window_secs: u64,
}

impl Default for CaptureSchedule {
    fn default() -> Self {
        Self {
            grace_after_end_secs: 5 * 60,
            first_poll_secs: 5 * 60,
            backoff_cap_secs: 6 * 3600,
            window_secs: 48 * 3600,
        }
    }
}

/// What a workflow may know about a tenant: no secrets, no addresses, only flags and intervals.
///
/// It travels as the `resolve_tenant` activity's result, so recorded histories hold older
/// shapes: the aliases and defaults below keep those replaying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// `None` when meetings can be created; otherwise the reason they cannot.
    pub meeting_unavailable: Option<SkipReason>,
    #[serde(alias = "send_invites")]
    pub exchange_sends_invitations: bool,
    #[serde(default = "yes")]
    pub send_invites_default: bool,
    pub download_recordings: bool,
    pub expose_in_portal: bool,
    pub capture: CaptureSchedule,
    #[serde(default = "default_attempt_timeout")]
    pub attempt_timeout_secs: u64,
    #[serde(default = "default_lookup_window")]
    pub lookup_window_secs: u64,
    #[serde(default = "default_delete_retry")]
    pub delete_retry_secs: u64,
    #[serde(default = "default_rounding_rule")]
    pub billable_rounding: BillableRounding,
}

impl TenantSettings {
    /// Settings of a tenant that has no `[tenants.<id>]` entry: our mails, no meeting.
    pub fn unconfigured() -> Self {
        Self {
            meeting_unavailable: Some(SkipReason::NotConfigured),
            exchange_sends_invitations: false,
            send_invites_default: true,
            download_recordings: false,
            expose_in_portal: false,
            capture: CaptureSchedule::default(),
            attempt_timeout_secs: default_attempt_timeout(),
            lookup_window_secs: default_lookup_window(),
            delete_retry_secs: default_delete_retry(),
            billable_rounding: default_rounding_rule(),
        }
    }
}

impl TenantConfig {
    pub(crate) fn check(&self, key: &str) -> Result<(), ConfigError> {
        use crate::bounds::*;
        let c = &self.capture;
        let at = |k: &str| format!("{key}.{k}");
        in_range(
            &at("activity_attempt_timeout_secs"),
            self.activity_attempt_timeout_secs,
            ATTEMPT_TIMEOUT_SECS,
        )?;
        in_range(
            &at("capture.grace_after_end_secs"),
            c.grace_after_end_secs,
            GRACE_AFTER_END_SECS,
        )?;
        in_range(
            &at("capture.first_poll_secs"),
            c.first_poll_secs,
            FIRST_POLL_SECS,
        )?;
        in_range(
            &at("capture.backoff_cap_secs"),
            c.backoff_cap_secs,
            BACKOFF_CAP_SECS,
        )?;
        in_range(&at("capture.window_secs"), c.window_secs, WINDOW_SECS)?;
        in_range(
            &at("online_meeting_lookup_window_secs"),
            self.online_meeting_lookup_window_secs,
            LOOKUP_WINDOW_SECS,
        )?;
        in_range(
            &at("cancel_delete_retry_secs"),
            self.cancel_delete_retry_secs,
            DELETE_RETRY_SECS,
        )?;
        in_range(
            &at("billable_rounding_minutes"),
            self.billable_rounding_minutes,
            BILLABLE_ROUNDING_MINUTES,
        )?;
        // The backoff starts at the first poll and the window must let that poll happen.
        for (k, value) in [
            ("backoff_cap_secs", c.backoff_cap_secs),
            ("window_secs", c.window_secs),
        ] {
            if value < c.first_poll_secs {
                return Err(ConfigError::key(
                    at(&format!("capture.{k}")),
                    format!(
                        "{value} is less than first_poll_secs ({})",
                        c.first_poll_secs
                    ),
                ));
            }
        }
        for alias in &self.microsoft_tenant_aliases {
            if alias.trim().is_empty() || alias.contains(char::is_whitespace) {
                return Err(ConfigError::key(
                    at("microsoft_tenant_aliases"),
                    "each is a tenant GUID or domain, without spaces",
                ));
            }
        }
        let has_app = [
            self.microsoft_tenant_id.is_some(),
            self.client_id.is_some(),
            self.client_secret.is_some(),
        ];
        if has_app.iter().any(|b| *b) && !has_app.iter().all(|b| *b) {
            return Err(ConfigError::key(
                key,
                "microsoft_tenant_id, client_id and client_secret go together: set all three or none",
            ));
        }
        crate::ingress::check_keys(key, &self.ingress_keys)
    }

    /// The organizer mailbox, when its UPN is configured.
    pub fn organizer(&self) -> Option<ConfiguredOrganizer> {
        let upn = self.organizer_upn.clone()?;
        Some(match self.organizer_object_id.clone() {
            Some(object_id) => ConfiguredOrganizer::Known(Organizer { upn, object_id }),
            None => ConfiguredOrganizer::UpnOnly(upn),
        })
    }

    /// The workflow-visible view of this tenant.
    pub fn settings(&self) -> TenantSettings {
        let meeting_unavailable = if !self.teams_enabled {
            Some(SkipReason::Disabled)
        } else if self.client_secret.is_none() {
            Some(SkipReason::NotConfigured)
        } else if self.organizer_upn.is_none() {
            Some(SkipReason::NoOrganizer)
        } else {
            None
        };
        TenantSettings {
            meeting_unavailable,
            exchange_sends_invitations: self.exchange_sends_invitations,
            send_invites_default: self.send_invites_default,
            download_recordings: self.download_recordings,
            expose_in_portal: self.expose_in_portal,
            capture: self.capture,
            attempt_timeout_secs: self.activity_attempt_timeout_secs,
            lookup_window_secs: self.online_meeting_lookup_window_secs,
            delete_retry_secs: self.cancel_delete_retry_secs,
            billable_rounding: rounding_rule(self.billable_rounding_minutes),
        }
    }
}
