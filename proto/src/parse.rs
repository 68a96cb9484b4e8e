//! From wire JSON to validated model types, with errors that name the offending field.
//!
//! The workflows take their input as a raw JSON value and call these functions, instead of
//! letting the SDK deserialize a typed input: the SDK retries a workflow task forever on a
//! deserialization error and logs nothing useful, whereas this way the workflow fails at once
//! with `invalid_input: participants[0].email: missing`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::model::{
    AppointmentId, Approval, EmailAddress, Locale, Participants, Person, RescheduleRequest, Role,
    Schedule, TenantId, TimeZone,
};
use crate::v1;

/// The longest title we accept (Graph's subject limit is 255).
pub const MAX_TITLE_CHARS: usize = 255;
/// Descriptions are free text but bounded so one input cannot bloat history and mails.
pub const MAX_DESCRIPTION_CHARS: usize = 8_000;

/// One rejected field: a JSON path in the wire (camelCase) names and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub field: String,
    pub problem: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Every problem found in one input, so the caller can fix them in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
impl std::error::Error for InputErrors {}

/// Collects field errors while a message is being checked.
#[derive(Default)]
struct Checker(Vec<InputError>);

impl Checker {
    fn check<T>(&mut self, field: impl Into<String>, r: Result<T, String>) -> Option<T> {
        r.map_err(|problem| {
            self.0.push(InputError {
                field: field.into(),
                problem,
            })
        })
        .ok()
    }
    fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, InputErrors> {
        if self.0.is_empty() {
            value().ok_or_else(|| {
                InputErrors(vec![InputError {
                    field: "input".into(),
                    problem: "invalid".into(),
                }])
            })
        } else {
            Err(InputErrors(self.0))
        }
    }
}

/// Deserializes a wire message, turning a serde failure into an error at the exact JSON path.
fn wire<T: DeserializeOwned>(json: &serde_json::Value) -> Result<T, InputErrors> {
    if !json.is_object() {
        return Err(InputErrors(vec![InputError {
            field: "input".into(),
            problem: format!("expected a JSON object, got {}", kind_of(json)),
        }]));
    }
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "input".to_string()
        } else {
            path
        };
        InputErrors(vec![InputError {
            field,
            problem: e.into_inner().to_string(),
        }])
    })
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn instant(ts: Option<&pbjson_types::Timestamp>) -> Result<DateTime<Utc>, String> {
    let ts = ts.ok_or("missing")?;
    let nanos = u32::try_from(ts.nanos).map_err(|_| "negative nanos".to_string())?;
    DateTime::from_timestamp(ts.seconds, nanos).ok_or_else(|| "out of range".into())
}

fn bounded_text(s: &str, max: usize, required: bool) -> Result<String, String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err("missing".into());
    }
    if t.chars().count() > max {
        return Err(format!("longer than {max} characters"));
    }
    Ok(t.to_string())
}

fn schedule(
    c: &mut Checker,
    start: Option<&pbjson_types::Timestamp>,
    end: Option<&pbjson_types::Timestamp>,
) -> Option<Schedule> {
    let start = c.check("start", instant(start));
    let end = c.check("end", instant(end));
    let (start, end) = (start?, end?);
    c.check("end", Schedule::new(start, end))
}

fn optional_with_default<T>(
    s: &str,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    if s.trim().is_empty() {
        Ok(default)
    } else {
        parse(s.trim())
    }
}

fn person(c: &mut Checker, i: usize, p: &v1::Participant, fallback_tz: TimeZone) -> Option<Person> {
    let at = |f: &str| format!("participants[{i}].{f}");
    let role = c.check(
        at("role"),
        match v1::ParticipantRole::try_from(p.role) {
            Ok(v1::ParticipantRole::ClientContact) => Ok(Role::ClientContact),
            Ok(v1::ParticipantRole::Technician) => Ok(Role::Technician),
            Ok(v1::ParticipantRole::ExtraAttendee) => Ok(Role::ExtraAttendee),
            _ => Err("missing; one of PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE".to_string()),
        },
    );
    let email = c.check(at("email"), EmailAddress::parse(&p.email));
    let display_name = c.check(at("displayName"), bounded_text(&p.display_name, 255, false));
    let time_zone = c.check(
        at("timeZone"),
        optional_with_default(&p.time_zone, fallback_tz, TimeZone::parse),
    );
    let locale = c.check(
        at("locale"),
        optional_with_default(&p.locale, Locale::english(), Locale::parse),
    );
    let email = email?;
    let display_name = display_name.map(|n| if n.is_empty() { email.to_string() } else { n })?;
    Some(Person {
        role: role?,
        email,
        display_name,
        time_zone: time_zone?,
        locale: locale?,
    })
}

