//! `metadataContent`: the transcript's cues again, each payload a JSON object with the speaker,
//! the text and absolute times (callTranscript `metadataContent`, calltranscript-get.md).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::reply::graph_instant;

/// Turns a WebVTT transcript into its metadata form; cues that do not parse are skipped.
pub fn metadata_vtt(vtt: &str, meeting_start: DateTime<Utc>) -> String {
    let mut out = String::from("WEBVTT\n");
    let normalized = vtt.replace("\r\n", "\n");
    for block in normalized.split("\n\n") {
        let mut lines = block.lines();
        let Some(timing) = lines.find(|l| l.contains("-->")) else {
            continue;
        };
        let Some((from, to)) = timing.split_once("-->") else {
            continue;
        };
        let (Some(from_secs), Some(to_secs)) = (cue_seconds(from.trim()), cue_seconds(to.trim()))
        else {
            continue;
        };
        let text: Vec<&str> = lines.collect();
        let (speaker, spoken) = speaker_and_text(&text.join("\n"));
        let at = |secs: f64| {
            graph_instant(meeting_start + chrono::Duration::microseconds((secs * 1e6) as i64))
        };
        let payload = json!({
            "startDateTime": at(from_secs),
            "endDateTime": at(to_secs),
            "speakerName": speaker,
            "spokenText": spoken,
            "spokenLanguage": "en-us",
        });
        out.push_str(&format!("\n{} --> {}\n{payload}\n", from.trim(), to.trim()));
    }
    out
}

/// `H:M:S.f` (Teams writes unpadded fields) → seconds.
fn cue_seconds(stamp: &str) -> Option<f64> {
    let parts: Vec<&str> = stamp.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (
            h.parse::<f64>().ok()?,
            m.parse::<f64>().ok()?,
            s.parse::<f64>().ok()?,
        ),
        [m, s] => (0.0, m.parse::<f64>().ok()?, s.parse::<f64>().ok()?),
        _ => return None,
    };
    Some(h * 3600.0 + m * 60.0 + s)
}

/// `<v Name>text</v>` → (Name, text); plain text has no speaker.
fn speaker_and_text(cue: &str) -> (Option<String>, String) {
    if let Some(rest) = cue.strip_prefix("<v ")
        && let Some((name, text)) = rest.split_once('>')
    {
        let text = text.strip_suffix("</v>").unwrap_or(text);
        return (Some(name.to_owned()), text.to_owned());
    }
    (None, cue.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cues_become_json_payloads() {
        let start = Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap();
        let out = metadata_vtt(
            "WEBVTT\n\n0:0:0.0 --> 0:0:5.320\n<v User Name>This is a transcript test.</v>\n",
            start,
        );
        let payload: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(payload["speakerName"], "User Name");
        assert_eq!(payload["spokenText"], "This is a transcript test.");
        assert_eq!(payload["endDateTime"], "2026-02-01T09:00:05.320000Z");
        assert!(out.starts_with("WEBVTT\n\n0:0:0.0 --> 0:0:5.320\n"));
    }
}
