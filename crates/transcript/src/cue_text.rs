//! Cue payload → speaker and readable text.
//!
//! Teams puts each cue's speaker in a voice span (`<v Ana Müller>…</v>`). Every tag is markup, not
//! speech, so all of them are removed; the first voice span's annotation names the speaker.

use crate::escape;

pub(crate) struct CueText {
    pub(crate) speaker: Option<String>,
    pub(crate) text: String,
}

/// `payload` is the cue's lines joined with `\n`.
pub(crate) fn parse(payload: &str) -> CueText {
    let mut speaker = None;
    let mut text = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        escape::decode(&rest[..open], &mut text);
        let Some(close) = rest[open..].find('>') else {
            // The specification would swallow an unterminated `<` and everything after it; a
            // sloppy producer's "x < y" is speech, so it is kept.
            rest = &rest[open..];
            break;
        };
        let tag = &rest[open + 1..open + close];
        if speaker.is_none() {
            speaker = voice_annotation(tag);
        }
        rest = &rest[open + close + 1..];
    }
    escape::decode(rest, &mut text);
    CueText { speaker, text }
}

/// The speaker named by a voice start tag (`v`, `v.class.other Name`), if `tag` is one.
fn voice_annotation(tag: &str) -> Option<String> {
    let after_name = tag.strip_prefix('v')?;
    let annotation = match after_name.find(is_vtt_whitespace) {
        // Only classes (`.loud`) may sit between the tag name and the annotation.
        Some(space) if after_name[..space].is_empty() || after_name.starts_with('.') => {
            &after_name[space..]
        }
        _ => return None,
    };
    let mut decoded = String::new();
    escape::decode(annotation, &mut decoded);
    let speaker = normalize_speaker(&decoded);
    (!speaker.is_empty()).then_some(speaker)
}

/// Trims the annotation and collapses its whitespace runs to one space, as the specification
/// does, so the same person is always spelled the same way.
pub(crate) fn normalize_speaker(name: &str) -> String {
    name.split(is_vtt_whitespace)
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The specification's "ASCII whitespace"; not U+00A0, which `&nbsp;` produces on purpose.
pub(crate) fn is_vtt_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker_and_text(payload: &str) -> (Option<String>, String) {
        let parsed = parse(payload);
        (parsed.speaker, parsed.text)
    }

    fn said(speaker: &str, text: &str) -> (Option<String>, String) {
        (Some(speaker.to_owned()), text.to_owned())
    }

    #[test]
    fn teams_voice_span() {
        assert_eq!(
            speaker_and_text("<v Ana Müller>Hello everyone, thanks for joining.</v>"),
            said("Ana Müller", "Hello everyone, thanks for joining.")
        );
    }

    #[test]
    fn voice_span_with_classes() {
        assert_eq!(speaker_and_text("<v.loud Tom>Hi!</v>"), said("Tom", "Hi!"));
        assert_eq!(
            speaker_and_text("<v.loud.first\tTom>Hi!"),
            said("Tom", "Hi!")
        );
    }

    #[test]
    fn no_voice_span_means_no_speaker() {
        assert_eq!(
            speaker_and_text("Just text"),
            (None, "Just text".to_owned())
        );
        assert_eq!(speaker_and_text(""), (None, String::new()));
    }

    #[test]
    fn tags_that_merely_start_with_v_are_not_voices() {
        for payload in ["<vx Tom>Hi", "<v>Hi", "<v.loud>Hi", "<v   >Hi", "<V Tom>Hi"] {
            assert_eq!(
                speaker_and_text(payload),
                (None, "Hi".to_owned()),
                "{payload:?}"
            );
        }
    }

    #[test]
    fn speaker_names_are_decoded_and_normalized() {
        assert_eq!(
            speaker_and_text("<v   Ana \t  M&uuml;ller &amp; Co  >x"),
            said("Ana M&uuml;ller & Co", "x")
        );
        assert_eq!(speaker_and_text("<v Jo&gt;Jo>x"), said("Jo>Jo", "x"));
        assert_eq!(speaker_and_text("<v A\u{a0}B>x"), said("A\u{a0}B", "x"));
    }

    #[test]
    fn first_voice_names_the_cue() {
        assert_eq!(
            speaker_and_text("<v Ana>Hi </v><v Tom>there</v>"),
            said("Ana", "Hi there")
        );
    }

    #[test]
    fn other_tags_are_stripped() {
        assert_eq!(
            speaker_and_text(
                "<v Ana><b>bold</b> <i>it</i> <c.yellow.bg>c</c> <lang en>l</lang> <u>u</u> <00:00:01.000>t<ruby>r<rt>rt</rt></ruby></v>"
            ),
            said("Ana", "bold it c l u trrt")
        );
    }

    #[test]
    fn entities_in_text() {
        assert_eq!(
            speaker_and_text("R&amp;D &lt;3 a&nbsp;b &lrm;x&rlm; &gt;"),
            (None, "R&D <3 a\u{a0}b \u{200e}x\u{200f} >".to_owned())
        );
    }

    #[test]
    fn multi_line_payload_keeps_its_lines() {
        assert_eq!(
            speaker_and_text("<v Ana>first line\nsecond <b>line</b></v>"),
            said("Ana", "first line\nsecond line")
        );
    }

    #[test]
    fn tags_may_span_lines() {
        assert_eq!(
            speaker_and_text("<v Ana\nMüller>Hi</v>"),
            said("Ana Müller", "Hi")
        );
    }

    #[test]
    fn unterminated_less_than_is_kept() {
        assert_eq!(speaker_and_text("<v Ana>x < y"), said("Ana", "x < y"));
        assert_eq!(speaker_and_text("a<b>c<d"), (None, "ac<d".to_owned()));
    }
}
