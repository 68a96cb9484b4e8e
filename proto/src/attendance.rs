//! Who attended a meeting and for how long, turned into what an MSP bills: the technician's
//! billable time and whether the client showed up. Pure (no I/O, no clock), so the same numbers
//! come out in the activity, the store and the tests.
//!
//! Definitions (docs/workflows.md, *Attendance*):
//! - a person's **presence** is the union of their attendance intervals, over every attendance
//!   report of the meeting (a reconnect that overlaps the previous interval counts once);
//! - **billable span**: from the first instant the technician is present while the client is
//!   present to the last such instant — the technician's first join to last leave *while the
//!   client was present*; gaps in between (a dropped connection) are billed, time before the
//!   client joined or after the last of them left is not. Without a client contact on the
//!   appointment the span is the technician's own first join to last leave;
//! - **billable seconds**: the span's length rounded *up* to the tenant's increment;
//! - **client no-show**: the appointment has a client contact and no interval of theirs has a
//!   positive length.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One stretch of a participant's presence; `join <= leave` by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    join: DateTime<Utc>,
    leave: DateTime<Utc>,
}

impl Interval {
    /// `None` when `leave` is before `join` (a report Graph should never produce).
    pub fn new(join: DateTime<Utc>, leave: DateTime<Utc>) -> Option<Self> {
        (join <= leave).then_some(Self { join, leave })
    }

    pub fn join(&self) -> DateTime<Utc> {
        self.join
    }

    pub fn leave(&self) -> DateTime<Utc> {
        self.leave
    }

    pub fn seconds(&self) -> u64 {
        (self.leave - self.join).num_seconds().max(0) as u64
    }
}

/// What the appointment says a participant is, by email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeRole {
    Technician,
    Client,
    /// Anyone else: extra attendees, guests, the organizer mailbox.
    Other,
}

/// One participant's presence as a report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// As Graph reports it (any case); `None` for anonymous / PSTN participants.
    pub email: Option<String>,
    pub intervals: Vec<Interval>,
}

/// The technician's and the client contact's addresses, matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    pub technician: String,
    pub client: Option<String>,
}

impl Roles {
    pub fn of(&self, email: Option<&str>) -> AttendeeRole {
        let Some(email) = email else {
            return AttendeeRole::Other;
        };
        if email.eq_ignore_ascii_case(&self.technician) {
            AttendeeRole::Technician
        } else if self
            .client
            .as_deref()
            .is_some_and(|c| email.eq_ignore_ascii_case(c))
        {
            AttendeeRole::Client
        } else {
            AttendeeRole::Other
        }
    }
}

/// The tenant's billing increment: billable time is rounded up to a multiple of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "minutes")]
pub enum BillableRounding {
    /// Bill the exact seconds.
    Exact,
    /// Round up to the next multiple of this many minutes (never 0).
    UpToMinutes(std::num::NonZeroU32),
}

impl BillableRounding {
    pub fn apply(self, seconds: u64) -> u64 {
        match self {
            BillableRounding::Exact => seconds,
            BillableRounding::UpToMinutes(m) => {
                let step = u64::from(m.get()) * 60;
                seconds.div_ceil(step) * step
            }
        }
    }
}

/// What the attendance reports add up to for billing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceSummary {
    /// The billable span's length, rounded per the tenant's rule.
    pub billable_seconds: u64,
    /// The billable span before rounding; `None` when it is empty.
    pub billable_from: Option<DateTime<Utc>>,
    pub billable_to: Option<DateTime<Utc>>,
    pub client_no_show: bool,
    /// Distinct participants over all reports.
    pub participants: u32,
}

/// Sorted, non-overlapping union of `intervals` (touching intervals are joined).
pub fn merged(intervals: impl IntoIterator<Item = Interval>) -> Vec<Interval> {
    let mut all: Vec<Interval> = intervals.into_iter().collect();
    all.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(all.len());
    for i in all {
        match out.last_mut() {
            Some(last) if i.join <= last.leave => last.leave = last.leave.max(i.leave),
            _ => out.push(i),
        }
    }
    out
}