/// Parses the `AppointmentLifecycle` input.
pub fn approval(json: &serde_json::Value) -> Result<Approval, InputErrors> {
    let w: v1::AppointmentApproved = wire(json)?;
    let mut c = Checker::default();
    let tenant_id = c.check("tenantId", TenantId::parse(&w.tenant_id));
    let appointment_id = c.check("appointmentId", AppointmentId::parse(&w.appointment_id));
    let title = c.check("title", bounded_text(&w.title, MAX_TITLE_CHARS, true));
    let description = c.check(
        "description",
        bounded_text(&w.description, MAX_DESCRIPTION_CHARS, false),
    );
    let schedule = schedule(&mut c, w.start.as_ref(), w.end.as_ref());
    let organizer_tz = c.check(
        "organizerTimeZone",
        optional_with_default(&w.organizer_time_zone, TimeZone::UTC, TimeZone::parse),
    );
    let fallback_tz = organizer_tz.unwrap_or(TimeZone::UTC);
    let people: Vec<Option<Person>> = w
        .participants
        .iter()
        .enumerate()
        .map(|(i, p)| person(&mut c, i, p, fallback_tz))
        .collect();
    let participants = if people.iter().all(Option::is_some) {
        match Participants::new(people.into_iter().flatten().collect()) {
            Ok(p) => Some(p),
            Err((idx, problem)) => {
                let field = idx.map_or("participants".to_string(), |i| {
                    format!("participants[{i}].email")
                });
                c.check::<()>(field, Err(problem));
                None
            }
        }
    } else {
        None
    };
    c.finish(|| {
        Some(Approval {
            tenant_id: tenant_id?,
            appointment_id: appointment_id?,
            title: title?,
            description: description?,
            schedule: schedule?,
            organizer_time_zone: organizer_tz?,
            participants: participants?,
            generate_teams_meeting: w.generate_teams_meeting,
            send_invites: w.send_invites,
        })
    })
}

/// Parses the `reschedule` update's input. Rules that need workflow state (a start in the past,
/// a cancelled appointment) are checked by the workflow's validator.
pub fn reschedule(json: &serde_json::Value) -> Result<RescheduleRequest, InputErrors> {
    let w: v1::Reschedule = wire(json)?;
    let mut c = Checker::default();
    let schedule = schedule(&mut c, w.start.as_ref(), w.end.as_ref());
    let reason = c.check(
        "reason",
        bounded_text(&w.reason, MAX_DESCRIPTION_CHARS, false),
    );
    c.finish(|| {
        Some(RescheduleRequest {
            schedule: schedule?,
            reason: reason?,
        })
    })
}

