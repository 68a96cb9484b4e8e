//! Every side effect of meetflow, as Temporal activities. Each one is idempotent, so Temporal may
//! retry it after a crash at any line:
//!
//! | activity | effect | idempotency |
//! |---|---|---|
//! | `resolve_tenant` | none (reads configuration; Graph GET of the organizer when only its UPN is configured) | read-only |
//! | `create_meeting` | Graph POST event (or, for a transactionId already used with another body, PATCH of that event) | `transactionId` from (tenant, appointment) |
//! | `resolve_online_meeting` | none (Graph GET) | read-only |
//! | `find_meeting` | none (Graph GET by the transactionId property) | read-only |
//! | `stored_sequence` | none (store read) | read-only |
//! | `record_meeting` | store upsert | (tenant, appointment); stale sequences ignored |
//! | `send_invitation` | one mail | delivery key + stable Message-ID |
//! | `update_meeting` | Graph PATCH event (times) | same PATCH is harmless to repeat |
//! | `delete_meeting` | Graph DELETE event | 404 = already done |
//! | `list_artifacts` | none (Graph GET) | read-only |
//! | `capture_transcript` | Graph GET content → store | (tenant, appointment, kind, provider id) |
//! | `capture_recording` | Graph content stream → object storage → store | same key; object key from it |
//! | `create_subscription` | store row, then Graph POST subscription (and DELETE of the previous one and of strays) | generation-keyed row: a retry returns what the first attempt made |
//! | `renew_subscription` | Graph PATCH subscription → store | same PATCH is harmless to repeat |
//! | `reauthorize_subscription` | Graph POST …/reauthorize | harmless to repeat |
//! | `delete_subscription` | Graph DELETE subscription → store row removed | 404 = already done |
//! | `poke_captures` | `artifactsAvailable` signals to the tenant's capturing appointments | an extra poll is harmless |
//! | `fetch_attendance` | Graph GET attendance reports + records → store | (tenant, appointment, report, participant); summary by (tenant, appointment) |
//!
//! Failures are typed (`graph_unauthorized`, `smtp_rejected`, …; see [`failure`]) and marked
//! non-retryable when no retry can help. No secret is ever part of an input, output or error.

mod artifacts;
mod attendance;
mod deps;
pub mod failure;
mod invitation;
mod meeting;
mod metrics;
pub mod signal;
mod subscription;
mod tenant;
mod traced;

use std::sync::Arc;

use meetflow_proto::model::TenantId;
use meetflow_workflows::activity_api::{
    AppointmentKey, ArtifactList, AttendanceSummary, CaptureArtifactInput, CapturedArtifact,
    CreateMeetingInput, CreateSubscriptionInput, CreatedMeeting, DeleteMeetingInput,
    FetchAttendanceInput, InvitationInput, KeptSubscription, ListArtifactsInput, MailReceipt,
    MeetingRecordInput, ResolveOnlineMeetingInput, SubscriptionKey, SubscriptionRef,
    TenantSettings, UpdateMeetingInput,
};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use traced::traced;

pub use deps::{Deps, DepsError, app_credentials, smtp_transport};
pub use metrics::{NotificationMetrics, Refusal, histogram_buckets};
pub use subscription::{ClientStates, graph_resource};

/// The activity implementations, sharing one set of adapters (Graph client with its token
/// cache, store pool, mail transport).
pub struct MeetflowActivities {
    deps: Arc<Deps>,
}

impl MeetflowActivities {
    pub fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Passes `result` through, counting a failure in the business metrics.
    fn counted<T>(
        &self,
        activity: &str,
        result: Result<T, ActivityError>,
    ) -> Result<T, ActivityError> {
        self.deps.metrics.observe(activity, &result);
        result
    }
}

// The wire names here must equal the names in `meetflow_workflows::activity_api`; the
// `names_match_the_workflow_interface` test holds them together.
#[activities]
impl MeetflowActivities {
    #[activity(name = "resolve_tenant")]
    pub async fn resolve_tenant(
        self: Arc<Self>,
        ctx: ActivityContext,
        tenant: TenantId,
    ) -> Result<TenantSettings, ActivityError> {
        self.counted(
            "resolve_tenant",
            traced(&ctx, tenant::resolve(&self.deps, &tenant)).await,
        )
    }

