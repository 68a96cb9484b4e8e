//! `/_emulator/*`: the control API for tests and demos (not part of Graph). Its JSON is
//! [`crate::control_api`].

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::control_api::{
    AccessPolicyRevocation, AddedArtifact, AddedAttendanceReport, EmulatedArtifact,
    EmulatedMeeting, Fault, LifecycleRequest, LifecycleSent, NewArtifact, NewAttendanceReport,
    PermissionRevocation, SecretExpiry, SettingsPatch,
};
use crate::world::{
    Artifact, ArtifactContent, ArtifactKind, AttendanceRecord, AttendanceReport, after, new_guid,
};

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

#[derive(Deserialize)]
pub struct Since {
    /// Only entries with `seq` greater than this.
    #[serde(default)]
    since: u64,
}

/// `GET /_emulator/requests[?since=N]`
pub async fn requests(State(state): State<AppState>, Query(q): Query<Since>) -> Response {
    let world = state.world();
    let entries: Vec<_> = world.log.iter().filter(|e| e.seq > q.since).collect();
    Json(entries).into_response()
}

/// `GET /_emulator/events`: every event of every tenant, deleted ones included.
pub async fn events(State(state): State<AppState>) -> Response {
    Json(state.world().events.clone()).into_response()
}

/// `GET /_emulator/meetings`
pub async fn meetings(State(state): State<AppState>) -> Response {
    let world = state.world();
    let now = Utc::now();
    let meetings: Vec<EmulatedMeeting> = world
        .meetings
        .iter()
        .map(|m| EmulatedMeeting {
            tenant: m.tenant_id.clone(),
            organizer: m.organizer_id.clone(),
            id: m.id.clone(),
            event_id: m.event_id.clone(),
            join_url: m.join_url.clone(),
            ended_at: m.ended_at,
            artifacts: m
                .artifacts
                .iter()
                .map(|a| EmulatedArtifact {
                    kind: a.kind.clone(),
                    id: a.id.clone(),
                    available_at: a.available_at,
                    available: a.is_available(now),
                })
                .collect(),
        })
        .collect();
    Json(meetings).into_response()
}

/// `POST /_emulator/reset`: back to the seed.
pub async fn reset(State(state): State<AppState>) -> Response {
    state.world().reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/settings` (partial update) / `GET /_emulator/settings`.
pub async fn set_settings(
    State(state): State<AppState>,
    Json(patch): Json<SettingsPatch>,
) -> Response {
    let mut world = state.world();
    patch.apply(&mut world.settings);
    Json(world.settings.clone()).into_response()
}

pub async fn get_settings(State(state): State<AppState>) -> Response {
    Json(state.world().settings.clone()).into_response()
}

/// `POST /_emulator/faults`: add a rule (returns it with its id).
pub async fn add_fault(State(state): State<AppState>, Json(mut fault): Json<Fault>) -> Response {
    let mut world = state.world();
    fault.id = world.next_seq();
    world.faults.push(fault.clone());
    (StatusCode::CREATED, Json(fault)).into_response()
}

/// `GET /_emulator/faults` (remaining counts included).
pub async fn list_faults(State(state): State<AppState>) -> Response {
    Json(state.world().faults.clone()).into_response()
}

/// `DELETE /_emulator/faults`
pub async fn clear_faults(State(state): State<AppState>) -> Response {
    state.world().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/tokens/expire`: every issued token is now expired (Graph answers 401).
pub async fn expire_tokens(State(state): State<AppState>) -> Response {
    let mut world = state.world();
    let past = Utc::now() - chrono::Duration::seconds(1);
    for token in world.tokens.values_mut() {
        token.expires_at = past;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/secrets/expire` `{tenantId, clientId}`: token requests now get AADSTS7000222.
pub async fn expire_secret(
    State(state): State<AppState>,
    Json(body): Json<SecretExpiry>,
) -> Response {
    state
        .world()
        .expired_secrets
        .push((body.tenant_id, body.client_id));
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/permissions/revoke` `{tenantId, clientId, permission}`.
pub async fn revoke_permission(
    State(state): State<AppState>,
    Json(body): Json<PermissionRevocation>,
) -> Response {
    state
        .world()
        .revoked_permissions
        .push((body.tenant_id, body.client_id, body.permission));
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/access-policies/revoke` `{tenantId, user}`; 404 for an unknown user.
pub async fn revoke_access_policy(
    State(state): State<AppState>,
    Json(body): Json<AccessPolicyRevocation>,
) -> Response {
    let mut world = state.world();
    let Some(id) = world
        .user(&body.tenant_id, &body.user)
        .map(|u| u.id.clone())
    else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("no user {} in tenant {}", body.user, body.tenant_id),
        );
    };
    world.revoked_access_policies.push((body.tenant_id, id));
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/meetings/{id}/end` (`id`: online meeting id, event id or join URL).
pub async fn end_meeting(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let mut world = state.world();
    match world.meeting_by_control_id(&id) {
        Some(m) => {
            m.ended_at.get_or_insert_with(Utc::now);
            StatusCode::NO_CONTENT.into_response()
        }
        None => problem(StatusCode::NOT_FOUND, format!("no meeting {id}")),
    }
}

const SAMPLE_VTT: &str =
    "WEBVTT\n\n0:0:0.0 --> 0:0:5.320\n<v User Name>This is a transcript test.</v>\n";

/// `POST /_emulator/meetings/{id}/artifacts`: a recording or transcript, listed after a delay.
pub async fn add_artifact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<NewArtifact>,
) -> Response {
    let Ok(delay) = Duration::try_from_secs_f64(body.available_after_secs) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "availableAfterSecs must be a non-negative number",
        );
    };
    let mut world = state.world();
    let Some(meeting) = world.meeting_by_control_id(&id) else {
        return problem(StatusCode::NOT_FOUND, format!("no meeting {id}"));
    };
    let now = Utc::now();
    let content = match body.kind {
        ArtifactKind::Transcript => {
            ArtifactContent::Vtt(body.vtt.unwrap_or_else(|| SAMPLE_VTT.to_owned()))
        }
        ArtifactKind::Recording => match (&body.content_base64, body.size_bytes) {
            (Some(_), Some(_)) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "give contentBase64 or sizeBytes, not both",
                );
            }
            (Some(text), None) => {
                use base64::Engine as _;
                match base64::engine::general_purpose::STANDARD.decode(text) {
                    Ok(bytes) => ArtifactContent::Mp4(bytes.into()),
                    Err(_) => {
                        return problem(StatusCode::BAD_REQUEST, "contentBase64 is not base64");
                    }
                }
            }
            (None, size) => ArtifactContent::SyntheticMp4 {
                size: size.unwrap_or(1024 * 1024),
                bytes_per_sec: body.bytes_per_sec,
            },
        },
    };
    let artifact = Artifact {
        kind: body.kind,
        id: new_guid(),
        call_id: new_guid(),
        content_correlation_id: body
            .content_correlation_id
            .unwrap_or_else(|| format!("{}-0", new_guid())),
        created: now,
        end: meeting.ended_at.unwrap_or(now),
        available_at: after(now, delay),
        content,
    };
    let added = AddedArtifact {
        id: artifact.id.clone(),
        meeting_id: meeting.id.clone(),
        organizer: meeting.organizer_id.clone(),
        kind: artifact.kind.clone(),
        available_at: artifact.available_at,
    };
    let tenant = meeting.tenant_id.clone();
    meeting.artifacts.push(artifact);
    drop(world);
    crate::subscriptions::publish(
        &state,
        &tenant,
        &added.organizer,
        &added.meeting_id,
        added.kind.clone(),
        &added.id,
        added.available_at,
    );
    (StatusCode::CREATED, Json(added)).into_response()
}

