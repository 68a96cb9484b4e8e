//! Link lifetimes as operators type them: `90s`, `45m`, `1h`, `7d` (or bare seconds).

/// Seconds in `text`, or a message saying what is accepted.
pub fn parse_secs(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let multiplier = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => 0,
    };
    let value: u64 = digits.parse().unwrap_or(0);
    match value.checked_mul(multiplier) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(format!(
            "{text:?} is not a positive duration (e.g. 90s, 45m, 1h, 7d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_secs;

    #[test]
    fn durations() {
        assert_eq!(parse_secs("90s"), Ok(90));
        assert_eq!(parse_secs("45m"), Ok(2_700));
        assert_eq!(parse_secs("1h"), Ok(3_600));
        assert_eq!(parse_secs("7d"), Ok(604_800));
        assert_eq!(parse_secs("120"), Ok(120));
        for bad in ["", "0h", "h", "1w", "-1h", "1.5h", "99999999999999999999d"] {
            assert!(parse_secs(bad).is_err(), "{bad}");
        }
    }
}
