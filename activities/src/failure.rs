//! Typed activity failures. The `type_name` is the stable code the workflow records
//! (`graph_unauthorized`, …); `non_retryable` stops Temporal's retries where no retry can help;
//! a throttled call carries the server's `Retry-After` as the next retry delay.
//!
//! Each adapter decides which of its errors a retry can fix, where those errors are defined
//! (`GraphError::is_retryable`, `StoreError::is_retryable`, …). [`Classify`] is the one place
//! those decisions meet Temporal: one code pair per adapter, one mapping for all.

use std::time::Duration;

use meetflow_graph::{GraphError, GraphErrorKind};
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

/// An adapter error, as Temporal's retry machinery needs to see it.
pub(crate) trait Classify: std::fmt::Display {
    /// The stable failure code the workflow records.
    fn code(&self) -> &'static str;
    fn is_retryable(&self) -> bool;
    /// The delay the far side asked for before the next attempt (Graph's `Retry-After`).
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// The failure Temporal sees for an adapter error.
pub(crate) fn classify(e: impl Classify) -> ActivityError {
    let retryable = e.is_retryable();
    let failure = ApplicationFailure::builder(e.to_string())
        .type_name(e.code().to_string())
        .non_retryable(!retryable)
        // The server's Retry-After overrides the policy's backoff for the next attempt.
        .maybe_next_retry_delay(e.retry_after().filter(|_| retryable))
        .build();
    ActivityError::application(failure)
}

/// A failure with a stable code for what no adapter reports as an error: missing configuration,
/// content that will never parse (permanent), or an answer that is empty only for now
/// (transient).
fn coded(code: &str, message: String, retryable: bool) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message)
            .type_name(code.to_string())
            .non_retryable(!retryable)
            .build(),
    )
}

/// The code a failed attempt is known by in metrics and traces: the failure's type name, or
/// what kind of failure it is when it has none.
pub(crate) fn code_of(e: &ActivityError) -> &str {
    match e {
        ActivityError::Application(f) => f.type_name().unwrap_or("activity_failed"),
        ActivityError::Cancelled { .. } => "cancelled",
        _ => "activity_failed",
    }
}

pub fn permanent(code: &str, message: impl Into<String>) -> ActivityError {
    coded(code, message.into(), false)
}

pub fn transient(code: &str, message: impl Into<String>) -> ActivityError {
    coded(code, message.into(), true)
}

impl Classify for GraphError {
    /// 401/403 and identity errors all mean "an admin must fix the app's credentials or
    /// permissions", as the PSA's own mapping has it.
    fn code(&self) -> &'static str {
        match self.kind() {
            GraphErrorKind::Unauthorized | GraphErrorKind::Forbidden | GraphErrorKind::Identity => {
                "graph_unauthorized"
            }
            // The contract's names for these (docs/contract.md) differ from the client's.
            GraphErrorKind::Transport => "graph_unavailable",
            GraphErrorKind::Other => "graph_error",
            same => same.as_str(),
        }
    }
    fn is_retryable(&self) -> bool {
        GraphError::is_retryable(self)
    }
    fn retry_after(&self) -> Option<Duration> {
        GraphError::retry_after(self)
    }
}

/// Adapters whose failures are either "try again later" or "will not work": one code each.
macro_rules! two_way {
    ($error:ty, retryable: $retry:literal, permanent: $perm:literal) => {
        impl Classify for $error {
            fn code(&self) -> &'static str {
                if self.is_retryable() { $retry } else { $perm }
            }
            fn is_retryable(&self) -> bool {
                <$error>::is_retryable(self)
            }
        }
    };
}

two_way!(meetflow_store::StoreError, retryable: "store_unavailable", permanent: "store_error");
two_way!(meetflow_mail::SendError, retryable: "smtp_unavailable", permanent: "smtp_rejected");
two_way!(
    meetflow_recordings::StorageError,
    retryable: "storage_unavailable",
    permanent: "storage_error"
);
