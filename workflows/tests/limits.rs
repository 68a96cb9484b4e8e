//! The largest values the configuration and the contract allow keep the workflows' date
//! arithmetic in chrono's range: `DateTime + Duration` panics on overflow, and a panic in
//! workflow code fails the workflow task again and again. The bounds live in
//! `meetflow_config::bounds` (configuration) and `meetflow_proto::model` (input instants).

use chrono::Duration;
use meetflow_config::{CaptureSchedule, bounds};
use meetflow_proto::model::{MAX_DURATION_HOURS, Schedule, latest_instant};
use meetflow_workflows::{capture::poll_offset, lifecycle::State};

fn secs(v: u64) -> Duration {
    Duration::seconds(i64::try_from(v).expect("bounded"))
}

#[test]
fn the_largest_allowed_values_do_not_overflow_the_workflows_date_arithmetic() {
    // The latest meeting an input can describe.
    let end = latest_instant();
    let schedule = Schedule::new(end - Duration::hours(MAX_DURATION_HOURS), end).unwrap();
    let state = State {
        schedule: Some(schedule),
        ..State::default()
    };
    // Lifecycle: the end timer at the scheduled end plus the largest grace.
    let over = state
        .meeting_over_at(secs(*bounds::GRACE_AFTER_END_SECS.end()))
        .unwrap();
    assert!(over > end);

    // Capture: polls from the end until the window closes, for the schedule with the most polls
    // (first poll after 1 s) and the one with the largest steps.
    for first_poll_secs in [
        *bounds::FIRST_POLL_SECS.start(),
        *bounds::FIRST_POLL_SECS.end(),
    ] {
        let capture = CaptureSchedule {
            grace_after_end_secs: *bounds::GRACE_AFTER_END_SECS.end(),
            first_poll_secs,
            backoff_cap_secs: *bounds::BACKOFF_CAP_SECS.end(),
            window_secs: *bounds::WINDOW_SECS.end(),
        };
        let window_end = over + secs(capture.window_secs);
        let mut polls = 0u32;
        while over + poll_offset(&capture, polls) < window_end {
            polls += 1;
            assert!(polls < 10_000, "the capture loop ends");
        }
        // One step beyond the window, as the loop computes before it stops.
        let _ = over + poll_offset(&capture, polls + 1);
    }
}
