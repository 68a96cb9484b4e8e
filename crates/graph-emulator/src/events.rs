//! `/users/{user}/events`: create (with `transactionId` dedupe), patch, delete.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::control_api::ExtendedProperty;
use crate::identity::{Caller, Permission};
use crate::meetings::{query_param, quoted};
use crate::reply::{GraphFailure, GraphResult, graph_instant, graph_local_time};
use crate::seed::SeedUser;
use crate::world::{
    Attendee, Event, Meeting, World, new_change_key, new_event_id, new_ical_uid, new_online_meeting,
};

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    Json(body): Json<Value>,
) -> GraphResult {
    caller.require(Permission::CalendarsReadWrite)?;
    let mut world = state.world();
    let organizer = mailbox(&world, &caller, &user)?;
    let transaction_id = body
        .get("transactionId")
        .and_then(Value::as_str)
        .map(str::to_owned);

    if let Some(tx) = &transaction_id {
        let earlier = world.events.iter().find(|e| {
            e.tenant == caller.tenant_id
                && e.organizer == organizer.id
                && e.transaction_id.as_deref() == Some(tx)
        });
        if let Some(earlier) = earlier {
            // Graph answers an identical retry with the event it already made.
            if earlier.create_fingerprint == body {
                let json = event_json(earlier, &organizer);
                return Ok((StatusCode::CREATED, Json(json)).into_response());
            }
            let status = StatusCode::from_u16(world.settings.duplicate_transaction_status)
                .unwrap_or(StatusCode::BAD_REQUEST);
            return Err(GraphFailure::new(
                status,
                "ErrorDuplicateTransactionId",
                "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.",
            ));
        }
    }

    let fields = EventFields::parse(&body)?;
    let start = fields
        .start
        .ok_or_else(|| GraphFailure::bad_request("start is required"))?;
    let end = fields
        .end
        .ok_or_else(|| GraphFailure::bad_request("end is required"))?;
    let is_online = body
        .get("isOnlineMeeting")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let provider = body
        .get("onlineMeetingProvider")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let now = Utc::now();
    let id = new_event_id();
    let teams = is_online && provider == "teamsForBusiness";
    let online = teams.then(|| new_online_meeting(&caller.tenant_id, &organizer.id));
    let mut body_html = fields.body_html.unwrap_or_default();
    if let Some((_, join_url)) = &online {
        // Graph appends the Teams join block to the body of an online meeting.
        body_html.push_str(&format!(
            "<div class=\"me-email-text\">Microsoft Teams meeting<br><a href=\"{join_url}\">Join the meeting now</a></div>"
        ));
    }
    let event = Event {
        tenant: caller.tenant_id.clone(),
        organizer: organizer.id.clone(),
        organizer_upn: organizer.user_principal_name.clone(),
        id: id.clone(),
        ical_uid: new_ical_uid(),
        change_key: new_change_key(),
        transaction_id,
        create_fingerprint: body.clone(),
        subject: fields.subject.unwrap_or_default(),
        body_html,
        start,
        end,
        attendees: fields.attendees.unwrap_or_default(),
        is_online_meeting: is_online,
        online_meeting_provider: provider,
        online_meeting_id: online.as_ref().map(|(m, _)| m.clone()),
        join_url: online.as_ref().map(|(_, j)| j.clone()),
        created_date_time: now,
        last_modified_date_time: now,
        deleted: false,
        extended_properties: fields.extended_properties,
    };
    if let Some((meeting_id, join_url)) = online {
        world.meetings.push(Meeting {
            tenant_id: caller.tenant_id.clone(),
            organizer_id: organizer.id.clone(),
            id: meeting_id,
            event_id: id,
            join_url,
            created: now,
            ended_at: None,
            artifacts: Vec::new(),
            attendance_reports: Vec::new(),
        });
    }
    let json = event_json(&event, &organizer);
    world.events.push(event);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `GET /users/{user}/events?$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and
/// ep/value eq '…')`: the organizer's events carrying that string extended property (the id's
/// name compares case-sensitively, the value case-insensitively, as documented). Deleted events
/// are gone. Only this documented filter form is understood; anything else is a 400.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
) -> GraphResult {
    caller.require(Permission::CalendarsReadWrite)?;
    let world = state.world();
    let organizer = mailbox(&world, &caller, &user)?;
    let filter = query_param(query.as_deref().unwrap_or(""), "$filter")
        .map(|f| extended_property_filter(&f))
        .transpose()?;
    let found: Vec<Value> = world
        .events
        .iter()
        .filter(|e| e.tenant == caller.tenant_id && e.organizer == organizer.id && !e.deleted)
        .filter(|e| {
            filter.as_ref().is_none_or(|(id, value)| {
                e.extended_properties
                    .iter()
                    .any(|p| &p.id == id && p.value.eq_ignore_ascii_case(value))
            })
        })
        .map(|e| event_json(e, &organizer))
        .collect();
    Ok(Json(json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user}')/events"),
        "value": found,
    }))
    .into_response())
}

