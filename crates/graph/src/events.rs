//! Calendar events that carry a Teams meeting: create (idempotent by `transactionId`), update
//! and delete.

use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{GraphClient, GraphRequest};
use crate::credentials::AppCredentials;
use crate::error::{GraphError, GraphErrorKind};

/// A new calendar-backed Teams meeting in the organizer's calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub subject: String,
    pub body_html: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub attendees: Vec<EventAttendee>,
    /// See [`crate::transaction_id`]: the same appointment step must always send the same value.
    pub transaction_id: String,
}

/// A required attendee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventAttendee {
    pub email: String,
    pub name: String,
}

/// The fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPatch {
    pub subject: Option<String>,
    /// Replaces the whole body. Graph put the Teams join block into the body it created; a
    /// replacement without it leaves the meeting without its join link in the invitation text.
    pub body_html: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Replaces the attendee list (Graph sends updates only to changed attendees).
    pub attendees: Option<Vec<EventAttendee>>,
}

/// What the worker keeps of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEvent {
    pub id: String,
    pub ical_uid: String,
    pub change_key: Option<String>,
    /// `onlineMeeting.joinUrl`; opaque.
    pub join_url: Option<String>,
    pub web_link: Option<String>,
    pub subject: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub transaction_id: Option<String>,
}

/// The extended property every event meetflow creates carries, holding its `transactionId`.
/// Graph cannot filter events by `transactionId`, but it can by a string extended property: this
/// is how a create whose every response was lost, or a re-approval whose body changed
/// (`ErrorDuplicateTransactionId`), finds the event that already exists.
pub const TRANSACTION_PROPERTY_ID: &str =
    "String {8d3c0f4e-5b1a-4c8e-9f27-6a0d2b7e1c53} Name meetflowTransactionId";

/// Outcome of a delete: either way the event is gone for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// 404: an earlier attempt (or a person) already removed it.
    AlreadyGone,
}

impl GraphClient {
    /// `POST /users/{organizer}/events`. Retrying with the same [`NewEvent`] returns the event
    /// the first attempt created, even if that attempt's response was lost.
    pub async fn create_event(
        &self,
        app: &AppCredentials,
        organizer: &str,
        event: &NewEvent,
    ) -> Result<GraphEvent, GraphError> {
        let _slot = self.mailbox_permit(app, organizer).await;
        let request = GraphRequest::new(Method::POST, self.url(&["users", organizer, "events"]))
            .json_body(&CreateBody::from(event));
        let wire: WireEvent = self.fetch_json(app, &request, "create event").await?;
        wire.into_event()
    }

    /// `GET /users/{organizer}/events?$filter=singleValueExtendedProperties/Any(…)`: the event
    /// an earlier create with this `transactionId` made, if it still exists.
    pub async fn find_event_by_transaction(
        &self,
        app: &AppCredentials,
        organizer: &str,
        transaction_id: &str,
    ) -> Result<Option<GraphEvent>, GraphError> {
        let _slot = self.mailbox_permit(app, organizer).await;
        let mut url = self.url(&["users", organizer, "events"]);
        // Spaces, quotes, braces and the colon all percent-encoded, as the docs ask.
        let filter = transaction_filter(transaction_id);
        let encoded = utf8_percent_encode(&filter, NON_ALPHANUMERIC);
        url.set_query(Some(&format!("$filter={encoded}")));
        let request = GraphRequest::new(Method::GET, url);
        let found: EventList = self.fetch_json(app, &request, "find event").await?;
        found
            .value
            .into_iter()
            .next()
            .map(WireEvent::into_event)
            .transpose()
    }

    /// `PATCH /users/{organizer}/events/{id}`; id, iCalUId and join URL stay the same.
    pub async fn update_event(
        &self,
        app: &AppCredentials,
        organizer: &str,
        event_id: &str,
        patch: &EventPatch,
    ) -> Result<GraphEvent, GraphError> {
        let _slot = self.mailbox_permit(app, organizer).await;
        let request = GraphRequest::new(
            Method::PATCH,
            self.url(&["users", organizer, "events", event_id]),
        )
        .json_body(&PatchBody::from(patch));
        let wire: WireEvent = self.fetch_json(app, &request, "update event").await?;
        wire.into_event()
    }

