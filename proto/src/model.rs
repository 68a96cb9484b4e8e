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

/// How a rejected value is shown in a problem: quoted and escaped (so control characters never
/// reach a failure message or a log line raw), cut after 64 characters (so a 60 KiB value does
/// not become a 60 KiB failure message).
pub fn quoted(s: &str) -> String {
    const SHOWN: usize = 64;
    match s.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

fn check_id(s: &str, max: usize, extra: &[char]) -> Result<String, Problem> {
    if s.is_empty() {
        return Err("missing".into());
    }
    // Ids end up in workflow ids (`appointment/{tenant}/{appointment}`), object keys and mail
    // headers, so the alphabet is deliberately narrow: no '/', whitespace or control characters.
    // It is checked first, so the length below counts ASCII characters.
    if let Some(c) = s.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.' || extra.contains(c))
    }) {
        let allowed: String = ['-', '_', '.']
            .iter()
            .chain(extra)
            .map(|c| format!(" {c}"))
            .collect();
        return Err(format!(
            "contains {c:?}; allowed are letters, digits and{allowed}"
        ));
    }
    if s.len() > max {
        return Err(format!("longer than {max} characters"));
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
            return Err(format!("{} is not a valid email address", quoted(s)));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(format!("{} is not a valid email address (no @)", quoted(s)));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok {
            return Err(format!("{} is not a valid email address", quoted(s)));
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
            format!(
                "unknown timezone {}; use an IANA name such as \"Europe/Berlin\"",
                quoted(s)
            )
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
        let bad = || {
            format!(
                "{} is not a language tag such as \"en\" or \"de-DE\"",
                quoted(s)
            )
        };
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

/// The limits and alphabet of one free-text field. The text is trimmed; a multi-line field keeps
/// `\n` and `\t` (a `\r\n` pair becomes `\n`, the line break every renderer downstream writes).
///
/// Why each refusal: control characters end headers and ICS content lines early (CR, LF) or
/// are silently dropped by mail clients; U+2028/U+2029 break lines in some renderers but not in
/// others; noncharacters are not meant for interchange; bidirectional controls in a one-line
/// field (a mail subject, a sender name) can make it read as something else ("Trojan Source").
/// Bytes are bounded as well as characters because headers, history and store columns are
/// measured in bytes: 3 bytes per character lets any text of the Basic Multilingual Plane reach
/// the character limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub max_chars: usize,
    pub max_bytes: usize,
    /// Line breaks and tabs allowed (descriptions, reasons); otherwise one line (titles, names).
    pub multiline: bool,
    pub required: bool,
}

/// `title`: Graph's subject limit is 255 characters; one line (mail Subject, ICS SUMMARY).
pub const TITLE: TextRule = TextRule {
    max_chars: 255,
    max_bytes: 765,
    multiline: false,
    required: true,
};
/// `description`: free text, bounded so one input cannot bloat history and mails.
pub const DESCRIPTION: TextRule = TextRule {
    max_chars: 8_000,
    max_bytes: 24_000,
    multiline: true,
    required: false,
};
/// `reason` of a reschedule or cancel: shown in the update mail.
pub const REASON: TextRule = DESCRIPTION;
/// `participants[].displayName`: a mail header display name and an ICS CN parameter.
pub const DISPLAY_NAME: TextRule = TextRule {
    max_chars: 255,
    max_bytes: 765,
    multiline: false,
    required: false,
};

impl TextRule {
    /// The checked, trimmed text (with `\r\n` as `\n` in a multi-line field).
    pub fn check(&self, s: &str) -> Result<String, Problem> {
        let mut t = s.trim().to_string();
        if self.multiline && t.contains('\r') {
            t = t.replace("\r\n", "\n");
        }
        if self.required && t.is_empty() {
            return Err("missing".into());
        }
        if let Some(c) = t.chars().find(|c| !self.allows(*c)) {
            return Err(format!(
                "contains U+{:04X} ({}), which is not allowed here",
                u32::from(c),
                char_class(c)
            ));
        }
        let chars = t.chars().count();
        if chars > self.max_chars {
            return Err(format!(
                "longer than {} characters (got {chars})",
                self.max_chars
            ));
        }
        if t.len() > self.max_bytes {
            return Err(format!(
                "longer than {} bytes of UTF-8 (got {})",
                self.max_bytes,
                t.len()
            ));
        }
        Ok(t)
    }

    fn allows(&self, c: char) -> bool {
        match c {
            '\n' | '\t' => self.multiline,
            _ if c.is_control() || is_line_separator(c) || is_noncharacter(c) => false,
            _ if is_bidi_control(c) => self.multiline,
            _ => true,
        }
    }
}

fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || (n & 0xFFFE) == 0xFFFE
}
fn char_class(c: char) -> &'static str {
    if c.is_control() {
        "a control character"
    } else if is_line_separator(c) {
        "a line or paragraph separator"
    } else if is_bidi_control(c) {
        "a bidirectional control"
    } else {
        "a noncharacter"
    }
}

