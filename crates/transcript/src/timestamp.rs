//! WebVTT timestamps: `[hours:]minutes:seconds.fraction`, as milliseconds.
//!
//! The specification wants two-digit minutes and seconds and exactly three fraction digits. Graph's
//! own documentation sample (and so our emulator) sends `0:0:5.320`, so this parser also accepts
//! one-digit minutes and seconds and one to three fraction digits, read as a decimal fraction
//! (`.5` is 500 ms). What stays strict is what would change the meaning: ranges, the number of
//! components, and more than millisecond precision.

use crate::error::TimestampProblem;

pub(crate) fn parse(text: &str) -> Result<u64, TimestampProblem> {
    let (clock, fraction) = text.split_once('.').ok_or(TimestampProblem::Malformed)?;
    let mut components = clock.split(':').rev();
    let seconds = sexagesimal(components.next(), TimestampProblem::SecondsOver59)?;
    let minutes = sexagesimal(components.next(), TimestampProblem::MinutesOver59)?;
    let hours: u64 = match components.next() {
        None => 0,
        Some(hours) if is_digits(hours) => hours.parse().map_err(|_| TimestampProblem::TooLarge)?,
        Some(_) => return Err(TimestampProblem::Malformed),
    };
    if components.next().is_some() {
        return Err(TimestampProblem::Malformed);
    }
    let millis = fraction_millis(fraction)?;
    hours
        .checked_mul(3_600_000)
        .and_then(|ms| ms.checked_add(minutes * 60_000 + seconds * 1_000 + millis))
        .ok_or(TimestampProblem::TooLarge)
}

/// Minutes or seconds: one or two digits, at most 59.
fn sexagesimal(component: Option<&str>, over: TimestampProblem) -> Result<u64, TimestampProblem> {
    let digits = component
        .filter(|c| (1..=2).contains(&c.len()) && is_digits(c))
        .ok_or(TimestampProblem::Malformed)?;
    let value: u64 = digits.parse().map_err(|_| TimestampProblem::Malformed)?;
    if value > 59 {
        return Err(over);
    }
    Ok(value)
}

fn fraction_millis(fraction: &str) -> Result<u64, TimestampProblem> {
    if !(1..=3).contains(&fraction.len()) || !is_digits(fraction) {
        return Err(TimestampProblem::Malformed);
    }
    let value: u64 = fraction.parse().map_err(|_| TimestampProblem::Malformed)?;
    let scale = match fraction.len() {
        1 => 100,
        2 => 10,
        _ => 1,
    };
    Ok(value * scale)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Renders milliseconds as the canonical `hh:mm:ss.ttt` (hours widen past 99). Only the test
/// writer needs it.
#[cfg(test)]
pub(crate) struct Timestamp(pub(crate) u64);

#[cfg(test)]
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0;
        write!(
            f,
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1_000 % 60,
            ms % 1_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_and_short_forms() {
        assert_eq!(parse("00:00:04.520"), Ok(4_520));
        assert_eq!(parse("01:02:03.004"), Ok(3_723_004));
        assert_eq!(parse("02:03.004"), Ok(123_004));
        assert_eq!(parse("123:00:00.000"), Ok(123 * 3_600_000));
    }

    #[test]
    fn graph_documentation_form_reads_fractions_as_decimals() {
        assert_eq!(parse("0:0:5.320"), Ok(5_320));
        assert_eq!(parse("0:0:0.0"), Ok(0));
        assert_eq!(parse("0:0:1.5"), Ok(1_500));
        assert_eq!(parse("0:1.25"), Ok(1_250));
    }

    #[test]
    fn ranges_are_enforced() {
        assert_eq!(parse("00:60:00.000"), Err(TimestampProblem::MinutesOver59));
        assert_eq!(parse("00:00:60.000"), Err(TimestampProblem::SecondsOver59));
        assert_eq!(parse("60:00.000"), Err(TimestampProblem::MinutesOver59));
    }

    #[test]
    fn shapes_that_are_not_timestamps() {
        for bad in [
            "",
            "00:00",
            "00:00:00",
            "00:00:00,000",
            "00:00:00.0000",
            "00:00:00.",
            "000:00.000",
            "00:000.000",
            "1:00:00:00.000",
            "-1:00.000",
            "00:0a.000",
            " 00:01.000",
            "00:01.000 ",
            "a:00:00.000",
            ":00:00.000",
            "00:01.+00",
        ] {
            assert_eq!(parse(bad), Err(TimestampProblem::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn hours_that_overflow_milliseconds() {
        assert_eq!(
            parse("99999999999999999999:00:00.000"),
            Err(TimestampProblem::TooLarge)
        );
        assert_eq!(
            parse("5124095576030431:00:00.000"),
            Err(TimestampProblem::TooLarge)
        );
    }

    #[test]
    fn canonical_rendering() {
        assert_eq!(Timestamp(0).to_string(), "00:00:00.000");
        assert_eq!(Timestamp(3_723_004).to_string(), "01:02:03.004");
        assert_eq!(Timestamp(100 * 3_600_000).to_string(), "100:00:00.000");
    }

    proptest! {
        #[test]
        fn rendering_parses_back(ms in 0u64..=u64::MAX / 2) {
            prop_assert_eq!(parse(&Timestamp(ms).to_string()), Ok(ms));
        }
    }
}
