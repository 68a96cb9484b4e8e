//! One tracing span per activity execution, so every log line and exported span of its Graph,
//! mail and store calls says whose work it was: tenant, appointment, workflow id and run id,
//! attempt. The span's name is `activity`; the activity's own name is its `activity` field and,
//! for OpenTelemetry, the exported span's name (`otel.name`).
//!
//! Tenant and appointment come from the workflow id (`appointment/{tenant}/{appointment}` or
//! `capture/…`), not from the input, because several inputs carry no appointment and the
//! workflow id is what Temporal hands every activity alike.

use std::future::Future;

use meetflow_proto::names::appointment_of_workflow_id;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use tracing::{Instrument, field::Empty};

/// Runs `work` inside the activity's span and marks the span failed with the failure's code.
pub(crate) async fn traced<T>(
    ctx: &ActivityContext,
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    let span = span(ctx);
    let result = work.instrument(span.clone()).await;
    if let Err(e) = &result {
        span.record("otel.status_code", "ERROR");
        span.record("error_code", crate::failure::code_of(e));
    }
    result
}

fn span(ctx: &ActivityContext) -> tracing::Span {
    let info = ctx.info();
    let workflow_id = info.workflow_id.as_deref();
    let (tenant, appointment) = workflow_id
        .and_then(appointment_of_workflow_id)
        .map(|(t, a)| (t.to_string(), a.to_string()))
        .unzip();
    tracing::info_span!(
        "activity",
        otel.name = %info.activity_type,
        otel.status_code = Empty,
        activity = %info.activity_type,
        tenant,
        appointment,
        workflow_id,
        run_id = info.workflow_run_id.as_deref(),
        // OpenTelemetry has no unsigned integers: a u32 would be exported as a string.
        attempt = i64::from(info.attempt),
        error_code = Empty,
    )
}
