//! Patch ids: each names a change of the lifecycle's commands that shipped after workflows were
//! already running. `ctx.patched(ID)` is true for executions that reach that point on new code
//! and false while replaying a history recorded before the change, so both keep replaying
//! (`tests/histories/pre-resilience-*.json` are such histories). Remove a patch only once no
//! execution recorded without it can still be replayed (docs/workflows.md).

/// A store call whose retries ran out (a store outage) shows as `store_unavailable` in
/// `lastError` and is scheduled again, instead of failing the workflow.
pub const STORE_OUTAGE_VISIBLE: &str = "store-outage-visible";

/// A create that failed is looked up by its transactionId before the meeting counts as failed.
pub const FIND_BEFORE_FAILING: &str = "find-before-failing";

/// A re-approval (after a failed run) continues the ICS SEQUENCE the store recorded.
pub const CONTINUE_SEQUENCE: &str = "continue-sequence";

/// Capture looks the online meeting up again when the approval could not resolve it.
pub const RELOOKUP_BEFORE_CAPTURE: &str = "relookup-before-capture";

/// A cancel whose DELETE failed keeps retrying it on a timer until the event is gone.
pub const DELETE_UNTIL_GONE: &str = "delete-until-gone";

/// Capture also fetches the meeting's attendance reports (billable time, client no-show).
pub const FETCH_ATTENDANCE: &str = "fetch-attendance";
