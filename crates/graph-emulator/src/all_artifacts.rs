//! `getAllRecordings` / `getAllTranscripts` of one organizer, plain and as delta rounds.
//!
//! Delta semantics: a round returns the artifacts that became available after the previous
//! round's watermark (all of them on the first round), then an `@odata.deltaLink` carrying the
//! new watermark. Paging inside a round uses `$skiptoken`.

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::artifacts::artifact_json;
use crate::identity::Caller;
use crate::meetings::{organizer, query_param, quoted};
use crate::reply::{GraphFailure, GraphResult};
use crate::world::{Artifact, ArtifactKind, Meeting};

/// `getAllRecordings(meetingOrganizerUserId='…',startDateTime=…,endDateTime=…)`, parsed.
pub struct GetAll {
    kind: ArtifactKind,
    organizer_id: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl GetAll {
    /// `None` when the segment is not a getAll function call (an ordinary meeting id).
    pub fn parse(segment: &str) -> Option<Result<Self, GraphFailure>> {
        let (kind, args) = if let Some(rest) = segment.strip_prefix("getAllRecordings(") {
            (ArtifactKind::Recording, rest)
        } else if let Some(rest) = segment.strip_prefix("getAllTranscripts(") {
            (ArtifactKind::Transcript, rest)
        } else {
            return None;
        };
        Some(Self::parse_args(kind, args))
    }

    fn parse_args(kind: ArtifactKind, args: &str) -> Result<Self, GraphFailure> {
        let args = args
            .strip_suffix(')')
            .ok_or_else(|| GraphFailure::bad_request("Malformed function call."))?;
        let mut organizer_id = None;
        let mut start = None;
        let mut end = None;
        for arg in args.split(',').filter(|a| !a.is_empty()) {
            let (name, value) = arg.split_once('=').ok_or_else(|| {
                GraphFailure::bad_request(format!("Malformed parameter '{arg}'."))
            })?;
            let instant = || {
                DateTime::parse_from_rfc3339(value)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        GraphFailure::bad_request(format!("'{value}' is not a DateTimeOffset."))
                    })
            };
            match name {
                "meetingOrganizerUserId" => {
                    let id = quoted(value, "meetingOrganizerUserId must be a quoted string.")?;
                    organizer_id = Some(id.to_owned());
                }
                "startDateTime" => start = Some(instant()?),
                "endDateTime" => end = Some(instant()?),
                other => {
                    return Err(GraphFailure::bad_request(format!(
                        "Unknown parameter '{other}'."
                    )));
                }
            }
        }
        let organizer_id = organizer_id.ok_or_else(|| {
            GraphFailure::bad_request("The meetingOrganizerUserId parameter is required.")
        })?;
        Ok(Self {
            kind,
            organizer_id,
            start,
            end,
        })
    }

    fn selects(&self, m: &Meeting, a: &Artifact, caller: &Caller) -> bool {
        m.tenant_id == caller.tenant_id
            && m.organizer_id.eq_ignore_ascii_case(&self.organizer_id)
            && a.kind == self.kind
            && self.start.is_none_or(|s| a.created >= s)
            && self.end.is_none_or(|e| a.created <= e)
    }
}

/// Watermarks are microseconds since the epoch of `available_at`.
struct Round {
    after: Option<i64>,
    until: i64,
    skip: usize,
}

impl Round {
    fn encode(&self) -> String {
        let after = self.after.map(|a| a.to_string()).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(format!("{after}|{}|{}", self.until, self.skip))
    }

    fn decode(token: &str) -> Option<Self> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
        let mut parts = text.split('|');
        let after = match parts.next()? {
            "" => None,
            a => Some(a.parse().ok()?),
        };
        Some(Self {
            after,
            until: parts.next()?.parse().ok()?,
            skip: parts.next()?.parse().ok()?,
        })
    }
}

/// `GET /users/{u}/onlineMeetings/getAll…(…)` (no delta): everything available, paged.
pub fn list(
    state: &AppState,
    caller: &Caller,
    user: &str,
    call: GetAll,
    link_base: &str,
    query: Option<&str>,
) -> GraphResult {
    let now = Utc::now().timestamp_micros();
    let skip = match query_param(query.unwrap_or(""), "$skiptoken") {
        Some(t) => t
            .parse()
            .map_err(|_| GraphFailure::bad_request("Invalid skip token."))?,
        None => 0,
    };
    page(
        state,
        caller,
        user,
        &call,
        link_base,
        Round {
            after: None,
            until: now,
            skip,
        },
        false,
    )
}

