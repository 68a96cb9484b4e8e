//! `/healthz` (the process is up) and `/readyz` (this worker is polling its task queue, as the
//! Temporal server itself reports: the PSA's own workers once stayed "healthy" while polling
//! nothing).

use std::{sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode, routing::get};
use temporalio_client::{Client, tonic};
use temporalio_common::protos::temporal::api::{
    enums::v1::{TaskQueueKind, TaskQueueType},
    taskqueue::v1::TaskQueue,
    workflowservice::v1::DescribeTaskQueueRequest,
};

pub struct Readiness {
    pub client: Client,
    pub task_queue: String,
    pub identity: String,
}

impl Readiness {
    /// True when the server lists this process among the workflow *and* activity pollers.
    pub async fn polling(&self) -> Result<bool, String> {
        for kind in [TaskQueueType::Workflow, TaskQueueType::Activity] {
            let req = DescribeTaskQueueRequest {
                namespace: self.client.options().namespace.clone(),
                task_queue: Some(TaskQueue {
                    name: self.task_queue.clone(),
                    kind: TaskQueueKind::Normal as i32,
                    ..Default::default()
                }),
                task_queue_type: kind as i32,
                ..Default::default()
            };
            let mut svc = self.client.connection().workflow_service();
            let resp = tokio::time::timeout(
                Duration::from_secs(5),
                svc.describe_task_queue(tonic::Request::new(req)),
            )
            .await
            .map_err(|_| "describe_task_queue timed out".to_string())?
            .map_err(|s| format!("describe_task_queue: {}", s.message()))?;
            if !resp
                .get_ref()
                .pollers
                .iter()
                .any(|p| p.identity == self.identity)
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

async fn ready(State(r): State<Arc<Readiness>>) -> (StatusCode, String) {
    match r.polling().await {
        Ok(true) => (StatusCode::OK, "polling\n".into()),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not polling task queue {}\n", r.task_queue),
        ),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
    }
}

/// Serves until the process exits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    readiness: Arc<Readiness>,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(readiness);
    axum::serve(listener, app).await
}
