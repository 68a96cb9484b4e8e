//! The recipient's language and how times are written in it.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// Languages the mail copy exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    De,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no mail copy for locale {0:?} (supported: en, de)")]
pub struct UnknownLocale(pub String);

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    /// Takes a BCP 47 tag or POSIX-style name ("de", "de-AT", "en_GB") by its language subtag.
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let language = tag.trim().split(['-', '_']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "de" => Ok(Locale::De),
            _ => Err(UnknownLocale(tag.to_owned())),
        }
    }
}

impl Locale {
    /// For recipients whose language has no copy yet: English rather than no mail at all.
    pub fn from_tag_or_default(tag: &str) -> Self {
        tag.parse().unwrap_or_default()
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
        }
    }

    /// "Sunday, 1 February 2026" / "Sonntag, 1. Februar 2026"
    pub(crate) fn date(self, at: &DateTime<Tz>) -> String {
        let weekday = self.weekday(at.weekday());
        let month = self.month(at.month());
        match self {
            Locale::En => format!("{weekday}, {} {month} {}", at.day(), at.year()),
            Locale::De => format!("{weekday}, {}. {month} {}", at.day(), at.year()),
        }
    }

    /// The appointment's time span in the recipient's zone, with the zone named so a recipient
    /// travelling elsewhere is not misled.
    pub(crate) fn time_range(self, start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
        let (start, end) = (start.with_timezone(&tz), end.with_timezone(&tz));
        let end_text = if start.date_naive() == end.date_naive() {
            clock(&end)
        } else {
            format!("{}, {}", self.date(&end), clock(&end))
        };
        let suffix = match self {
            Locale::En => "",
            Locale::De => " Uhr",
        };
        format!(
            "{}, {} – {end_text}{suffix} ({}, {})",
            self.date(&start),
            clock(&start),
            start.format("%Z"),
            tz.name()
        )
    }

    fn weekday(self, day: Weekday) -> &'static str {
        const EN: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const DE: [&str; 7] = [
            "Montag",
            "Dienstag",
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
            "Sonntag",
        ];
        let names = match self {
            Locale::En => EN,
            Locale::De => DE,
        };
        names[day.num_days_from_monday() as usize]
    }

    fn month(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const DE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        let names = match self {
            Locale::En => EN,
            Locale::De => DE,
        };
        names[month0(month)]
    }
}

fn month0(month: u32) -> usize {
    // chrono guarantees 1..=12.
    (month - 1) as usize
}

fn clock(at: &DateTime<Tz>) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_language_subtag() {
        assert_eq!("de-DE".parse(), Ok(Locale::De));
        assert_eq!("de_AT".parse(), Ok(Locale::De));
        assert_eq!("EN-gb".parse(), Ok(Locale::En));
        assert_eq!("en".parse(), Ok(Locale::En));
        assert!("fr-FR".parse::<Locale>().is_err());
        assert_eq!(Locale::from_tag_or_default("fr"), Locale::En);
    }

    #[test]
    fn renders_in_recipient_zone_and_language() {
        let start = Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 2, 1, 10, 30, 0).unwrap();
        assert_eq!(
            Locale::De.time_range(start, end, chrono_tz::Europe::Berlin),
            "Sonntag, 1. Februar 2026, 10:00 – 11:30 Uhr (CET, Europe/Berlin)"
        );
        assert_eq!(
            Locale::En.time_range(start, end, chrono_tz::America::New_York),
            "Sunday, 1 February 2026, 04:00 – 05:30 (EST, America/New_York)"
        );
    }

    #[test]
    fn spans_midnight_with_both_dates() {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(
            Locale::De.time_range(start, end, chrono_tz::Europe::Berlin),
            "Sonntag, 1. März 2026, 23:00 – Montag, 2. März 2026, 00:30 Uhr (CET, Europe/Berlin)"
        );
    }
}
