//! Throttling of progress reports: the activity heartbeats on each report, and a heartbeat per
//! network chunk (a few KiB) would flood the Temporal server.

use std::time::{Duration, Instant};

/// Report at least every this many bytes...
const REPORT_EVERY_BYTES: u64 = 8 * 1024 * 1024;
/// ...or after this long, whichever comes first, as long as some bytes arrived.
const REPORT_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct ProgressThrottle {
    reported_bytes: u64,
    reported_at: Instant,
}

impl ProgressThrottle {
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            reported_bytes: 0,
            reported_at: now,
        }
    }

    /// Whether `bytes` (the running total) should be reported now.
    pub(crate) fn should_report(&mut self, bytes: u64, now: Instant) -> bool {
        let advanced = bytes.saturating_sub(self.reported_bytes);
        let due = advanced >= REPORT_EVERY_BYTES
            || (advanced > 0 && now.duration_since(self.reported_at) >= REPORT_EVERY);
        if due {
            self.reported_bytes = bytes;
            self.reported_at = now;
        }
        due
    }

    /// Whether the final total still needs reporting (it always gets one report).
    pub(crate) fn needs_final_report(&self, bytes: u64) -> bool {
        bytes != self.reported_bytes || bytes == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn reports_every_8_mib_when_fast() {
        let start = Instant::now();
        let mut throttle = ProgressThrottle::new(start);
        let reports: Vec<u64> = (1..=64 * 16)
            .map(|i| i * MIB / 16)
            .filter(|&bytes| throttle.should_report(bytes, start))
            .collect();
        assert_eq!(reports, (1..=8).map(|i| i * 8 * MIB).collect::<Vec<_>>());
    }

    #[test]
    fn reports_every_second_when_slow() {
        let start = Instant::now();
        let mut throttle = ProgressThrottle::new(start);
        assert!(!throttle.should_report(1000, start + Duration::from_millis(500)));
        assert!(throttle.should_report(2000, start + Duration::from_millis(1000)));
        assert!(!throttle.should_report(3000, start + Duration::from_millis(1900)));
        assert!(throttle.should_report(3000, start + Duration::from_millis(2000)));
        // No new bytes, no report, however long it has been.
        assert!(!throttle.should_report(3000, start + Duration::from_secs(60)));
        assert!(!throttle.needs_final_report(3000));
        assert!(throttle.needs_final_report(3001));
    }
}
