//! Names that are part of the contract: changing any of them breaks running backends.

use crate::model::{AppointmentId, TenantId};
use crate::status::SubscribedResource;

/// Default task queue the worker polls (configurable with `temporal.task_queue`).
pub const DEFAULT_TASK_QUEUE: &str = "meetflow";

/// Workflow type of the per-appointment workflow.
pub const APPOINTMENT_WORKFLOW: &str = "AppointmentLifecycle";
/// Workflow type of the post-meeting capture child workflow.
pub const CAPTURE_WORKFLOW: &str = "RecordingCapture";

/// Workflow type of the per-tenant, per-resource keeper of a Graph subscription.
pub const SUBSCRIPTION_WORKFLOW: &str = "SubscriptionKeeper";

pub const SIGNAL_CANCEL: &str = "cancel";
pub const SIGNAL_MEETING_ENDED: &str = "meetingEnded";
pub const SIGNAL_ARTIFACTS_AVAILABLE: &str = "artifactsAvailable";
pub const UPDATE_RESCHEDULE: &str = "reschedule";
pub const UPDATE_CANCEL: &str = "cancelAppointment";
pub const QUERY_STATE: &str = "state";
/// `SubscriptionKeeper`: a lifecycle notification Graph sent about the kept subscription.
pub const SIGNAL_LIFECYCLE_EVENT: &str = "lifecycleEvent";
/// `SubscriptionKeeper`: delete the subscription and complete (tenant removed or unsubscribed).
pub const SIGNAL_STOP: &str = "stop";

/// Search attributes the workflows upsert; register them on the namespace before use.
pub const SA_TENANT_ID: &str = "TenantId";
pub const SA_APPOINTMENT_ID: &str = "AppointmentId";
/// The lifecycle phase (`approving`, `scheduled`, … see `status::Phase`).
pub const SA_APPOINTMENT_PHASE: &str = "AppointmentPhase";

/// `appointment/{tenantId}/{appointmentId}`: one workflow per appointment, so a second approval
/// of the same appointment is rejected (or joins, with signal-with-start) instead of duplicating.
pub fn appointment_workflow_id(tenant: &TenantId, appointment: &AppointmentId) -> String {
    format!("appointment/{}/{}", tenant.as_str(), appointment.as_str())
}

/// `capture/{tenantId}/{appointmentId}`: the capture child of that appointment.
pub fn capture_workflow_id(tenant: &TenantId, appointment: &AppointmentId) -> String {
    format!("capture/{}/{}", tenant.as_str(), appointment.as_str())
}

/// `subscription/{tenantId}/{recordings|transcripts}`: the one keeper of that tenant's
/// subscription on that resource.
pub fn subscription_workflow_id(tenant: &TenantId, resource: SubscribedResource) -> String {
    format!("subscription/{}/{}", tenant.as_str(), resource.as_str())
}

/// The tenant and resource a workflow id of [`subscription_workflow_id`] names.
pub fn subscription_of_workflow_id(workflow_id: &str) -> Option<(TenantId, SubscribedResource)> {
    let rest = workflow_id.strip_prefix("subscription/")?;
    let (tenant, resource) = rest.split_once('/')?;
    Some((TenantId::parse(tenant).ok()?, resource.parse().ok()?))
}

/// The tenant and appointment a workflow id of [`appointment_workflow_id`] or
/// [`capture_workflow_id`] names; `None` for any other id. Activities get only the workflow id
/// from Temporal, and several of their inputs carry no appointment: this is how their traces
/// still name it.
pub fn appointment_of_workflow_id(workflow_id: &str) -> Option<(TenantId, AppointmentId)> {
    let rest = workflow_id
        .strip_prefix("appointment/")
        .or_else(|| workflow_id.strip_prefix("capture/"))?;
    let (tenant, appointment) = rest.split_once('/')?;
    Some((
        TenantId::parse(tenant).ok()?,
        AppointmentId::parse(appointment).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_ids_name_their_appointment() {
        let tenant = TenantId::parse("acme").unwrap();
        let appointment = AppointmentId::parse("ap-1.2:3").unwrap();
        for id in [
            appointment_workflow_id(&tenant, &appointment),
            capture_workflow_id(&tenant, &appointment),
        ] {
            assert_eq!(
                appointment_of_workflow_id(&id),
                Some((tenant.clone(), appointment.clone())),
                "{id}"
            );
        }
        let keeper = subscription_workflow_id(&tenant, SubscribedResource::Transcripts);
        assert_eq!(keeper, "subscription/acme/transcripts");
        assert_eq!(
            subscription_of_workflow_id(&keeper),
            Some((tenant.clone(), SubscribedResource::Transcripts))
        );
        assert_eq!(
            subscription_of_workflow_id("subscription/acme/events"),
            None
        );
        assert_eq!(appointment_of_workflow_id(&keeper), None);
        for other in [
            "acme/ap-1",
            "appointment/acme",
            "appointment/acme/",
            "appointment/acme/a/b",
            "bench-1",
        ] {
            assert_eq!(appointment_of_workflow_id(other), None, "{other}");
        }
    }
}
