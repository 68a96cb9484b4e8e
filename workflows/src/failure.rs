//! Turns activity failures into the typed errors the workflow keeps in its state and result.

use meetflow_proto::v1::ErrorInfo;
use temporalio_common::error::IncomingError;
use temporalio_sdk::{ActivityExecutionError, ApplicationFailure, RetryState, WorkflowTermination};

/// `code` is the activity's failure type (`graph_unauthorized`, `smtp_rejected`, …) or a code
/// for how the activity ended (`timeout`, `cancelled`); `message` says what to fix.
pub fn error_info(err: &ActivityExecutionError) -> ErrorInfo {
    let top = err
        .failure()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| err.to_string());
    match err.cause() {
        Some(IncomingError::Application(app)) => ErrorInfo {
            code: app
                .type_name()
                .filter(|t| !t.is_empty())
                .unwrap_or("activity_failed")
                .to_string(),
            message: app
                .failure()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| app.source_error().to_string()),
        },
        Some(IncomingError::Timeout(t)) => ErrorInfo {
            code: "timeout".into(),
            message: format!(
                "the activity timed out ({:?}) after its retries: {top}",
                t.timeout_type()
            ),
        },
        Some(IncomingError::Cancelled(_)) => ErrorInfo {
            code: "cancelled".into(),
            message: top,
        },
        _ => ErrorInfo {
            code: "activity_failed".into(),
            message: top,
        },
    }
}

/// Fails the workflow with a typed, non-retryable error (it will not be retried by the server).
pub fn fail(code: &str, message: impl Into<String>) -> WorkflowTermination {
    ApplicationFailure::builder(message.into())
        .type_name(code.to_string())
        .non_retryable(true)
        .build()
        .into()
}

/// The activity failed with an error it marked non-retryable (as opposed to running out of
/// attempts or time on a transient one).
pub fn is_permanent(err: &ActivityExecutionError) -> bool {
    matches!(err, ActivityExecutionError::Failed(f) if f.retry_state() == RetryState::NonRetryableFailure)
}
