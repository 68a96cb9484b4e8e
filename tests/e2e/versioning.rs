//! How a new build ships (docs/versioning.md). Every workflow task a worker completes carries its
//! build id in the history; with `worker.deployment_name` set, Temporal's Worker Versioning
//! routes tasks by build: once the new build is the deployment's current version (set with the
//! Temporal CLI, as an operator would), new appointments and the next task of running ones go to
//! it, while the old build's worker is still up and polling.

use std::time::Duration;

use anyhow::Context;
use meetflow::approve;
use meetflow_proto::v1::AppointmentPhase;
use serde_json::json;
use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::{
    enums::v1::{RoutingConfigUpdateState, VersioningBehavior},
    history::v1::history_event::Attributes,
    workflowservice::v1::DescribeWorkerDeploymentRequest,
};

use crate::support::workers::{start_worker, update_until_accepted};
use crate::support::{Stack, approval, eventually, in_phase, state_when};

const MINUTE: Duration = Duration::from_secs(60);

/// Per completed workflow task: (build id, deployment name, versioning behaviour).
async fn completed_by(stack: &Stack, id: &str) -> Vec<(String, String, VersioningBehavior)> {
    let events = meetflow::inspect::events(&stack.client, id).await.unwrap();
    events
        .into_iter()
        .filter_map(|e| match e.attributes? {
            Attributes::WorkflowTaskCompletedEventAttributes(a) => {
                let behaviour = a.versioning_behavior();
                // Versioned workers report `deployment_version`; the server records an
                // unversioned worker's build id only in the deprecated `worker_version` stamp.
                #[allow(deprecated)]
                let (build, deployment) = match (a.deployment_version, a.worker_version) {
                    (Some(d), _) => (d.build_id, d.deployment_name),
                    (None, Some(w)) => (w.build_id, String::new()),
                    (None, None) => Default::default(),
                };
                Some((build, deployment, behaviour))
            }
            _ => None,
        })
        .collect()
}

fn builds(tasks: &[(String, String, VersioningBehavior)]) -> Vec<&str> {
    tasks.iter().map(|(b, _, _)| b.as_str()).collect()
}

#[tokio::test]
async fn a_worker_stamps_its_build_id_on_every_workflow_task_it_completes() {
    let stack = Stack::start_with(vec![(
        "MEETFLOW_WORKER__BUILD_ID".into(),
        "e2e-build-7".into(),
    )])
    .await;
    let id = "appointment/demo/build-stamp";
    approve::approve(&stack.client, "meetflow", &approval("demo", "build-stamp"))
        .await
        .unwrap();
    in_phase(&stack, id, AppointmentPhase::Scheduled, MINUTE).await;
    let tasks = completed_by(&stack, id).await;
    assert!(!tasks.is_empty());
    for (build, deployment, behaviour) in &tasks {
        assert_eq!(build, "e2e-build-7", "{tasks:?}");
        // Not opted in to Worker Versioning: no deployment, no behaviour.
        assert_eq!(deployment, "");
        assert_eq!(*behaviour, VersioningBehavior::Unspecified);
    }
    stack.stop().await;
}

/// `temporal worker deployment set-current-version`, retried until the server knows the
/// version (it learns of one from its workers' first polls).
async fn set_current_version(stack: &Stack, deployment: &str, build: &str) {
    let cli = meetflow::process::temporal_cli().unwrap();
    let address = stack.temporal_address();
    eventually(
        MINUTE,
        &format!("{deployment}/{build} made current"),
        || {
            let (cli, address) = (cli.clone(), address.clone());
            async move {
                let out = tokio::process::Command::new(cli)
                    .args(["worker", "deployment", "set-current-version"])
                    .args(["--address", &address, "--namespace", "default"])
                    .args(["--deployment-name", deployment, "--build-id", build])
                    .arg("--yes")
                    .output()
                    .await?;
                anyhow::ensure!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                Ok(Some(()))
            }
        },
    )
    .await;
    routed(stack, deployment, build).await;
}

