//! The transcript as prose: one paragraph per turn, `Speaker: what they said`.
//!
//! Teams cuts a speaker's turn into many short cues; a reader (and the PSA document) wants the
//! turn back, so consecutive cues of one speaker are joined into one paragraph. Line breaks and
//! whitespace runs inside cues are layout, not content, and become single spaces.

use crate::Cue;

/// Paragraphs separated by `\n`; cues without a speaker give paragraphs without a `Speaker: `
/// prefix; cues without text give nothing.
pub(crate) fn render(cues: &[Cue]) -> String {
    let mut out = String::new();
    // The speaker of the open paragraph: outer `None` before the first one, since a paragraph
    // without a speaker (`Some(None)`) is a turn of its own too.
    let mut current_speaker: Option<Option<&str>> = None;
    for cue in cues {
        let mut words = cue.text.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        let speaker = cue.speaker.as_deref();
        if current_speaker == Some(speaker) {
            out.push(' ');
        } else {
            if current_speaker.is_some() {
                out.push('\n');
            }
            if let Some(name) = speaker {
                out.push_str(name);
                out.push_str(": ");
            }
            current_speaker = Some(speaker);
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(speaker: Option<&str>, text: &str) -> Cue {
        Cue {
            speaker: speaker.map(str::to_owned),
            start_ms: 0,
            end_ms: 0,
            text: text.to_owned(),
        }
    }

    #[test]
    fn consecutive_cues_of_one_speaker_form_one_paragraph() {
        let cues = [
            cue(Some("Ana"), "Hello everyone,"),
            cue(Some("Ana"), "thanks for joining."),
            cue(Some("Tom"), "Hi Ana."),
            cue(Some("Ana"), "Let's start."),
        ];
        assert_eq!(
            render(&cues),
            "Ana: Hello everyone, thanks for joining.\nTom: Hi Ana.\nAna: Let's start."
        );
    }

    #[test]
    fn cues_without_speaker_have_no_prefix_and_merge_too() {
        let cues = [
            cue(None, "Music"),
            cue(None, "playing"),
            cue(Some("Ana"), "Hi"),
            cue(None, "applause"),
        ];
        assert_eq!(render(&cues), "Music playing\nAna: Hi\napplause");
    }

    #[test]
    fn line_breaks_and_whitespace_runs_become_single_spaces() {
        let cues = [cue(Some("Ana"), "  first\nsecond \t line  ")];
        assert_eq!(render(&cues), "Ana: first second line");
    }

    #[test]
    fn empty_cues_do_not_split_a_turn_or_leave_blank_paragraphs() {
        let cues = [
            cue(Some("Ana"), "one"),
            cue(Some("Tom"), "  "),
            cue(Some("Ana"), "two"),
            cue(None, ""),
        ];
        assert_eq!(render(&cues), "Ana: one two");
    }

    #[test]
    fn nothing_said_gives_empty_text() {
        assert_eq!(render(&[]), "");
        assert_eq!(render(&[cue(Some("Ana"), "")]), "");
    }
}
