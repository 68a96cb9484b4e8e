//! Recordings and transcripts of one meeting: lists (paged), metadata, transcript content.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::{Value, json};

use crate::AppState;
use crate::identity::Caller;
use crate::meetings::{meeting, organizer, query_param};
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::world::{Artifact, ArtifactContent, ArtifactKind, Meeting, World};

/// Which of a meeting's artifact collections a route serves; the handlers below are generic
/// over it, so one function serves `…/recordings` and `…/transcripts` alike.
pub trait Collection {
    const KIND: ArtifactKind;
}

/// `…/onlineMeetings/{id}/recordings`.
pub struct Recordings;

/// `…/onlineMeetings/{id}/transcripts`.
pub struct Transcripts;

impl Collection for Recordings {
    const KIND: ArtifactKind = ArtifactKind::Recording;
}

impl Collection for Transcripts {
    const KIND: ArtifactKind = ArtifactKind::Transcript;
}

/// `GET …/recordings` or `…/transcripts`.
pub async fn list<C: Collection>(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let link_base = link_base(&headers, uri.path());
    page(&state, &caller, path, &link_base, query, C::KIND)
}

/// One page of `items` after the request's `$skiptoken`, sized by the emulator's page size;
/// `@odata.nextLink` carries the emulator's own skip token.
pub(crate) fn paged(
    world: &World,
    query: Option<&str>,
    link_base: &str,
    context: String,
    items: Vec<Value>,
) -> Result<Value, GraphFailure> {
    let skip: usize = query_param(query.unwrap_or(""), "$skiptoken")
        .map(|t| {
            t.parse()
                .map_err(|_| GraphFailure::bad_request("Invalid skip token."))
        })
        .transpose()?
        .unwrap_or(0);
    let page_size = world.settings.page_size.max(1);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(skip).take(page_size).collect();
    let mut body = json!({ "@odata.context": context, "value": page });
    if skip + page_size < total {
        // Absolute and pointing back at the host the client called, as Graph's links do.
        body["@odata.nextLink"] = json!(format!("{link_base}?$skiptoken={}", skip + page_size));
    }
    Ok(body)
}

/// `http://{host}{path}`: links point back at the host and path the client called.
pub(crate) fn link_base(headers: &HeaderMap, raw_path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{raw_path}")
}

/// A page of available artifacts; `@odata.nextLink` carries the emulator's own skip token.
fn page(
    state: &AppState,
    caller: &Caller,
    (user, id): (String, String),
    link_base: &str,
    query: Option<String>,
    kind: ArtifactKind,
) -> GraphResult {
    caller.require(kind.permission())?;
    let world = state.world();
    let organizer = organizer(&world, caller, &user)?;
    let m = meeting(&world, caller, &organizer, &id)?;
    let now = Utc::now();
    let available: Vec<&Artifact> = m
        .artifacts
        .iter()
        .filter(|a| a.kind == kind && a.is_available(now))
        .collect();
    let segment = kind.segment();
    let body = paged(
        &world,
        query.as_deref(),
        link_base,
        format!(
            "https://graph.microsoft.com/v1.0/$metadata#users('{user}')/onlineMeetings('{id}')/{segment}"
        ),
        available.iter().map(|a| artifact_json(m, a)).collect(),
    )?;
    Ok(Json(body).into_response())
}

pub fn artifact_json(m: &Meeting, a: &Artifact) -> Value {
    let segment = a.kind.segment();
    let content_url = format!(
        "https://graph.microsoft.com/v1.0/users/{}/onlineMeetings/{}/{segment}/{}/content",
        m.organizer_id, m.id, a.id
    );
    let mut json = json!({
        "id": a.id,
        "meetingId": m.id,
        "callId": a.call_id,
        "contentCorrelationId": a.content_correlation_id,
        "createdDateTime": graph_instant(a.created),
        "endDateTime": graph_instant(a.end),
        "meetingOrganizer": {
            "application": null,
            "device": null,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": m.organizer_id,
                "displayName": null,
                "userIdentityType": "aadUser",
                "tenantId": m.tenant_id,
            }
        },
    });
    let key = match a.kind {
        ArtifactKind::Recording => "recordingContentUrl",
        ArtifactKind::Transcript => "transcriptContentUrl",
    };
    json[key] = json!(content_url);
    json
}

pub(crate) fn artifact<'w>(
    world: &'w World,
    caller: &Caller,
    user: &str,
    meeting_id: &str,
    kind: ArtifactKind,
    artifact_id: &str,
) -> Result<(&'w Meeting, &'w Artifact), GraphFailure> {
    caller.require(kind.permission())?;
    let organizer = organizer(world, caller, user)?;
    let m = meeting(world, caller, &organizer, meeting_id)?;
    let now = Utc::now();
    let a = m
        .artifacts
        .iter()
        .find(|a| a.kind == kind && a.id == artifact_id && a.is_available(now))
        .ok_or_else(GraphFailure::not_found)?;
    Ok((m, a))
}

/// `GET …/recordings/{id}` or `…/transcripts/{id}`.
pub async fn get<C: Collection>(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, artifact_id)): Path<(String, String, String)>,
) -> GraphResult {
    let world = state.world();
    let (m, a) = artifact(&world, &caller, &user, &id, C::KIND, &artifact_id)?;
    Ok(Json(artifact_json(m, a)).into_response())
}

/// `…/transcripts/{id}/content`: WebVTT (the default and the only format still offered).
pub async fn transcript_content(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, tid)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> GraphResult {
    if let Some(format) = query_param(query.as_deref().unwrap_or(""), "$format")
        && format != "text/vtt"
    {
        return Err(GraphFailure::bad_request(format!(
            "Unsupported $format '{format}'; use text/vtt."
        )));
    }
    let world = state.world();
    let (_, a) = artifact(&world, &caller, &user, &id, ArtifactKind::Transcript, &tid)?;
    let ArtifactContent::Vtt(text) = &a.content else {
        return Err(GraphFailure::not_found());
    };
    Ok(([(header::CONTENT_TYPE, "text/vtt")], text.clone()).into_response())
}