/// Waits until the new routing has reached the task queues: `set-current-version` returns
/// before it has, and until then tasks still go to the previous current version.
async fn routed(stack: &Stack, deployment: &str, build: &str) {
    eventually(MINUTE, &format!("{deployment}/{build} routed"), || async {
        let info = stack
            .client
            .connection()
            .workflow_service()
            .describe_worker_deployment(tonic::Request::new(DescribeWorkerDeploymentRequest {
                namespace: stack.client.options().namespace.clone(),
                deployment_name: deployment.to_string(),
            }))
            .await?
            .into_inner()
            .worker_deployment_info
            .context("no deployment info")?;
        let settled = info.routing_config_update_state() != RoutingConfigUpdateState::InProgress;
        let current = info
            .routing_config
            .and_then(|r| r.current_deployment_version)
            .map(|v| v.build_id);
        Ok((settled && current.as_deref() == Some(build)).then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_build_takes_over_new_and_running_appointments_once_it_is_current() {
    let stack = Stack::without_worker(Vec::new()).await;
    let worker = |build: &str, n: usize| {
        let env = [
            ("MEETFLOW_WORKER__DEPLOYMENT_NAME", "meetflow"),
            ("MEETFLOW_WORKER__BUILD_ID", build),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        start_worker(&stack, &env, n)
    };

    let mut v1 = worker("v1", 1);
    set_current_version(&stack, "meetflow", "v1").await;
    let running = "appointment/demo/versioned-running";
    approve::approve(
        &stack.client,
        "meetflow",
        &approval("demo", "versioned-running"),
    )
    .await
    .unwrap();
    in_phase(&stack, running, AppointmentPhase::Scheduled, MINUTE).await;
    let before = completed_by(&stack, running).await.len();

    // The new build starts beside the old one; the old keeps polling throughout.
    let mut v2 = worker("v2", 2);
    set_current_version(&stack, "meetflow", "v2").await;
    let start = chrono::Utc::now() + chrono::Duration::hours(3);
    let moved = json!({
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "end": (start + chrono::Duration::minutes(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    update_until_accepted(&stack, running, "reschedule", "versioned-r1", moved).await;
    state_when(
        &stack,
        running,
        MINUTE,
        "rescheduled, update mails sent",
        |s| s.sequence == 1 && s.mails.len() == 4,
    )
    .await;
    let fresh = "appointment/demo/versioned-fresh";
    approve::approve(
        &stack.client,
        "meetflow",
        &approval("demo", "versioned-fresh"),
    )
    .await
    .unwrap();
    in_phase(&stack, fresh, AppointmentPhase::Scheduled, MINUTE).await;

    let running_tasks = completed_by(&stack, running).await;
    let (old, new) = running_tasks.split_at(before);
    assert!(
        old.iter().all(|(b, _, _)| b == "v1"),
        "approved on v1: {:?}",
        builds(&running_tasks)
    );
    assert!(
        !new.is_empty() && new.iter().all(|(b, _, _)| b == "v2"),
        "after v2 became current, the running appointment's tasks ran on v2: {:?}",
        builds(&running_tasks)
    );
    let fresh_tasks = completed_by(&stack, fresh).await;
    assert!(
        fresh_tasks.iter().all(|(b, _, _)| b == "v2"),
        "a new appointment runs on the current build: {:?}",
        builds(&fresh_tasks)
    );
    for (_, deployment, behaviour) in running_tasks.iter().chain(&fresh_tasks) {
        assert_eq!(deployment, "meetflow");
        assert_eq!(*behaviour, VersioningBehavior::AutoUpgrade);
    }
    for w in [&mut v1, &mut v2] {
        meetflow::process::stop(w, Duration::from_secs(20)).await;
    }
    stack.stop().await;
}
