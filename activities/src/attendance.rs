//! Attendance after the meeting: every report's records into the store, one row per participant
//! per report, and the billing summary computed from all of them. Both are upserts on natural
//! keys, so a retry or a later poll rewrites the same rows.

use meetflow_graph::AttendanceRecord as GraphRecord;
use meetflow_proto::attendance::{
    AttendanceSummary, Interval, Presence, Roles, present_seconds, summarize,
};
use meetflow_store::AttendanceRecord;
use meetflow_workflows::activity_api::FetchAttendanceInput;
use temporalio_sdk::activities::ActivityError;

use crate::deps::Deps;
use crate::failure;
use crate::tenant::graph_identity;

pub(crate) async fn fetch(
    deps: &Deps,
    input: &FetchAttendanceInput,
) -> Result<Option<AttendanceSummary>, ActivityError> {
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    let meeting = &input.online_meeting_id;
    let reports = deps
        .graph
        .list_attendance_reports(app, organizer, meeting)
        .await
        .map_err(failure::classify)?;
    if reports.is_empty() {
        return Ok(None);
    }
    let roles = Roles {
        technician: input.parties.technician.to_string(),
        client: input.parties.client.as_ref().map(ToString::to_string),
    };
    let mut presences = Vec::new();
    for report in reports {
        let records = deps
            .graph
            .list_attendance_records(app, organizer, meeting, &report.id)
            .await
            .map_err(failure::classify)?;
        for (index, record) in records.into_iter().enumerate() {
            let row = row_of(input, &report.id, index, &roles, record);
            deps.store
                .upsert_attendance_record(&row)
                .await
                .map_err(failure::classify)?;
            presences.push(Presence {
                email: row.email,
                intervals: row.intervals,
            });
        }
    }
    let summary = summarize(&presences, &roles, input.parties.rounding);
    deps.store
        .upsert_attendance_summary(
            input.tenant_id.as_str(),
            input.appointment_id.as_str(),
            &summary,
        )
        .await
        .map_err(failure::classify)?;
    Ok(Some(summary))
}

/// The store row of one Graph record. A participant Graph gives no id or address (an anonymous
/// dial-in) is keyed by its position, which a re-read of the same report repeats.
fn row_of(
    input: &FetchAttendanceInput,
    report_id: &str,
    index: usize,
    roles: &Roles,
    record: GraphRecord,
) -> AttendanceRecord {
    // An interval still open (no leave yet) has no length to bill.
    let intervals: Vec<Interval> = record
        .attendance_intervals
        .iter()
        .filter_map(|i| Interval::new(i.join_date_time, i.leave_date_time?))
        .collect();
    let participant_id = record
        .participant_key()
        .map_or_else(|| format!("#{index}"), str::to_owned);
    AttendanceRecord {
        tenant_id: input.tenant_id.to_string(),
        appointment_id: input.appointment_id.to_string(),
        report_id: report_id.to_owned(),
        participant_id,
        attendee_role: roles.of(record.email_address.as_deref()),
        total_seconds: record
            .total_attendance_in_seconds
            .unwrap_or_else(|| present_seconds(&intervals)),
        display_name: record.identity.and_then(|i| i.display_name),
        meeting_role: record.role,
        email: record.email_address,
        intervals,
    }
}
