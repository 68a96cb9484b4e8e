//! `RecordingCapture`: after a meeting, poll Graph for its recordings and transcripts on a timer
//! schedule, capture each new one exactly once, and stop when both kinds are in or the window
//! closes.
//!
//! Schedule (all per tenant, relative to the meeting's end): first poll after `first_poll`, then
//! intervals `first_poll · 2ⁿ` capped at `backoff_cap`, until `window`. A failed poll advances the
//! schedule like an empty one, so an outage never turns into a hammering of Graph. An
//! `artifactsAvailable` signal polls at once without moving the schedule.
//!
//! Each poll also asks for the meeting's attendance reports until a summary is stored (or the
//! read fails for good); capture is done only when both artifact kinds *and* attendance are in.

use std::{collections::BTreeSet, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use meetflow_config::CaptureSchedule;
use meetflow_proto::model::{AppointmentId, TenantId};
pub use meetflow_proto::status::CaptureStatus;
use serde::{Deserialize, Serialize};
use temporalio_common::data_converters::RawValue;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult, workflows::select,
};

use crate::activity_api::{
    ArtifactKind, AttendanceSummary, BillingParties, CaptureArtifactInput, CaptureRecording,
    CaptureTranscript, CapturedArtifact, FetchAttendance, FetchAttendanceInput, ListArtifacts,
    ListArtifactsInput,
};
use crate::clock::now;
use crate::detached;
use crate::lifecycle::ErrorInfo;
use crate::lifecycle::patches;
use crate::{failure, options};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureInput {
    pub tenant_id: TenantId,
    pub appointment_id: AppointmentId,
    pub online_meeting_id: String,
    pub ended_at: DateTime<Utc>,
    pub schedule: CaptureSchedule,
    pub download_recordings: bool,
    pub client_visible: bool,
    #[serde(default = "default_attempt_timeout")]
    pub attempt_timeout_secs: u64,
    /// Who bills what from the attendance reports; absent in inputs of parents that predate
    /// attendance (those children do not fetch it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingParties>,
    /// Set by parents that passed `cheaper-lifecycle`, which shipped after `fetch-attendance`:
    /// their children fetch attendance without recording that patch's marker. Absent (false)
    /// in the inputs of older parents, whose children ask the patch as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attendance_shipped: bool,
}

fn default_attempt_timeout() -> u64 {
    meetflow_config::DEFAULT_ATTEMPT_TIMEOUT_SECS
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureOutcome {
    pub status: CaptureStatus,
    pub artifacts: Vec<CapturedArtifact>,
    pub polls: u32,
    pub last_error: Option<ErrorInfo>,
    /// The attendance summary, once a report was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<AttendanceSummary>,
}

/// Where attendance stands in one capture run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attendance {
    /// Not fetched: the parent gave no billing parties, or the history predates attendance.
    NotWanted,
    Waiting,
    Fetched(AttendanceSummary),
    /// Graph refused for good (e.g. `OnlineMeetingArtifact.Read.All` missing).
    GivenUp,
}

impl Attendance {
    fn settled(&self) -> bool {
        !matches!(self, Attendance::Waiting)
    }
}

#[workflow]
pub struct RecordingCapture {
    input: CaptureInput,
    captured: Vec<CapturedArtifact>,
    /// Provider ids that failed for good: not retried on every poll.
    given_up: BTreeSet<String>,
    refresh_requests: u32,
    polls: u32,
    last_error: Option<ErrorInfo>,
    attendance: Attendance,
}

/// When poll number `n` (0-based) is due, relative to the meeting's end.
///
/// Monotonic in `n` and total: the offset saturates instead of overflowing, so no `n` can panic
/// in workflow code. For every `n` below 63 the result is the one earlier versions computed
/// (histories replay unchanged); from 63 on those versions overflowed to a negative step and
/// panicked, so no history holds a timer they computed there.
pub fn poll_offset(schedule: &CaptureSchedule, n: u32) -> Duration {
    let first = i64::try_from(schedule.first_poll_secs).unwrap_or(i64::MAX);
    let cap = i64::try_from(schedule.backoff_cap_secs).unwrap_or(i64::MAX);
    // offset(0) = first; offset(n) = offset(n-1) + min(first · 2ⁿ, cap)
    let mut offset = first;
    let mut i = 1;
    while i <= n {
        let step = first
            .saturating_mul(2_i64.checked_pow(i).unwrap_or(i64::MAX))
            .min(cap);
        offset = offset.saturating_add(step);
        if step == cap {
            // Every later step is the cap too: add them at once rather than loop up to 2³² times.
            let rest = i64::from(n - i);
            offset = offset.saturating_add(cap.saturating_mul(rest));
            break;
        }
        i += 1;
    }
    Duration::try_seconds(offset).unwrap_or(Duration::MAX)
}

impl RecordingCapture {
    fn status(&self) -> CaptureStatus {
        let has = |k: ArtifactKind| self.captured.iter().any(|a| a.kind == k);
        match (has(ArtifactKind::Recording), has(ArtifactKind::Transcript)) {
            (true, true) => CaptureStatus::Complete,
            (false, false) => CaptureStatus::NothingCaptured,
            _ => CaptureStatus::Partial,
        }
    }

