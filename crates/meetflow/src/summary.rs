//! `meetflow appointment status` in words: the `state` query's JSON (the contract's
//! `AppointmentState`) as the few lines ops reads first. Pure, so it is tested on a literal.

use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;

use crate::timeline::steps::local;

fn time(v: &Value, tz: Tz) -> String {
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| local(t.to_utc(), tz))
        .unwrap_or_else(|| "-".into())
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub fn status_text(state: &Value, tz: Tz) -> String {
    let phase = text(&state["phase"])
        .trim_start_matches("APPOINTMENT_PHASE_")
        .to_lowercase();
    let mut out = format!(
        "appointment {}/{}  \"{}\"\n",
        text(&state["tenantId"]),
        text(&state["appointmentId"]),
        text(&state["title"])
    );
    out.push_str(&format!("phase:    {phase}\n"));
    out.push_str(&format!(
        "times:    {} – {}\n",
        time(&state["start"], tz),
        time(&state["end"], tz)
    ));
    let meeting = &state["meeting"];
    let line = if let Some(c) = meeting.get("created") {
        format!(
            "event {}\n          join {}",
            text(&c["eventId"]),
            text(&c["joinUrl"])
        )
    } else if let Some(s) = meeting.get("skipped") {
        format!("skipped ({})", text(s))
    } else if let Some(f) = meeting.get("failed") {
        format!("FAILED {}: {}", text(&f["code"]), text(&f["message"]))
    } else {
        "not yet".into()
    };
    out.push_str(&format!("meeting:  {line}\n"));
    out.push_str(&format!(
        "sequence: {}\n",
        state["sequence"].as_u64().unwrap_or(0)
    ));
    let mails = state["mails"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    out.push_str(&format!("mails:    {}\n", mails.len()));
    for m in mails {
        out.push_str(&format!(
            "  {:<12} SEQUENCE {:<2} {}  {}\n",
            text(&m["step"]),
            m["sequence"].as_u64().unwrap_or(0),
            text(&m["recipient"]),
            text(&m["messageId"])
        ));
    }
    if let Some(arts) = state["artifacts"].as_array().filter(|a| !a.is_empty()) {
        out.push_str(&format!("artifacts: {}\n", arts.len()));
        for a in arts {
            out.push_str(&format!(
                "  {:<10} {} {}\n",
                text(&a["kind"]),
                text(&a["providerId"]),
                text(&a["location"])
            ));
        }
    }
    // The capture status is set once the child finished; while it runs the phase says so.
    match state["captureStatus"].as_str() {
        Some(c) => out.push_str(&format!("capture:  {c}\n")),
        None if phase == "capturing" => out.push_str("capture:  in progress\n"),
        None => {}
    }
    if let Some(a) = state.get("attendance") {
        // proto3 JSON: uint64 travels as a string, and zero values are left out.
        let billable: u64 = text(&a["billableSeconds"]).parse().unwrap_or(0);
        out.push_str(&format!(
            "attendance: {} min billable, {} participants{}\n",
            billable / 60,
            a["participants"].as_u64().unwrap_or(0),
            if a["clientNoShow"].as_bool() == Some(true) {
                ", client no-show"
            } else {
                ""
            }
        ));
    }
    if let Some(e) = state.get("lastError") {
        out.push_str(&format!(
            "last error: {}: {}\n",
            text(&e["code"]),
            text(&e["message"])
        ));
    }
    out
}