/// The earliest and latest instants an input may carry: the range of a proto3 JSON `Timestamp`
/// (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z). Far from chrono's limits (year
/// ±262,143), so end + any configured grace or capture window cannot overflow.
pub fn earliest_instant() -> DateTime<Utc> {
    DateTime::from_timestamp(-62_135_596_800, 0).expect("in chrono's range")
}
pub fn latest_instant() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 999_999_999).expect("in chrono's range")
}

/// Checks that `t` lies within [`earliest_instant`]..=[`latest_instant`].
pub fn in_timestamp_range(t: DateTime<Utc>) -> Result<DateTime<Utc>, Problem> {
    if t < earliest_instant() || t > latest_instant() {
        return Err(format!(
            "{t} is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z"
        ));
    }
    Ok(t)
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
        in_timestamp_range(start)?;
        in_timestamp_range(end)?;
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

/// The most participants one appointment may have: every one gets mails (one activity each) and
/// appears in the Graph event, so the count bounds an approval's work and its history. Fixed here,
/// not configured, because the workflow checks it: a rule the workflow applies must give the same
/// answer on every replay and in the CLI, so it cannot come from a worker's configuration.
pub const MAX_PARTICIPANTS: usize = 50;

/// The people of an appointment: 1 to [`MAX_PARTICIPANTS`], exactly one technician, at most one
/// client contact, any extra attendees; no email address twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Person>", into = "Vec<Person>")]
pub struct Participants(Vec<Person>);
impl Participants {
    /// Checks the count, the roles and uniqueness; on failure says what is wrong with which entry
    /// (by index; `None`: the list as a whole), every problem at once.
    pub fn new(people: Vec<Person>) -> Result<Self, Vec<(Option<usize>, Problem)>> {
        let roles: Vec<Option<Role>> = people.iter().map(|p| Some(p.role)).collect();
        let emails: Vec<Option<&EmailAddress>> = people.iter().map(|p| Some(&p.email)).collect();
        let problems = Self::problems(&roles, &emails);
        if problems.is_empty() {
            Ok(Self(people))
        } else {
            Err(problems)
        }
    }

    /// The list's rules, applied to what is known of each entry (`None`: that entry's role or
    /// email did not parse, and was reported on its own): the count always, the role counts only
    /// when every role is known (a missing technician may be the one whose role was misspelt),
    /// duplicates among the emails that parsed.
    pub fn problems(
        roles: &[Option<Role>],
        emails: &[Option<&EmailAddress>],
    ) -> Vec<(Option<usize>, Problem)> {
        let mut problems = Vec::new();
        if roles.len() > MAX_PARTICIPANTS {
            problems.push((
                None,
                format!(
                    "at most {MAX_PARTICIPANTS} participants, got {}",
                    roles.len()
                ),
            ));
        }
        if let Some(roles) = roles.iter().copied().collect::<Option<Vec<Role>>>() {
            let count = |r: Role| roles.iter().filter(|x| **x == r).count();
            if count(Role::Technician) != 1 {
                problems.push((
                    None,
                    format!(
                        "needs exactly one PARTICIPANT_ROLE_TECHNICIAN, got {}",
                        count(Role::Technician)
                    ),
                ));
            }
            if count(Role::ClientContact) > 1 {
                problems.push((
                    None,
                    format!(
                        "at most one PARTICIPANT_ROLE_CLIENT_CONTACT, got {}",
                        count(Role::ClientContact)
                    ),
                ));
            }
        }
        for (i, e) in emails.iter().enumerate() {
            let Some(e) = e else { continue };
            if let Some(j) = emails[..i]
                .iter()
                .position(|q| q.is_some_and(|q| q.normalized() == e.normalized()))
            {
                problems.push((Some(i), format!("email {e} is already participants[{j}]")));
            }
        }
        problems
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
        Self::new(v).map_err(|problems| {
            problems
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
                .join("; ")
        })
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
