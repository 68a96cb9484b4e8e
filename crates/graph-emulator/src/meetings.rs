//! `/users/{oid}/onlineMeetings`: lookup by join URL, get, and recordings/transcripts
//! (list with paging, get, content).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::AppState;
use crate::identity::Caller;
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::seed::SeedUser;
use crate::world::{Artifact, ArtifactContent, ArtifactKind, Meeting, World};

/// The organizer named in an onlineMeetings path: must be an object id, and covered by an
/// application access policy.
pub(crate) fn organizer(
    world: &World,
    caller: &Caller,
    user: &str,
) -> Result<SeedUser, GraphFailure> {
    let found = world
        .user(&caller.tenant_id, user)
        .cloned()
        .ok_or_else(|| GraphFailure::invalid_user(user))?;
    if !found.id.eq_ignore_ascii_case(user) {
        return Err(GraphFailure::bad_request(
            "The userId in the path must be the user's object ID, not the user principal name.",
        ));
    }
    if !found.online_meeting_access_policy {
        return Err(GraphFailure::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "No Application Access Policy found for this app",
        ));
    }
    Ok(found)
}

/// `GET /users/{oid}/onlineMeetings?$filter=JoinWebUrl eq '…'`.
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let world = state.world();
    let organizer = organizer(&world, &caller, &user)?;
    let filter = query_param(query.as_deref().unwrap_or(""), "$filter").ok_or_else(|| {
        GraphFailure::bad_request(
            "Filter by JoinWebUrl or joinMeetingIdSettings/joinMeetingId is required.",
        )
    })?;
    let literal = join_web_url_literal(&filter)?;
    let mine = || {
        world
            .meetings
            .iter()
            .filter(|m| m.tenant_id == caller.tenant_id && m.organizer_id == organizer.id)
    };
    let found: Vec<Value> = mine()
        .filter(|m| m.join_url == literal)
        .map(|m| meeting_json(&world, m))
        .collect();
    if found.is_empty() {
        // Graph matches the literal against the stored URL byte for byte; a literal that only
        // matches after decoding the URL's own escapes means the client did not encode them.
        let loose = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        if mine().any(|m| loose(&m.join_url) == loose(&literal)) {
            return Err(GraphFailure::bad_request(
                "Invalid JoinWebUrl: the join URL must be URL-encoded inside the filter literal.",
            ));
        }
    }
    Ok(Json(json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user}')/onlineMeetings"),
        "value": found,
    }))
    .into_response())
}

/// The first `name` parameter of a raw query string, percent-decoded once (as Graph does).
pub(crate) fn query_param(raw: &str, name: &str) -> Option<String> {
    raw.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let key = percent_decode_str(key).decode_utf8_lossy();
        (key == name).then(|| percent_decode_str(value).decode_utf8_lossy().into_owned())
    })
}

/// `JoinWebUrl eq '<literal>'` → the literal, with OData's doubled quotes undone.
fn join_web_url_literal(filter: &str) -> Result<String, GraphFailure> {
    let rest = filter.trim();
    let (property, rest) = rest
        .split_once(char::is_whitespace)
        .ok_or_else(|| GraphFailure::bad_request("Invalid filter clause."))?;
    if !property.eq_ignore_ascii_case("JoinWebUrl") {
        return Err(GraphFailure::bad_request(format!(
            "Could not find a property named '{property}' on type 'microsoft.graph.onlineMeeting'."
        )));
    }
    let rest = rest.trim_start();
    let value = rest
        .strip_prefix("eq")
        .map(str::trim_start)
        .ok_or_else(|| {
            GraphFailure::bad_request("Invalid filter clause: only 'eq' is supported.")
        })?;
    let inner = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .ok_or_else(|| {
            GraphFailure::bad_request(
                "Syntax error: the JoinWebUrl value must be a string literal in single quotes.",
            )
        })?;
    // A lone quote inside would have ended the literal: the client forgot to double it.
    if inner.replace("''", "").contains('\'') {
        return Err(GraphFailure::bad_request(
            "Syntax error: unescaped quote in the filter literal.",
        ));
    }
    Ok(inner.replace("''", "'"))
}

