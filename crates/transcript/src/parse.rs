//! The block structure of a WebVTT document: header, cues, and the blocks that carry no speech.
//!
//! Follows the specification's parser where it decides what is a cue, and departs from it in one
//! direction only: where the specification silently drops a broken cue, this parser fails, because
//! a transcript that quietly lost a sentence is worse than one the caller knows it could not read.

use std::borrow::Cow;

use crate::cue_text::{self, is_vtt_whitespace};
use crate::error::{Problem, TimingProblem, VttError};
use crate::{Cue, timestamp};

const ARROW: &str = "-->";

pub(crate) fn cues(vtt: &str) -> Result<Vec<Cue>, VttError> {
    let text = preprocess(vtt);
    let lines = split_lines(&text);
    if !is_signature(lines[0]) {
        return Err(VttError::new(1, Problem::MissingHeader));
    }
    // Header text (and the old `Kind:`/`Language:` metadata lines) runs to the first blank line;
    // a timing line ends it early, as in browsers.
    let mut at = 1 + block_len(&lines[1..]);
    let mut cues = Vec::new();
    loop {
        // A whitespace-only line between blocks separates them like an empty one; inside a cue it
        // stays part of the text, as the specification says.
        at += lines[at..].iter().take_while(|line| is_blank(line)).count();
        let Some(&first) = lines.get(at) else {
            return Ok(cues);
        };
        let timing_at = if first.contains(ARROW) {
            at
        } else if lines
            .get(at + 1)
            .is_some_and(|second| second.contains(ARROW))
        {
            // The first line is the cue identifier; Teams uses `{guid}/{n}-{m}`. Not kept: the
            // store keeps cues as an ordered list.
            at + 1
        } else if is_metadata_block(first) {
            at += block_len(&lines[at..]);
            continue;
        } else {
            return Err(VttError::new(at + 1, Problem::BlockWithoutTiming));
        };
        let (start_ms, end_ms) = timing(lines[timing_at])
            .map_err(|problem| VttError::new(timing_at + 1, Problem::BadTiming(problem)))?;
        if end_ms < start_ms {
            return Err(VttError::new(
                timing_at + 1,
                Problem::EndBeforeStart { start_ms, end_ms },
            ));
        }
        let payload_at = timing_at + 1;
        let payload_len = block_len(&lines[payload_at..]);
        let payload = lines[payload_at..payload_at + payload_len].join("\n");
        let parsed = cue_text::parse(&payload);
        cues.push(Cue {
            speaker: parsed.speaker,
            start_ms,
            end_ms,
            text: parsed.text,
        });
        at = payload_at + payload_len;
    }
}

/// The specification's input preprocessing: the decoder drops a leading byte order mark, and NUL
/// becomes U+FFFD so that no NUL reaches storage (PostgreSQL text rejects it).
fn preprocess(vtt: &str) -> Cow<'_, str> {
    let vtt = vtt.strip_prefix('\u{feff}').unwrap_or(vtt);
    if vtt.contains('\0') {
        Cow::Owned(vtt.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(vtt)
    }
}

/// Splits at CRLF, CR or LF. Always at least one line, so the header check has one to look at.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        lines.push(&rest[..end]);
        let terminator = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + terminator..];
    }
    lines.push(rest);
    lines
}

/// `WEBVTT`, then the end of the line, a space or a tab (and then any header text).
fn is_signature(line: &str) -> bool {
    line.strip_prefix("WEBVTT")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn is_blank(line: &str) -> bool {
    line.chars().all(is_vtt_whitespace)
}

/// NOTE (comments), STYLE and REGION blocks: no speech, skipped wherever they appear.
fn is_metadata_block(first: &str) -> bool {
    ["NOTE", "STYLE", "REGION"].iter().any(|keyword| {
        first
            .strip_prefix(keyword)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(is_vtt_whitespace))
    })
}

/// Lines up to the next empty line, or the next line with an arrow, which starts a new cue even
/// without a blank line before it.
fn block_len(lines: &[&str]) -> usize {
    lines
        .iter()
        .take_while(|line| !line.is_empty() && !line.contains(ARROW))
        .count()
}

/// `start --> end [settings]`; the settings (position, alignment) do not matter for a transcript.
fn timing(line: &str) -> Result<(u64, u64), TimingProblem> {
    let (before, after) = line.split_once(ARROW).unwrap_or((line, ""));
    let start = timestamp::parse(before.trim_matches(is_vtt_whitespace))
        .map_err(TimingProblem::BadStart)?;
    let after = after.trim_start_matches(is_vtt_whitespace);
    let end_len = after.find(is_vtt_whitespace).unwrap_or(after.len());
    let end = timestamp::parse(&after[..end_len]).map_err(TimingProblem::BadEnd)?;
    Ok((start, end))
}