    fn outcome(&self) -> CaptureOutcome {
        CaptureOutcome {
            status: self.status(),
            artifacts: self.captured.clone(),
            polls: self.polls,
            last_error: self.last_error.clone(),
            attendance: match &self.attendance {
                Attendance::Fetched(summary) => Some(summary.clone()),
                _ => None,
            },
        }
    }
}

#[workflow_methods]
impl RecordingCapture {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: CaptureInput) -> Self {
        Self {
            input,
            captured: Vec::new(),
            given_up: BTreeSet::new(),
            refresh_requests: 0,
            polls: 0,
            last_error: None,
            attendance: Attendance::NotWanted,
        }
    }

    #[run(name = "RecordingCapture")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<CaptureOutcome> {
        let input = ctx.state(|s| s.input.clone());
        let window_end = input.ended_at + Duration::seconds(input.schedule.window_secs as i64);
        // Before the first command, so a replayed history recorded without attendance takes
        // the same path it took then.
        if input.billing.is_some()
            && (input.attendance_shipped || ctx.patched(patches::FETCH_ATTENDANCE))
        {
            ctx.state_mut(|s| s.attendance = Attendance::Waiting);
        }
        let mut scheduled = 0u32;
        loop {
            // Past chrono's range is past any window.
            let due = input
                .ended_at
                .checked_add_signed(poll_offset(&input.schedule, scheduled))
                .map_or(window_end, |due| due.min(window_end));
            let seen = ctx.state(|s| s.refresh_requests);
            if let Ok(wait) = (due - now(ctx)).to_std()
                && !wait.is_zero()
            {
                select! {
                    _ = detached::timer(ctx, wait) => {}
                    _ = ctx.wait_condition(move |s: &Self| s.refresh_requests != seen) => {}
                }
            }
            let signalled = ctx.state(|s| s.refresh_requests != seen);
            poll(ctx, &input).await;
            let done =
                ctx.state(|s| s.status() == CaptureStatus::Complete && s.attendance.settled());
            if done || now(ctx) >= window_end {
                break;
            }
            if !signalled {
                scheduled += 1;
            }
        }
        Ok(ctx.state(|s| s.outcome()))
    }

    #[signal(name = "artifactsAvailable")]
    pub fn artifacts_available(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: RawValue) {
        self.refresh_requests += 1;
    }

    #[query(name = "state")]
    pub fn state(&self, _ctx: &WorkflowContextView) -> CaptureOutcome {
        self.outcome()
    }
}

/// One poll: list, then capture every artifact not captured yet. Errors are kept, not raised.
async fn poll(ctx: &mut WorkflowContext<RecordingCapture>, input: &CaptureInput) {
    ctx.state_mut(|s| s.polls += 1);
    let list = ListArtifactsInput {
        tenant_id: input.tenant_id.clone(),
        online_meeting_id: input.online_meeting_id.clone(),
    };
    let listed = match ctx
        .execute_activity(
            ListArtifacts,
            list,
            options::capture_poll(StdDuration::from_secs(input.attempt_timeout_secs)),
        )
        .await
    {
        Ok(l) => l,
        Err(e) => {
            let info: ErrorInfo = failure::error_info(&e).into();
            ctx.state_mut(|s| s.last_error = Some(info));
            return;
        }
    };
    for artifact in listed.artifacts {
        let known = ctx.state(|s| {
            s.captured.iter().any(|a| a.id == artifact.id) || s.given_up.contains(&artifact.id)
        });
        if known {
            continue;
        }
        let kind = artifact.kind;
        let id = artifact.id.clone();
        let capture = CaptureArtifactInput {
            tenant_id: input.tenant_id.clone(),
            appointment_id: input.appointment_id.clone(),
            online_meeting_id: input.online_meeting_id.clone(),
            artifact,
            client_visible: input.client_visible,
            download: input.download_recordings,
            meeting_ended_at: Some(input.ended_at),
        };
        let result = match kind {
            ArtifactKind::Transcript => {
                ctx.execute_activity(
                    CaptureTranscript,
                    capture,
                    options::capture_transcript(StdDuration::from_secs(input.attempt_timeout_secs)),
                )
                .await
            }
            ArtifactKind::Recording => {
                ctx.execute_activity(CaptureRecording, capture, options::capture_recording())
                    .await
            }
        };
        ctx.state_mut(|s| match result {
            Ok(captured) => s.captured.push(captured),
            Err(e) => {
                let info: ErrorInfo = failure::error_info(&e).into();
                // A permanent failure (e.g. unparseable content) is not retried each poll.
                if failure::is_permanent(&e) {
                    s.given_up.insert(id);
                }
                s.last_error = Some(info);
            }
        });
    }
    fetch_attendance(ctx, input).await;
}

