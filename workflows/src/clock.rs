//! Workflow time for update validators.
//!
//! Validators receive only a read-only view without a clock, yet "a start in the past" must be
//! judged by workflow time (never the wall clock). This interceptor installs the workflow time of
//! the validating task as a context value the validators read.

use std::time::UNIX_EPOCH;

use chrono::{DateTime, Utc};
use temporalio_workflow::{
    WorkflowContext, WorkflowContextKey, WorkflowContextView,
    workflow_interceptors::{
        SyncWorkflowInterceptorContext, ValidateUpdateInput, ValidateUpdateResult,
        WorkflowInterceptor, WorkflowInterceptorConstructor, WorkflowNext,
    },
};

/// The workflow's clock (the current task's timestamp): replay-safe, never the wall clock.
pub fn now<W>(ctx: &WorkflowContext<W>) -> DateTime<Utc> {
    DateTime::<Utc>::from(ctx.workflow_time().unwrap_or(UNIX_EPOCH))
}

/// Context key: the workflow time of the task running a validator.
pub struct ValidationTime;

impl WorkflowContextKey for ValidationTime {
    type Value = DateTime<Utc>;
}

struct ClockInterceptor;

impl WorkflowInterceptor for ClockInterceptor {
    fn validate_update(
        &self,
        ctx: SyncWorkflowInterceptorContext,
        input: ValidateUpdateInput,
        next: WorkflowNext<'_, ValidateUpdateInput, ValidateUpdateResult>,
    ) -> ValidateUpdateResult {
        match ctx.workflow_time() {
            Some(t) => ctx
                .with_context_value::<ValidationTime, _>(DateTime::<Utc>::from(t), || {
                    next.run(input)
                }),
            None => next.run(input),
        }
    }
}

/// Register on every worker (and replayer) that runs meetflow's workflows.
pub fn interceptors() -> Vec<WorkflowInterceptorConstructor> {
    vec![WorkflowInterceptorConstructor::new(
        |_ctx: &WorkflowContextView| ClockInterceptor,
    )]
}

/// The validating task's workflow time, if the interceptor is installed.
pub fn validation_time(view: &WorkflowContextView) -> Option<DateTime<Utc>> {
    view.context_value::<ValidationTime>().map(|t| *t)
}