/// Parses the `cancel` signal/update input; an absent or empty input means "no reason given".
pub fn cancel_reason(json: &serde_json::Value) -> Result<String, InputErrors> {
    if json.is_null() {
        return Ok(String::new());
    }
    let w: v1::Cancel = wire(json)?;
    let mut c = Checker::default();
    let reason = c.check(
        "reason",
        bounded_text(&w.reason, MAX_DESCRIPTION_CHARS, false),
    );
    c.finish(|| reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> serde_json::Value {
        json!({
            "tenantId": "acme",
            "appointmentId": "apt-1",
            "title": "Quarterly review",
            "start": "2030-01-02T10:00:00Z",
            "end": "2030-01-02T11:00:00Z",
            "organizerTimeZone": "Europe/Berlin",
            "participants": [
                {"role": "PARTICIPANT_ROLE_CLIENT_CONTACT", "email": "c@client.example", "displayName": "Carla", "timeZone": "America/New_York", "locale": "en-us"},
                {"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": "t@msp.example", "displayName": "Tom", "locale": "de"}
            ],
            "generateTeamsMeeting": true
        })
    }

    fn errors(v: serde_json::Value) -> String {
        approval(&v).unwrap_err().to_string()
    }

    #[test]
    fn accepts_the_documented_example() {
        let a = approval(&sample()).unwrap();
        assert_eq!(a.tenant_id.as_str(), "acme");
        assert_eq!(a.participants.technician().locale.as_str(), "de");
        assert_eq!(a.participants.client().unwrap().locale.as_str(), "en-US");
        // A participant without a timezone inherits the organizer's.
        assert_eq!(
            a.participants.technician().time_zone,
            TimeZone::parse("Europe/Berlin").unwrap()
        );
        assert_eq!(a.send_invites, None);
        assert!(a.generate_teams_meeting);
        // The model round-trips through its own JSON (workflow state, activity payloads).
        let back: Approval = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn names_every_bad_field() {
        let mut v = sample();
        v["participants"][0]["email"] = json!("");
        v["end"] = json!("2030-01-02T09:00:00Z");
        v["organizerTimeZone"] = json!("Mars/Olympus");
        let e = errors(v);
        assert!(e.contains("participants[0].email: missing"), "{e}");
        assert!(
            e.contains("end: end (2030-01-02 09:00:00 UTC) must be after start"),
            "{e}"
        );
        assert!(
            e.contains("organizerTimeZone: unknown timezone \"Mars/Olympus\""),
            "{e}"
        );
    }

    #[test]
    fn wrong_json_types_name_the_path() {
        let mut v = sample();
        v["participants"][1]["email"] = json!(42);
        let e = errors(v);
        assert!(
            e.starts_with("invalid input: participants[1].email: invalid type: integer `42`"),
            "{e}"
        );
        assert!(errors(json!("just a string")).contains("expected a JSON object, got a string"));
        let mut v = sample();
        v["start"] = json!("tomorrow");
        assert!(errors(v).contains("start: "));
    }

    #[test]
    fn missing_fields_and_roles() {
        let e = errors(json!({"tenantId": "acme"}));
        for f in [
            "appointmentId: missing",
            "title: missing",
            "start: missing",
            "end: missing",
            "participants: needs exactly one PARTICIPANT_ROLE_TECHNICIAN, got 0",
        ] {
            assert!(e.contains(f), "{f} not in {e}");
        }
        let mut v = sample();
        v["participants"][0]["role"] = json!("PARTICIPANT_ROLE_UNSPECIFIED");
        assert!(errors(v).contains("participants[0].role: missing"));
    }

    #[test]
    fn rejects_duplicates_and_unsafe_ids() {
        let mut v = sample();
        v["participants"][1]["email"] = json!("C@Client.example");
        assert!(
            errors(v).contains(
                "participants[1].email: email C@Client.example is already participants[0]"
            )
        );
        let mut v = sample();
        v["appointmentId"] = json!("a/b");
        assert!(errors(v).contains("appointmentId: contains '/'"));
        let mut v = sample();
        v["participants"][0]["email"] = json!("x@y.example\r\nBcc: evil@z.example");
        assert!(errors(v).contains("participants[0].email"));
    }

    #[test]
    fn enum_values_may_be_numbers_and_unknown_fields_are_ignored() {
        let mut v = sample();
        v["participants"][1]["role"] = json!(2);
        v["somethingNew"] = json!({"x": 1});
        assert!(approval(&v).is_ok());
    }

    #[test]
    fn reschedule_and_cancel_inputs() {
        let r = reschedule(&json!({"start": "2030-01-03T10:00:00Z", "end": "2030-01-03T10:30:00Z", "reason": "clash"})).unwrap();
        assert_eq!(r.reason, "clash");
        assert!(
            reschedule(&json!({"start": "2030-01-03T10:00:00Z"}))
                .unwrap_err()
                .to_string()
                .contains("end: missing")
        );
        assert_eq!(cancel_reason(&serde_json::Value::Null).unwrap(), "");
        assert_eq!(
            cancel_reason(&json!({"reason": " no longer needed "})).unwrap(),
            "no longer needed"
        );
    }
}
