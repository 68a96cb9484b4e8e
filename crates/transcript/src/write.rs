//! Cues → WebVTT, in the shape Teams produces (voice spans, canonical timestamps).
//!
//! Used by the round-trip tests to produce transcripts; [`crate::parse_vtt`] reads the result back
//! to the same cues whenever the cues are representable (see `write_vtt`).

use std::fmt::Write as _;

use crate::cue_text::normalize_speaker;
use crate::timestamp::Timestamp;
use crate::{Cue, escape};

pub(crate) fn render(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        out.push('\n');
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{} --> {}",
            Timestamp(cue.start_ms),
            Timestamp(cue.end_ms)
        );
        let speaker = cue.speaker.as_deref().map(normalize_speaker);
        let speaker = speaker.filter(|name| !name.is_empty());
        if let Some(name) = &speaker {
            out.push_str("<v ");
            escape::encode(name, &mut out);
            out.push('>');
        }
        // An empty line would end the cue, so empty lines of the text are left out.
        let lines = cue.text.split(['\r', '\n']).filter(|line| !line.is_empty());
        for (i, line) in lines.enumerate() {
            if i > 0 {
                out.push('\n');
            }
            escape::encode(line, &mut out);
        }
        if speaker.is_some() {
            out.push_str("</v>");
        }
        out.push('\n');
    }
    out
}
