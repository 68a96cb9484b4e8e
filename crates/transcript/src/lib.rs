//! Meeting transcripts as Microsoft Graph delivers them (`…/transcripts/{id}/content?$format=text/vtt`),
//! turned into what meetflow stores next to the raw VTT: speaker cues and plain text.
//!
//! ```
//! let vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:04.520\n<v Ana Müller>Hello everyone.</v>\n";
//! let transcript = meetflow_transcript::parse_vtt(vtt).unwrap();
//! assert_eq!(transcript.cues[0].speaker.as_deref(), Some("Ana Müller"));
//! assert_eq!(transcript.plain_text, "Ana Müller: Hello everyone.");
//! ```
//!
//! The parser follows the W3C WebVTT parsing rules for structure (BOM, CRLF/CR/LF, optional cue
//! identifiers, NOTE/STYLE/REGION blocks, cue settings, tags and character references), accepts
//! the non-canonical timestamps of Graph's documentation (`0:0:5.320`), and fails with a line
//! number where the specification would silently drop a cue.

mod cue_text;
mod error;
mod escape;
mod parse;
mod plain_text;
mod timestamp;
// The writer exists for the round-trip properties the parser is tested with; production only
// parses what Graph sends.
#[cfg(test)]
mod write;

use serde::{Deserialize, Serialize};

pub use error::{Problem, TimestampProblem, TimingProblem, VttError};

/// One cue: who spoke, when, and what, with markup removed and character references decoded.
/// Same shape as the store's `TranscriptCue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cue {
    /// The first voice span's name (`<v Ana Müller>`), whitespace-normalized; `None` without one.
    pub speaker: Option<String>,
    pub start_ms: u64,
    /// Never before `start_ms` in a parsed transcript.
    pub end_ms: u64,
    /// The cue's lines, joined with `\n`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// In document order.
    pub cues: Vec<Cue>,
    /// One `Speaker: text` line per turn (consecutive cues of one speaker), for search and for
    /// the PSA's "Transcript - {subject}" document.
    pub plain_text: String,
}

impl Transcript {
    /// Derives the plain text, so that it always agrees with the cues.
    pub fn from_cues(cues: Vec<Cue>) -> Self {
        let plain_text = plain_text::render(&cues);
        Self { cues, plain_text }
    }
}

/// Parses a WebVTT document.
///
/// Fails on a missing `WEBVTT` signature, a malformed timing line, a cue that ends before it
/// starts, and a block that is neither a cue nor a NOTE/STYLE/REGION block; the error names the
/// line (1-based).
pub fn parse_vtt(vtt: &str) -> Result<Transcript, VttError> {
    parse::cues(vtt).map(Transcript::from_cues)
}

/// Writes cues as Teams does: no identifiers, `hh:mm:ss.ttt` timings, the speaker as a voice
/// span, `&`, `<` and `>` escaped.
///
/// [`parse_vtt`] gives the same cues back, except where WebVTT cannot carry them: empty lines
/// inside a cue's text are dropped (an empty line ends a cue), CR counts as a line break, speaker
/// names are whitespace-normalized, and an empty speaker name is no speaker.
#[cfg(test)]
pub(crate) fn write_vtt(cues: &[Cue]) -> String {
    write::render(cues)
}

#[cfg(test)]
mod tests;
