//! Timers and child workflows that can be dropped unresolved without keeping their workflow alive.
//!
//! temporalio-workflow 1.1.1 registers every timer and child workflow with the workflow's
//! cancellation token (unless given a token of their own) and unregisters it only when the
//! timer or child resolves. The registration is a callback that holds the workflow context, and
//! the context holds the token: one dropped before it resolves leaves a reference cycle, and with
//! it the whole workflow instance (input, state, futures) in the worker's memory until the
//! process exits. meetflow drops them unresolved on every path: the end timer raced by a
//! reschedule, a cancel or an early end, the capture and subscription timers raced by a signal,
//! and any timer or capture child pending when the run is evicted from the sticky cache.
//! Measured with heaptrack: about 4.6 KiB per such workflow (docs/performance.md, second pass).
//!
//! These get a token of their own ([`token`]), dropped as soon as it is registered, so the
//! callback goes with it and nothing cycles. The commands are the same (the token is not in the
//! history), so histories replay unchanged. What they give up is following Temporal's workflow
//! cancellation, which meetflow does not use: an appointment is cancelled with the
//! `cancelAppointment` update, and a run that must stop is terminated.

use std::time::Duration;

use temporalio_workflow::{
    CancellableFuture, TimerOptions, TimerResult, WorkflowCancellationToken, WorkflowContext,
};

/// A cancellation token nothing else holds, for a timer's or child's options.
pub fn token() -> WorkflowCancellationToken {
    WorkflowCancellationToken::new()
}

/// `ctx.timer(wait)`, minus the cycle (see the module docs).
pub fn timer<W>(
    ctx: &WorkflowContext<W>,
    wait: Duration,
) -> impl CancellableFuture<Output = TimerResult> {
    ctx.timer(
        TimerOptions::builder(wait)
            .cancellation_token(token())
            .build(),
    )
}