/// `singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<value>')` →
/// (id, value), OData's doubled quotes undone.
fn extended_property_filter(filter: &str) -> Result<(String, String), GraphFailure> {
    let invalid = || GraphFailure::bad_request("Invalid filter clause.");
    let inner = filter
        .trim()
        .strip_prefix("singleValueExtendedProperties/Any(")
        .and_then(|f| f.strip_suffix(')'))
        .ok_or_else(invalid)?;
    let (var, predicate) = inner.split_once(':').ok_or_else(invalid)?;
    let var = var.trim();
    let predicate = predicate.trim();
    let id_prefix = format!("{var}/id eq ");
    let rest = predicate.strip_prefix(&id_prefix).ok_or_else(invalid)?;
    let value_clause = format!("' and {var}/value eq ");
    let (id, value) = rest.split_once(&value_clause).ok_or_else(invalid)?;
    let id = quoted(&format!("{id}'"), "Invalid filter clause.")?.replace("''", "'");
    let value = quoted(value, "Invalid filter clause.")?.replace("''", "'");
    Ok((id, value))
}

pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> GraphResult {
    caller.require(Permission::CalendarsReadWrite)?;
    let fields = EventFields::parse(&body)?;
    if body.get("transactionId").is_some() {
        return Err(GraphFailure::bad_request(
            "transactionId cannot be changed after creation",
        ));
    }
    let mut world = state.world();
    let (organizer, event) = find(&mut world, &caller, &user, &id)?;
    let start = fields.start.unwrap_or(event.start);
    let end = fields.end.unwrap_or(event.end);
    if end < start {
        return Err(GraphFailure::bad_request(
            "The end of the event is before its start.",
        ));
    }
    event.start = start;
    event.end = end;
    if let Some(subject) = fields.subject {
        event.subject = subject;
    }
    if let Some(body_html) = fields.body_html {
        event.body_html = body_html;
    }
    if let Some(attendees) = fields.attendees {
        event.attendees = attendees;
    }
    event.change_key = new_change_key();
    event.last_modified_date_time = Utc::now();
    Ok(Json(event_json(event, &organizer)).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id)): Path<(String, String)>,
) -> GraphResult {
    caller.require(Permission::CalendarsReadWrite)?;
    let mut world = state.world();
    let (_, event) = find(&mut world, &caller, &user, &id)?;
    event.deleted = true;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The mailbox a path names (UPN or object id) in the caller's tenant.
pub(crate) fn mailbox(
    world: &World,
    caller: &Caller,
    user: &str,
) -> Result<SeedUser, GraphFailure> {
    world
        .user(&caller.tenant_id, user)
        .cloned()
        .ok_or_else(|| GraphFailure::invalid_user(user))
}

fn find<'w>(
    world: &'w mut World,
    caller: &Caller,
    user: &str,
    id: &str,
) -> Result<(SeedUser, &'w mut Event), GraphFailure> {
    let organizer = mailbox(world, caller, user)?;
    let event = world
        .event_mut(&caller.tenant_id, &organizer.id, id)
        .ok_or_else(GraphFailure::not_found)?;
    Ok((organizer, event))
}

/// The writable fields the worker uses, parsed from a create or patch body.
struct EventFields {
    subject: Option<String>,
    body_html: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    attendees: Option<Vec<Attendee>>,
    extended_properties: Vec<ExtendedProperty>,
}

impl EventFields {
    fn parse(body: &Value) -> Result<Self, GraphFailure> {
        let string = |key: &str| -> Result<Option<String>, GraphFailure> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(GraphFailure::bad_request(format!("{key} must be a string"))),
            }
        };
        let body_html = match body.get("body") {
            None | Some(Value::Null) => None,
            Some(b) => Some(
                b.get("content")
                    .and_then(Value::as_str)
                    .ok_or_else(|| GraphFailure::bad_request("body.content must be a string"))?
                    .to_owned(),
            ),
        };
        let attendees = match body.get("attendees") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                if items.len() > 500 {
                    return Err(GraphFailure::bad_request(
                        "An event can have at most 500 attendees.",
                    ));
                }
                Some(items.iter().map(parse_attendee).collect::<Result<_, _>>()?)
            }
            Some(_) => return Err(GraphFailure::bad_request("attendees must be an array")),
        };
        let start = body
            .get("start")
            .map(|v| parse_date_time_time_zone(v, "start"))
            .transpose()?;
        let end = body
            .get("end")
            .map(|v| parse_date_time_time_zone(v, "end"))
            .transpose()?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(GraphFailure::bad_request(
                "The end of the event is before its start.",
            ));
        }
        let extended_properties = match body.get("singleValueExtendedProperties") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| {
                    let field = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
                    Ok(ExtendedProperty {
                        id: field("id").ok_or_else(|| {
                            GraphFailure::bad_request("extended property id must be a string")
                        })?,
                        value: field("value").ok_or_else(|| {
                            GraphFailure::bad_request("extended property value must be a string")
                        })?,
                    })
                })
                .collect::<Result<_, GraphFailure>>()?,
            Some(_) => {
                return Err(GraphFailure::bad_request(
                    "singleValueExtendedProperties must be an array",
                ));
            }
        };
        Ok(Self {
            subject: string("subject")?,
            body_html,
            start,
            end,
            attendees,
            extended_properties,
        })
    }
}