fn meeting_json(world: &World, m: &Meeting) -> Value {
    let event = world.events.iter().find(|e| e.id == m.event_id);
    json!({
        "id": m.id,
        "creationDateTime": event.map(|e| graph_instant(e.created)),
        "startDateTime": event.map(|e| graph_instant(e.start)),
        "endDateTime": event.map(|e| graph_instant(e.end)),
        "joinWebUrl": m.join_url,
        "subject": event.map(|e| e.subject.clone()),
        "isBroadcast": false,
        "autoAdmittedUsers": "EveryoneInCompany",
        "isEntryExitAnnounced": true,
        "allowedPresenters": "everyone",
        "videoTeleconferenceId": null,
        "participants": {
            "organizer": {
                "upn": world.user(&m.tenant_id, &m.organizer_id).map(|u| u.user_principal_name.clone()),
                "role": "presenter",
                "identity": {"user": {"id": m.organizer_id, "displayName": null, "tenantId": m.tenant_id, "identityProvider": "AAD"}}
            },
            "attendees": [],
            "producers": [],
            "contributors": []
        },
        "chatInfo": {"threadId": format!("19:{}", m.id), "messageId": "0", "replyChainMessageId": null},
        "joinMeetingIdSettings": {"isPasscodeRequired": false, "joinMeetingId": "1234567890", "passcode": null},
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
    })
}

fn meeting<'w>(
    world: &'w World,
    caller: &Caller,
    organizer: &SeedUser,
    id: &str,
) -> Result<&'w Meeting, GraphFailure> {
    world
        .meetings
        .iter()
        .find(|m| m.tenant_id == caller.tenant_id && m.organizer_id == organizer.id && m.id == id)
        .ok_or_else(GraphFailure::not_found)
}

/// `GET /users/{oid}/onlineMeetings/{id}`, or the `getAllRecordings(…)` / `getAllTranscripts(…)`
/// functions, which share the segment.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    if let Some(call) = crate::all_artifacts::GetAll::parse(&id) {
        let link_base = crate::all_artifacts::link_base(&headers, uri.path());
        return crate::all_artifacts::list(
            &state,
            &caller,
            &user,
            call?,
            &link_base,
            query.as_deref(),
        );
    }
    let world = state.world();
    let organizer = organizer(&world, &caller, &user)?;
    let m = meeting(&world, &caller, &organizer, &id)?;
    Ok(Json(meeting_json(&world, m)).into_response())
}

pub async fn list_recordings(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let link_base = crate::all_artifacts::link_base(&headers, uri.path());
    list(
        &state,
        &caller,
        path,
        &link_base,
        query,
        ArtifactKind::Recording,
    )
}

pub async fn list_transcripts(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let link_base = crate::all_artifacts::link_base(&headers, uri.path());
    list(
        &state,
        &caller,
        path,
        &link_base,
        query,
        ArtifactKind::Transcript,
    )
}

/// A page of available artifacts; `@odata.nextLink` carries the emulator's own skip token.
fn list(
    state: &AppState,
    caller: &Caller,
    (user, id): (String, String),
    link_base: &str,
    query: Option<String>,
    kind: ArtifactKind,
) -> GraphResult {
    let world = state.world();
    let organizer = organizer(&world, caller, &user)?;
    let m = meeting(&world, caller, &organizer, &id)?;
    let skip: usize = query_param(query.as_deref().unwrap_or(""), "$skiptoken")
        .map(|t| {
            t.parse()
                .map_err(|_| GraphFailure::bad_request("Invalid skip token."))
        })
        .transpose()?
        .unwrap_or(0);
    let now = Utc::now();
    let available: Vec<&Artifact> = m
        .artifacts
        .iter()
        .filter(|a| a.kind == kind && a.is_available(now))
        .collect();
    let page_size = world.settings.page_size.max(1);
    let page: Vec<Value> = available
        .iter()
        .skip(skip)
        .take(page_size)
        .map(|a| artifact_json(m, a))
        .collect();
    let segment = match kind {
        ArtifactKind::Recording => "recordings",
        ArtifactKind::Transcript => "transcripts",
    };
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user}')/onlineMeetings('{id}')/{segment}"),
        "value": page,
    });
    if skip + page_size < available.len() {
        // Absolute and pointing back at the host the client called, as Graph's links do.
        body["@odata.nextLink"] = json!(format!("{link_base}?$skiptoken={}", skip + page_size));
    }
    Ok(Json(body).into_response())
}

