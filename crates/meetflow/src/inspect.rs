//! Ops commands: an appointment's state (the workflow's `state` query) and its history.

use futures_util::StreamExt as _;
use meetflow_proto::{
    model::{AppointmentId, TenantId},
    names, v1,
};
use temporalio_client::{Client, UntypedQuery, WorkflowFetchHistoryOptions, WorkflowQueryOptions};
use temporalio_common::{UntypedWorkflow, data_converters::RawValue};

pub fn workflow_id(tenant: &str, appointment: &str) -> anyhow::Result<String> {
    let t = TenantId::parse(tenant).map_err(|p| anyhow::anyhow!("tenant: {p}"))?;
    let a = AppointmentId::parse(appointment).map_err(|p| anyhow::anyhow!("appointment: {p}"))?;
    Ok(names::appointment_workflow_id(&t, &a))
}

/// The `state` query, as the proto3 JSON the contract defines.
pub async fn state(client: &Client, workflow_id: &str) -> anyhow::Result<v1::AppointmentState> {
    let handle = client.get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let raw: RawValue = handle
        .query(
            UntypedQuery::new(names::QUERY_STATE),
            RawValue::new(vec![]),
            WorkflowQueryOptions::default(),
        )
        .await?;
    let payload = raw
        .payloads
        .first()
        .ok_or_else(|| anyhow::anyhow!("the state query returned nothing"))?;
    Ok(serde_json::from_slice(&payload.data)?)
}

/// One line per history event: id, time, type.
pub async fn history(client: &Client, workflow_id: &str) -> anyhow::Result<Vec<String>> {
    let handle = client.get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let mut events = handle.fetch_history(WorkflowFetchHistoryOptions::default());
    let mut lines = Vec::new();
    while let Some(e) = events.next().await {
        let e = e?;
        let when = e
            .event_time
            .map(|t| {
                chrono::DateTime::from_timestamp(t.seconds, t.nanos as u32)
                    .unwrap_or_default()
                    .to_rfc3339()
            })
            .unwrap_or_default();
        lines.push(format!("{:>4}  {when}  {:?}", e.event_id, e.event_type()));
    }
    Ok(lines)
}

/// `meetflow appointment status`: the state query as pretty JSON.
pub async fn print_state(client: &Client, tenant: &str, appointment: &str) -> anyhow::Result<()> {
    let state = state(client, &workflow_id(tenant, appointment)?).await?;
    println!("{}", serde_json::to_string_pretty(&state)?);
    Ok(())
}

/// `meetflow appointment history`: one line per event.
pub async fn print_history(client: &Client, tenant: &str, appointment: &str) -> anyhow::Result<()> {
    for line in history(client, &workflow_id(tenant, appointment)?).await? {
        println!("{line}");
    }
    Ok(())
}
