//! Attendance reports of one meeting and their records (paged), shaped as Graph's documentation
//! examples (meetingattendancereport-list/-get, attendancerecord-list). A report is listed once
//! its seeded `available_at` has passed: Teams produces it some minutes after a session ends.

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::{Value, json};

use crate::AppState;
use crate::artifacts::{link_base, paged};
use crate::identity::{Caller, Permission};
use crate::meetings::{meeting, organizer, query_param};
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::world::{AttendanceRecord, AttendanceReport, Meeting, World};

fn report_json(r: &AttendanceReport) -> Value {
    json!({
        "id": r.id,
        "totalParticipantCount": r.records.len(),
        "meetingStartDateTime": graph_instant(r.meeting_start),
        "meetingEndDateTime": graph_instant(r.meeting_end),
    })
}

fn record_json(tenant_id: &str, r: &AttendanceRecord) -> Value {
    let intervals: Vec<Value> = r
        .intervals
        .iter()
        .map(|i| {
            json!({
                "joinDateTime": graph_instant(i.join),
                "leaveDateTime": graph_instant(i.leave),
                "durationInSeconds": (i.leave - i.join).num_seconds(),
            })
        })
        .collect();
    let total: i64 = r
        .intervals
        .iter()
        .map(|i| (i.leave - i.join).num_seconds())
        .sum();
    json!({
        "id": r.id,
        "emailAddress": r.email,
        "totalAttendanceInSeconds": total,
        "role": r.role,
        "identity": {
            "id": r.identity_id,
            "displayName": r.display_name,
            "tenantId": tenant_id,
        },
        "attendanceIntervals": intervals,
    })
}

/// The meeting, after the permission and access-policy checks every attendance route makes.
fn checked<'w>(
    world: &'w World,
    caller: &Caller,
    user: &str,
    id: &str,
) -> Result<&'w Meeting, GraphFailure> {
    caller.require(Permission::OnlineMeetingArtifactReadAll)?;
    let organizer = organizer(world, caller, user)?;
    meeting(world, caller, &organizer, id)
}

fn available_report<'m>(
    m: &'m Meeting,
    report_id: &str,
) -> Result<&'m AttendanceReport, GraphFailure> {
    let now = Utc::now();
    m.attendance_reports
        .iter()
        .find(|r| r.id == report_id && r.is_available(now))
        .ok_or_else(GraphFailure::not_found)
}

fn context(user: &str, id: &str, rest: &str) -> String {
    format!(
        "https://graph.microsoft.com/v1.0/$metadata#users('{user}')/onlineMeetings('{id}')/{rest}"
    )
}

/// `GET …/onlineMeetings/{id}/attendanceReports` (without records, as Graph lists them).
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let world = state.world();
    let m = checked(&world, &caller, &user, &id)?;
    let now = Utc::now();
    let reports = m
        .attendance_reports
        .iter()
        .filter(|r| r.is_available(now))
        .map(report_json)
        .collect();
    let body = paged(
        &world,
        query.as_deref(),
        &link_base(&headers, uri.path()),
        context(&user, &id, "attendanceReports"),
        reports,
    )?;
    Ok(Json(body).into_response())
}

/// `GET …/attendanceReports/{reportId}`; `$expand=attendanceRecords` inlines every record.
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, report_id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let world = state.world();
    let m = checked(&world, &caller, &user, &id)?;
    let r = available_report(m, &report_id)?;
    let mut body = report_json(r);
    body["@odata.context"] = json!(context(
        &user,
        &id,
        &format!("attendanceReports('{report_id}')")
    ));
    let expand = query_param(query.as_deref().unwrap_or(""), "$expand");
    if expand.as_deref() == Some("attendanceRecords") {
        body["attendanceRecords"] = r
            .records
            .iter()
            .map(|rec| record_json(&m.tenant_id, rec))
            .collect();
    }
    Ok(Json(body).into_response())
}

/// `GET …/attendanceReports/{reportId}/attendanceRecords`, paged.
pub async fn list_records(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, report_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let world = state.world();
    let m = checked(&world, &caller, &user, &id)?;
    let r = available_report(m, &report_id)?;
    let body = paged(
        &world,
        query.as_deref(),
        &link_base(&headers, uri.path()),
        context(
            &user,
            &id,
            &format!("attendanceReports('{report_id}')/attendanceRecords"),
        ),
        r.records
            .iter()
            .map(|rec| record_json(&m.tenant_id, rec))
            .collect(),
    )?;
    Ok(Json(body).into_response())
}
