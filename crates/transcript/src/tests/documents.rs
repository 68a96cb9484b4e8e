//! Documents that parse: the Teams shape and every structural feature of WebVTT it may use.

use super::cue;
use crate::{Cue, Transcript, parse_vtt};

/// A Teams transcript as Graph returns it: BOM, CRLF, `{guid}/{n}-{m}` identifiers on most cues,
/// one speaker's turn cut into several cues, a `<v>` with a class, markup and references.
pub(super) const TEAMS: &str = "\u{feff}WEBVTT\r\n\
\r\n\
00:00:00.000 --> 00:00:04.520\r\n\
<v Ana Müller>Hello everyone, thanks for joining.</v>\r\n\
\r\n\
1a2b3c4d-5e6f/13-0\r\n\
00:00:04.520 --> 00:00:09.100\r\n\
<v Tom Tech>Hi Ana. Let's start with the firewall.</v>\r\n\
\r\n\
1a2b3c4d-5e6f/14-0\r\n\
00:00:09.100 --> 00:00:12.000\r\n\
<v Tom Tech>The rules for R&amp;D are</v>\r\n\
\r\n\
1a2b3c4d-5e6f/14-1\r\n\
00:00:12.000 --> 00:00:15.250\r\n\
<v Tom Tech>still &lt;pending&gt;.</v>\r\n\
\r\n\
1a2b3c4d-5e6f/15-0\r\n\
00:00:15.250 --> 00:01:02.003\r\n\
<v.loud Ana Müller>OK, <b>thanks</b>.\r\n\
Let's go through them one by one.</v>\r\n";

#[test]
fn teams_transcript() {
    let transcript = parse_vtt(TEAMS).unwrap();
    let ana = Some("Ana Müller");
    let tom = Some("Tom Tech");
    assert_eq!(
        transcript.cues,
        [
            cue(ana, 0, 4_520, "Hello everyone, thanks for joining."),
            cue(tom, 4_520, 9_100, "Hi Ana. Let's start with the firewall."),
            cue(tom, 9_100, 12_000, "The rules for R&D are"),
            cue(tom, 12_000, 15_250, "still <pending>."),
            cue(
                ana,
                15_250,
                62_003,
                "OK, thanks.\nLet's go through them one by one."
            ),
        ]
    );
    assert_eq!(
        transcript.plain_text,
        "Ana Müller: Hello everyone, thanks for joining.\n\
         Tom Tech: Hi Ana. Let's start with the firewall. The rules for R&D are still <pending>.\n\
         Ana Müller: OK, thanks. Let's go through them one by one."
    );
}

#[test]
fn graph_documentation_sample() {
    let vtt = "WEBVTT\n\n0:0:0.0 --> 0:0:5.320\n<v User Name>This is a transcript test.</v>\n";
    assert_eq!(
        parse_vtt(vtt).unwrap().cues,
        [cue(
            Some("User Name"),
            0,
            5_320,
            "This is a transcript test."
        )]
    );
}

fn only_cue(vtt: &str) -> Cue {
    let mut cues = parse_vtt(vtt).unwrap().cues;
    assert_eq!(cues.len(), 1, "{cues:?}");
    cues.remove(0)
}

#[test]
fn line_endings_are_interchangeable() {
    let lf = "WEBVTT\n\n00:01.000 --> 00:02.000\nfirst\nsecond\n\n00:03.000 --> 00:04.000\nthird\n";
    let expected = parse_vtt(lf).unwrap();
    assert_eq!(expected.cues.len(), 2);
    assert_eq!(expected.cues[0].text, "first\nsecond");
    for ending in ["\r\n", "\r"] {
        assert_eq!(
            parse_vtt(&lf.replace('\n', ending)).unwrap(),
            expected,
            "{ending:?}"
        );
    }
    let mixed =
        "WEBVTT\r\n\n00:01.000 --> 00:02.000\rfirst\r\nsecond\n\r00:03.000 --> 00:04.000\nthird";
    assert_eq!(parse_vtt(mixed).unwrap(), expected);
}

#[test]
fn byte_order_mark_is_optional() {
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n";
    assert_eq!(
        parse_vtt(&format!("\u{feff}{vtt}")).unwrap(),
        parse_vtt(vtt).unwrap()
    );
}

#[test]
fn header_text_and_metadata_lines() {
    let vtt = "WEBVTT - Weekly sync\nKind: captions\nLanguage: en\n\n00:01.000 --> 00:02.000\nHi\n";
    assert_eq!(only_cue(vtt), cue(None, 1_000, 2_000, "Hi"));
    assert_eq!(
        only_cue("WEBVTT\tx\n\n00:01.000 --> 00:02.000\nHi"),
        cue(None, 1_000, 2_000, "Hi")
    );
}

#[test]
fn a_timing_line_ends_the_header_without_a_blank_line() {
    assert_eq!(
        only_cue("WEBVTT\n00:01.000 --> 00:02.000\nHi"),
        cue(None, 1_000, 2_000, "Hi")
    );
}

