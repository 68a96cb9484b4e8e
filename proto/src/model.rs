//! Validated domain types. Each type's constructor is the only place its rule is checked, so
//! a value in workflow state or an activity payload is valid by construction.
//!
//! All types serialize to plain JSON (they travel in Temporal payloads) and deserialize through
//! the same checks (`#[serde(try_from = ...)]`), so even a hand-edited history cannot smuggle in
//! an invalid value.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Why a single value was rejected; the caller adds the field name.
pub type Problem = String;

/// For a `struct T(String)` with `fn parse(&str) -> Result<T, String>`: serde through `parse`
/// (`#[serde(try_from = "String", into = "String")]`), `Display` and `as_str`.
#[macro_export]
macro_rules! string_newtype_serde {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $t::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

fn check_id(s: &str, max: usize, extra: &[char]) -> Result<String, Problem> {
    if s.is_empty() {
        return Err("missing".into());
    }
    if s.len() > max {
        return Err(format!("longer than {max} characters"));
    }
    // Ids end up in workflow ids (`appointment/{tenant}/{appointment}`), object keys and mail
    // headers, so the alphabet is deliberately narrow: no '/', whitespace or control characters.
    if let Some(c) = s.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.' || extra.contains(c))
    }) {
        return Err(format!(
            "contains {c:?}; allowed are letters, digits and - _ . {}",
            extra.iter().collect::<String>()
        ));
    }
    Ok(s.to_string())
}

/// A PSA tenant id: 1-64 characters of `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);
string_newtype_serde!(TenantId);
impl TenantId {
    pub fn parse(s: &str) -> Result<Self, Problem> {
        check_id(s, 64, &[]).map(Self)
    }
}

/// A PSA appointment id: 1-128 characters of `[A-Za-z0-9._:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppointmentId(String);
string_newtype_serde!(AppointmentId);
impl AppointmentId {
    pub fn parse(s: &str) -> Result<Self, Problem> {
        check_id(s, 128, &[':']).map(Self)
    }
}

/// A mailbox address (`local@domain`), trimmed; compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);
string_newtype_serde!(EmailAddress);
impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let s = s.trim();
        if s.is_empty() {
            return Err("missing".into());
        }
        if s.len() > 254 {
            return Err("longer than 254 characters".into());
        }
        // Addresses go into SMTP envelopes, mail headers and ICS parameters: anything that could
        // break out of those (whitespace, CR/LF, quotes, angle brackets) is refused here.
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c))
        {
            return Err(format!("{s:?} is not a valid email address"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(format!("{s:?} is not a valid email address (no @)"));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok {
            return Err(format!("{s:?} is not a valid email address"));
        }
        Ok(Self(s.to_string()))
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The key used to decide that two participants are the same person.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// An IANA timezone name known to the tz database (`Europe/Berlin`, `UTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);
impl TimeZone {
    pub const UTC: TimeZone = TimeZone(chrono_tz::UTC);
    pub fn parse(s: &str) -> Result<Self, Problem> {
        s.parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            format!("unknown timezone {s:?}; use an IANA name such as \"Europe/Berlin\"")
        })
    }
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}
impl TryFrom<String> for TimeZone {
    type Error = Problem;
    fn try_from(s: String) -> Result<Self, Problem> {
        Self::parse(&s)
    }
}
impl From<TimeZone> for String {
    fn from(t: TimeZone) -> String {
        t.0.name().to_string()
    }
}

/// A BCP 47 language tag, normalised to `ll` or `ll-RR` (`de-DE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);
string_newtype_serde!(Locale);
impl Locale {
    pub fn english() -> Self {
        Self("en".into())
    }
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let bad = || format!("{s:?} is not a language tag such as \"en\" or \"de-DE\"");
        let mut parts = s.split(['-', '_']);
        let lang = parts.next().unwrap_or_default();
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut out = lang.to_ascii_lowercase();
        for sub in parts {
            if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            out.push('-');
            if sub.len() == 2 {
                out.push_str(&sub.to_ascii_uppercase());
            } else {
                out.push_str(sub);
            }
        }
        Ok(Self(out))
    }
    /// The primary language subtag (`de` for `de-AT`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or("en")
    }
}

