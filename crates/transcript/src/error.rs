//! Why a document was rejected, and where.
//!
//! Errors never quote the offending line: transcript text is meeting content, and errors end up
//! in logs and workflow histories. The line number plus the problem is enough to find it in the
//! raw VTT, which the caller keeps anyway.

use std::fmt;

/// A WebVTT document that cannot be turned into a transcript without losing or inventing content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WebVTT line {line}: {problem}")]
pub struct VttError {
    line: usize,
    problem: Problem,
}

impl VttError {
    pub(crate) fn new(line: usize, problem: Problem) -> Self {
        Self { line, problem }
    }

    /// 1-based, counting CRLF, CR and LF each as one line break, after a leading byte order mark.
    pub fn line(&self) -> usize {
        self.line
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The first line is not `WEBVTT`, optionally followed by a space or tab and free text.
    MissingHeader,
    /// A line holding `-->` is not `start --> end [settings]`.
    BadTiming(TimingProblem),
    /// The cue ends before it starts.
    EndBeforeStart { start_ms: u64, end_ms: u64 },
    /// A block that is neither a cue (no timing line as its first or second line) nor a
    /// `NOTE`, `STYLE` or `REGION` block. The specification drops such blocks silently; a
    /// transcript must not lose speech silently, so this parser refuses them.
    BlockWithoutTiming,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader => f.write_str("the document does not start with `WEBVTT`"),
            Self::BadTiming(problem) => write!(f, "bad cue timing: {problem}"),
            Self::EndBeforeStart { start_ms, end_ms } => write!(
                f,
                "the cue ends ({end_ms} ms) before it starts ({start_ms} ms)"
            ),
            Self::BlockWithoutTiming => f.write_str(
                "a block that is neither a cue (no `start --> end` line) nor a NOTE, STYLE or REGION block",
            ),
        }
    }
}

/// What is wrong with a cue timing line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimingProblem {
    /// Something other than whitespace and a timestamp before `-->`.
    BadStart(TimestampProblem),
    /// Something other than a timestamp between `-->` and the whitespace before the cue settings.
    BadEnd(TimestampProblem),
}

impl fmt::Display for TimingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadStart(problem) => write!(f, "start timestamp: {problem}"),
            Self::BadEnd(problem) => write!(f, "end timestamp: {problem}"),
        }
    }
}

/// What is wrong with one timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampProblem {
    /// Not `[hours:]mm:ss.ttt` (digits, colons and one dot).
    Malformed,
    MinutesOver59,
    SecondsOver59,
    /// More hours than fit in milliseconds as `u64`.
    TooLarge,
}

impl fmt::Display for TimestampProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "expected `[hh:]mm:ss.ttt`",
            Self::MinutesOver59 => "minutes must be 00 to 59",
            Self::SecondsOver59 => "seconds must be 00 to 59",
            Self::TooLarge => "too large",
        })
    }
}