fn parse_attendee(value: &Value) -> Result<Attendee, GraphFailure> {
    let email = value
        .pointer("/emailAddress/address")
        .and_then(Value::as_str)
        .filter(|a| a.contains('@'))
        .ok_or_else(|| {
            GraphFailure::bad_request("attendee emailAddress.address is missing or invalid")
        })?;
    let name = value
        .pointer("/emailAddress/name")
        .and_then(Value::as_str)
        .unwrap_or(email);
    Ok(Attendee {
        email: email.to_owned(),
        name: name.to_owned(),
    })
}

/// `{dateTime, timeZone}`; the emulator understands UTC only (the worker sends nothing else).
fn parse_date_time_time_zone(value: &Value, field: &str) -> Result<DateTime<Utc>, GraphFailure> {
    let zone = value.get("timeZone").and_then(Value::as_str).unwrap_or("");
    if !matches!(zone, "UTC" | "Etc/UTC") {
        return Err(GraphFailure::bad_request(format!(
            "{field}.timeZone '{zone}' is not supported by the emulator (use UTC)"
        )));
    }
    let text = value
        .get("dateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphFailure::bad_request(format!("{field}.dateTime is required")))?;
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|n| n.and_utc())
        .map_err(|_| {
            GraphFailure::bad_request(format!(
                "{field}.dateTime '{text}' is not a valid date-time"
            ))
        })
}

/// The event as Graph returns it (shape of the docs' create-event example).
pub fn event_json(e: &Event, organizer: &SeedUser) -> Value {
    let attendees: Vec<Value> = e
        .attendees
        .iter()
        .map(|a| {
            json!({
                "type": "required",
                "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": a.name, "address": a.email},
            })
        })
        .collect();
    let online_meeting = e.join_url.as_ref().map(|url| {
        json!({
            "joinUrl": url,
            "conferenceId": "177513992",
            "tollNumber": "+1 425-555-0123",
        })
    });
    let mut json = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/events/$entity", organizer.id),
        "@odata.etag": format!("W/\"{}\"", e.change_key),
        "id": e.id,
        "createdDateTime": graph_instant(e.created_date_time),
        "lastModifiedDateTime": graph_instant(e.last_modified_date_time),
        "changeKey": e.change_key,
        "categories": [],
        "originalStartTimeZone": "UTC",
        "originalEndTimeZone": "UTC",
        "iCalUId": e.ical_uid,
        "uid": e.ical_uid,
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": e.subject,
        "bodyPreview": preview(&e.body_html),
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": false,
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            percent_encoding::utf8_percent_encode(&e.id, percent_encoding::NON_ALPHANUMERIC)
        ),
    });
    let more = json!({
        "onlineMeetingUrl": null,
        "isOnlineMeeting": e.is_online_meeting,
        "onlineMeetingProvider": e.online_meeting_provider,
        "allowNewTimeProposals": true,
        "isDraft": false,
        "hideAttendees": false,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": e.body_html},
        "start": {"dateTime": graph_local_time(e.start), "timeZone": "UTC"},
        "end": {"dateTime": graph_local_time(e.end), "timeZone": "UTC"},
        "location": {"displayName": "Microsoft Teams Meeting", "locationType": "default", "uniqueId": "Microsoft Teams Meeting", "uniqueIdType": "private"},
        "locations": [],
        "recurrence": null,
        "attendees": attendees,
        "organizer": {"emailAddress": {"name": organizer.display_name, "address": organizer.mail}},
        "onlineMeeting": online_meeting,
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut json, more) {
        map.extend(more);
    }
    if let Some(tx) = &e.transaction_id {
        json["transactionId"] = json!(tx);
    }
    json
}

fn preview(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.chars().take(255).collect()
}