/// Reads attendance while it is still awaited; an empty answer (no report yet) waits for the
/// next poll.
async fn fetch_attendance(ctx: &mut WorkflowContext<RecordingCapture>, input: &CaptureInput) {
    let (Attendance::Waiting, Some(parties)) =
        (ctx.state(|s| s.attendance.clone()), input.billing.clone())
    else {
        return;
    };
    let fetch = FetchAttendanceInput {
        tenant_id: input.tenant_id.clone(),
        appointment_id: input.appointment_id.clone(),
        online_meeting_id: input.online_meeting_id.clone(),
        parties,
    };
    let result = ctx
        .execute_activity(
            FetchAttendance,
            fetch,
            options::capture_poll(StdDuration::from_secs(input.attempt_timeout_secs)),
        )
        .await;
    ctx.state_mut(|s| match result {
        Ok(Some(summary)) => s.attendance = Attendance::Fetched(summary),
        Ok(None) => {}
        Err(e) => {
            if failure::is_permanent(&e) {
                s.attendance = Attendance::GivenUp;
            }
            s.last_error = Some(failure::error_info(&e).into());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_to_the_cap() {
        let s = CaptureSchedule {
            grace_after_end_secs: 0,
            first_poll_secs: 300,
            backoff_cap_secs: 6 * 3600,
            window_secs: 48 * 3600,
        };
        let minutes: Vec<i64> = (0..6).map(|n| poll_offset(&s, n).num_minutes()).collect();
        assert_eq!(minutes, [5, 15, 35, 75, 155, 315]);
        // Deep into the schedule the interval stays at the cap.
        assert_eq!((poll_offset(&s, 40) - poll_offset(&s, 39)).num_hours(), 6);
    }

    /// The step-by-step definition the closed form must match, with 2ⁱ saturating.
    fn reference(s: &CaptureSchedule, n: u32) -> i64 {
        let first = s.first_poll_secs as i64;
        let cap = s.backoff_cap_secs as i64;
        (1..=n).fold(first, |offset, i| {
            let pow = 2_i64.checked_pow(i).unwrap_or(i64::MAX);
            offset.saturating_add(first.saturating_mul(pow).min(cap))
        })
    }

    /// Earlier versions' formula, correct below n = 63: what recorded histories hold.
    fn shifted(s: &CaptureSchedule, n: u32) -> i64 {
        let first = s.first_poll_secs as i64;
        let cap = s.backoff_cap_secs as i64;
        (1..=n).fold(first, |offset, i| {
            let pow = 1_i64.checked_shl(i).unwrap_or(i64::MAX);
            offset.saturating_add(first.saturating_mul(pow).min(cap))
        })
    }

    /// Seconds as a `Duration`, clamped to chrono's range like `poll_offset`.
    fn clamped(secs: i64) -> Duration {
        Duration::try_seconds(secs).unwrap_or(Duration::MAX)
    }

    #[test]
    fn deep_polls_saturate_at_the_cap_without_overflow() {
        // Within and beyond the configuration's bounds (`bounds::BACKOFF_CAP_SECS`).
        let schedules = [
            (1, 2),
            (1, 30),
            (300, 6 * 3600),
            (86_400, 604_800),
            (7, 5),
            (1, 1 << 40),
        ];
        for (first_poll_secs, backoff_cap_secs) in schedules {
            let s = CaptureSchedule {
                grace_after_end_secs: 0,
                first_poll_secs,
                backoff_cap_secs,
                window_secs: 600,
            };
            for n in 0..63 {
                assert_eq!(poll_offset(&s, n), clamped(shifted(&s, n)), "{s:?} n={n}");
            }
            let mut previous = poll_offset(&s, 61);
            for n in [62, 63, 64, 65, 100, 1000, 100_000] {
                let offset = poll_offset(&s, n);
                assert_eq!(offset, clamped(reference(&s, n)), "{s:?} n={n}");
                assert!(offset >= previous, "{s:?} n={n}: {offset} < {previous}");
                previous = offset;
            }
            for n in [u32::MAX - 1, u32::MAX] {
                let offset = poll_offset(&s, n);
                assert!(offset >= previous, "{s:?} n={n}");
                previous = offset;
            }
        }
        // Small cap: from n = 62 on each poll is exactly one cap later.
        let s = CaptureSchedule {
            grace_after_end_secs: 0,
            first_poll_secs: 1,
            backoff_cap_secs: 2,
            window_secs: 600,
        };
        assert_eq!(poll_offset(&s, 62).num_seconds(), 1 + 2 * 62);
        assert_eq!(poll_offset(&s, 63).num_seconds(), 1 + 2 * 63);
        assert_eq!(poll_offset(&s, 64).num_seconds(), 1 + 2 * 64);
        assert_eq!(poll_offset(&s, 1000).num_seconds(), 1 + 2 * 1000);
        assert_eq!(
            poll_offset(&s, u32::MAX).num_seconds(),
            1 + 2 * i64::from(u32::MAX)
        );
        // A cap beyond chrono's range clamps instead of panicking.
        let s = CaptureSchedule {
            backoff_cap_secs: u64::MAX,
            ..s
        };
        assert_eq!(poll_offset(&s, 1000), Duration::MAX);
    }
}
