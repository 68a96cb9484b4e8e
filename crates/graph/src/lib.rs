//! Microsoft Graph client for meetflow: app-only tokens per tenant, calendar-backed Teams
//! meetings, online-meeting lookup, meeting recordings/transcripts, and the subscriptions that
//! announce new ones.
//!
//! Retries are the caller's business (Temporal retry policies): errors say whether they are
//! retryable and carry the server's `Retry-After`. The client itself only retries once with a
//! fresh token after a 401, and waits out a short `Retry-After` once (see [`ClientOptions`]).

mod artifacts;
mod attendance;
mod client;
mod credentials;
mod error;
mod events;
mod meetings;
mod observe;
mod subscriptions;
mod token;
mod trace;
mod transaction;
mod users;

pub use artifacts::{ByteRange, CallArtifact, CallRecording, CallTranscript, RecordingContent};
pub use attendance::{AttendanceIdentity, AttendanceInterval, AttendanceRecord, AttendanceReport};
pub use client::{ClientOptions, GraphClient};
pub use credentials::{AppCredentials, ClientSecret, GraphEndpoints};
pub use error::{GraphError, GraphErrorKind};
pub use events::{
    Deleted, EventAttendee, EventPatch, GraphEvent, NewEvent, TRANSACTION_PROPERTY_ID,
};
pub use meetings::{OnlineMeeting, join_web_url_filter_query};
pub use observe::{GraphObserver, operation};
pub use subscriptions::{
    ALL_RECORDINGS_RESOURCE, ALL_TRANSCRIPTS_RESOURCE, ChangeNotification, ClientState,
    LIFECYCLE_URL_REQUIRED_BEYOND, MAX_ARTIFACT_SUBSCRIPTION_LIFETIME, MalformedNotifications,
    NewSubscription, ResourceData, Subscription, parse_notifications, validation_token,
};
pub use transaction::transaction_id;
pub use users::GraphUser;
