//! `/users/{oid}/onlineMeetings`: lookup by join URL and get; the organizer and meeting checks
//! every online-meeting route shares.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::AppState;
use crate::identity::{Caller, Permission};
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::seed::SeedUser;
use crate::world::{Meeting, World};

/// The organizer named in an onlineMeetings path: must be an object id, and covered by an
/// application access policy.
pub(crate) fn organizer(
    world: &World,
    caller: &Caller,
    user: &str,
) -> Result<SeedUser, GraphFailure> {
    let found = crate::events::mailbox(world, caller, user)?;
    if !found.id.eq_ignore_ascii_case(user) {
        return Err(GraphFailure::bad_request(
            "The userId in the path must be the user's object ID, not the user principal name.",
        ));
    }
    if !world.has_access_policy(&caller.tenant_id, &found) {
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
    caller.require(Permission::OnlineMeetingsReadAll)?;
    let world = state.world();
    let organizer = organizer(&world, &caller, &user)?;
    let filter = query_param(query.as_deref().unwrap_or(""), "$filter").ok_or_else(|| {
        GraphFailure::bad_request(
            "Filter by JoinWebUrl or joinMeetingIdSettings/joinMeetingId is required.",
        )
    })?;
    let literal = join_web_url_literal(&filter)?;
    let lag = chrono::Duration::seconds(
        i64::try_from(world.settings.online_meeting_lag_secs).unwrap_or(i64::MAX / 1000),
    );
    let now = chrono::Utc::now();
    // This organizer's meetings that Graph lists by now (replication lag).
    let mine = || {
        world.meetings.iter().filter(|m| {
            m.tenant_id == caller.tenant_id
                && m.organizer_id == organizer.id
                && m.created
                    .checked_add_signed(lag)
                    .is_some_and(|visible| visible <= now)
        })
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

/// What stands between the single quotes of an OData string literal, as written (doubled
/// quotes and all); a 400 with `message` when `value` is not quoted.
pub(crate) fn quoted<'v>(value: &'v str, message: &str) -> Result<&'v str, GraphFailure> {
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .ok_or_else(|| GraphFailure::bad_request(message))
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
    let inner = quoted(
        value,
        "Syntax error: the JoinWebUrl value must be a string literal in single quotes.",
    )?;
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
        "creationDateTime": event.map(|e| graph_instant(e.created_date_time)),
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

pub(crate) fn meeting<'w>(
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

/// `GET /users/{oid}/onlineMeetings/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
) -> GraphResult {
    caller.require(Permission::OnlineMeetingsReadAll)?;
    let world = state.world();
    let organizer = organizer(&world, &caller, &user)?;
    let m = meeting(&world, &caller, &organizer, &id)?;
    Ok(Json(meeting_json(&world, m)).into_response())
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
}