    /// `DELETE /users/{organizer}/events/{id}`; Exchange sends the attendees a cancellation.
    pub async fn delete_event(
        &self,
        app: &AppCredentials,
        organizer: &str,
        event_id: &str,
    ) -> Result<Deleted, GraphError> {
        let _slot = self.mailbox_permit(app, organizer).await;
        let request = GraphRequest::new(
            Method::DELETE,
            self.url(&["users", organizer, "events", event_id]),
        );
        match self.execute(app, &request).await {
            Ok(_) => Ok(Deleted::Deleted),
            Err(e) if e.kind() == GraphErrorKind::NotFound => Ok(Deleted::AlreadyGone),
            Err(e) => Err(e),
        }
    }
}

/// The documented filter for a string extended property's value (values compare
/// case-insensitively; quotes inside a literal are doubled).
fn transaction_filter(transaction_id: &str) -> String {
    format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{TRANSACTION_PROPERTY_ID}' and ep/value eq '{}')",
        transaction_id.replace('\'', "''")
    )
}

// ---- wire shapes (Graph JSON) ----

#[derive(Deserialize)]
struct EventList {
    value: Vec<WireEvent>,
}

#[derive(Serialize)]
struct ExtendedProperty<'a> {
    id: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    subject: &'a str,
    body: ItemBody<'a>,
    start: DateTimeTimeZone,
    end: DateTimeTimeZone,
    attendees: Vec<WireAttendee<'a>>,
    is_online_meeting: bool,
    online_meeting_provider: &'static str,
    transaction_id: &'a str,
    single_value_extended_properties: [ExtendedProperty<'a>; 1],
}

