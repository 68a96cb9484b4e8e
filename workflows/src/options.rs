//! Timeouts and retry policies per kind of activity. Permanent failures are marked
//! non-retryable by the activities themselves; the type lists here are a second line of defence.
//!
//! `attempt` (the tenant's `activity_attempt_timeout_secs`) bounds one attempt of a Graph or mail
//! call; it is also how soon the work of a crashed worker is retried by another.

use std::time::Duration;

use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityCloseTimeouts, ActivityOptions, LocalActivityOptions};

/// Failure types that no retry can fix.
const PERMANENT: [&str; 7] = [
    "invalid_input",
    "config_error",
    "graph_unauthorized",
    "graph_bad_request",
    "graph_not_found",
    "graph_payment_required",
    "smtp_rejected",
];

fn policy(initial: Duration, max_interval: Duration) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(initial)
        .backoff_coefficient(2.0)
        .maximum_interval(max_interval)
        .non_retryable_error_types(PERMANENT)
        .build()
}

fn options(attempt: Duration, overall: Duration, retry: RetryPolicy) -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: overall,
        start_to_close: attempt,
    })
    .retry_policy(retry)
    .build()
}

/// Reads of local configuration.
pub fn local() -> ActivityOptions {
    options(
        Duration::from_secs(15),
        Duration::from_secs(600),
        policy(Duration::from_millis(200), Duration::from_secs(30)),
    )
}

/// The tenant read as a local activity (patch `cheaper-lifecycle`): it reads the worker's own
/// configuration, so it needs no activity task of its own; same bounds as [`local`].
pub fn local_in_task() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(15))
        .schedule_to_close_timeout(Duration::from_secs(600))
        .retry_policy(policy(Duration::from_millis(200), Duration::from_secs(30)))
        .build()
}

/// A store call as a local activity (patch `cheaper-lifecycle`), with the bounds of [`store`].
/// Its input is kept in the marker, as an activity's is in its scheduled event, so
/// `meetflow appointment history` can still say what was written.
pub fn store_in_task(window: Duration) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(15))
        .schedule_to_close_timeout(window)
        .retry_policy(policy(Duration::from_millis(200), Duration::from_secs(10)))
        .include_arguments_in_marker(true)
        .build()
}

/// Store reads and writes: each attempt bounded (15 s), the whole run by `window`, after which
/// the workflow shows the outage and schedules the call again (`record::patiently`): a store
/// outage of any length is waited out instead of failing every appointment in flight and leaving
/// live meetings nobody can change.
pub fn store(window: Duration) -> ActivityOptions {
    options(
        Duration::from_secs(15),
        window,
        policy(Duration::from_millis(200), Duration::from_secs(10)),
    )
}

/// The online-meeting lookup right after a create: Graph may not list the meeting for a while
/// (replication), so an empty answer is retried for the tenant's lookup window.
pub fn online_meeting_lookup(attempt: Duration, window: Duration) -> ActivityOptions {
    options(
        attempt,
        window.max(attempt),
        policy(Duration::from_secs(2), Duration::from_secs(60)),
    )
}

/// Microsoft Graph calls: throttling and outages are waited out for up to 30 minutes (honouring
/// `Retry-After` through the failure's next-retry delay), then become a typed outcome.
pub fn graph(attempt: Duration) -> ActivityOptions {
    options(
        attempt,
        Duration::from_secs(1800),
        policy(Duration::from_secs(1), Duration::from_secs(120)),
    )
}

/// Mail delivery: an SMTP relay outage is retried for a day before the step is given up.
pub fn mail(attempt: Duration) -> ActivityOptions {
    options(
        attempt,
        Duration::from_secs(24 * 3600),
        policy(Duration::from_secs(2), Duration::from_secs(600)),
    )
}

/// One capture poll's listing: few quick attempts, then the poll counts as failed and the capture
/// schedule (not this policy) decides when to try again.
pub fn capture_poll(attempt: Duration) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(10))
        .maximum_attempts(3)
        .non_retryable_error_types(PERMANENT)
        .build();
    options(attempt, Duration::from_secs(300), retry)
}

/// Fetching and storing one transcript.
pub fn capture_transcript(attempt: Duration) -> ActivityOptions {
    options(
        attempt,
        Duration::from_secs(1800),
        policy(Duration::from_secs(2), Duration::from_secs(120)),
    )
}

/// How long a recording copy may go without a heartbeat before its worker counts as lost.
/// Graph's read timeout (`ClientOptions::read_timeout`) is shorter, so a stalled download fails
/// its own attempt before the server gives up on it and starts another.
pub const RECORDING_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(60);

/// Copying one recording: long-running and heartbeating, so a lost worker is noticed within the
/// heartbeat timeout and the copy resumes elsewhere.
pub fn capture_recording() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(6 * 3600),
        start_to_close: Duration::from_secs(2 * 3600),
    })
    .heartbeat_timeout(RECORDING_HEARTBEAT_TIMEOUT)
    .retry_policy(policy(Duration::from_secs(5), Duration::from_secs(300)))
    .build()
}
