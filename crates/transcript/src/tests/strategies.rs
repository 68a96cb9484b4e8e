//! Generators for cues that WebVTT can carry exactly (see `write_vtt`), shared by the round-trip
//! properties and the cross-check against webvtt-py.

use proptest::prelude::*;

use crate::Cue;

/// A speaker name as the parser hands it out: words of anything but WebVTT whitespace (and NUL,
/// which the parser replaces), single spaces between them.
fn speaker() -> impl Strategy<Value = String> {
    prop::collection::vec("[^ \t\n\r\u{c}\u{0}]{1,8}", 1..4).prop_map(|words| words.join(" "))
}

/// One non-empty line of cue text: any Unicode but line breaks and NUL, with the sequences that
/// would break a naive writer (`-->`, tags, references) mixed in on purpose.
fn text_line() -> impl Strategy<Value = String> {
    let tricky = prop_oneof![
        Just("-->"),
        Just("<v Eve>"),
        Just("</v>"),
        Just("<b>"),
        Just("&amp;"),
        Just("&"),
        Just("<"),
        Just(">"),
        Just("NOTE"),
        Just("00:00:01.000 --> 00:00:02.000"),
        Just(" "),
        Just("\t"),
    ];
    prop::collection::vec(
        prop_oneof![3 => "[^\r\n\u{0}]{1,12}", 1 => tricky.prop_map(str::to_owned)],
        1..5,
    )
    .prop_map(|parts| parts.concat())
}

/// Cue text: up to three lines, none of them empty (an empty line would end the cue).
pub(super) fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(text_line(), 0..4).prop_map(|lines| lines.join("\n"))
}

pub(super) fn cue() -> impl Strategy<Value = Cue> {
    (
        prop::option::weighted(0.8, speaker()),
        0u64..100 * 3_600_000,
        0u64..600_000,
        text(),
    )
        .prop_map(|(speaker, start_ms, duration_ms, text)| Cue {
            speaker,
            start_ms,
            end_ms: start_ms + duration_ms,
            text,
        })
}

pub(super) fn cues() -> impl Strategy<Value = Vec<Cue>> {
    prop::collection::vec(cue(), 0..8)
}
