//! Golden files and independent parsers for every lifecycle scenario.
//!
//! `UPDATE_GOLDEN=1 cargo test -p meetflow-ics --test interop` rewrites the golden files after an
//! intended change; review the diff like code.

#[path = "../../../tests/peers/peers.rs"]
mod peers;

mod scenarios {
    use chrono::{DateTime, TimeZone, Utc};
    use meetflow_ics::{Attendee, AttendeeRole, CalAddress, CalendarInvite, Method};

    pub const TEAMS_URL: &str = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ4ZTk3YmQtYzA1Ni00MmI0LWJlNmQtMWE1ZGI0OTY2YjJh%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%22a1b2%22%7d";

    pub struct Scenario {
        pub name: String,
        pub invite: CalendarInvite,
    }

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, day, hour, minute, 0).unwrap()
    }

    fn address(email: &str, name: &str) -> CalAddress {
        CalAddress {
            email: email.into(),
            name: name.into(),
        }
    }

    /// Names and texts chosen to hit every lexical rule: commas, semicolons, colons, quotes,
    /// backslashes, emoji (4-octet UTF-8), umlauts, CRLF, bare CR and LF.
    fn base(uid: &str, join_url: Option<&str>) -> CalendarInvite {
        CalendarInvite {
            method: Method::Request,
            uid: uid.into(),
            sequence: 0,
            dtstamp: at(1, 8, 0),
            start: at(10, 9, 0),
            end: at(10, 10, 0),
            summary: "Server migration, phase 2; \"go-live\" 🚀\nfollow-up".into(),
            description:
                "Agenda:\r\n1. Backup\\restore, checks;\r2. Cut-over 🚀 — Ünïcödé: ok\n3. Sign-off"
                    .into(),
            organizer: address("scheduling@acme.example", "Acme, Inc. \"Scheduling\""),
            attendees: vec![
                Attendee {
                    address: address("jane.doe@client.example", "Doe, Jane \"JD\" 😀"),
                    role: AttendeeRole::Required,
                },
                Attendee {
                    address: address("max.mueller@acme.example", "Max Müller\nTechnik"),
                    role: AttendeeRole::Required,
                },
                Attendee {
                    address: address("ops@acme.example", "Ops; Team: Night"),
                    role: AttendeeRole::Optional,
                },
            ],
            join_url: join_url.map(str::to_owned),
        }
    }

    /// approve → reschedule → reschedule → cancel, as the workflow drives it.
    fn lifecycle(series: &str, first: CalendarInvite) -> Vec<Scenario> {
        let reschedule1 = CalendarInvite {
            sequence: 1,
            dtstamp: at(3, 12, 30),
            start: at(11, 14, 0),
            end: at(11, 15, 30),
            ..first.clone()
        };
        let reschedule2 = CalendarInvite {
            sequence: 2,
            dtstamp: at(5, 7, 45),
            start: at(12, 23, 30),
            end: at(13, 0, 30),
            ..first.clone()
        };
        let cancel = CalendarInvite {
            method: Method::Cancel,
            sequence: 3,
            dtstamp: at(6, 16, 0),
            ..reschedule2.clone()
        };
        [
            ("approve", first),
            ("reschedule-1", reschedule1),
            ("reschedule-2", reschedule2),
            ("cancel", cancel),
        ]
        .into_iter()
        .map(|(step, invite)| Scenario {
            name: format!("{series}-{step}"),
            invite,
        })
        .collect()
    }

    pub fn all() -> Vec<Scenario> {
        let mut all = lifecycle(
            "teams",
            base(
                "040000008200E00074C5B7101A82E00800000000B0F3C1A2D9A1DC01000000000000000010000000",
                Some(TEAMS_URL),
            ),
        );
        all.extend(lifecycle(
            "no-meeting",
            base("appt-7f3c2a@tenant-42.meetflow.example", None),
        ));
        all
    }
}

mod golden {
    use std::path::PathBuf;

    use super::scenarios;

    fn golden_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(format!("{name}.ics"))
    }

    #[test]
    fn every_scenario_matches_its_golden_file() {
        let update = std::env::var_os("UPDATE_GOLDEN").is_some();
        let mut mismatches = Vec::new();
        for scenario in scenarios::all() {
            let rendered = meetflow_ics::render(&scenario.invite);
            let path = golden_path(&scenario.name);
            if update {
                std::fs::write(&path, &rendered).expect("write golden");
                continue;
            }
            let expected = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 creates it)", path.display()));
            if expected != rendered {
                mismatches.push(scenario.name);
            }
        }
        assert!(
            mismatches.is_empty(),
            "rendered ICS differs from golden files: {mismatches:?}"
        );
    }

    /// The checklist items a golden file could hide if it were updated carelessly.
    #[test]
    fn golden_files_are_lexically_valid() {
        for scenario in scenarios::all() {
            let bytes = std::fs::read(golden_path(&scenario.name)).expect("golden exists");
            let text = String::from_utf8(bytes).expect("UTF-8");
            assert!(text.ends_with("\r\n"), "{}: ends with CRLF", scenario.name);
            for line in text.strip_suffix("\r\n").unwrap().split("\r\n") {
                assert!(line.len() <= 75, "{}: {line:?} too long", scenario.name);
                assert!(
                    !line.contains(['\r', '\n']),
                    "{}: bare CR/LF",
                    scenario.name
                );
            }
        }
    }
}

