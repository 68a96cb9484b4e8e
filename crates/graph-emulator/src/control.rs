//! `/_emulator/*`: the control API for tests and demos (not part of Graph).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::faults::Fault;
use crate::reply::graph_instant;
use crate::subscriptions::{self, Published};
use crate::world::{Artifact, ArtifactContent, ArtifactKind, Settings, after, new_guid};

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
    Json(json!(entries)).into_response()
}

/// `GET /_emulator/events`: every event of every tenant, deleted ones included.
pub async fn events(State(state): State<AppState>) -> Response {
    let world = state.world();
    let events: Vec<Value> = world
        .events
        .iter()
        .map(|e| {
            json!({
                "tenant": e.tenant_id,
                "organizer": e.organizer_id,
                "organizerUpn": world.user(&e.tenant_id, &e.organizer_id).map(|u| u.user_principal_name.clone()),
                "id": e.id,
                "iCalUId": e.ical_uid,
                "changeKey": e.change_key,
                "transactionId": e.transaction_id,
                "subject": e.subject,
                "bodyHtml": e.body_html,
                "start": graph_instant(e.start),
                "end": graph_instant(e.end),
                "attendees": e.attendees,
                "isOnlineMeeting": e.is_online_meeting,
                "onlineMeetingId": e.meeting_id,
                "joinUrl": e.join_url,
                "createdDateTime": graph_instant(e.created),
                "lastModifiedDateTime": graph_instant(e.last_modified),
                "isCancelled": e.is_cancelled,
                "deleted": e.deleted,
            })
        })
        .collect();
    Json(json!(events)).into_response()
}

/// `GET /_emulator/meetings`
pub async fn meetings(State(state): State<AppState>) -> Response {
    let world = state.world();
    let now = Utc::now();
    let meetings: Vec<Value> = world
        .meetings
        .iter()
        .map(|m| {
            json!({
                "tenant": m.tenant_id,
                "organizer": m.organizer_id,
                "id": m.id,
                "eventId": m.event_id,
                "joinUrl": m.join_url,
                "endedAt": m.ended_at.map(graph_instant),
                "artifacts": m.artifacts.iter().map(|a| json!({
                    "kind": a.kind,
                    "id": a.id,
                    "availableAt": graph_instant(a.available_at),
                    "available": a.is_available(now),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!(meetings)).into_response()
}

/// `POST /_emulator/reset`: back to the seed.
pub async fn reset(State(state): State<AppState>) -> Response {
    state.world().reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/settings` (partial update) / `GET /_emulator/settings`.
pub async fn set_settings(State(state): State<AppState>, Json(patch): Json<Value>) -> Response {
    let mut world = state.world();
    let mut current = serde_json::to_value(&world.settings).expect("settings serialize");
    let (Value::Object(current_map), Value::Object(patch_map)) = (&mut current, patch) else {
        return problem(StatusCode::BAD_REQUEST, "settings must be a JSON object");
    };
    current_map.extend(patch_map);
    match serde_json::from_value::<Settings>(current) {
        Ok(settings) => {
            world.settings = settings;
            Json(json!(world.settings)).into_response()
        }
        Err(e) => problem(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

pub async fn get_settings(State(state): State<AppState>) -> Response {
    Json(json!(state.world().settings)).into_response()
}

/// `POST /_emulator/faults`: add a rule (returns it with its id).
pub async fn add_fault(State(state): State<AppState>, Json(mut fault): Json<Fault>) -> Response {
    let mut world = state.world();
    fault.id = world.next_seq();
    world.faults.push(fault.clone());
    (StatusCode::CREATED, Json(json!(fault))).into_response()
}

/// `GET /_emulator/faults` (remaining counts included).
pub async fn list_faults(State(state): State<AppState>) -> Response {
    Json(json!(state.world().faults)).into_response()
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretExpiry {
    tenant_id: String,
    client_id: String,
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewArtifact {
    kind: ArtifactKind,
    /// Seconds from now until Graph lists it.
    #[serde(default)]
    available_after_secs: f64,
    /// Transcript text; a small sample when absent.
    #[serde(default)]
    vtt: Option<String>,
    /// Recording size; 1 MiB when absent.
    #[serde(default)]
    size_bytes: Option<u64>,
    /// Shared by a recording and its transcript; generated when absent.
    #[serde(default)]
    content_correlation_id: Option<String>,
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
        ArtifactKind::Recording => ArtifactContent::SyntheticMp4 {
            size: body.size_bytes.unwrap_or(1024 * 1024),
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
    let json = json!({
        "id": artifact.id,
        "meetingId": meeting.id,
        "organizer": meeting.organizer_id,
        "kind": artifact.kind,
        "availableAt": graph_instant(artifact.available_at),
    });
    let published = Published {
        tenant_id: meeting.tenant_id.clone(),
        organizer_id: meeting.organizer_id.clone(),
        meeting_id: meeting.id.clone(),
        artifact_id: artifact.id.clone(),
        kind: artifact.kind.clone(),
    };
    let available_at = artifact.available_at;
    meeting.artifacts.push(artifact);
    drop(world);
    subscriptions::deliver_when_available(state, published, available_at);
    (StatusCode::CREATED, Json(json)).into_response()
}

/// `GET /_emulator/notifications`: every notification POST and its outcome.
pub async fn notifications(State(state): State<AppState>) -> Response {
    Json(json!(state.world().deliveries)).into_response()
}

/// `POST /_emulator/subscriptions/{id}/reauthorize`: send a `reauthorizationRequired`
/// lifecycle event now.
pub async fn reauthorize(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match subscriptions::reauthorize(&state, &id).await {
        Some(delivery) => Json(json!(delivery)).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            format!("no subscription {id} with a lifecycleNotificationUrl"),
        ),
    }
}
