//! Character references in cue text, both ways.
//!
//! WebVTT borrows HTML's named references; producers (Teams included) use only the handful that
//! cue text needs, so those plus numeric references are decoded. Anything else is left as written,
//! which is what HTML does with an unknown name too.

/// Replaces `&name;`, `&#123;` and `&#x7B;` references.
pub(crate) fn decode(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest) {
            Some((decoded, len)) => {
                out.push(decoded);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// The character a reference at the start of `text` stands for, and the reference's length.
fn reference(text: &str) -> Option<(char, usize)> {
    // The longest reference decoded here is `&#x10FFFF;` (10 bytes); a short window keeps a stray
    // `&` in a long line from scanning the rest of it.
    let semicolon = text.bytes().take(12).position(|b| b == b';')?;
    let name = &text[1..semicolon];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "lrm" => '\u{200e}',
        "rlm" => '\u{200f}',
        _ => numeric(name)?,
    };
    Some((decoded, semicolon + 1))
}

fn numeric(name: &str) -> Option<char> {
    let number = name.strip_prefix('#')?;
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // HTML maps NUL and surrogates to U+FFFD rather than dropping them.
    let code = u32::from_str_radix(digits, radix).ok()?;
    Some(
        char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}'),
    )
}

/// Escapes what would otherwise start a tag or a reference, and `>` so that cue text can never
/// contain `-->`, which would end the cue. Only the test writer needs it.
#[cfg(test)]
pub(crate) fn encode(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decoded(text: &str) -> String {
        let mut out = String::new();
        decode(text, &mut out);
        out
    }

    #[test]
    fn named_references() {
        assert_eq!(decoded("R&amp;D &lt;b&gt;"), "R&D <b>");
        assert_eq!(decoded("a&nbsp;b"), "a\u{a0}b");
        assert_eq!(decoded("&lrm;x&rlm;"), "\u{200e}x\u{200f}");
        assert_eq!(decoded("&quot;&apos;"), "\"'");
    }

    #[test]
    fn numeric_references() {
        assert_eq!(decoded("&#65;&#x42;&#X43;&#x1F600;"), "ABC😀");
        assert_eq!(
            decoded("&#0;&#xD800;&#x110000;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn unknown_or_unterminated_references_stay_as_written() {
        for text in [
            "AT&T", "&copy;", "&amp", "a & b", "&#;", "&#x;", "&#12a;", "&", "&;", "&&amp",
        ] {
            assert_eq!(decoded(text), text);
        }
        assert_eq!(decoded("&&amp;"), "&&");
    }

    #[test]
    fn encoding_hides_arrows_and_tags() {
        let mut out = String::new();
        encode("a --> <b> & c", &mut out);
        assert_eq!(out, "a --&gt; &lt;b&gt; &amp; c");
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(text in any::<String>()) {
            let mut encoded = String::new();
            encode(&text, &mut encoded);
            prop_assert_eq!(decoded(&encoded), text);
        }
    }
}
