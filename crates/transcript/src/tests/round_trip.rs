//! Properties: whatever `write_vtt` writes, `parse_vtt` reads back, however the document is laid
//! out; and no input makes the parser panic.

use proptest::prelude::*;

use super::strategies;
use crate::{Cue, Transcript, parse_vtt, write_vtt};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn written_cues_parse_back(cues in strategies::cues()) {
        let vtt = write_vtt(&cues);
        let parsed = parse_vtt(&vtt).map_err(|e| TestCaseError::fail(format!("{e}\n{vtt}")))?;
        prop_assert_eq!(parsed, Transcript::from_cues(cues));
    }

    #[test]
    fn layout_does_not_change_the_cues(
        cues in strategies::cues(),
        layout in layout(),
        decorations in prop::collection::vec(decoration(), 8),
    ) {
        let vtt = layout.apply(&cues, &decorations);
        let parsed = parse_vtt(&vtt).map_err(|e| TestCaseError::fail(format!("{e}\n{vtt:?}")))?;
        prop_assert_eq!(parsed.cues, cues);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        check_total(&text)?;
        check_total(&format!("WEBVTT\n\n{text}"))?;
    }

    #[test]
    fn never_panics_on_near_miss_documents(parts in prop::collection::vec(near_miss_part(), 0..40)) {
        check_total(&format!("WEBVTT\n{}", parts.concat()))?;
    }
}

/// Parsing either succeeds with cues that keep the invariants, or names a line that exists.
fn check_total(vtt: &str) -> Result<(), TestCaseError> {
    match parse_vtt(vtt) {
        Ok(transcript) => {
            prop_assert!(transcript.cues.iter().all(|cue| cue.start_ms <= cue.end_ms));
            prop_assert_eq!(&transcript, &Transcript::from_cues(transcript.cues.clone()));
        }
        Err(e) => {
            let lines = vtt
                .split("\r\n")
                .flat_map(|l| l.split(['\r', '\n']))
                .count();
            prop_assert!(
                (1..=lines).contains(&e.line()),
                "line {} of {}",
                e.line(),
                lines
            );
        }
    }
    Ok(())
}

fn near_miss_part() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-->"),
        Just(" --> "),
        Just("\n"),
        Just("\r"),
        Just("\r\n"),
        Just("\n\n"),
        Just("NOTE"),
        Just("STYLE"),
        Just("REGION"),
        Just("<v "),
        Just("<v.a "),
        Just("</v>"),
        Just("<"),
        Just(">"),
        Just("&"),
        Just("&#x"),
        Just(";"),
        Just("00:01.000"),
        Just("0:0:0.0"),
        Just("99:59:59.999"),
        Just(":"),
        Just("."),
        Just(" "),
        Just("\t"),
        Just("\u{0}"),
        Just("\u{feff}"),
        Just("é"),
        Just("😀"),
    ]
    .prop_map(str::to_owned)
}

/// How a producer may lay out the same cues.
#[derive(Debug, Clone)]
struct Layout {
    line_break: &'static str,
    bom: bool,
    header_text: bool,
}

/// What may precede a cue: nothing, an identifier, a NOTE block, extra blank lines; and what may
/// follow its timestamps.
#[derive(Debug, Clone)]
struct Decoration {
    identifier: Option<String>,
    note: Option<String>,
    extra_blank_lines: usize,
    settings: Option<&'static str>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(line_break, bom, header_text)| Layout {
            line_break,
            bom,
            header_text,
        })
}

fn decoration() -> impl Strategy<Value = Decoration> {
    // Identifiers and comments may hold anything but line breaks and `-->`.
    let free_line = "[^\r\n\u{0}>]{1,20}";
    (
        prop::option::of(free_line),
        prop::option::of(free_line),
        0usize..3,
        prop::option::of(prop_oneof![
            Just("align:start"),
            Just("line:0 position:10%,line-left"),
            Just("\tsize:50% region:r"),
        ]),
    )
        .prop_map(
            |(identifier, note, extra_blank_lines, settings)| Decoration {
                identifier,
                note,
                extra_blank_lines,
                settings,
            },
        )
}

impl Layout {
    fn apply(&self, cues: &[Cue], decorations: &[Decoration]) -> String {
        let mut vtt = String::new();
        if self.bom {
            vtt.push('\u{feff}');
        }
        vtt.push_str(if self.header_text {
            "WEBVTT - Weekly sync\n"
        } else {
            "WEBVTT\n"
        });
        for (cue, decoration) in cues.iter().zip(decorations.iter().cycle()) {
            vtt.push('\n');
            vtt.push_str(&"\n".repeat(decoration.extra_blank_lines));
            if let Some(note) = &decoration.note {
                vtt.push_str(&format!("NOTE {note}\n\n"));
            }
            // The cue as the writer renders it on its own, minus the signature line.
            let written = write_vtt(std::slice::from_ref(cue));
            let block = written
                .strip_prefix("WEBVTT\n\n")
                .expect("writer starts with the signature");
            let (timing, payload) = block.split_once('\n').expect("writer ends the timing line");
            if let Some(identifier) = &decoration.identifier {
                vtt.push_str(identifier);
                vtt.push('\n');
            }
            vtt.push_str(timing);
            if let Some(settings) = decoration.settings {
                vtt.push(' ');
                vtt.push_str(settings);
            }
            vtt.push('\n');
            vtt.push_str(payload);
        }
        vtt.replace('\n', self.line_break)
    }
}
