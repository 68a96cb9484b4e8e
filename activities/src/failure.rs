//! Typed activity failures. The `type_name` is the stable code the workflow records
//! (`graph_unauthorized`, …); `non_retryable` stops Temporal's retries where no retry can help;
//! a throttled call carries the server's `Retry-After` as the next retry delay.

use meetflow_graph::{GraphError, GraphErrorKind};
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

fn failure(code: &str, message: String, retryable: bool) -> ApplicationFailure {
    ApplicationFailure::builder(message)
        .type_name(code.to_string())
        .non_retryable(!retryable)
        .build()
}

/// A permanent failure with a stable code.
pub fn permanent(code: &str, message: impl Into<String>) -> ActivityError {
    ActivityError::application(failure(code, message.into(), false))
}

/// A transient failure with a stable code; Temporal retries it per the activity's policy.
pub fn transient(code: &str, message: impl Into<String>) -> ActivityError {
    ActivityError::application(failure(code, message.into(), true))
}

/// The Graph code for an error kind. 401/403 and identity errors all mean "an admin must fix
/// the app's credentials or permissions", as the PSA's own mapping has it.
pub fn graph_code(kind: GraphErrorKind) -> &'static str {
    match kind {
        GraphErrorKind::Unauthorized | GraphErrorKind::Forbidden | GraphErrorKind::Identity => {
            "graph_unauthorized"
        }
        // The contract's names for these (docs/contract.md) differ from the client's.
        GraphErrorKind::Transport => "graph_unavailable",
        GraphErrorKind::Other => "graph_error",
        same => same.as_str(),
    }
}

pub fn graph(e: GraphError) -> ActivityError {
    let retryable = e.is_retryable();
    let failure = ApplicationFailure::builder(e.to_string())
        .type_name(graph_code(e.kind()).to_string())
        .non_retryable(!retryable)
        // The server's Retry-After overrides the policy's backoff for the next attempt.
        .maybe_next_retry_delay(e.retry_after().filter(|_| retryable))
        .build();
    ActivityError::application(failure)
}

pub fn store(e: meetflow_store::StoreError) -> ActivityError {
    if e.is_retryable() {
        transient("store_unavailable", e.to_string())
    } else {
        permanent("store_error", e.to_string())
    }
}