/// Total seconds of a participant's presence, overlaps counted once.
pub fn present_seconds(intervals: &[Interval]) -> u64 {
    merged(intervals.iter().copied())
        .iter()
        .map(Interval::seconds)
        .sum()
}

/// Intersection of two merged interval lists.
fn overlap(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let join = a[i].join.max(b[j].join);
        let leave = a[i].leave.min(b[j].leave);
        if join < leave {
            out.push(Interval { join, leave });
        }
        if a[i].leave < b[j].leave {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The summary of `presences` (every record of every report of one meeting).
pub fn summarize(
    presences: &[Presence],
    roles: &Roles,
    rounding: BillableRounding,
) -> AttendanceSummary {
    let of_role = |role: AttendeeRole| {
        merged(
            presences
                .iter()
                .filter(|p| roles.of(p.email.as_deref()) == role)
                .flat_map(|p| p.intervals.iter().copied()),
        )
    };
    let technician = of_role(AttendeeRole::Technician);
    let client = of_role(AttendeeRole::Client);
    let billed = if roles.client.is_some() {
        overlap(&technician, &client)
    } else {
        technician
    };
    let span = billed
        .first()
        .zip(billed.last())
        .map(|(first, last)| (first.join, last.leave));
    let raw = span.map_or(0, |(from, to)| (to - from).num_seconds().max(0) as u64);
    let mut distinct: Vec<String> = presences
        .iter()
        .map(|p| p.email.as_deref().unwrap_or("").to_ascii_lowercase())
        .collect();
    distinct.sort();
    distinct.dedup();
    // Anonymous participants have no address to tell them apart: each record counts.
    let anonymous = presences.iter().filter(|p| p.email.is_none()).count();
    let named = distinct.iter().filter(|e| !e.is_empty()).count();
    AttendanceSummary {
        billable_seconds: if raw == 0 { 0 } else { rounding.apply(raw) },
        billable_from: span.map(|s| s.0),
        billable_to: span.map(|s| s.1),
        client_no_show: roles.client.is_some() && present_seconds(&client) == 0,
        participants: (named + anonymous) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use std::num::NonZeroU32;

    const TECH: &str = "tech@msp.example";
    const CLIENT: &str = "Client@Customer.example";

    /// Minutes after 10:00 of one day.
    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn iv(from: i64, to: i64) -> Interval {
        Interval::new(at(from), at(to)).unwrap()
    }

    fn who(email: &str, intervals: &[(i64, i64)]) -> Presence {
        Presence {
            email: Some(email.to_owned()),
            intervals: intervals.iter().map(|&(a, b)| iv(a, b)).collect(),
        }
    }

    fn roles() -> Roles {
        Roles {
            technician: TECH.to_owned(),
            client: Some("client@customer.example".to_owned()),
        }
    }

    fn fifteen() -> BillableRounding {
        BillableRounding::UpToMinutes(NonZeroU32::new(15).unwrap())
    }

    fn exact(p: &[Presence]) -> AttendanceSummary {
        summarize(p, &roles(), BillableRounding::Exact)
    }

    #[test]
    fn technician_joined_late_bills_from_their_join() {
        let s = exact(&[who(CLIENT, &[(0, 60)]), who(TECH, &[(12, 60)])]);
        assert_eq!(s.billable_seconds, 48 * 60);
        assert_eq!(
            (s.billable_from, s.billable_to),
            (Some(at(12)), Some(at(60)))
        );
        assert!(!s.client_no_show);
        assert_eq!(s.participants, 2);
    }

    #[test]
    fn technician_left_early_bills_until_their_leave() {
        let s = exact(&[who(CLIENT, &[(0, 60)]), who(TECH, &[(0, 41)])]);
        assert_eq!(s.billable_seconds, 41 * 60);
    }

    #[test]
    fn time_before_the_client_joined_and_after_they_left_is_not_billed() {
        let s = exact(&[who(CLIENT, &[(10, 30)]), who(TECH, &[(0, 60)])]);
        assert_eq!(s.billable_seconds, 20 * 60);
    }

    #[test]
    fn client_never_joined_is_a_no_show_with_nothing_billable() {
        let s = summarize(&[who(TECH, &[(0, 30)])], &roles(), fifteen());
        assert!(s.client_no_show);
        assert_eq!(s.billable_seconds, 0);
        assert_eq!(s.billable_from, None);
        // A zero-length client record is no presence either.
        let s = exact(&[who(TECH, &[(0, 30)]), who(CLIENT, &[(5, 5)])]);
        assert!(s.client_no_show);
    }

    #[test]
    fn a_technician_gap_between_joins_is_billed_as_one_span() {
        // Dropped at 20, back at 25: first join to last leave while the client was there.
        let s = exact(&[who(CLIENT, &[(0, 60)]), who(TECH, &[(5, 20), (25, 50)])]);
        assert_eq!(s.billable_seconds, 45 * 60);
    }

    #[test]
    fn overlapping_reconnects_count_once() {
        let tech = [iv(0, 30), iv(20, 40), iv(40, 45)];
        assert_eq!(present_seconds(&tech), 45 * 60);
        assert_eq!(merged(tech), vec![iv(0, 45)]);
        let s = exact(&[
            who(CLIENT, &[(0, 60)]),
            who(TECH, &[(0, 30), (20, 40)]),
            // The same technician again in a second report.
            who(&TECH.to_uppercase(), &[(35, 45)]),
        ]);
        assert_eq!(s.billable_seconds, 45 * 60);
        assert_eq!(s.participants, 2);
    }

    #[test]
    fn client_with_multiple_intervals_bounds_the_span() {
        let s = exact(&[who(CLIENT, &[(10, 20), (30, 40)]), who(TECH, &[(0, 60)])]);
        assert_eq!(s.billable_from, Some(at(10)));
        assert_eq!(s.billable_to, Some(at(40)));
    }

    #[test]
    fn rounding_goes_up_to_the_increment() {
        let r = fifteen();
        assert_eq!(r.apply(1), 900);
        assert_eq!(r.apply(900), 900);
        assert_eq!(r.apply(901), 1800);
        assert_eq!(BillableRounding::Exact.apply(901), 901);
        let s = summarize(
            &[who(CLIENT, &[(0, 60)]), who(TECH, &[(0, 16)])],
            &roles(),
            r,
        );
        assert_eq!(s.billable_seconds, 30 * 60);
    }

    #[test]
    fn without_a_client_contact_the_technician_span_is_billed() {
        let roles = Roles {
            technician: TECH.to_owned(),
            client: None,
        };
        let s = summarize(
            &[who(TECH, &[(3, 10), (20, 30)])],
            &roles,
            BillableRounding::Exact,
        );
        assert_eq!(s.billable_seconds, 27 * 60);
        assert!(!s.client_no_show);
    }

    #[test]
    fn billable_never_exceeds_either_presence_span() {
        // Property over a grid of shapes: the billed span lies within both the technician's
        // and the client's first-join-to-last-leave.
        for t0 in (0..60).step_by(7) {
            for t1 in (t0..70).step_by(11) {
                for c0 in (0..60).step_by(13) {
                    for c1 in (c0..70).step_by(9) {
                        let s = exact(&[who(CLIENT, &[(c0, c1)]), who(TECH, &[(t0, t1)])]);
                        let expect = (t1.min(c1) - t0.max(c0)).max(0) as u64 * 60;
                        assert_eq!(s.billable_seconds, expect, "t {t0}-{t1} c {c0}-{c1}");
                    }
                }
            }
        }
    }

    #[test]
    fn inverted_intervals_are_refused() {
        assert!(Interval::new(at(5), at(4)).is_none());
    }
}
