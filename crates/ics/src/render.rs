use chrono::{DateTime, Utc};

use crate::lexical::{ContentLine, fold_line};
use crate::model::{Attendee, CalAddress, CalendarInvite, Method};

/// Globally unique product identifier (RFC 5545 §3.7.3).
pub const PRODID: &str = "-//meetflow//Appointment Invitations 1.0//EN";

/// LOCATION of an event that has a Teams meeting; matches what Exchange writes for the Graph
/// event, so a merged item does not flip between two locations.
pub const TEAMS_LOCATION: &str = "Microsoft Teams Meeting";

/// Minutes before start at which the REQUEST's reminder fires.
const REMINDER_MINUTES: u32 = 15;

/// Renders the invite as a complete iCalendar object: CRLF line ends (including the last line),
/// folded at 75 octets, TEXT escaped, parameters quoted.
///
/// Times are always UTC (`Z`), so no VTIMEZONE is needed (RFC 5546 requires one only for TZID
/// references); recipients' clients show them in their own zone.
pub fn render(invite: &CalendarInvite) -> String {
    let mut doc = Document::default();
    doc.push(ContentLine::new("BEGIN").token("VCALENDAR"));
    doc.push(ContentLine::new("PRODID").text(PRODID));
    doc.push(ContentLine::new("VERSION").token("2.0"));
    doc.push(ContentLine::new("CALSCALE").token("GREGORIAN"));
    doc.push(ContentLine::new("METHOD").token(invite.method.as_str()));
    doc.push(ContentLine::new("BEGIN").token("VEVENT"));
    doc.push(ContentLine::new("UID").text(&invite.uid));
    doc.push(ContentLine::new("SEQUENCE").token(&invite.sequence.to_string()));
    doc.push(ContentLine::new("DTSTAMP").token(&utc(invite.dtstamp)));
    doc.push(ContentLine::new("DTSTART").token(&utc(invite.start)));
    doc.push(ContentLine::new("DTEND").token(&utc(invite.end)));
    doc.push(ContentLine::new("SUMMARY").text(&invite.summary));
    let description = description(invite);
    if !is_blank(&description) {
        doc.push(ContentLine::new("DESCRIPTION").text(&description));
    }
    if let Some(join_url) = &invite.join_url {
        doc.push(ContentLine::new("LOCATION").text(TEAMS_LOCATION));
        doc.push(ContentLine::new("URL").uri(join_url));
    }
    doc.push(organizer(&invite.organizer));
    for attendee in &invite.attendees {
        doc.push(attendee_line(attendee, invite.method));
    }
    doc.push(ContentLine::new("STATUS").token(status(invite.method)));
    doc.push(ContentLine::new("TRANSP").token("OPAQUE"));
    // RFC 5546 §3.2.5: a CANCEL carries no VALARM.
    if invite.method == Method::Request {
        doc.push(ContentLine::new("BEGIN").token("VALARM"));
        doc.push(ContentLine::new("ACTION").token("DISPLAY"));
        doc.push(ContentLine::new("DESCRIPTION").text(&invite.summary));
        doc.push(ContentLine::new("TRIGGER").token(&format!("-PT{REMINDER_MINUTES}M")));
        doc.push(ContentLine::new("END").token("VALARM"));
    }
    doc.push(ContentLine::new("END").token("VEVENT"));
    doc.push(ContentLine::new("END").token("VCALENDAR"));
    doc.out
}

/// The join line is appended to the caller's description so clients that ignore URL and
/// LOCATION (many do) still show a clickable link.
fn description(invite: &CalendarInvite) -> String {
    match &invite.join_url {
        None => invite.description.clone(),
        Some(url) if is_blank(&invite.description) => {
            format!("Join the Microsoft Teams meeting: {url}")
        }
        Some(url) => format!(
            "{}\n\nJoin the Microsoft Teams meeting: {url}",
            invite.description
        ),
    }
}

/// Nothing a reader would see: whitespace and control characters only.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c.is_control())
}

fn organizer(address: &CalAddress) -> String {
    ContentLine::new("ORGANIZER")
        .param_if_present("CN", &address.name)
        .uri(&mailto(&address.email))
}

fn attendee_line(attendee: &Attendee, method: Method) -> String {
    let line = ContentLine::new("ATTENDEE")
        .param("CUTYPE", "INDIVIDUAL")
        .param("ROLE", attendee.role.as_str());
    // A CANCEL asks for no reply (RFC 5546 §3.2.5), so it carries no RSVP request.
    let line = match method {
        Method::Request => line.param("PARTSTAT", "NEEDS-ACTION").param("RSVP", "TRUE"),
        Method::Cancel => line,
    };
    line.param_if_present("CN", &attendee.address.name)
        .uri(&mailto(&attendee.address.email))
}

fn mailto(email: &str) -> String {
    format!("mailto:{}", email.trim())
}

fn status(method: Method) -> &'static str {
    match method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

#[derive(Default)]
struct Document {
    out: String,
}

