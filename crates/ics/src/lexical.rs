//! RFC 5545 §3.1 content-line lexing: TEXT escaping, parameter quoting and line folding.
//!
//! Hand-written rather than taken from the `icalendar` crate's builder because that builder
//! leaks bare CRs into TEXT values, emits parameter values containing DQUOTE (which cannot be
//! quoted at all), reorders properties alphabetically and adds a wall-clock DTSTAMP when one is
//! missing; every one of those breaks either conformance or byte-identical retries.

use std::fmt::Write as _;

/// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets, excluding the line break."
pub const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value (RFC 5545 §3.3.11).
///
/// Line breaks in any convention (CRLF, CR, LF) become `\n`, because a CR that survives into the
/// output would end the content line early in strict parsers. Other ASCII control characters
/// are not allowed in TEXT at all and are dropped; HTAB is allowed and kept.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            c if is_forbidden_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one logical content line so that no physical line exceeds [`MAX_LINE_OCTETS`].
///
/// Counts octets, not characters, and only breaks between characters so a UTF-8 sequence is
/// never split. The leading space of a continuation line counts towards its 75 octets. The
/// result has no trailing line break.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut current = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if current + width > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            current = 1;
        }
        out.push(c);
        current += width;
    }
    out
}

/// A parameter value (RFC 5545 §3.2): DQUOTE cannot appear even inside a quoted string, so it is
/// replaced by an apostrophe; line breaks and controls become spaces; surrounding whitespace is
/// dropped.
fn clean_param(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if is_forbidden_control(c) => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Quotes a cleaned value when it contains `:`, `;` or `,`.
fn quote_if_needed(cleaned: String) -> String {
    if cleaned.contains([':', ';', ',']) {
        format!("\"{cleaned}\"")
    } else {
        cleaned
    }
}

/// A URI value (cal-address, URL): URIs contain no whitespace or controls, so any that slipped
/// through would only break the content line.
fn uri_value(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

fn is_forbidden_control(c: char) -> bool {
    c.is_ascii_control() && c != '\t'
}

/// Builds one logical content line: `NAME *(;PARAM=value) :value`.
#[derive(Debug)]
pub(crate) struct ContentLine {
    line: String,
}

impl ContentLine {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            line: name.to_owned(),
        }
    }

    pub(crate) fn param(mut self, name: &str, value: &str) -> Self {
        // Writing into a String cannot fail.
        let _ = write!(self.line, ";{name}={}", quote_if_needed(clean_param(value)));
        self
    }

    /// Like [`Self::param`], but leaves the parameter out when nothing printable remains
    /// (an empty `CN=` shows as `""` in some clients).
    pub(crate) fn param_if_present(self, name: &str, value: &str) -> Self {
        let cleaned = clean_param(value);
        if cleaned.is_empty() {
            self
        } else {
            self.param(name, &cleaned)
        }
    }

    /// A TEXT value, escaped.
    pub(crate) fn text(self, value: &str) -> String {
        self.finish(&escape_text(value))
    }

    /// A URI value (including `mailto:` cal-addresses).
    pub(crate) fn uri(self, value: &str) -> String {
        self.finish(&uri_value(value))
    }

    /// A value whose syntax is produced by this crate (dates, integers, enumerated tokens).
    pub(crate) fn token(self, value: &str) -> String {
        self.finish(value)
    }

    fn finish(mut self, value: &str) -> String {
        self.line.push(':');
        self.line.push_str(value);
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a conforming parser must give back for `input`: line breaks normalised to LF and
    /// forbidden controls dropped, nothing else changed.
    fn expected_text(input: &str) -> String {
        input
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|&c| c == '\n' || !is_forbidden_control(c))
            .collect()
    }

    /// Parses a one-property calendar with the `icalendar` crate's parser (an implementation we
    /// did not write) and returns the unescaped DESCRIPTION.
    fn reparse_description(folded: &str) -> String {
        let doc = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{folded}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let unfolded = icalendar::parser::unfold(&doc);
        let calendar = icalendar::parser::read_calendar(&unfolded).expect("parses");
        let event = &calendar.components[0];
        event
            .properties
            .iter()
            .find(|p| p.name.as_str() == "DESCRIPTION")
            .map(|p| p.val.as_str().to_owned())
            .expect("DESCRIPTION present")
    }

    fn assert_physical_lines_valid(folded: &str) {
        for (i, physical) in folded.split("\r\n").enumerate() {
            assert!(
                physical.len() <= MAX_LINE_OCTETS,
                "line {i} has {} octets: {physical:?}",
                physical.len()
            );
            assert!(
                !physical.contains(['\r', '\n']),
                "bare CR/LF in {physical:?}"
            );
            if i > 0 {
                assert!(physical.starts_with(' '), "continuation without space");
            }
        }
    }

    #[test]
    fn escapes_the_four_specials_and_not_colon() {
        assert_eq!(
            escape_text("a\\b;c,d\ne:f"),
            "a\\\\b\\;c\\,d\\ne:f".to_owned()
        );
    }

    #[test]
    fn normalises_bare_cr_and_crlf() {
        assert_eq!(escape_text("one\r\ntwo\rthree\n"), "one\\ntwo\\nthree\\n");
    }

    #[test]
    fn drops_forbidden_controls_keeps_tab() {
        assert_eq!(escape_text("a\u{0}b\u{7f}c\td"), "abc\td");
    }

    #[test]
    fn folds_exactly_at_75_octets() {
        let line = "X".repeat(75);
        assert_eq!(fold_line(&line), line);
        let folded = fold_line(&"X".repeat(76));
        assert_eq!(folded, format!("{}\r\n X", "X".repeat(75)));
    }

    #[test]
    fn never_splits_a_four_octet_sequence() {
        // 73 ASCII octets leave 2 octets of room: the emoji (4 octets) must move to the next line.
        let folded = fold_line(&format!("{}😀", "A".repeat(73)));
        assert_eq!(folded, format!("{}\r\n 😀", "A".repeat(73)));
    }

    #[test]
    fn parameter_with_quote_and_comma_is_quoted_without_dquote() {
        let line = ContentLine::new("ATTENDEE")
            .param("CN", "Org, \"The\" Name")
            .uri("mailto:a@b.example");
        assert_eq!(line, "ATTENDEE;CN=\"Org, 'The' Name\":mailto:a@b.example");
    }

    #[test]
    fn parameter_with_newline_stays_on_one_line() {
        let line = ContentLine::new("ORGANIZER")
            .param("CN", "Two\r\nLines")
            .uri("mailto: x@y.example\r\n");
        assert_eq!(line, "ORGANIZER;CN=Two  Lines:mailto:x@y.example");
    }

    #[test]
    fn empty_after_cleaning_means_absent() {
        let line = ContentLine::new("ATTENDEE")
            .param_if_present("CN", " \u{0}\r\n ")
            .uri("mailto:a@b.example");
        assert_eq!(line, "ATTENDEE:mailto:a@b.example");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn text_round_trips_through_an_independent_parser(input in any::<String>()) {
            let folded = fold_line(&ContentLine::new("DESCRIPTION").text(&input));
            assert_physical_lines_valid(&folded);
            prop_assert_eq!(reparse_description(&folded), expected_text(&input));
        }

        #[test]
        fn text_with_specials_round_trips(input in "[\\\\;,:\r\n\" a-zäß€😀\u{0}-\u{1f}]{0,300}") {
            let folded = fold_line(&ContentLine::new("DESCRIPTION").text(&input));
            assert_physical_lines_valid(&folded);
            prop_assert_eq!(reparse_description(&folded), expected_text(&input));
        }

        #[test]
        fn unfolding_restores_the_logical_line(line in "[^\r\n]{0,400}") {
            let folded = fold_line(&line);
            assert_physical_lines_valid(&folded);
            prop_assert_eq!(folded.replace("\r\n ", ""), line);
        }

        #[test]
        fn parameters_never_contain_dquote_or_line_breaks(name in any::<String>()) {
            let line = ContentLine::new("ATTENDEE").param("CN", &name).uri("mailto:a@b.example");
            let value = line
                .strip_prefix("ATTENDEE;CN=")
                .and_then(|rest| rest.strip_suffix(":mailto:a@b.example"))
                .expect("shape kept");
            let inner = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            prop_assert!(!inner.contains('"'));
            prop_assert!(!inner.chars().any(|c| c.is_ascii_control() && c != '\t'));
            if inner.contains([':', ';', ',']) {
                prop_assert!(value.starts_with('"'));
            }
        }
    }
}
