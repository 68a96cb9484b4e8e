//! Signalling a workflow by name from outside workflow code (the notification receiver, the
//! keepers' start-up and the subscription activity's pokes): one place that knows how an
//! untyped signal's JSON input becomes a payload.

use temporalio_client::{
    Client, UntypedSignal, WorkflowSignalOptions, errors::WorkflowInteractionError,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

/// Sends signal `name` to the running workflow `workflow_id`, with `input` as its JSON payload
/// or no payload at all. Fails for a closed or unknown workflow; callers decide whether that
/// matters.
pub async fn signal(
    client: &Client,
    workflow_id: &str,
    name: &str,
    input: Option<&serde_json::Value>,
) -> Result<(), WorkflowInteractionError> {
    let input = match input {
        Some(v) => RawValue::from_value(v, &PayloadConverter::default()),
        None => RawValue::new(vec![]),
    };
    client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id)
        .signal(
            UntypedSignal::new(name),
            input,
            WorkflowSignalOptions::default(),
        )
        .await
}