impl Document {
    fn push(&mut self, logical_line: String) {
        self.out.push_str(&fold_line(&logical_line));
        self.out.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AttendeeRole;
    use chrono::TimeZone;

    fn invite(method: Method, join_url: Option<&str>) -> CalendarInvite {
        CalendarInvite {
            method,
            uid: "appt-42@acme.example".into(),
            sequence: 1,
            dtstamp: Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap(),
            start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
            summary: "Consultation, follow-up".into(),
            description: String::new(),
            organizer: CalAddress {
                email: "scheduling@acme.example".into(),
                name: "Acme Scheduling".into(),
            },
            attendees: vec![Attendee {
                address: CalAddress {
                    email: "jane@example.com".into(),
                    name: "Jane Doe".into(),
                },
                role: AttendeeRole::Required,
            }],
            join_url: join_url.map(str::to_owned),
        }
    }

    fn lines(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn request_has_method_status_alarm_and_rsvp() {
        let ics = render(&invite(Method::Request, None));
        let lines = lines(&ics);
        assert!(lines.contains(&"METHOD:REQUEST".to_owned()));
        assert!(lines.contains(&"STATUS:CONFIRMED".to_owned()));
        assert!(lines.contains(&"BEGIN:VALARM".to_owned()));
        assert!(lines.contains(
            &"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Jane Doe:mailto:jane@example.com".to_owned()
        ));
        assert!(lines.contains(&"SUMMARY:Consultation\\, follow-up".to_owned()));
    }

    #[test]
    fn cancel_has_cancelled_status_no_alarm_all_attendees() {
        let ics = render(&invite(Method::Cancel, None));
        let lines = lines(&ics);
        assert!(lines.contains(&"METHOD:CANCEL".to_owned()));
        assert!(lines.contains(&"STATUS:CANCELLED".to_owned()));
        assert!(!ics.contains("VALARM"));
        assert!(lines.iter().any(|l| l.starts_with("ATTENDEE")
            && l.ends_with(":mailto:jane@example.com")
            && !l.contains("RSVP")));
    }

    #[test]
    fn join_url_sets_location_url_and_description_line() {
        let url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d";
        let ics = render(&invite(Method::Request, Some(url)));
        let lines = lines(&ics);
        assert!(lines.contains(&format!("URL:{url}")));
        assert!(lines.contains(&"LOCATION:Microsoft Teams Meeting".to_owned()));
        assert!(lines.contains(&format!(
            "DESCRIPTION:Join the Microsoft Teams meeting: {url}"
        )));
    }

    #[test]
    fn without_meeting_there_is_no_location_or_url() {
        let ics = render(&invite(Method::Request, None));
        assert!(!ics.contains("LOCATION"));
        assert!(!ics.contains("\r\nURL"));
        let event_part = ics.split("BEGIN:VALARM").next().unwrap();
        assert!(
            !event_part.contains("DESCRIPTION:"),
            "empty description is omitted"
        );
    }

    #[test]
    fn output_is_crlf_terminated_and_deterministic() {
        let a = render(&invite(Method::Request, Some("https://t.example/j")));
        let b = render(&invite(Method::Request, Some("https://t.example/j")));
        assert_eq!(a, b);
        assert!(a.ends_with("END:VCALENDAR\r\n"));
        assert!(!a.replace("\r\n", "").contains(['\r', '\n']));
    }

    /// Arbitrary user text anywhere in the invite: an independent parser (the `icalendar`
    /// crate's) must still find every property with the intended value.
    mod arbitrary_text {
        use super::*;
        use proptest::prelude::*;

        fn text(s: &str) -> String {
            s.replace("\r\n", "\n")
                .replace('\r', "\n")
                .chars()
                .filter(|&c| c == '\n' || c == '\t' || !c.is_ascii_control())
                .collect()
        }

        fn param(s: &str) -> String {
            s.chars()
                .map(|c| match c {
                    '"' => '\'',
                    c if c.is_ascii_control() && c != '\t' => ' ',
                    c => c,
                })
                .collect::<String>()
                .trim()
                .to_owned()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn parses_back(
                summary in any::<String>(),
                description in any::<String>(),
                attendee_name in "[^\t]*",
                cancel in any::<bool>(),
            ) {
                let mut input = invite(
                    if cancel { Method::Cancel } else { Method::Request },
                    Some("https://t.example/j"),
                );
                input.summary = summary.clone();
                input.description = description.clone();
                input.attendees[0].address.name = attendee_name.clone();
                let ics = render(&input);

                let unfolded = icalendar::parser::unfold(&ics);
                let calendar = icalendar::parser::read_calendar(&unfolded).expect("parses");
                let event = calendar
                    .components
                    .iter()
                    .find(|c| c.name.as_str() == "VEVENT")
                    .expect("one VEVENT");
                let value = |name: &str| event.find_prop(name).map(|p| p.val.as_str().to_owned());
                prop_assert_eq!(value("SUMMARY"), Some(text(&summary)));
                let expected_description = if is_blank(&description) {
                    "Join the Microsoft Teams meeting: https://t.example/j".to_owned()
                } else {
                    format!("{}\n\nJoin the Microsoft Teams meeting: https://t.example/j", text(&description))
                };
                prop_assert_eq!(value("DESCRIPTION"), Some(expected_description));
                prop_assert_eq!(value("UID"), Some(input.uid.clone()));
                prop_assert_eq!(value("STATUS"), Some(status(input.method).to_owned()));
                let attendee = event.find_prop("ATTENDEE").expect("attendee");
                prop_assert_eq!(attendee.val.as_str(), "mailto:jane@example.com");
                let cn = attendee
                    .params
                    .iter()
                    .find(|p| p.key.as_str() == "CN")
                    .and_then(|p| p.val.as_ref())
                    .map(|v| v.as_str().trim_matches('"').to_owned());
                let expected_cn = param(&attendee_name);
                prop_assert_eq!(cn, (!expected_cn.is_empty()).then_some(expected_cn));
            }
        }
    }

    #[test]
    fn times_are_utc_with_z() {
        let lines = lines(&render(&invite(Method::Request, None)));
        assert!(lines.contains(&"DTSTAMP:20260110T090000Z".to_owned()));
        assert!(lines.contains(&"DTSTART:20260201T090000Z".to_owned()));
        assert!(lines.contains(&"DTEND:20260201T100000Z".to_owned()));
    }
}
