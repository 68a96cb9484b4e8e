//! Attendance kept for billing: one row per participant of each attendance report, and the
//! appointment's summary (billable seconds, client no-show).

use chrono::{DateTime, Utc};
use meetflow_proto::attendance::{AttendanceSummary, AttendeeRole, Interval};

use crate::connect::on_pool;
use crate::error::corrupt;
use crate::{Store, StoreError};

/// One participant of one report, keyed by (tenant, appointment, report, participant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    pub tenant_id: String,
    pub appointment_id: String,
    pub report_id: String,
    /// Graph's record id, else the identity's id, else the address.
    pub participant_id: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// Graph's meeting role (`Organizer`, `Presenter`, `Attendee`, `Unknown`).
    pub meeting_role: Option<String>,
    pub attendee_role: AttendeeRole,
    pub total_seconds: u64,
    pub intervals: Vec<Interval>,
}

const UPSERT_RECORD: &str = "INSERT INTO attendance_records (tenant_id, appointment_id, report_id, \
     participant_id, email, display_name, meeting_role, attendee_role, total_seconds, intervals, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
     ON CONFLICT (tenant_id, appointment_id, report_id, participant_id) DO UPDATE SET \
       email = excluded.email, display_name = excluded.display_name, \
       meeting_role = excluded.meeting_role, attendee_role = excluded.attendee_role, \
       total_seconds = excluded.total_seconds, intervals = excluded.intervals, \
       updated_at = excluded.updated_at";

const RECORDS: &str = "SELECT tenant_id, appointment_id, report_id, participant_id, email, \
     display_name, meeting_role, attendee_role, total_seconds, intervals \
     FROM attendance_records WHERE tenant_id = $1 AND appointment_id = $2 \
     ORDER BY report_id, participant_id";

const UPSERT_SUMMARY: &str = "INSERT INTO attendance_summaries (tenant_id, appointment_id, \
     billable_seconds, billable_from, billable_to, client_no_show, participants, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
     ON CONFLICT (tenant_id, appointment_id) DO UPDATE SET \
       billable_seconds = excluded.billable_seconds, billable_from = excluded.billable_from, \
       billable_to = excluded.billable_to, client_no_show = excluded.client_no_show, \
       participants = excluded.participants, updated_at = excluded.updated_at";

const SUMMARY: &str = "SELECT billable_seconds, billable_from, billable_to, client_no_show, \
     participants FROM attendance_summaries WHERE tenant_id = $1 AND appointment_id = $2";

#[derive(sqlx::FromRow)]
struct RecordRow {
    tenant_id: String,
    appointment_id: String,
    report_id: String,
    participant_id: String,
    email: Option<String>,
    display_name: Option<String>,
    meeting_role: Option<String>,
    attendee_role: String,
    total_seconds: i64,
    intervals: String,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    billable_seconds: i64,
    billable_from: Option<DateTime<Utc>>,
    billable_to: Option<DateTime<Utc>>,
    client_no_show: bool,
    participants: i64,
}

fn role_text(role: AttendeeRole) -> &'static str {
    match role {
        AttendeeRole::Technician => "technician",
        AttendeeRole::Client => "client",
        AttendeeRole::Other => "other",
    }
}

fn role_of(text: &str) -> Result<AttendeeRole, StoreError> {
    match text {
        "technician" => Ok(AttendeeRole::Technician),
        "client" => Ok(AttendeeRole::Client),
        "other" => Ok(AttendeeRole::Other),
        other => Err(corrupt("attendance_records.attendee_role", other)),
    }
}

fn signed(field: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { field, value })
}

fn unsigned(field: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|e| corrupt(field, e))
}

impl TryFrom<RecordRow> for AttendanceRecord {
    type Error = StoreError;