impl<'a> From<&'a NewEvent> for CreateBody<'a> {
    fn from(e: &'a NewEvent) -> Self {
        Self {
            subject: &e.subject,
            body: ItemBody::html(&e.body_html),
            start: DateTimeTimeZone::utc(e.start),
            end: DateTimeTimeZone::utc(e.end),
            attendees: e.attendees.iter().map(WireAttendee::required).collect(),
            is_online_meeting: true,
            online_meeting_provider: "teamsForBusiness",
            transaction_id: &e.transaction_id,
            single_value_extended_properties: [ExtendedProperty {
                id: TRANSACTION_PROPERTY_ID,
                value: &e.transaction_id,
            }],
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<ItemBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attendees: Option<Vec<WireAttendee<'a>>>,
}

impl<'a> From<&'a EventPatch> for PatchBody<'a> {
    fn from(p: &'a EventPatch) -> Self {
        Self {
            subject: p.subject.as_deref(),
            body: p.body_html.as_deref().map(ItemBody::html),
            start: p.start.map(DateTimeTimeZone::utc),
            end: p.end.map(DateTimeTimeZone::utc),
            attendees: p
                .attendees
                .as_ref()
                .map(|a| a.iter().map(WireAttendee::required).collect()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody<'a> {
    content_type: &'static str,
    content: &'a str,
}

impl<'a> ItemBody<'a> {
    fn html(content: &'a str) -> Self {
        Self {
            content_type: "HTML",
            content,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireAttendee<'a> {
    email_address: EmailAddress<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> WireAttendee<'a> {
    fn required(a: &'a EventAttendee) -> Self {
        Self {
            email_address: EmailAddress {
                address: &a.email,
                name: &a.name,
            },
            kind: "required",
        }
    }
}

#[derive(Serialize)]
struct EmailAddress<'a> {
    address: &'a str,
    name: &'a str,
}

/// Graph's `dateTimeTimeZone`: a local time without offset plus a zone name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DateTimeTimeZone {
    date_time: String,
    time_zone: String,
}

impl DateTimeTimeZone {
    fn utc(at: DateTime<Utc>) -> Self {
        Self {
            date_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            time_zone: "UTC".to_owned(),
        }
    }

    /// Only UTC values are interpreted (we ask for them with `Prefer: outlook.timezone`).
    fn to_utc(&self) -> Option<DateTime<Utc>> {
        if self.time_zone != "UTC" {
            return None;
        }
        NaiveDateTime::parse_from_str(&self.date_time, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    id: String,
    #[serde(rename = "iCalUId")]
    ical_uid: Option<String>,
    change_key: Option<String>,
    web_link: Option<String>,
    subject: Option<String>,
    start: Option<DateTimeTimeZone>,
    end: Option<DateTimeTimeZone>,
    online_meeting: Option<WireOnlineMeetingInfo>,
    transaction_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOnlineMeetingInfo {
    join_url: Option<String>,
}

impl WireEvent {
    fn into_event(self) -> Result<GraphEvent, GraphError> {
        let ical_uid = self
            .ical_uid
            .ok_or_else(|| GraphError::unexpected("event", "no iCalUId"))?;
        Ok(GraphEvent {
            id: self.id,
            ical_uid,
            change_key: self.change_key,
            join_url: self.online_meeting.and_then(|m| m.join_url),
            web_link: self.web_link,
            subject: self.subject,
            start: self.start.as_ref().and_then(DateTimeTimeZone::to_utc),
            end: self.end.as_ref().and_then(DateTimeTimeZone::to_utc),
            transaction_id: self.transaction_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn create_body_is_a_calendar_backed_teams_meeting_in_utc() {
        let event = NewEvent {
            subject: "Consultation".into(),
            body_html: "<p>Hi</p>".into(),
            start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
            attendees: vec![EventAttendee {
                email: "jane@example.com".into(),
                name: "Jane Doe".into(),
            }],
            transaction_id: "tx-1".into(),
        };
        let body = serde_json::to_value(CreateBody::from(&event)).unwrap();
        assert_eq!(
            body,
            json!({
                "subject": "Consultation",
                "body": {"contentType": "HTML", "content": "<p>Hi</p>"},
                "start": {"dateTime": "2026-02-01T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-02-01T10:00:00", "timeZone": "UTC"},
                "attendees": [{"emailAddress": {"address": "jane@example.com", "name": "Jane Doe"}, "type": "required"}],
                "isOnlineMeeting": true,
                "onlineMeetingProvider": "teamsForBusiness",
                "transactionId": "tx-1",
                "singleValueExtendedProperties": [{"id": TRANSACTION_PROPERTY_ID, "value": "tx-1"}]
            })
        );
    }

    #[test]
    fn patch_sends_only_what_changes() {
        let patch = EventPatch {
            start: Some(Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap()),
            ..Default::default()
        };
        let body = serde_json::to_value(PatchBody::from(&patch)).unwrap();
        assert_eq!(
            body,
            json!({"start": {"dateTime": "2026-02-02T09:00:00", "timeZone": "UTC"}})
        );
    }

    #[test]
    fn response_from_the_docs_example_parses() {
        // Shape from GD concepts/outlook-calendar-online-meetings.md (trimmed).
        let wire: WireEvent = serde_json::from_value(json!({
            "@odata.etag": "W/\"NEXywgsVrkeNsFsyVyRrtAAAAAAOmA==\"",
            "id": "AAMkADAAABIGYDZAAA=",
            "createdDateTime": "2019-11-20T22:17:54.7034559Z",
            "changeKey": "NEXywgsVrkeNsFsyVyRrtAAAAAAOmA==",
            "iCalUId": "040000008200E00074C5B7101A82E0080000000053373A40E03ED5010000000000000000100000007C41056410E97C44B2A34798E719B862",
            "subject": "Prep for customer meeting",
            "webLink": "https://outlook.office365.com/owa/?itemid=AAMkADAAABIGYDZAAA%3D&exvsurl=1&path=/calendar/item",
            "start": {"dateTime": "2019-11-20T13:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2019-11-20T14:00:00.0000000", "timeZone": "UTC"},
            "isOnlineMeeting": true,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%7d"}
        }))
        .unwrap();
        let event = wire.into_event().unwrap();
        assert_eq!(event.id, "AAMkADAAABIGYDZAAA=");
        assert_eq!(
            event.start,
            Some(Utc.with_ymd_and_hms(2019, 11, 20, 13, 0, 0).unwrap())
        );
        assert!(event.join_url.unwrap().contains("meetup-join"));
    }
}
