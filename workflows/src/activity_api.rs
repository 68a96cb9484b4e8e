//! The activities the workflows drive: their names and payload types. The implementations live
//! in the `meetflow-activities` crate (all side effects); this module is only the interface, so
//! workflow code never links against an adapter.
//!
//! Every payload is plain data; none carries a secret (the activities resolve credentials from
//! configuration by tenant id).

use chrono::{DateTime, Utc};
pub use meetflow_proto::attendance::{AttendanceSummary, BillableRounding};
use meetflow_proto::model::{AppointmentId, EmailAddress, Locale, Schedule, TenantId, TimeZone};
pub use meetflow_proto::status::{
    ArtifactKind, MailStep, MeetingStatus, SkipReason, SubscribedResource,
};
use serde::{Deserialize, Serialize};
use temporalio_common::ActivityDefinition;

pub use meetflow_config::TenantSettings;

/// Declares a marker type per activity: `(Marker, "wire_name", Input, Output)`.
macro_rules! activity_api {
    ($($(#[$doc:meta])* $marker:ident = $name:literal: $input:ty => $output:ty;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, Default)]
            pub struct $marker;
            impl $marker {
                pub const NAME: &'static str = $name;
            }
            impl ActivityDefinition for $marker {
                type Input = $input;
                type Output = $output;
                fn name(&self) -> &str {
                    $name
                }
            }
        )*
        /// Every activity name, for the worker's registration check.
        pub const ALL_ACTIVITY_NAMES: &[&str] = &[$($name),*];
    };
}

activity_api! {
    /// Reads the tenant's non-secret settings (organizer, flags, capture schedule).
    ResolveTenant = "resolve_tenant": TenantId => TenantSettings;
    /// Creates the calendar-backed Teams meeting (Graph POST event with a transactionId).
    CreateMeeting = "create_meeting": CreateMeetingInput => CreatedMeeting;
    /// Looks up the onlineMeeting id of an event's join URL (by organizer object id); an empty
    /// answer (Graph's replication lag right after a create) is retried.
    ResolveOnlineMeeting = "resolve_online_meeting": ResolveOnlineMeetingInput => String;
    /// Finds the event an earlier create of this appointment made (by its transactionId), so a
    /// create whose retries ran out after Graph committed is not reported as failed.
    FindMeeting = "find_meeting": AppointmentKey => Option<CreatedMeeting>;
    /// The ICS SEQUENCE the store last recorded for the appointment (a re-approval after a
    /// failed run continues after it, so calendars apply the new mails).
    StoredSequence = "stored_sequence": AppointmentKey => Option<u32>;
    /// Upserts the meeting record keyed by (tenant, appointment).
    RecordMeeting = "record_meeting": MeetingRecordInput => ();
    /// Sends one invitation mail to one recipient, at most once per delivery key.
    SendInvitation = "send_invitation": InvitationInput => MailReceipt;
    /// Moves the event to new times (Graph PATCH; repeating it is harmless).
    UpdateMeeting = "update_meeting": UpdateMeetingInput => ();
    /// Deletes the event; true when this call deleted it, false when it was already gone.
    DeleteMeeting = "delete_meeting": DeleteMeetingInput => bool;
    /// Lists the meeting's recordings and transcripts (read-only).
    ListArtifacts = "list_artifacts": ListArtifactsInput => ArtifactList;
    /// Fetches one transcript's VTT and stores it with its cues, once per provider id.
    CaptureTranscript = "capture_transcript": CaptureArtifactInput => CapturedArtifact;
    /// Records one recording's link and, when the tenant wants it, streams it into storage.
    CaptureRecording = "capture_recording": CaptureArtifactInput => CapturedArtifact;
    /// Creates the tenant's Graph subscription on a resource with a fresh `clientState`
    /// (generation-keyed: a retry of the same generation returns what the first attempt made).
    CreateSubscription = "create_subscription": CreateSubscriptionInput => KeptSubscription;
    /// Moves the subscription's expiry forward (Graph PATCH); `graph_not_found` when it is gone.
    RenewSubscription = "renew_subscription": SubscriptionRef => KeptSubscription;
    /// Answers `reauthorizationRequired` (Graph POST …/reauthorize); `graph_not_found` when gone.
    ReauthorizeSubscription = "reauthorize_subscription": SubscriptionRef => ();
    /// Deletes the tenant's subscription on the resource at Graph and in the store; true when
    /// one was deleted now.
    DeleteSubscription = "delete_subscription": SubscriptionKey => bool;
    /// Signals `artifactsAvailable` to every appointment of the tenant that is capturing, so
    /// notifications lost in a subscription gap are made up by polls; how many were signalled.
    PokeCaptures = "poke_captures": TenantId => u32;
    /// Reads the meeting's attendance reports, stores every participant's record and the
    /// billing summary; `None` while Teams has produced no report yet.
    FetchAttendance = "fetch_attendance": FetchAttendanceInput => Option<AttendanceSummary>;
}

/// One appointment of one tenant: the natural key of everything kept about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentKey {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub email: EmailAddress,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateMeetingInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub subject: String,
    /// Plain text; the activity HTML-escapes it into the event body.
    pub description: String,
    pub schedule: Schedule,
    /// Empty when the tenant does not want Exchange to send its own invitations.
    pub attendees: Vec<Attendee>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedMeeting {
    pub event_id: String,
    pub ical_uid: String,
    pub join_url: Option<String>,
    /// The mailbox that owns the event (ORGANIZER of every ICS we send for it).
    pub organizer_email: EmailAddress,
    pub organizer_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveOnlineMeetingInput {
    pub tenant_id: TenantId,
    pub join_url: String,
}

/// The meeting's row in the store, as the workflow knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRecordInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub subject: String,
    pub schedule: Schedule,
    pub event_id: Option<String>,
    pub ical_uid: Option<String>,
    pub online_meeting_id: Option<String>,
    pub join_url: Option<String>,
    pub ics_uid: String,
    pub sequence: u32,
    pub status: MeetingStatus,
    pub error_code: Option<String>,
    /// Why there is no Teams meeting, with status `no_meeting` (for the skipped-meetings metric).
    /// Absent in inputs scheduled before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Client,
    Technician,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecipient {
    pub email: EmailAddress,
    pub name: String,
    pub time_zone: TimeZone,
    pub locale: Locale,
    pub audience: Audience,
}

/// Everything needed to render and send one invitation, deterministically: a retried attempt
/// renders byte-identical ICS and MIME (same DTSTAMP, Date and Message-ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    /// `{tenant}/{appointment}/{step}-{sequence}/{recipient}`: at most one accepted mail per key.
    pub delivery_key: String,
    pub step: MailStep,
    pub recipient: MailRecipient,
    pub title: String,
    pub description: String,
    pub schedule: Schedule,
    pub join_url: Option<String>,
    pub ics_uid: String,
    pub sequence: u32,
    /// The workflow's clock when the step began (ICS DTSTAMP, mail Date).
    pub stamped_at: DateTime<Utc>,
    /// ICS ORGANIZER: the Graph organizer mailbox when there is a meeting; otherwise None and
    /// the activity uses the configured sender.
    pub organizer: Option<Attendee>,
    pub attendees: Vec<Attendee>,
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailReceipt {
    pub message_id: String,
    /// True when an earlier attempt had already delivered this key (nothing was sent now).
    pub already_sent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateMeetingInput {
    pub tenant_id: TenantId,
    pub event_id: String,
    pub schedule: Schedule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteMeetingInput {
    pub tenant_id: TenantId,
    pub event_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListArtifactsInput {
    pub tenant_id: TenantId,
    pub online_meeting_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub kind: ArtifactKind,
    pub id: String,
    pub created: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactList {
    pub artifacts: Vec<ArtifactRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureArtifactInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub online_meeting_id: String,
    pub artifact: ArtifactRef,
    /// Transcript visible in the client portal (tenant's `expose_in_portal`).
    pub client_visible: bool,
    /// Copy the recording into object storage (tenant's `download_recordings`).
    pub download: bool,
    /// When the meeting ended (for the artifact-delay metric). Absent in inputs scheduled
    /// before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_ended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedArtifact {
    pub kind: ArtifactKind,
    pub id: String,
    /// Object storage location of a copied recording.
    pub location: Option<String>,
}

/// A tenant's subscription on one resource: the natural key of the `subscriptions` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionKey {
    pub tenant_id: TenantId,
    pub resource: SubscribedResource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSubscriptionInput {
    pub tenant_id: TenantId,
    pub resource: SubscribedResource,
    /// The keeper's count of creates, this one included: a retry carries the same number, a
    /// recreate the next one.
    pub generation: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRef {
    pub tenant_id: TenantId,
    pub resource: SubscribedResource,
    pub subscription_id: String,
}

/// A live subscription as the keeper knows it (its `clientState` stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSubscription {
    pub subscription_id: String,
    /// Graph's `expirationDateTime` (what it granted, which may be less than asked for).
    pub expires_at: DateTime<Utc>,
    /// When it was created or last renewed: the renewal is due a fraction of the way from here
    /// to `expires_at`.
    pub since: DateTime<Utc>,
}

/// Whose attendance bills what: the appointment's technician and client contact (matched by
/// address in the reports) and the tenant's rounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingParties {
    pub technician: EmailAddress,
    pub client: Option<EmailAddress>,
    pub rounding: BillableRounding,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchAttendanceInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub online_meeting_id: String,
    pub parties: BillingParties,
}
