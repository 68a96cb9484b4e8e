//! Documents that are refused, and the line each error names.

use crate::{Problem, TimestampProblem, TimingProblem, VttError, parse_vtt};

fn error(vtt: &str) -> VttError {
    parse_vtt(vtt).expect_err("must be refused")
}

fn bad_timing(line: usize, problem: TimingProblem) -> (usize, Problem) {
    (line, Problem::BadTiming(problem))
}

fn line_and_problem(vtt: &str) -> (usize, Problem) {
    let e = error(vtt);
    (e.line(), e.problem().clone())
}

#[test]
fn missing_header() {
    for vtt in [
        "",
        "\u{feff}",
        "00:01.000 --> 00:02.000\nHi",
        "WEBVTTX\n\n00:01.000 --> 00:02.000\nHi",
        "webvtt\n",
        " WEBVTT\n",
        "WEBVTT\u{c}\n",
        "\u{feff}\u{feff}WEBVTT\n",
        "<html>",
    ] {
        assert_eq!(
            line_and_problem(vtt),
            (1, Problem::MissingHeader),
            "{vtt:?}"
        );
    }
}

#[test]
fn bad_timing_names_its_line_counting_every_kind_of_line_break() {
    // line 1 WEBVTT, 2 blank, 3 timing, 4 text, 5 blank, 6 identifier, 7 bad timing
    let vtt = "WEBVTT\r\n\r\n00:01.000 --> 00:02.000\rHi\n\r\nid\n00:03.000 --> 00:03.0000\n";
    assert_eq!(
        line_and_problem(vtt),
        bad_timing(7, TimingProblem::BadEnd(TimestampProblem::Malformed))
    );
    let with_bom = format!("\u{feff}{vtt}");
    assert_eq!(error(&with_bom).line(), 7);
}

#[test]
fn bad_start_and_bad_end_are_told_apart() {
    let cases = [
        (
            "00:01,000 --> 00:02.000",
            TimingProblem::BadStart(TimestampProblem::Malformed),
        ),
        (
            "--> 00:02.000",
            TimingProblem::BadStart(TimestampProblem::Malformed),
        ),
        (
            "x 00:01.000 --> 00:02.000",
            TimingProblem::BadStart(TimestampProblem::Malformed),
        ),
        (
            "00:61.000 --> 00:62.000",
            TimingProblem::BadStart(TimestampProblem::SecondsOver59),
        ),
        (
            "00:01.000 -->",
            TimingProblem::BadEnd(TimestampProblem::Malformed),
        ),
        (
            "00:01.000 --> 00:02",
            TimingProblem::BadEnd(TimestampProblem::Malformed),
        ),
        (
            "00:01.000 --> 00:02.000align:start",
            TimingProblem::BadEnd(TimestampProblem::Malformed),
        ),
        (
            "00:01.000 --> 00:60:00.000",
            TimingProblem::BadEnd(TimestampProblem::MinutesOver59),
        ),
        (
            "00:01.000 --> 99999999999999999:00:00.000",
            TimingProblem::BadEnd(TimestampProblem::TooLarge),
        ),
    ];
    for (timing, problem) in cases {
        let vtt = format!("WEBVTT\n\n{timing}\nHi\n");
        assert_eq!(line_and_problem(&vtt), bad_timing(3, problem), "{timing:?}");
    }
}

#[test]
fn end_before_start() {
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:05.000 --> 00:04.999\nHi\n";
    assert_eq!(
        line_and_problem(vtt),
        (
            6,
            Problem::EndBeforeStart {
                start_ms: 5_000,
                end_ms: 4_999
            }
        )
    );
}

#[test]
fn block_without_timing() {
    // A cue whose timing line lost its arrow: the specification would drop it silently.
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\nid\n00:03.000 - 00:04.000\nlost words\n";
    assert_eq!(line_and_problem(vtt), (6, Problem::BlockWithoutTiming));
    let stray_text = "WEBVTT\n\nHello there\n";
    assert_eq!(
        line_and_problem(stray_text),
        (3, Problem::BlockWithoutTiming)
    );
    // `NOTES` is not `NOTE`.
    let notes = "WEBVTT\n\nNOTES from the call\n";
    assert_eq!(line_and_problem(notes), (3, Problem::BlockWithoutTiming));
}

#[test]
fn a_later_arrow_line_is_reported_at_its_own_line() {
    // The bad line starts a new cue even without a blank line before it.
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nfine\nalso fine\n01.000 --> 00:02.000\n";
    assert_eq!(
        line_and_problem(vtt),
        bad_timing(6, TimingProblem::BadStart(TimestampProblem::Malformed))
    );
}

#[test]
fn messages_name_the_line_and_never_quote_content() {
    let vtt = "WEBVTT\n\nid\n00:01.000 --> 00:0X.000 secret-token\nconfidential\n";
    let message = error(vtt).to_string();
    assert_eq!(
        message,
        "WebVTT line 4: bad cue timing: end timestamp: expected `[hh:]mm:ss.ttt`"
    );
    let debug = format!("{:?}", error(vtt));
    assert!(
        !debug.contains("secret") && !debug.contains("confidential"),
        "{debug}"
    );
}

#[test]
fn every_problem_has_a_message() {
    let messages = [
        error("").to_string(),
        error("WEBVTT\n\n00:02.000 --> 00:01.000\n").to_string(),
        error("WEBVTT\n\nwords\n").to_string(),
    ];
    assert_eq!(
        messages,
        [
            "WebVTT line 1: the document does not start with `WEBVTT`",
            "WebVTT line 3: the cue ends (1000 ms) before it starts (2000 ms)",
            "WebVTT line 3: a block that is neither a cue (no `start --> end` line) nor a NOTE, STYLE or REGION block",
        ]
    );
}
