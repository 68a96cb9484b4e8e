//! From wire JSON to validated model types, with errors that name every offending field.
//!
//! The workflows take their input as a raw JSON value and call these functions, instead of
//! letting the SDK deserialize a typed input: the SDK retries a workflow task forever on a
//! deserialization error and logs nothing useful, whereas this way the workflow fails at once
//! with `invalid_input: participants[0].email: missing`.
//!
//! The input is read field by field from the JSON value rather than deserialized into the
//! generated wire types in one go: a typed deserializer stops at the first wrong type, so one
//! unparseable timestamp would hide every other mistake. Reading by hand keeps the proto3 JSON
//! mapping the wire types implement: lowerCamelCase names (the proto field names are accepted
//! too), `null` for "not given", enum values by name or number, RFC 3339 timestamps, unknown
//! fields ignored.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::model::{
    self, AppointmentId, Approval, EmailAddress, Locale, Participants, Person, Problem,
    RescheduleRequest, Role, Schedule, TenantId, TextRule, TimeZone, quoted,
};
use crate::v1;

/// The largest input accepted, measured as its compact JSON (what every Temporal SDK sends).
/// Well above any real approval (50 participants and a full description take about 35 KiB),
/// well below Temporal's 2 MiB payload limit; it keeps one input from bloating the history,
/// the state query and every activity payload that carries the approval.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// At most this many problems are spelled out in one message; the rest are counted, so a list
/// of a thousand bad participants still gives a failure message of bounded size.
pub const MAX_SHOWN_PROBLEMS: usize = 50;

/// How the message of every input refusal begins (the workflow's failure, the update
/// validator's rejection): what tells a PSA "fix the input" from "the rules refused it".
pub const INVALID_INPUT: &str = "invalid input: ";

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

impl InputErrors {
    fn one(field: &str, problem: impl Into<String>) -> Self {
        Self(vec![InputError {
            field: field.into(),
            problem: problem.into(),
        }])
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(INVALID_INPUT)?;
        for (i, e) in self.0.iter().take(MAX_SHOWN_PROBLEMS).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() > MAX_SHOWN_PROBLEMS {
            write!(
                f,
                "; … and {} more problems",
                self.0.len() - MAX_SHOWN_PROBLEMS
            )?;
        }
        Ok(())
    }
}
impl std::error::Error for InputErrors {}

/// Collects field errors while a message is being checked.
#[derive(Default)]
struct Checker(Vec<InputError>);

