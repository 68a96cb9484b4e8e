//! `meetflow appointment approve`: starts an appointment's workflow exactly as the PSA backend
//! does (plain proto3 JSON, workflow id `appointment/{tenantId}/{appointmentId}`), after checking
//! the input locally so a mistake is reported before anything reaches Temporal.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
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

/// The appointment's workflow already exists (running, or completed): a second approval is
/// refused, never duplicated. `run_id` is the existing run, when the server names it.
#[derive(Debug, thiserror::Error)]
#[error("appointment already approved: workflow {workflow_id} exists")]
pub struct AlreadyApproved {
    pub workflow_id: String,
    pub run_id: Option<String>,
}

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
        // Listed from its start, so the workflow does not upsert these (one Action less).
        .search_attributes(meetflow_workflows::search::at_start(
            &approval.tenant_id,
            &approval.appointment_id,
        ))
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
        Err(WorkflowStartError::AlreadyStarted { run_id, .. }) => {
            bail!(AlreadyApproved {
                workflow_id,
                run_id
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Where `meetflow appointment approve` takes its approval from.
pub enum Source {
    /// A JSON file; `-` is standard input.
    File(PathBuf),
    /// The demo appointment of the `meetflow dev` stack, starting soon.
    Sample,
}

impl Source {
    fn read(self) -> anyhow::Result<serde_json::Value> {
        let path = match self {
            Source::Sample => return Ok(crate::sample::approval(chrono::Utc::now())),
            Source::File(path) => path,
        };
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())?
        } else {
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
        };
        serde_json::from_str(&text)
            .map_err(|e| Rejected(format!("invalid input: not JSON: {e}")).into())
    }
}

/// The `approve` command: refuses bad input before contacting Temporal at all, then starts the
/// workflow and says where to look next.
pub async fn run(config: &meetflow_config::Config, source: Source) -> anyhow::Result<()> {
    let input = source.read()?;
    let approval = check(&input)?;
    let client = crate::connect::client(config, &crate::connect::identity("cli")).await?;
    let started = start(&client, &config.temporal.task_queue, &input, &approval).await?;
    println!(
        "started {} (run {})",
        started.workflow_id,
        started.run_id.unwrap_or_default()
    );
    println!(
        "  state:   meetflow appointment status {} {}",
        approval.tenant_id, approval.appointment_id
    );
    println!(
        "  history: meetflow appointment history {} {}",
        approval.tenant_id, approval.appointment_id
    );
    Ok(())
}
