//! One row per appointment: what Graph created for it and where its life stands.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::connect::on_pool;
use crate::{MeetingStatus, Store, StoreError};

/// The stored state of one appointment's meeting, keyed by (`tenant_id`, `appointment_id`).
///
/// Times are kept to the microsecond (PostgreSQL's precision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MeetingRecord {
    pub tenant_id: String,
    pub appointment_id: String,
    /// Graph event id of the calendar-backed meeting.
    pub event_id: Option<String>,
    /// The event's `iCalUId` as Graph reports it.
    pub ical_uid: Option<String>,
    /// The onlineMeeting id (for artifact lookups), resolved from the join URL.
    pub online_meeting_id: Option<String>,
    pub join_url: Option<String>,
    pub organizer_upn: Option<String>,
    pub organizer_object_id: Option<String>,
    pub subject: String,
    #[sqlx(rename = "start_at")]
    pub start: DateTime<Utc>,
    #[sqlx(rename = "end_at")]
    pub end: DateTime<Utc>,
    /// The UID our mailed ICS carries; the same in every message of the appointment's life.
    pub ics_uid: String,
    /// The ICS SEQUENCE last sent; only ever grows.
    #[sqlx(try_from = "i64")]
    pub sequence: u32,
    #[sqlx(try_from = "String")]
    pub status: MeetingStatus,
    /// The typed outcome of the last failure (e.g. `graph_unauthorized`), if any.
    pub error_code: Option<String>,
}

macro_rules! meeting_columns {
    () => {
        "tenant_id, appointment_id, event_id, ical_uid, online_meeting_id, join_url, organizer_upn, \
         organizer_object_id, subject, start_at, end_at, ics_uid, sequence, status, error_code"
    };
}

// A write carrying an older SEQUENCE than the stored one comes from a stale attempt (e.g. a timed-out
// activity still running on a lost worker) and must not roll the meeting back.
const UPSERT: &str = concat!(
    "INSERT INTO meetings (",
    meeting_columns!(),
    ", created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
     ON CONFLICT (tenant_id, appointment_id) DO UPDATE SET \
       event_id = excluded.event_id, \
       ical_uid = excluded.ical_uid, \
       online_meeting_id = excluded.online_meeting_id, \
       join_url = excluded.join_url, \
       organizer_upn = excluded.organizer_upn, \
       organizer_object_id = excluded.organizer_object_id, \
       subject = excluded.subject, \
       start_at = excluded.start_at, \
       end_at = excluded.end_at, \
       ics_uid = excluded.ics_uid, \
       sequence = excluded.sequence, \
       status = excluded.status, \
       error_code = excluded.error_code, \
       updated_at = excluded.updated_at \
     WHERE excluded.sequence >= meetings.sequence"
);

const BY_APPOINTMENT: &str = concat!(
    "SELECT ",
    meeting_columns!(),
    " FROM meetings WHERE tenant_id = $1 AND appointment_id = $2"
);

const BY_ONLINE_MEETING: &str = concat!(
    "SELECT ",
    meeting_columns!(),
    " FROM meetings WHERE tenant_id = $1 AND online_meeting_id = $2 \
      ORDER BY start_at DESC LIMIT 1"
);

impl Store {
    /// Inserts or replaces the meeting of (`tenant_id`, `appointment_id`).
    ///
    /// Repeating a call is a no-op. A record whose `sequence` is lower than the stored one is
    /// ignored, so a stale retry never undoes a reschedule or cancellation.
    pub async fn upsert_meeting(&self, m: &MeetingRecord) -> Result<(), StoreError> {
        let now = Utc::now();
        on_pool!(self, "upsert_meeting", pool => sqlx::query(UPSERT)
            .bind(&m.tenant_id)
            .bind(&m.appointment_id)
            .bind(&m.event_id)
            .bind(&m.ical_uid)
            .bind(&m.online_meeting_id)
            .bind(&m.join_url)
            .bind(&m.organizer_upn)
            .bind(&m.organizer_object_id)
            .bind(&m.subject)
            .bind(m.start)
            .bind(m.end)
            .bind(&m.ics_uid)
            .bind(i64::from(m.sequence))
            .bind(m.status.as_str())
            .bind(&m.error_code)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn get_meeting(
        &self,
        tenant_id: &str,
        appointment_id: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        Ok(
            on_pool!(self, "get_meeting", pool => sqlx::query_as(BY_APPOINTMENT)
            .bind(tenant_id)
            .bind(appointment_id)
            .fetch_optional(pool)
            .await)?,
        )
    }

    /// The meeting a change notification or artifact listing refers to by its onlineMeeting id.
    pub async fn meeting_by_online_meeting_id(
        &self,
        tenant_id: &str,
        online_meeting_id: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        Ok(
            on_pool!(self, "meeting_by_online_meeting_id", pool => sqlx::query_as(BY_ONLINE_MEETING)
            .bind(tenant_id)
            .bind(online_meeting_id)
            .fetch_optional(pool)
            .await)?,
        )
    }
}