mod independent_parsers {
    use std::path::PathBuf;

    use meetflow_ics::{AttendeeRole, CalendarInvite, Method};
    use serde_json::{Value, json};

    use super::{peers, scenarios};

    /// What any conforming parser must read back, derived from the input, not from our output.
    fn expected(invite: &CalendarInvite) -> Value {
        let text = |s: &str| s.replace("\r\n", "\n").replace('\r', "\n");
        let param = |s: &str| {
            s.replace('"', "'")
                .replace(['\r', '\n'], " ")
                .trim()
                .to_owned()
        };
        let utc = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let is_request = invite.method == Method::Request;
        let description = match &invite.join_url {
            Some(url) => format!(
                "{}\n\nJoin the Microsoft Teams meeting: {url}",
                text(&invite.description)
            ),
            None => text(&invite.description),
        };
        json!({
            "prodid_count": 1,
            "version": "2.0",
            "method": if is_request { "REQUEST" } else { "CANCEL" },
            "uid": invite.uid,
            "sequence": invite.sequence,
            "status": if is_request { "CONFIRMED" } else { "CANCELLED" },
            "dtstamp": utc(invite.dtstamp),
            "dtstart": utc(invite.start),
            "dtend": utc(invite.end),
            "summary": text(&invite.summary),
            "description": description,
            "location": invite.join_url.as_ref().map(|_| "Microsoft Teams Meeting"),
            "url": invite.join_url,
            "organizer": { "email": invite.organizer.email, "cn": param(&invite.organizer.name) },
            "attendees": invite.attendees.iter().map(|a| json!({
                "email": a.address.email,
                "cn": param(&a.address.name),
                "role": match a.role {
                    AttendeeRole::Required => "REQ-PARTICIPANT",
                    AttendeeRole::Optional => "OPT-PARTICIPANT",
                },
                "partstat": is_request.then_some("NEEDS-ACTION"),
                "rsvp": is_request.then_some("TRUE"),
            })).collect::<Vec<_>>(),
            "alarms": if is_request { 1 } else { 0 },
        })
    }

    struct Rendered {
        _dir: tempfile::TempDir,
        files: Vec<PathBuf>,
        scenarios: Vec<scenarios::Scenario>,
    }

    fn render_all() -> Rendered {
        let dir = tempfile::tempdir().expect("tempdir");
        let scenarios = scenarios::all();
        let files = scenarios
            .iter()
            .map(|s| {
                let path = dir.path().join(format!("{}.ics", s.name));
                std::fs::write(&path, meetflow_ics::render(&s.invite)).expect("write");
                path
            })
            .collect();
        Rendered {
            _dir: dir,
            files,
            scenarios,
        }
    }

    fn summaries(interpreter: &std::path::Path, script: &str, rendered: &Rendered) -> Vec<Value> {
        let args: Vec<&std::path::Path> = rendered.files.iter().map(PathBuf::as_path).collect();
        let stdout = peers::run(interpreter, script, &args);
        serde_json::from_slice(&stdout).expect("peer prints a JSON array")
    }

    fn check(parser: &str, summaries: &[Value], rendered: &Rendered) {
        assert_eq!(summaries.len(), rendered.scenarios.len());
        for (summary, scenario) in summaries.iter().zip(&rendered.scenarios) {
            assert_eq!(
                summary,
                &expected(&scenario.invite),
                "{parser} disagrees on {}",
                scenario.name
            );
        }
        check_lifecycle(parser, summaries);
    }

    /// RFC 5546 §2.1.5 sequencing: receivers drop updates that do not move forward.
    fn check_lifecycle(parser: &str, summaries: &[Value]) {
        for series in summaries.chunks(4) {
            let uid = &series[0]["uid"];
            for pair in series.windows(2) {
                assert_eq!(
                    &pair[1]["uid"], uid,
                    "{parser}: UID changed within a lifecycle"
                );
                assert!(
                    pair[1]["sequence"].as_u64() > pair[0]["sequence"].as_u64(),
                    "{parser}: SEQUENCE must strictly increase"
                );
                assert!(
                    pair[1]["dtstamp"].as_str() >= pair[0]["dtstamp"].as_str(),
                    "{parser}: DTSTAMP must not go back"
                );
            }
        }
    }

    #[test]
    fn python_icalendar_reads_what_we_meant() {
        let python = peers::python_with("icalendar");
        let rendered = render_all();
        let summaries = summaries(&python, "ics_summary_icalendar.py", &rendered);
        check("python icalendar", &summaries, &rendered);
    }

    #[test]
    fn mozilla_ical_js_reads_what_we_meant() {
        let node = peers::node_with("ical.js");
        let rendered = render_all();
        let summaries = summaries(&node, "ics_summary_icaljs.mjs", &rendered);
        check("ical.js", &summaries, &rendered);
    }
}
