use chrono::{DateTime, Utc};

/// The iTIP method of a message; it also decides the event STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Approve and reschedule: a new or updated event.
    Request,
    /// Cancel the whole event.
    Cancel,
}

impl Method {
    /// The token used both in `METHOD:` and in the MIME `method=` parameter (RFC 6047 §2.4
    /// requires them to be equal).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar user: rendered as `mailto:` URI with the display name in `CN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CalAddress {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttendeeRole {
    /// `ROLE=REQ-PARTICIPANT`
    Required,
    /// `ROLE=OPT-PARTICIPANT`
    Optional,
}

impl AttendeeRole {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttendeeRole::Required => "REQ-PARTICIPANT",
            AttendeeRole::Optional => "OPT-PARTICIPANT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attendee {
    pub address: CalAddress,
    pub role: AttendeeRole,
}

/// Everything one iMIP message says about the appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInvite {
    pub method: Method,
    /// Stable for the appointment's whole life (the Graph event's `iCalUId` when Exchange also
    /// sends invitations, so clients merge both items).
    pub uid: String,
    /// 0 on approve, +1 per reschedule and on cancel.
    pub sequence: u32,
    /// From the workflow clock, so retries are byte-identical.
    pub dtstamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub organizer: CalAddress,
    pub attendees: Vec<Attendee>,
    /// Teams join link; when present it becomes LOCATION, URL and a line in DESCRIPTION.
    pub join_url: Option<String>,
}