/// `GET /users/{u}/onlineMeetings/getAll…(…)/delta`.
pub async fn delta(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, function)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> GraphResult {
    let call = GetAll::parse(&function).ok_or_else(GraphFailure::not_found)??;
    let raw = query.unwrap_or_default();
    let round = if let Some(token) = query_param(&raw, "$skiptoken") {
        Round::decode(&token).ok_or_else(|| GraphFailure::bad_request("Invalid skip token."))?
    } else if let Some(token) = query_param(&raw, "$deltatoken") {
        let previous = Round::decode(&token)
            .ok_or_else(|| GraphFailure::bad_request("Invalid delta token."))?;
        Round {
            after: Some(previous.until),
            until: Utc::now().timestamp_micros(),
            skip: 0,
        }
    } else {
        Round {
            after: None,
            until: Utc::now().timestamp_micros(),
            skip: 0,
        }
    };
    page(
        &state,
        &caller,
        &user,
        &call,
        &link_base(&headers, uri.path()),
        round,
        true,
    )
}

/// `http://{host}{path}`: links point back at the host and path the client called.
pub(crate) fn link_base(headers: &HeaderMap, raw_path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{raw_path}")
}

fn page(
    state: &AppState,
    caller: &Caller,
    user: &str,
    call: &GetAll,
    link_base: &str,
    round: Round,
    is_delta: bool,
) -> GraphResult {
    let world = state.world();
    organizer(&world, caller, user)?;
    organizer(&world, caller, &call.organizer_id)?;
    let mut matching: Vec<(&Meeting, &Artifact)> = world
        .meetings
        .iter()
        .flat_map(|m| m.artifacts.iter().map(move |a| (m, a)))
        .filter(|(m, a)| call.selects(m, a, caller))
        .filter(|(_, a)| {
            let at = a.available_at.timestamp_micros();
            at <= round.until && round.after.is_none_or(|after| at > after)
        })
        .collect();
    matching.sort_by(|(_, a), (_, b)| (a.available_at, &a.id).cmp(&(b.available_at, &b.id)));
    let page_size = world.settings.page_size.max(1);
    let value: Vec<Value> = matching
        .iter()
        .skip(round.skip)
        .take(page_size)
        .map(|(m, a)| artifact_json(m, a))
        .collect();
    let kind = match call.kind {
        ArtifactKind::Recording => "callRecording",
        ArtifactKind::Transcript => "callTranscript",
    };
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.{kind})"),
        "value": value,
    });
    let link = |query: String| format!("{link_base}?{query}");
    let more = round.skip + page_size < matching.len();
    if more {
        let next = if is_delta {
            format!(
                "$skiptoken={}",
                Round {
                    skip: round.skip + page_size,
                    ..round
                }
                .encode()
            )
        } else {
            format!("$skiptoken={}", round.skip + page_size)
        };
        body["@odata.nextLink"] = json!(link(next));
    } else if is_delta {
        body["@odata.deltaLink"] = json!(link(format!(
            "$deltatoken={}",
            Round { skip: 0, ..round }.encode()
        )));
    }
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_call() {
        let call = GetAll::parse(
            "getAllRecordings(meetingOrganizerUserId='abc',startDateTime=2024-01-15T00:00:00Z)",
        )
        .unwrap()
        .unwrap();
        assert_eq!(call.organizer_id, "abc");
        assert!(call.start.is_some() && call.end.is_none());
        assert!(
            GetAll::parse("getAllTranscripts(startDateTime=2024-01-15T00:00:00Z)")
                .unwrap()
                .is_err()
        );
        assert!(GetAll::parse("MSpiOTM1").is_none());
    }

    #[test]
    fn round_tokens_round_trip() {
        let r = Round {
            after: Some(5),
            until: 9,
            skip: 2,
        };
        let d = Round::decode(&r.encode()).unwrap();
        assert_eq!((d.after, d.until, d.skip), (Some(5), 9, 2));
        let r = Round {
            after: None,
            until: 9,
            skip: 0,
        };
        assert_eq!(Round::decode(&r.encode()).unwrap().after, None);
    }
}
