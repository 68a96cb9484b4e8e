//! Every side effect of meetflow, as Temporal activities. Each one is idempotent, so Temporal may
//! retry it after a crash at any line:
//!
//! | activity | effect | idempotency |
//! |---|---|---|
//! | `resolve_tenant` | none (reads configuration) | read-only |
//! | `create_meeting` | Graph POST event | `transactionId` from (tenant, appointment) |
//! | `resolve_online_meeting` | none (Graph GET) | read-only |
//! | `record_meeting` | store upsert | (tenant, appointment); stale sequences ignored |
//! | `send_invitation` | one mail | delivery key + stable Message-ID |
//!
//! Failures are typed (`graph_unauthorized`, `smtp_rejected`, …; see [`failure`]) and marked
//! non-retryable when no retry can help. No secret is ever part of an input, output or error.

mod deps;
pub mod failure;
mod invitation;
mod meeting;
mod tenant;

use std::sync::Arc;

use meetflow_proto::model::TenantId;
use meetflow_workflows::activity_api::{
    CreateMeetingInput, CreatedMeeting, InvitationInput, MailReceipt, MeetingRecordInput,
    ResolveOnlineMeetingInput, TenantSettings,
};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

pub use deps::{Deps, DepsError};

/// The activity implementations, sharing one set of adapters (Graph client with its token
/// cache, store pool, mail transport).
pub struct MeetflowActivities {
    deps: Arc<Deps>,
}

impl MeetflowActivities {
    pub fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }
}

// The wire names here must equal the names in `meetflow_workflows::activity_api`; the
// `names_match_the_workflow_interface` test holds them together.
#[activities]
impl MeetflowActivities {
    #[activity(name = "resolve_tenant")]
    pub async fn resolve_tenant(
        self: Arc<Self>,
        _ctx: ActivityContext,
        tenant: TenantId,
    ) -> Result<TenantSettings, ActivityError> {
        Ok(tenant::resolve(&self.deps, &tenant))
    }

    #[activity(name = "create_meeting")]
    pub async fn create_meeting(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: CreateMeetingInput,
    ) -> Result<CreatedMeeting, ActivityError> {
        meeting::create(&self.deps, &input).await
    }

    #[activity(name = "resolve_online_meeting")]
    pub async fn resolve_online_meeting(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: ResolveOnlineMeetingInput,
    ) -> Result<String, ActivityError> {
        meeting::resolve_online_meeting(&self.deps, &input).await
    }

    #[activity(name = "record_meeting")]
    pub async fn record_meeting(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: MeetingRecordInput,
    ) -> Result<(), ActivityError> {
        meeting::record(&self.deps, &input).await
    }

    #[activity(name = "send_invitation")]
    pub async fn send_invitation(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: InvitationInput,
    ) -> Result<MailReceipt, ActivityError> {
        invitation::send(&self.deps, &input).await
    }
}

#[cfg(test)]
mod tests {
    use meetflow_workflows::activity_api::ALL_ACTIVITY_NAMES;

    #[test]
    fn names_match_the_workflow_interface() {
        let source = include_str!("lib.rs");
        for name in ALL_ACTIVITY_NAMES {
            assert!(
                source.contains(&format!("#[activity(name = \"{name}\")]")),
                "activity {name} is not implemented"
            );
        }
        assert_eq!(
            source.matches("#[activity(name = ").count() - 1,
            ALL_ACTIVITY_NAMES.len()
        );
    }
}
