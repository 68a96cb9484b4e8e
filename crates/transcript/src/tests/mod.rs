//! Whole-document behaviour: `parse_vtt` and `write_vtt` together. Tests of one concern (timestamps,
//! references, cue text, plain text) sit next to their module.

mod documents;
mod errors;
mod round_trip;
mod strategies;
mod webvtt_py;

use crate::Cue;

fn cue(speaker: Option<&str>, start_ms: u64, end_ms: u64, text: &str) -> Cue {
    Cue {
        speaker: speaker.map(str::to_owned),
        start_ms,
        end_ms,
        text: text.to_owned(),
    }
}