    fn try_from(row: RecordRow) -> Result<Self, StoreError> {
        Ok(AttendanceRecord {
            tenant_id: row.tenant_id,
            appointment_id: row.appointment_id,
            report_id: row.report_id,
            participant_id: row.participant_id,
            email: row.email,
            display_name: row.display_name,
            meeting_role: row.meeting_role,
            attendee_role: role_of(&row.attendee_role)?,
            total_seconds: unsigned("attendance_records.total_seconds", row.total_seconds)?,
            intervals: serde_json::from_str(&row.intervals)
                .map_err(|e| corrupt("attendance_records.intervals", e))?,
        })
    }
}

impl Store {
    /// Inserts or replaces one participant's record of one report. Repeating it is a no-op;
    /// a report Graph revised overwrites the earlier figures. Fails with
    /// [`StoreError::MeetingNotFound`] when the appointment has no stored meeting.
    pub async fn upsert_attendance_record(&self, r: &AttendanceRecord) -> Result<(), StoreError> {
        let intervals = serde_json::to_string(&r.intervals).map_err(|source| StoreError::Json {
            what: "attendance intervals",
            source,
        })?;
        let total = signed("total_seconds", r.total_seconds)?;
        let now = Utc::now();
        on_pool!(self, "upsert_attendance_record", pool => sqlx::query(UPSERT_RECORD)
            .bind(&r.tenant_id)
            .bind(&r.appointment_id)
            .bind(&r.report_id)
            .bind(&r.participant_id)
            .bind(&r.email)
            .bind(&r.display_name)
            .bind(&r.meeting_role)
            .bind(role_text(r.attendee_role))
            .bind(total)
            .bind(&intervals)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(|e| meeting_missing(e, &r.tenant_id, &r.appointment_id))
    }

    /// Every stored attendance record of an appointment, by report and participant.
    pub async fn attendance_records(
        &self,
        tenant_id: &str,
        appointment_id: &str,
    ) -> Result<Vec<AttendanceRecord>, StoreError> {
        let rows: Vec<RecordRow> = on_pool!(self, "attendance_records", pool => sqlx::query_as(RECORDS)
            .bind(tenant_id)
            .bind(appointment_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(AttendanceRecord::try_from).collect()
    }

    /// Inserts or replaces the appointment's attendance summary.
    pub async fn upsert_attendance_summary(
        &self,
        tenant_id: &str,
        appointment_id: &str,
        s: &AttendanceSummary,
    ) -> Result<(), StoreError> {
        let billable = signed("billable_seconds", s.billable_seconds)?;
        let now = Utc::now();
        on_pool!(self, "upsert_attendance_summary", pool => sqlx::query(UPSERT_SUMMARY)
            .bind(tenant_id)
            .bind(appointment_id)
            .bind(billable)
            .bind(s.billable_from)
            .bind(s.billable_to)
            .bind(s.client_no_show)
            .bind(i64::from(s.participants))
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(|e| meeting_missing(e, tenant_id, appointment_id))
    }

    /// The appointment's attendance summary, once one was stored.
    pub async fn attendance_summary(
        &self,
        tenant_id: &str,
        appointment_id: &str,
    ) -> Result<Option<AttendanceSummary>, StoreError> {
        let row: Option<SummaryRow> = on_pool!(self, "attendance_summary", pool => sqlx::query_as(SUMMARY)
            .bind(tenant_id)
            .bind(appointment_id)
            .fetch_optional(pool)
            .await)?;
        row.map(|r| {
            Ok(AttendanceSummary {
                billable_seconds: unsigned(
                    "attendance_summaries.billable_seconds",
                    r.billable_seconds,
                )?,
                billable_from: r.billable_from,
                billable_to: r.billable_to,
                client_no_show: r.client_no_show,
                participants: u32::try_from(r.participants)
                    .map_err(|e| corrupt("attendance_summaries.participants", e))?,
            })
        })
        .transpose()
    }
}

/// A foreign-key violation means the appointment has no meeting row.
fn meeting_missing(e: sqlx::Error, tenant_id: &str, appointment_id: &str) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_foreign_key_violation() => StoreError::MeetingNotFound {
            tenant_id: tenant_id.to_owned(),
            appointment_id: appointment_id.to_owned(),
        },
        _ => e.into(),
    }
}