/// `GET /_emulator/subscriptions`: every subscription, expired and removed ones included.
pub async fn subscriptions(State(state): State<AppState>) -> Response {
    Json(state.world().subscriptions.clone()).into_response()
}

/// `GET /_emulator/notifications[?since=N]`: the POSTs sent to notification URLs.
pub async fn notifications(State(state): State<AppState>, Query(q): Query<Since>) -> Response {
    let world = state.world();
    let entries: Vec<_> = world
        .deliveries
        .iter()
        .filter(|d| d.seq > q.since)
        .collect();
    Json(entries).into_response()
}

/// `POST /_emulator/subscriptions/{id}/lifecycle` `{lifecycleEvent}`: sends that lifecycle
/// notification now (404 for an unknown subscription or one without a lifecycle URL).
pub async fn lifecycle(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<LifecycleRequest>,
) -> Response {
    const EVENTS: [&str; 3] = ["reauthorizationRequired", "subscriptionRemoved", "missed"];
    if !EVENTS.contains(&body.lifecycle_event.as_str()) {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("lifecycleEvent must be one of {EVENTS:?}"),
        );
    }
    match crate::subscriptions::send_lifecycle(&state, &id, &body.lifecycle_event).await {
        Ok(status) => Json(LifecycleSent { status }).into_response(),
        Err(e) => problem(StatusCode::NOT_FOUND, e),
    }
}

/// `POST /_emulator/meetings/{id}/attendance-reports`: a session's report, listed after a delay.
pub async fn add_attendance_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<NewAttendanceReport>,
) -> Response {
    let Ok(delay) = Duration::try_from_secs_f64(body.available_after_secs) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "availableAfterSecs must be a non-negative number",
        );
    };
    let intervals = || body.records.iter().flat_map(|r| r.intervals.iter());
    if intervals().any(|i| i.leave < i.join) {
        return problem(
            StatusCode::BAD_REQUEST,
            "an interval leaves before it joins",
        );
    }
    let now = Utc::now();
    let meeting_start = intervals().map(|i| i.join).min().unwrap_or(now);
    let meeting_end = intervals().map(|i| i.leave).max().unwrap_or(now);
    let mut world = state.world();
    let Some(meeting) = world.meeting_by_control_id(&id) else {
        return problem(StatusCode::NOT_FOUND, format!("no meeting {id}"));
    };
    let report = AttendanceReport {
        id: new_guid(),
        meeting_start,
        meeting_end,
        available_at: after(now, delay),
        records: body
            .records
            .into_iter()
            .map(|r| AttendanceRecord {
                id: new_guid(),
                identity_id: new_guid(),
                email: r.email,
                display_name: r.display_name,
                role: r.role,
                intervals: r.intervals,
            })
            .collect(),
    };
    let added = AddedAttendanceReport {
        id: report.id.clone(),
        meeting_id: meeting.id.clone(),
        organizer: meeting.organizer_id.clone(),
        available_at: report.available_at,
    };
    meeting.attendance_reports.push(report);
    (StatusCode::CREATED, Json(added)).into_response()
}