#[test]
fn documents_without_cues() {
    for vtt in [
        "WEBVTT",
        "WEBVTT\n",
        "WEBVTT\n\n\n",
        "WEBVTT\n\nNOTE nothing was said\n",
    ] {
        assert_eq!(
            parse_vtt(vtt).unwrap(),
            Transcript {
                cues: vec![],
                plain_text: String::new()
            },
            "{vtt:?}"
        );
    }
}

#[test]
fn cue_identifiers_are_optional() {
    let with = "WEBVTT\n\nintro\n00:01.000 --> 00:02.000\nHi\n";
    let without = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n";
    assert_eq!(parse_vtt(with).unwrap(), parse_vtt(without).unwrap());
}

#[test]
fn hours_are_optional() {
    assert_eq!(
        only_cue("WEBVTT\n\n01:02.003 --> 01:00:00.000\nHi").start_ms,
        62_003
    );
    assert_eq!(
        only_cue("WEBVTT\n\n01:02.003 --> 01:00:00.000\nHi").end_ms,
        3_600_000
    );
}

#[test]
fn cue_settings_are_ignored() {
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000 align:start position:10%,line-left line:0\nHi";
    assert_eq!(only_cue(vtt), cue(None, 1_000, 2_000, "Hi"));
    let tabs = "WEBVTT\n\n  00:01.000\t-->\t00:02.000\tsize:50%";
    assert_eq!(only_cue(tabs), cue(None, 1_000, 2_000, ""));
    let tight = "WEBVTT\n\n00:01.000-->00:02.000\nHi";
    assert_eq!(only_cue(tight), cue(None, 1_000, 2_000, "Hi"));
}

#[test]
fn note_style_and_region_blocks_are_skipped_anywhere() {
    let vtt = "WEBVTT\n\n\
        STYLE\n::cue { color: red }\n\n\
        REGION\nid:speaker\nwidth:40%\n\n\
        NOTE\nTeams export\nsecond line\n\n\
        00:01.000 --> 00:02.000\nHi\n\n\
        NOTE\tbetween cues\n\n\
        NOTE\n\n\
        00:03.000 --> 00:04.000\nthere\n";
    let cues = parse_vtt(vtt).unwrap().cues;
    assert_eq!(
        cues,
        [
            cue(None, 1_000, 2_000, "Hi"),
            cue(None, 3_000, 4_000, "there")
        ]
    );
}

#[test]
fn a_line_with_an_arrow_starts_the_next_cue() {
    // Blank lines between cues are required, but browsers (and the specification's parser)
    // recover; so does this one, also after a NOTE block that is missing its blank line.
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n00:03.000 --> 00:04.000\nthere\n\n\
               NOTE x\ny\n00:05.000 --> 00:06.000\nagain";
    let texts: Vec<_> = parse_vtt(vtt)
        .unwrap()
        .cues
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(texts, ["Hi", "there", "again"]);
}

#[test]
fn cue_without_voice_span_has_no_speaker() {
    assert_eq!(
        only_cue("WEBVTT\n\n00:01.000 --> 00:02.000\n[Music]"),
        cue(None, 1_000, 2_000, "[Music]")
    );
}

#[test]
fn cue_with_empty_payload() {
    assert_eq!(
        only_cue("WEBVTT\n\n00:01.000 --> 00:01.000\n\n"),
        cue(None, 1_000, 1_000, "")
    );
}

#[test]
fn whitespace_only_lines_separate_blocks_but_stay_inside_cue_text() {
    let vtt =
        "WEBVTT\n \n00:01.000 --> 00:02.000\nHi\n \nthere\n\n\t\n00:03.000 --> 00:04.000\nagain";
    let cues = parse_vtt(vtt).unwrap().cues;
    assert_eq!(
        cues,
        [
            cue(None, 1_000, 2_000, "Hi\n \nthere"),
            cue(None, 3_000, 4_000, "again")
        ]
    );
}

#[test]
fn nul_becomes_replacement_character() {
    assert_eq!(
        only_cue("WEBVTT\n\n00:01.000 --> 00:02.000\n<v A\0>x\0y")
            .speaker
            .as_deref(),
        Some("A\u{fffd}")
    );
    assert_eq!(
        only_cue("WEBVTT\n\n00:01.000 --> 00:02.000\nx\0y").text,
        "x\u{fffd}y"
    );
}

#[test]
fn all_markup_is_removed_and_references_decoded() {
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n\
               <v.loud.x Ana>&lrm;<i>It's</i> <c.yellow>R&amp;D</c>&nbsp;<lang de>Tschüss</lang> &gt;</v>";
    assert_eq!(
        only_cue(vtt),
        cue(Some("Ana"), 1_000, 2_000, "\u{200e}It's R&D\u{a0}Tschüss >")
    );
}

#[test]
fn serde_field_names_match_the_store() {
    let transcript = parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Hi").unwrap();
    let json = serde_json::to_value(&transcript).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "cues": [{"speaker": "Ana", "start_ms": 1000, "end_ms": 2000, "text": "Hi"}],
            "plain_text": "Ana: Hi",
        })
    );
    assert_eq!(
        serde_json::from_value::<Transcript>(json).unwrap(),
        transcript
    );
}
