//! The worker: connects, registers the workflows and activities, serves health, and drains
//! gracefully on shutdown (in-flight activities get `worker.graceful_shutdown_secs`, then are
//! cancelled and retried elsewhere by Temporal).

use std::{future::Future, sync::Arc};

use anyhow::Context;
use meetflow_activities::{Deps, MeetflowActivities};
use meetflow_config::Config;
use meetflow_workflows::{AppointmentLifecycle, RecordingCapture, clock};
use temporalio_common::telemetry::{
    HistogramBucketOverrides, PrometheusExporterOptions, TelemetryOptions, metrics::CoreMeter,
    start_prometheus_metric_exporter,
};
use temporalio_sdk::{
    Worker, WorkerOptions,
    runtime::{
        RuntimeOptions,
        worker_tuner::{FixedSizeSlotSupplier, TunerHolder},
    },
};

use crate::{connect, health, notifications, telemetry};

/// Starts the Prometheus endpoint of `worker.metrics_listen`, when set: the SDK serves it, and
/// meetflow's own counters go through the same meter.
fn metrics_exporter(config: &Config) -> anyhow::Result<Option<Arc<dyn CoreMeter>>> {
    let listen = &config.worker.metrics_listen;
    if listen.is_empty() {
        return Ok(None);
    }
    let addr: std::net::SocketAddr = listen
        .parse()
        .with_context(|| format!("worker.metrics_listen: {listen:?} is not host:port"))?;
    let exporter = start_prometheus_metric_exporter(
        PrometheusExporterOptions::builder()
            .socket_addr(addr)
            .counters_total_suffix(true)
            .use_seconds_for_durations(true)
            .unit_suffix(true)
            .histogram_bucket_overrides(HistogramBucketOverrides {
                overrides: meetflow_activities::histogram_buckets()
                    .into_iter()
                    .collect(),
            })
            .build(),
    )
    .map_err(|e| anyhow::anyhow!("worker.metrics_listen: cannot serve on {listen}: {e}"))?;
    tracing::info!(addr = %exporter.bound_addr, "Prometheus metrics on /metrics");
    Ok(Some(exporter.meter.clone() as Arc<dyn CoreMeter>))
}

/// Runs until `shutdown` resolves (then drains) or the worker fails; spans still buffered for
/// export are sent before it returns, either way.
pub async fn run(config: &Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let export = telemetry::export_spans(&config.telemetry)?;
    let result = serve(config, shutdown).await;
    if let Some(export) = export {
        export.shutdown().await;
    }
    result
}

async fn serve(config: &Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let identity = connect::identity("worker");
    let client = connect::client(config, &identity).await?;
    let telemetry = metrics_exporter(config)?;
    let mut deps = Deps::from_config(config).await?;
    if let Some(meter) = &telemetry {
        deps = deps.with_metrics(meter.clone());
    }
    let deps = Arc::new(deps);
    let store = deps.store().clone();
    let notification_metrics = match &telemetry {
        Some(meter) => meetflow_activities::NotificationMetrics::new(meter.clone()),
        None => meetflow_activities::NotificationMetrics::off(),
    };

    let mut opts = WorkerOptions::new(config.temporal.task_queue.clone())
        .register_activities(MeetflowActivities::new(deps))
        .register_workflow::<AppointmentLifecycle>()?
        .register_workflow::<RecordingCapture>()?
        .register_workflow_interceptors(clock::interceptors())
        .build();
    opts.graceful_shutdown_period = Some(config.worker.graceful_shutdown());
    opts.max_cached_workflows = config.worker.max_cached_workflows;
    opts.tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(
            config.worker.max_concurrent_workflow_tasks,
        ))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            config.worker.max_concurrent_activities,
        ))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            config.worker.max_concurrent_activities,
        ))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build()
        .into();
    let runtime_options = match telemetry {
        Some(meter) => RuntimeOptions::builder()
            .telemetry_options(TelemetryOptions::builder().metrics(meter).build())
            .build(),
        None => RuntimeOptions::builder().build(),
    }
    .map_err(anyhow::Error::msg)?;
    let runtime = temporalio_sdk::Runtime::from_current_tokio(runtime_options)?;
    let mut worker = Worker::new(&runtime, client.clone(), opts).context("creating the worker")?;

    if !config.worker.health_listen.is_empty() {
        let listener = tokio::net::TcpListener::bind(&config.worker.health_listen)
            .await
            .with_context(|| {
                format!(
                    "worker.health_listen: cannot listen on {}",
                    config.worker.health_listen
                )
            })?;
        let readiness = Arc::new(health::Readiness {
            client: client.clone(),
            task_queue: config.temporal.task_queue.clone(),
            identity: identity.clone(),
        });
        tracing::info!(addr = %listener.local_addr()?, "health endpoints /healthz and /readyz");
        tokio::spawn(health::serve(listener, readiness));
    }

    if !config.artifacts.listen.is_empty() {
        crate::artifact_links::serve::start(config, store.clone()).await?;
    }

    if !config.ingress.listen.is_empty() {
        let listener = tokio::net::TcpListener::bind(&config.ingress.listen)
            .await
            .with_context(|| {
                format!("ingress.listen: cannot listen on {}", config.ingress.listen)
            })?;
        let ingress = crate::ingress::Ingress::new(client.clone(), config)?;
        tracing::info!(addr = %listener.local_addr()?, "HTTP ingress on /v1/appointments:…");
        tokio::spawn(crate::ingress::serve(listener, ingress));
    }

    if !config.notifications.listen.is_empty() {
        serve_notifications(config, client.clone(), store, notification_metrics).await?;
    }

    let stop = worker.shutdown_handle();
    tracing::info!(task_queue = %config.temporal.task_queue, %identity, "worker started");
    // `Worker::run` is !Send, so it is polled here rather than spawned.
    let run = worker.run();
    tokio::pin!(run);
    tokio::select! {
        r = &mut run => return r.context("worker stopped"),
        () = shutdown => {
            tracing::info!("shutdown requested; draining in-flight work");
            stop();
        }
    }
    run.await.context("worker drain")?;
    tracing::info!("worker stopped cleanly");
    Ok(())
}

/// Starts `POST /notifications` (Graph change notifications → `artifactsAvailable`).
async fn serve_notifications(
    config: &Config,
    client: temporalio_client::Client,
    store: meetflow_store::Store,
    metrics: meetflow_activities::NotificationMetrics,
) -> anyhow::Result<()> {
    let secret = config
        .notifications
        .client_state
        .as_ref()
        .context("notifications.client_state is required")?
        .resolve("notifications.client_state")?;
    let client_state = meetflow_graph::ClientState::new(secret.expose().to_string())
        .map_err(|e| anyhow::anyhow!("notifications.client_state: {e}"))?;
    let mut tenants: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (id, t) in &config.tenants {
        if let Some(ms) = &t.microsoft_tenant_id {
            tenants
                .entry(ms.to_ascii_lowercase())
                .or_default()
                .push(id.clone());
        }
    }
    let receiver = Arc::new(notifications::Receiver {
        client,
        store,
        client_state,
        tenants,
        metrics,
    });
    let listener = tokio::net::TcpListener::bind(&config.notifications.listen)
        .await
        .with_context(|| {
            format!(
                "notifications.listen: cannot listen on {}",
                config.notifications.listen
            )
        })?;
    tracing::info!(addr = %listener.local_addr()?, "Graph change notifications on POST /notifications");
    tokio::spawn(async move { axum::serve(listener, notifications::router(receiver)).await });
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
pub async fn termination() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