impl Checker {
    fn check<T>(&mut self, field: impl Into<String>, r: Result<T, Problem>) -> Option<T> {
        r.map_err(|problem| {
            self.0.push(InputError {
                field: field.into(),
                problem,
            })
        })
        .ok()
    }
    fn report(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(InputError {
            field: field.into(),
            problem: problem.into(),
        });
    }
    fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, InputErrors> {
        if self.0.is_empty() {
            value().ok_or_else(|| InputErrors::one("input", "invalid"))
        } else {
            Err(InputErrors(self.0))
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The proto field name of a lowerCamelCase JSON name (`tenantId` → `tenant_id`), which proto3
/// JSON parsers accept as well.
fn proto_name(json_name: &str) -> String {
    let mut out = String::with_capacity(json_name.len() + 4);
    for c in json_name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The length of `v` as compact JSON, without building the text.
fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` to a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, v);
    count.0
}

/// One JSON object of the input, read field by field; `at` is its path prefix
/// (`""`, `participants[2].`).
struct Object<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

/// A field that could not be read; its problem has been reported.
struct Reported;

impl<'a> Object<'a> {
    /// The whole input: a JSON object of at most [`MAX_INPUT_BYTES`]. Anything else is the one
    /// problem reported (an oversized input is not read further).
    fn input(json: &'a Value) -> Result<Self, InputErrors> {
        let Value::Object(map) = json else {
            return Err(InputErrors::one(
                "input",
                format!("expected a JSON object, got {}", kind_of(json)),
            ));
        };
        let size = json_len(json);
        if size > MAX_INPUT_BYTES {
            return Err(InputErrors::one(
                "input",
                format!("larger than {MAX_INPUT_BYTES} bytes of JSON (got {size})"),
            ));
        }
        Ok(Self {
            map,
            at: String::new(),
        })
    }

    /// The object at `path` inside the input, or its problem reported.
    fn nested(c: &mut Checker, path: String, v: &'a Value) -> Option<Self> {
        match v {
            Value::Object(map) => Some(Self {
                map,
                at: format!("{path}."),
            }),
            other => {
                c.report(path, format!("expected an object, got {}", kind_of(other)));
                None
            }
        }
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.at)
    }

    /// The field's value; `None` when absent or `null` (proto3 JSON: the default).
    fn get(&self, c: &mut Checker, name: &str) -> Result<Option<&'a Value>, Reported> {
        let alias = proto_name(name);
        let given = |k: &str| self.map.get(k).filter(|v| !v.is_null());
        match (given(name), given(&alias)) {
            (Some(_), Some(_)) if alias != name => {
                c.report(
                    self.path(name),
                    format!("given twice, as {name} and {alias}"),
                );
                Err(Reported)
            }
            (v, alias_v) => Ok(v.or(alias_v)),
        }
    }

    /// A string field; absent is `""` (proto3's default).
    fn text(&self, c: &mut Checker, name: &str) -> Result<&'a str, Reported> {
        match self.get(c, name)? {
            None => Ok(""),
            Some(Value::String(s)) => Ok(s),
            Some(other) => {
                c.report(
                    self.path(name),
                    format!("expected a string, got {}", kind_of(other)),
                );
                Err(Reported)
            }
        }
    }

    /// A string field through `parse`, its problem reported under the field's path.
    fn parsed<T>(
        &self,
        c: &mut Checker,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        let s = self.text(c, name).ok()?;
        c.check(self.path(name), parse(s))
    }

    /// A free-text field under its [`TextRule`].
    fn free_text(&self, c: &mut Checker, name: &str, rule: TextRule) -> Option<String> {
        self.parsed(c, name, |s| rule.check(s))
    }

    /// A `bool` field; `None` when absent.
    fn flag(&self, c: &mut Checker, name: &str) -> Result<Option<bool>, Reported> {
        match self.get(c, name)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => {
                c.report(
                    self.path(name),
                    format!("expected true or false, got {}", kind_of(other)),
                );
                Err(Reported)
            }
        }
    }

    /// A `google.protobuf.Timestamp` field: an RFC 3339 string in the proto3 JSON range.
    fn instant(&self, c: &mut Checker, name: &str) -> Option<DateTime<Utc>> {
        let r = match self.get(c, name).ok()? {
            None => Err("missing".to_string()),
            Some(Value::String(s)) => instant(s),
            Some(other) => Err(format!(
                "expected an RFC 3339 timestamp string, got {}",
                kind_of(other)
            )),
        };
        c.check(self.path(name), r)
    }

    /// A repeated field; absent is empty.
    fn list(&self, c: &mut Checker, name: &str) -> Option<&'a [Value]> {
        match self.get(c, name).ok()? {
            None => Some(&[]),
            Some(Value::Array(items)) => Some(items),
            Some(other) => {
                c.report(
                    self.path(name),
                    format!("expected an array, got {}", kind_of(other)),
                );
                None
            }
        }
    }
}

fn instant(s: &str) -> Result<DateTime<Utc>, Problem> {
    let t = DateTime::parse_from_rfc3339(s).map_err(|_| {
        format!(
            "{} is not an RFC 3339 timestamp such as \"2030-01-02T10:00:00Z\"",
            quoted(s)
        )
    })?;
    model::in_timestamp_range(t.with_timezone(&Utc))
}

fn schedule(c: &mut Checker, o: &Object<'_>) -> Option<Schedule> {
    let start = o.instant(c, "start");
    let end = o.instant(c, "end");
    let (start, end) = (start?, end?);
    c.check(o.path("end"), Schedule::new(start, end))
}

fn optional_with_default<T>(
    s: &str,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, Problem>,
) -> Result<T, Problem> {
    if s.trim().is_empty() {
        Ok(default)
    } else {
        parse(s.trim())
    }
}

const ROLES: &str =
    "PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE";

/// A `ParticipantRole`: its name or its number, as proto3 JSON allows.
fn role(v: Option<&Value>) -> Result<Role, Problem> {
    let wire = match v {
        None => Some(v1::ParticipantRole::Unspecified),
        Some(Value::String(name)) => v1::ParticipantRole::from_str_name(name),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .and_then(|n| v1::ParticipantRole::try_from(n).ok()),
        Some(other) => {
            return Err(format!(
                "expected a role name or number, got {}",
                kind_of(other)
            ));
        }
    };
    match wire {
        Some(v1::ParticipantRole::ClientContact) => Ok(Role::ClientContact),
        Some(v1::ParticipantRole::Technician) => Ok(Role::Technician),
        Some(v1::ParticipantRole::ExtraAttendee) => Ok(Role::ExtraAttendee),
        Some(v1::ParticipantRole::Unspecified) => Err(format!("missing; one of {ROLES}")),
        None => Err(format!(
            "unknown role {}; one of {ROLES}",
            v.map_or_else(String::new, Value::to_string)
                .chars()
                .take(64)
                .collect::<String>()
        )),
    }
}

/// What could be read of one participant; each `None` has been reported.
struct PersonParts {
    role: Option<Role>,
    email: Option<EmailAddress>,
    rest: Option<(String, TimeZone, Locale)>,
}

impl PersonParts {
    fn person(self) -> Option<Person> {
        let (display_name, time_zone, locale) = self.rest?;
        let email = self.email?;
        Some(Person {
            role: self.role?,
            display_name: if display_name.is_empty() {
                email.to_string()
            } else {
                display_name
            },
            email,
            time_zone,
            locale,
        })
    }
}

fn person(c: &mut Checker, i: usize, v: &Value, fallback_tz: TimeZone) -> PersonParts {
    let Some(p) = Object::nested(c, format!("participants[{i}]"), v) else {
        return PersonParts {
            role: None,
            email: None,
            rest: None,
        };
    };
    let role = p
        .get(c, "role")
        .ok()
        .and_then(|v| c.check(p.path("role"), role(v)));
    let email = p.parsed(c, "email", EmailAddress::parse);
    let display_name = p.free_text(c, "displayName", model::DISPLAY_NAME);
    let time_zone = p.parsed(c, "timeZone", |s| {
        optional_with_default(s, fallback_tz, TimeZone::parse)
    });
    let locale = p.parsed(c, "locale", |s| {
        optional_with_default(s, Locale::english(), Locale::parse)
    });
    PersonParts {
        role,
        email,
        rest: display_name
            .zip(time_zone)
            .zip(locale)
            .map(|((d, t), l)| (d, t, l)),
    }
}

fn participants(c: &mut Checker, o: &Object<'_>, fallback_tz: TimeZone) -> Option<Participants> {
    let list = o.list(c, "participants")?;
    let parts: Vec<PersonParts> = list
        .iter()
        .enumerate()
        .map(|(i, v)| person(c, i, v, fallback_tz))
        .collect();
    let roles: Vec<Option<Role>> = parts.iter().map(|p| p.role).collect();
    let emails: Vec<Option<&EmailAddress>> = parts.iter().map(|p| p.email.as_ref()).collect();
    let problems = Participants::problems(&roles, &emails);
    let clean = problems.is_empty();
    for (index, problem) in problems {
        let field = index.map_or_else(
            || o.path("participants"),
            |i| o.path(&format!("participants[{i}].email")),
        );
        c.report(field, problem);
    }
    let people: Option<Vec<Person>> = parts.into_iter().map(PersonParts::person).collect();
    // The same rules as `problems` above, so this only fails when something was reported.
    Participants::new(people?).ok().filter(|_| clean)
}

/// Parses the `AppointmentLifecycle` input.
pub fn approval(json: &Value) -> Result<Approval, InputErrors> {
    let o = Object::input(json)?;
    let mut checker = Checker::default();
    let c = &mut checker;
    let tenant_id = o.parsed(c, "tenantId", TenantId::parse);
    let appointment_id = o.parsed(c, "appointmentId", AppointmentId::parse);
    let title = o.free_text(c, "title", model::TITLE);
    let description = o.free_text(c, "description", model::DESCRIPTION);
    let schedule = schedule(c, &o);
    let organizer_tz = o.parsed(c, "organizerTimeZone", |s| {
        optional_with_default(s, TimeZone::UTC, TimeZone::parse)
    });
    let participants = participants(c, &o, organizer_tz.unwrap_or(TimeZone::UTC));
    let generate_teams_meeting = o.flag(c, "generateTeamsMeeting");
    let send_invites = o.flag(c, "sendInvites");
    checker.finish(|| {
        Some(Approval {
            tenant_id: tenant_id?,
            appointment_id: appointment_id?,
            title: title?,
            description: description?,
            schedule: schedule?,
            organizer_time_zone: organizer_tz?,
            participants: participants?,
            generate_teams_meeting: generate_teams_meeting.ok()?.unwrap_or(false),
            send_invites: send_invites.ok()?,
        })
    })
}

/// Parses the `reschedule` update's input. Rules that need workflow state (a start in the past,
/// a cancelled appointment) are checked by the workflow's validator.
pub fn reschedule(json: &Value) -> Result<RescheduleRequest, InputErrors> {
    let o = Object::input(json)?;
    let mut c = Checker::default();
    let schedule = schedule(&mut c, &o);
    let reason = o.free_text(&mut c, "reason", model::REASON);
    c.finish(|| {
        Some(RescheduleRequest {
            schedule: schedule?,
            reason: reason?,
        })
    })
}

/// Parses the `cancel` signal/update input; an absent or empty input means "no reason given".
pub fn cancel_reason(json: &Value) -> Result<String, InputErrors> {
    if json.is_null() {
        return Ok(String::new());
    }
    let o = Object::input(json)?;
    let mut c = Checker::default();
    let reason = o.free_text(&mut c, "reason", model::REASON);
    c.finish(|| reason)
}

/// The bad-input corpus, shared with the end-to-end test.
#[cfg(test)]
#[path = "../../tests/corpus/mod.rs"]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every case of `tests/corpus/bad_input.jsonl` is refused naming exactly its expected
    /// fields, and the message names the same fields (what the e2e test and callers read).
    #[test]
    fn the_bad_input_corpus_names_exactly_the_expected_fields() {
        let cases = corpus::bad_input();
        assert!(cases.len() >= 50, "{} cases", cases.len());
        let mut wrong = Vec::new();
        for case in cases {
            let errors = match approval(&case.input) {
                Ok(_) => {
                    wrong.push(format!("{}: accepted", case.name));
                    continue;
                }
                Err(e) => e,
            };
            let mut named: Vec<String> = errors.0.iter().map(|e| e.field.clone()).collect();
            named.sort();
            named.dedup();
            let message = errors.to_string();
            if named != case.expect {
                wrong.push(format!(
                    "{}: expected {:?}, named {named:?} ({message})",
                    case.name, case.expect
                ));
            }
            assert_eq!(corpus::fields_named(&message), named, "{message}");
            assert!(message.len() < 4096, "{}: a bounded message", case.name);
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }

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

    /// The refusal of the sample with one change.
    fn error_when(change: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = sample();
        change(&mut v);
        errors(v)
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
        v["start"] = json!("tomorrow");
        v["participants"][0]["role"] = json!(true);
        v["sendInvites"] = json!("yes");
        // A wrong type no longer hides the other fields.
        assert_eq!(
            errors(v),
            "invalid input: start: \"tomorrow\" is not an RFC 3339 timestamp such as \"2030-01-02T10:00:00Z\"; \
             participants[0].role: expected a role name or number, got a boolean; \
             participants[1].email: expected a string, got a number; \
             sendInvites: expected true or false, got a string"
        );
        assert!(errors(json!("just a string")).contains("expected a JSON object, got a string"));
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
        // The role counts are not judged while a role is unknown: the bad role is the one error.
        assert_eq!(
            errors(v),
            "invalid input: participants[0].role: missing; one of PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE"
        );
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
        assert!(
            error_when(|v| v["appointmentId"] = json!("a/b"))
                .contains("appointmentId: contains '/'")
        );
        assert!(
            error_when(
                |v| v["participants"][0]["email"] = json!("x@y.example\r\nBcc: evil@z.example")
            )
            .contains("participants[0].email")
        );
    }

    #[test]
    fn the_proto3_json_mapping_is_kept() {
        let mut v = sample();
        // Enum values by number, unknown fields ignored, `null` as "not given", proto field
        // names as well as JSON names, timestamps with offsets and fractions.
        v["participants"][1]["role"] = json!(2);
        v["somethingNew"] = json!({"x": 1});
        v["description"] = json!(null);
        v["send_invites"] = json!(false);
        v["start"] = json!("2030-01-02T11:00:00.5+01:00");
        let a = approval(&v).unwrap();
        assert_eq!(a.send_invites, Some(false));
        assert_eq!(a.description, "");
        assert_eq!(
            a.schedule.start().to_rfc3339(),
            "2030-01-02T10:00:00.500+00:00"
        );
        v["sendInvites"] = json!(true);
        assert_eq!(
            errors(v),
            "invalid input: sendInvites: given twice, as sendInvites and send_invites"
        );
    }

    /// docs/contract.md shows this message; it must be what the parser says.
    #[test]
    fn the_documented_bad_input_message_is_the_parser_s() {
        let mut v = sample();
        v["start"] = json!("tomorrow");
        v["participants"][0]["email"] = json!(null);
        v["participants"][1]["role"] = json!("TECHNICIAN");
        let message = errors(v);
        assert_eq!(
            message,
            "invalid input: start: \"tomorrow\" is not an RFC 3339 timestamp such as \"2030-01-02T10:00:00Z\"; \
             participants[0].email: missing; participants[1].role: unknown role \"TECHNICIAN\"; \
             one of PARTICIPANT_ROLE_CLIENT_CONTACT, PARTICIPANT_ROLE_TECHNICIAN, PARTICIPANT_ROLE_EXTRA_ATTENDEE"
        );
        assert!(
            include_str!("../../docs/contract.md").contains(&format!("\n{message}\n")),
            "docs/contract.md shows another message"
        );
    }

    #[test]
    fn text_limits_count_characters_and_bytes() {
        let mut v = sample();
        v["title"] = json!("é".repeat(255));
        assert!(approval(&v).is_ok(), "255 two-byte characters fit");
        v["title"] = json!("😀".repeat(200));
        assert!(
            errors(v.clone()).contains("title: longer than 765 bytes of UTF-8 (got 800)"),
            "{}",
            errors(v)
        );
        assert!(
            error_when(|v| v["title"] = json!("Review\r\nBcc: x@y.example"))
                .contains("title: contains U+000D (a control character)")
        );
        let mut v = sample();
        v["description"] = json!("line one\r\nline two\n\tindented");
        assert_eq!(
            approval(&v).unwrap().description,
            "line one\nline two\n\tindented"
        );
        assert!(
            error_when(|v| v["participants"][0]["displayName"] = json!("Dana \u{202E}gpj.exe"))
                .contains("participants[0].displayName: contains U+202E")
        );
    }

    #[test]
    fn sizes_are_bounded() {
        let mut v = sample();
        let tech = v["participants"][1].clone();
        let extras: Vec<_> = (0..50)
            .map(|i| json!({"role": 3, "email": format!("x{i}@extra.example")}))
            .collect();
        v["participants"] = json!([tech].into_iter().chain(extras).collect::<Vec<_>>());
        assert_eq!(
            errors(v),
            "invalid input: participants: at most 50 participants, got 51"
        );
        let mut v = sample();
        v["padding"] = json!("x".repeat(MAX_INPUT_BYTES));
        assert!(errors(v).starts_with("invalid input: input: larger than 65536 bytes of JSON"));
        let many = InputErrors(
            (0..60)
                .map(|i| InputError {
                    field: format!("f{i}"),
                    problem: "bad".into(),
                })
                .collect(),
        );
        assert!(
            many.to_string()
                .ends_with("f49: bad; … and 10 more problems")
        );
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