pub fn artifact_json(m: &Meeting, a: &Artifact) -> Value {
    let segment = match a.kind {
        ArtifactKind::Recording => "recordings",
        ArtifactKind::Transcript => "transcripts",
    };
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

fn artifact<'w>(
    world: &'w World,
    caller: &Caller,
    user: &str,
    meeting_id: &str,
    kind: ArtifactKind,
    artifact_id: &str,
) -> Result<(&'w Meeting, &'w Artifact), GraphFailure> {
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

pub async fn get_recording(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, rid)): Path<(String, String, String)>,
) -> GraphResult {
    let world = state.world();
    let (m, a) = artifact(&world, &caller, &user, &id, ArtifactKind::Recording, &rid)?;
    Ok(Json(artifact_json(m, a)).into_response())
}

pub async fn get_transcript(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, tid)): Path<(String, String, String)>,
) -> GraphResult {
    let world = state.world();
    let (m, a) = artifact(&world, &caller, &user, &id, ArtifactKind::Transcript, &tid)?;
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

/// `…/recordings/{id}/content`: `video/mp4` bytes, streamed; a single `Range` gets a 206.
pub async fn recording_content(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, rid)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> GraphResult {
    let size = {
        let world = state.world();
        let (_, a) = artifact(&world, &caller, &user, &id, ArtifactKind::Recording, &rid)?;
        match a.content {
            ArtifactContent::SyntheticMp4 { size } => size,
            ArtifactContent::Vtt(_) => return Err(GraphFailure::not_found()),
        }
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size))
        .transpose()?;
    let (start, end_exclusive, status) = match range {
        Some((s, e)) => (s, e, StatusCode::PARTIAL_CONTENT),
        None => (0, size, StatusCode::OK),
    };
    let mut response = Response::new(Body::from_stream(synthetic_mp4(start, end_exclusive)));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(end_exclusive - start),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {start}-{}/{size}", end_exclusive.saturating_sub(1));
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("ASCII"),
        );
    }
    Ok(response)
}

/// `bytes=a-b` / `bytes=a-` / `bytes=-n` → `[start, end)`; 416 outside the content.
fn parse_range(value: &str, size: u64) -> Result<(u64, u64), GraphFailure> {
    let unsatisfiable = || {
        GraphFailure::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            "The requested range is not satisfiable.",
        )
    };
    let spec = value.strip_prefix("bytes=").ok_or_else(unsatisfiable)?;
    let (a, b) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| unsatisfiable())?;
        (size.saturating_sub(n), size)
    } else {
        let start: u64 = a.parse().map_err(|_| unsatisfiable())?;
        let end = if b.is_empty() {
            size
        } else {
            b.parse::<u64>()
                .map_err(|_| unsatisfiable())?
                .saturating_add(1)
                .min(size)
        };
        (start, end)
    };
    if start >= end {
        return Err(unsatisfiable());
    }
    Ok((start, end))
}

/// Byte `i` of every synthetic recording is `i % 251`, so a client can verify any range.
pub fn synthetic_byte(i: u64) -> u8 {
    (i % 251) as u8
}

fn synthetic_mp4(
    start: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 64 * 1024;
    // One chunk plus a period of the pattern: any chunk is a slice of it, so a 1 GiB
    // recording streams without per-byte work.
    static PATTERN: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| {
            (0..CHUNK + 251)
                .map(synthetic_byte)
                .collect::<Vec<u8>>()
                .into()
        })
        .clone();
    stream::unfold(start, move |at| {
        let pattern = pattern.clone();
        async move {
            if at >= end {
                return None;
            }
            let len = CHUNK.min(end - at);
            let offset = (at % 251) as usize;
            let chunk = pattern.slice(offset..offset + len as usize);
            Some((Ok(chunk), at + len))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_literal_is_unquoted_and_unescaped() {
        assert_eq!(
            join_web_url_literal("JoinWebUrl eq 'https://x/a''b'").unwrap(),
            "https://x/a'b"
        );
        assert!(join_web_url_literal("JoinWebUrl eq https://x").is_err());
        assert!(join_web_url_literal("JoinUrl eq 'x'").is_err());
        assert!(join_web_url_literal("JoinWebUrl eq 'a'b'").is_err());
    }

    #[test]
    fn query_param_decodes_once() {
        assert_eq!(
            query_param("$filter=JoinWebUrl%20eq%20'a%253a'", "$filter").unwrap(),
            "JoinWebUrl eq 'a%3a'"
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000).unwrap(), (0, 100));
        assert_eq!(parse_range("bytes=900-", 1000).unwrap(), (900, 1000));
        assert_eq!(parse_range("bytes=-10", 1000).unwrap(), (990, 1000));
        assert!(parse_range("bytes=1000-", 1000).is_err());
    }
}
