//! `meetflow appointment approve`: starts an appointment's workflow exactly as the PSA backend
//! does (plain proto3 JSON, workflow id `appointment/{tenantId}/{appointmentId}`), after checking
//! the input locally so a mistake is reported before anything reaches Temporal.

use anyhow::bail;
use meetflow_proto::{model::Approval, names, parse};
use temporalio_client::{
    Client, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions,
    errors::WorkflowStartError,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

/// The input was refused locally; the message names every bad field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

pub struct Started {
    pub workflow_id: String,
    pub run_id: Option<String>,
}

/// The input as the workflow will judge it; a refusal names every bad field.
pub fn check(input: &serde_json::Value) -> Result<Approval, Rejected> {
    parse::approval(input).map_err(|e| Rejected(e.to_string()))
}

/// Checks `input`, then starts its workflow.
pub async fn approve(
    client: &Client,
    task_queue: &str,
    input: &serde_json::Value,
) -> anyhow::Result<Started> {
    let approval = check(input)?;
    start(client, task_queue, input, &approval).await
}

/// Starts the workflow of an input already checked into `approval`.
pub async fn start(
    client: &Client,
    task_queue: &str,
    input: &serde_json::Value,
    approval: &Approval,
) -> anyhow::Result<Started> {
    let workflow_id = names::appointment_workflow_id(&approval.tenant_id, &approval.appointment_id);
    let opts = WorkflowStartOptions::new(task_queue, &workflow_id)
        // A running approval is never duplicated; a failed one (e.g. bad input) may be retried.
        .id_conflict_policy(WorkflowIdConflictPolicy::Fail)
        .id_reuse_policy(WorkflowIdReusePolicy::AllowDuplicateFailedOnly)
        .build();
    let raw = RawValue::from_value(input, &PayloadConverter::default());
    match client
        .start_workflow(UntypedWorkflow::new(names::APPOINTMENT_WORKFLOW), raw, opts)
        .await
    {
        Ok(handle) => Ok(Started {
            workflow_id,
            run_id: handle.info().run_id.clone(),
        }),
        Err(WorkflowStartError::AlreadyStarted { .. }) => {
            bail!(Rejected(format!(
                "appointment already approved: workflow {workflow_id} exists"
            )))
        }
        Err(e) => Err(e.into()),
    }
}