    #[activity(name = "create_meeting")]
    pub async fn create_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CreateMeetingInput,
    ) -> Result<CreatedMeeting, ActivityError> {
        self.counted(
            "create_meeting",
            traced(&ctx, meeting::create(&self.deps, &input)).await,
        )
    }

    #[activity(name = "resolve_online_meeting")]
    pub async fn resolve_online_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ResolveOnlineMeetingInput,
    ) -> Result<String, ActivityError> {
        self.counted(
            "resolve_online_meeting",
            traced(&ctx, meeting::resolve_online_meeting(&self.deps, &input)).await,
        )
    }

    #[activity(name = "find_meeting")]
    pub async fn find_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        key: AppointmentKey,
    ) -> Result<Option<CreatedMeeting>, ActivityError> {
        self.counted(
            "find_meeting",
            traced(&ctx, meeting::find(&self.deps, &key)).await,
        )
    }

    #[activity(name = "stored_sequence")]
    pub async fn stored_sequence(
        self: Arc<Self>,
        ctx: ActivityContext,
        key: AppointmentKey,
    ) -> Result<Option<u32>, ActivityError> {
        self.counted(
            "stored_sequence",
            traced(&ctx, meeting::stored_sequence(&self.deps, &key)).await,
        )
    }

    #[activity(name = "record_meeting")]
    pub async fn record_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: MeetingRecordInput,
    ) -> Result<(), ActivityError> {
        self.counted(
            "record_meeting",
            traced(&ctx, meeting::record(&self.deps, &input)).await,
        )
    }

    #[activity(name = "send_invitation")]
    pub async fn send_invitation(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: InvitationInput,
    ) -> Result<MailReceipt, ActivityError> {
        let sent = traced(&ctx, invitation::send(&self.deps, &input)).await;
        self.deps
            .metrics
            .mail_given_up(input.tenant_id.as_str(), input.step.as_str(), &sent);
        self.counted("send_invitation", sent)
    }

    #[activity(name = "update_meeting")]
    pub async fn update_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: UpdateMeetingInput,
    ) -> Result<(), ActivityError> {
        self.counted(
            "update_meeting",
            traced(&ctx, meeting::update(&self.deps, &input)).await,
        )
    }

    #[activity(name = "delete_meeting")]
    pub async fn delete_meeting(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: DeleteMeetingInput,
    ) -> Result<bool, ActivityError> {
        self.counted(
            "delete_meeting",
            traced(&ctx, meeting::delete(&self.deps, &input)).await,
        )
    }

    #[activity(name = "list_artifacts")]
    pub async fn list_artifacts(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ListArtifactsInput,
    ) -> Result<ArtifactList, ActivityError> {
        self.counted(
            "list_artifacts",
            traced(&ctx, artifacts::list(&self.deps, &input)).await,
        )
    }

    #[activity(name = "capture_transcript")]
    pub async fn capture_transcript(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CaptureArtifactInput,
    ) -> Result<CapturedArtifact, ActivityError> {
        self.counted(
            "capture_transcript",
            traced(&ctx, artifacts::capture_transcript(&self.deps, &input)).await,
        )
    }

    #[activity(name = "capture_recording")]
    pub async fn capture_recording(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CaptureArtifactInput,
    ) -> Result<CapturedArtifact, ActivityError> {
        self.counted(
            "capture_recording",
            traced(&ctx, artifacts::capture_recording(&self.deps, &ctx, &input)).await,
        )
    }

    #[activity(name = "create_subscription")]
    pub async fn create_subscription(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CreateSubscriptionInput,
    ) -> Result<KeptSubscription, ActivityError> {
        self.counted(
            "create_subscription",
            traced(&ctx, subscription::create(&self.deps, &input)).await,
        )
    }

    #[activity(name = "renew_subscription")]
    pub async fn renew_subscription(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SubscriptionRef,
    ) -> Result<KeptSubscription, ActivityError> {
        self.counted(
            "renew_subscription",
            traced(&ctx, subscription::renew(&self.deps, &input)).await,
        )
    }

    #[activity(name = "reauthorize_subscription")]
    pub async fn reauthorize_subscription(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SubscriptionRef,
    ) -> Result<(), ActivityError> {
        self.counted(
            "reauthorize_subscription",
            traced(&ctx, subscription::reauthorize(&self.deps, &input)).await,
        )
    }

    #[activity(name = "delete_subscription")]
    pub async fn delete_subscription(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SubscriptionKey,
    ) -> Result<bool, ActivityError> {
        self.counted(
            "delete_subscription",
            traced(&ctx, subscription::delete(&self.deps, &input)).await,
        )
    }

    #[activity(name = "poke_captures")]
    pub async fn poke_captures(
        self: Arc<Self>,
        ctx: ActivityContext,
        tenant: TenantId,
    ) -> Result<u32, ActivityError> {
        self.counted(
            "poke_captures",
            traced(&ctx, subscription::poke_captures(&self.deps, &tenant)).await,
        )
    }

    #[activity(name = "fetch_attendance")]
    pub async fn fetch_attendance(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: FetchAttendanceInput,
    ) -> Result<Option<AttendanceSummary>, ActivityError> {
        self.counted(
            "fetch_attendance",
            traced(&ctx, attendance::fetch(&self.deps, &input)).await,
        )
    }
}

#[cfg(test)]
mod tests {
    use meetflow_workflows::activity_api::ALL_ACTIVITY_NAMES;

    #[test]
    fn names_match_the_workflow_interface() {
        let declared: Vec<&str> = include_str!("lib.rs")
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("#[activity(name = \"")?
                    .strip_suffix("\")]")
            })
            .collect();
        let mut expected = ALL_ACTIVITY_NAMES.to_vec();
        expected.sort_unstable();
        let mut declared_sorted = declared.clone();
        declared_sorted.sort_unstable();
        assert_eq!(
            declared_sorted, expected,
            "implemented activities must equal the workflow interface"
        );
    }
}