/// The longest appointment we accept; longer is almost certainly a unit mistake upstream.
pub const MAX_DURATION_HOURS: i64 = 24;

/// A start/end pair with `start < end` and at most [`MAX_DURATION_HOURS`] between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawSchedule")]
pub struct Schedule {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}
#[derive(Deserialize)]
struct RawSchedule {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}
impl TryFrom<RawSchedule> for Schedule {
    type Error = Problem;
    fn try_from(r: RawSchedule) -> Result<Self, Problem> {
        Schedule::new(r.start, r.end)
    }
}
impl Schedule {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, Problem> {
        if end <= start {
            return Err(format!("end ({end}) must be after start ({start})"));
        }
        if end - start > Duration::hours(MAX_DURATION_HOURS) {
            return Err(format!(
                "the appointment lasts longer than {MAX_DURATION_HOURS} hours"
            ));
        }
        Ok(Self { start, end })
    }
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ClientContact,
    Technician,
    ExtraAttendee,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub role: Role,
    pub email: EmailAddress,
    pub display_name: String,
    pub time_zone: TimeZone,
    pub locale: Locale,
}

/// The people of an appointment: exactly one technician, at most one client contact, any extra
/// attendees; no email address twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Person>", into = "Vec<Person>")]
pub struct Participants(Vec<Person>);
impl Participants {
    /// Checks the role counts and uniqueness; on failure says which entry (by index) is wrong.
    pub fn new(people: Vec<Person>) -> Result<Self, (Option<usize>, Problem)> {
        let count = |r: Role| people.iter().filter(|p| p.role == r).count();
        if count(Role::Technician) != 1 {
            return Err((
                None,
                format!(
                    "needs exactly one PARTICIPANT_ROLE_TECHNICIAN, got {}",
                    count(Role::Technician)
                ),
            ));
        }
        if count(Role::ClientContact) > 1 {
            return Err((
                None,
                format!(
                    "at most one PARTICIPANT_ROLE_CLIENT_CONTACT, got {}",
                    count(Role::ClientContact)
                ),
            ));
        }
        for (i, p) in people.iter().enumerate() {
            if let Some(j) = people[..i]
                .iter()
                .position(|q| q.email.normalized() == p.email.normalized())
            {
                return Err((
                    Some(i),
                    format!("email {} is already participants[{j}]", p.email),
                ));
            }
        }
        Ok(Self(people))
    }
    pub fn all(&self) -> &[Person] {
        &self.0
    }
    pub fn technician(&self) -> &Person {
        self.0
            .iter()
            .find(|p| p.role == Role::Technician)
            .expect("checked in new")
    }
    pub fn client(&self) -> Option<&Person> {
        self.0.iter().find(|p| p.role == Role::ClientContact)
    }
}
impl TryFrom<Vec<Person>> for Participants {
    type Error = Problem;
    fn try_from(v: Vec<Person>) -> Result<Self, Problem> {
        Self::new(v).map_err(|(_, p)| p)
    }
}
impl From<Participants> for Vec<Person> {
    fn from(p: Participants) -> Self {
        p.0
    }
}

/// A validated approval: the input of `AppointmentLifecycle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub title: String,
    pub description: String,
    pub schedule: Schedule,
    pub organizer_time_zone: TimeZone,
    pub participants: Participants,
    pub generate_teams_meeting: bool,
    /// `None`: follow the tenant's `send_invites` setting.
    pub send_invites: Option<bool>,
}

/// A validated reschedule request (the update's input).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleRequest {
    pub schedule: Schedule,
    pub reason: String,
}
