//! The demo approval `meetflow appointment approve --sample` sends to the `meetflow dev` stack.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use crate::dev::DEMO_TENANT;

/// A meeting starting at the next quarter hour at least 10 minutes from `now`, for 30 minutes,
/// between a client in New York (English) and a technician in Berlin (German).
pub fn approval(now: DateTime<Utc>) -> Value {
    let start = (now + Duration::minutes(10))
        .duration_trunc(Duration::minutes(15))
        .unwrap_or(now)
        + Duration::minutes(15);
    let end = start + Duration::minutes(30);
    json!({
        "tenantId": DEMO_TENANT,
        "appointmentId": format!("sample-{}", now.timestamp_millis()),
        "title": "Onboarding call",
        "description": "Walk through the new backup policy.\nBring your questions!",
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "end": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "organizerTimeZone": "Europe/Berlin",
        "participants": [
            {"role": "PARTICIPANT_ROLE_CLIENT_CONTACT", "email": "dana.client@customer.example", "displayName": "Dana Client",
             "timeZone": "America/New_York", "locale": "en-US"},
            {"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": "tom.tech@msp.example", "displayName": "Tom Techniker",
             "timeZone": "Europe/Berlin", "locale": "de-DE"}
        ],
        "generateTeamsMeeting": true,
        "sendInvites": true
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_is_valid_input() {
        let v = super::approval(chrono::Utc::now());
        let a = meetflow_proto::parse::approval(&v).unwrap();
        assert!(a.schedule.start() > chrono::Utc::now());
    }
}
