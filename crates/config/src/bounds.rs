//! The range of every numeric key. A value outside its range is refused at load, naming the key
//! and the range: an unbounded number is a unit mistake waiting to happen (a grace period of
//! 10¹⁸ seconds overflows the workflow's date arithmetic and panics inside workflow code).
//!
//! The upper limits are generous rather than tight: each is far beyond any sensible setting
//! and still leaves the arithmetic that uses it (chrono durations, pool sizes) in range.

use std::{fmt::Display, ops::RangeInclusive};

use crate::ConfigError;

/// `worker.graceful_shutdown_secs`: up to an hour of draining.
pub const GRACEFUL_SHUTDOWN_SECS: RangeInclusive<u64> = 0..=3_600;
/// `worker.max_concurrent_activities`.
pub const CONCURRENT_ACTIVITIES: RangeInclusive<usize> = 1..=1_000;
/// `worker.max_concurrent_workflow_tasks`: the SDK needs 2 when workflows are cached.
pub const CONCURRENT_WORKFLOW_TASKS: RangeInclusive<usize> = 2..=1_000;
/// `worker.max_cached_workflows`: 0 turns the sticky cache off.
pub const CACHED_WORKFLOWS: RangeInclusive<usize> = 0..=100_000;
/// `mail.smtp.port`.
pub const SMTP_PORT: RangeInclusive<u16> = 1..=u16::MAX;
/// `mail.smtp.timeout_secs`: one SMTP command, up to 10 minutes.
pub const SMTP_TIMEOUT_SECS: RangeInclusive<u64> = 1..=600;
/// `mail.smtp.pool_max_size`: connections to the relay.
pub const SMTP_POOL_MAX_SIZE: RangeInclusive<u32> = 1..=100;
/// `tenants.<id>.activity_attempt_timeout_secs`: one attempt of a Graph or mail activity.
pub const ATTEMPT_TIMEOUT_SECS: RangeInclusive<u64> = 1..=3_600;
/// `tenants.<id>.capture.grace_after_end_secs`: up to a day after the scheduled end.
pub const GRACE_AFTER_END_SECS: RangeInclusive<u64> = 0..=86_400;
/// `tenants.<id>.capture.first_poll_secs`: up to a day after the end.
pub const FIRST_POLL_SECS: RangeInclusive<u64> = 1..=86_400;
/// `tenants.<id>.capture.backoff_cap_secs` (and at least `first_poll_secs`): up to a week.
pub const BACKOFF_CAP_SECS: RangeInclusive<u64> = 1..=604_800;
/// `tenants.<id>.capture.window_secs` (and at least `first_poll_secs`): up to 30 days.
pub const WINDOW_SECS: RangeInclusive<u64> = 1..=2_592_000;

/// `tenants.<id>.online_meeting_lookup_window_secs`: up to a day of Graph replication lag.
pub const LOOKUP_WINDOW_SECS: RangeInclusive<u64> = 1..=86_400;
/// `tenants.<id>.cancel_delete_retry_secs`: between DELETEs of a cancelled meeting, up to a day.
pub const DELETE_RETRY_SECS: RangeInclusive<u64> = 1..=86_400;
/// `tenants.<id>.billable_rounding_minutes`: 0 (exact seconds) up to a working day.
pub const BILLABLE_ROUNDING_MINUTES: RangeInclusive<u32> = 0..=480;

/// `ingress.max_body_bytes`: 1 KiB to 2 MiB (Temporal's payload limit).
pub const INGRESS_BODY_BYTES: RangeInclusive<usize> = 1_024..=2 * 1024 * 1024;
/// `ingress.replay_window_secs`: clocks of PSA and ingress may differ by this much.
pub const REPLAY_WINDOW_SECS: RangeInclusive<u64> = 5..=3_600;
/// `ingress.rate_per_sec` and `ingress.rate_burst`.
pub const RATE: RangeInclusive<u32> = 1..=100_000;
/// `ingress.request_timeout_secs`.
pub const REQUEST_TIMEOUT_SECS: RangeInclusive<u64> = 1..=600;
/// `ingress.idempotency_ttl_secs`: up to a week.
pub const IDEMPOTENCY_TTL_SECS: RangeInclusive<u64> = 1..=7 * 86_400;
/// `notifications.max_body_bytes`: at least an empty batch, at most 16 MiB.
pub const NOTIFICATION_BODY_BYTES: RangeInclusive<usize> = 64..=16 * 1024 * 1024;
/// `notifications.request_timeout_ms`: below Graph's own 10 s wait for the handshake.
pub const NOTIFICATION_TIMEOUT_MS: RangeInclusive<u64> = 100..=10_000;
/// `notifications.max_concurrent_requests`.
pub const NOTIFICATION_CONCURRENCY: RangeInclusive<usize> = 1..=10_000;
/// `notifications.queue_capacity`: notifications waiting to be signalled.
pub const NOTIFICATION_QUEUE: RangeInclusive<usize> = 1..=1_000_000;
/// `notifications.coalesce_window_ms`: 0 signals each notification on its own.
pub const COALESCE_WINDOW_MS: RangeInclusive<u64> = 0..=60_000;

/// `value` of `key` within `range`, or an error naming both.
pub(crate) fn in_range<T: PartialOrd + Display>(
    key: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::key(
            key,
            format!(
                "{value} is out of range: must be {}..={}",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// `artifacts.default_expiry_secs` and `artifacts.max_expiry_secs`: a minute to 30 days.
pub const LINK_EXPIRY_SECS: RangeInclusive<u64> = 60..=2_592_000;
