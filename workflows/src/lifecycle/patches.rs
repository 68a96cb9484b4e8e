//! Patch ids: each names a change of the lifecycle's commands that shipped after workflows were
//! already running. `ctx.patched(ID)` is true for executions that reach that point on new code
//! and false while replaying a history recorded before the change, so both keep replaying
//! (`tests/histories/pre-resilience-*.json` and `pre-cheaper-*.json` are such histories).
//! Remove a patch only once no execution recorded without it can still be replayed
//! (docs/workflows.md). Past `cheaper-lifecycle` the earlier ones are implied, not asked
//! (`steps::patched`).

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

/// This release's cheaper lifecycle, one patch for all of it (one marker, not one per change):
/// the tenant read and the store calls run as local activities (no activity task round trip:
/// one marker, in the workflow task that asked for them); a reschedule or an early end cancels
/// the superseded meeting-end timer instead of leaving it to fire into a workflow task of its
/// own; and the `ended` phase, which lasts only as long as one store write when capture follows
/// at once, is not upserted as a search attribute of its own.
pub const CHEAPER_LIFECYCLE: &str = "cheaper-lifecycle";
