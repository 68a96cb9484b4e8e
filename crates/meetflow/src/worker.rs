//! The worker: connects, registers the workflows and activities, serves health, and drains
//! gracefully on shutdown (in-flight activities get `worker.graceful_shutdown_secs`, then are
//! cancelled and retried elsewhere by Temporal).

use std::{future::Future, sync::Arc};

use anyhow::Context;
use meetflow_activities::{Deps, MeetflowActivities};
use meetflow_config::{Config, WorkerConfig};
use meetflow_workflows::{AppointmentLifecycle, RecordingCapture, SubscriptionKeeper, clock};
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

use crate::{connect, health, notifications, subscriptions, telemetry, versioning};

/// How often the receiver reloads the kept subscriptions' `clientState`s from the store (a
/// rotation by this worker's own activities is seen at once; one by another worker's, this late).
const CLIENT_STATE_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

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

/// The `[worker]` settings every worker of this binary runs with (`meetflow bench`'s floor
/// worker too, so its figures compare): cache size, task slots, drain period.
pub fn tune(opts: &mut WorkerOptions, worker: &WorkerConfig) {
    opts.graceful_shutdown_period = Some(worker.graceful_shutdown());
    opts.max_cached_workflows = worker.max_cached_workflows;
    opts.tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(
            worker.max_concurrent_workflow_tasks,
        ))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(worker.max_concurrent_activities))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            worker.max_concurrent_activities,
        ))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build()
        .into();
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
    let mut deps = Deps::from_config(config)
        .await?
        .with_temporal(client.clone());
    if let Some(meter) = &telemetry {
        deps = deps.with_metrics(meter.clone());
    }
    let deps = Arc::new(deps);
    let store = deps.store().clone();
    let client_states = deps.client_states();
    let notification_metrics = match &telemetry {
        Some(meter) => meetflow_activities::NotificationMetrics::new(meter.clone()),
        None => meetflow_activities::NotificationMetrics::off(),
    };

    let mut opts = WorkerOptions::new(config.temporal.task_queue.clone())
        .register_activities(MeetflowActivities::new(deps))
        .register_workflow::<AppointmentLifecycle>()?
        .register_workflow::<RecordingCapture>()?
        .register_workflow::<SubscriptionKeeper>()?
        .register_workflow_interceptors(clock::interceptors())
        .build();
    opts.deployment_options = versioning::deployment_options(&config.worker);
    tune(&mut opts, &config.worker);
    let runtime_options = match telemetry {
        Some(meter) => RuntimeOptions::builder()
            .telemetry_options(TelemetryOptions::builder().metrics(meter).build())
            .build(),
        None => RuntimeOptions::builder().build(),
    }
    .map_err(anyhow::Error::msg)?;
    let runtime = temporalio_sdk::Runtime::from_current_tokio(runtime_options)?;
    let build_id = opts.deployment_options.version.build_id.clone();
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
        serve_notifications(
            config,
            client.clone(),
            store,
            client_states,
            notification_metrics,
        )
        .await?;
    }
    // After the receiver listens: a keeper's first create has Graph validate its URL. A failure
    // here must not keep the worker from serving appointments; the next start tries again.
    if let Err(e) = subscriptions::reconcile(config, &client).await {
        tracing::error!(error = %format!("{e:#}"), "subscription keepers not reconciled");
    }

    let stop = worker.shutdown_handle();
    tracing::info!(
        task_queue = %config.temporal.task_queue,
        %identity,
        %build_id,
        deployment = config.worker.deployment_name.as_ref().map_or("", |d| d.as_str()),
        "worker started"
    );
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
    client_states: meetflow_activities::ClientStates,
    metrics: meetflow_activities::NotificationMetrics,
) -> anyhow::Result<()> {
    client_states.load(
        &store
            .subscriptions()
            .await
            .context("reading the kept subscriptions")?,
    );
    tokio::spawn(refresh_client_states(store.clone(), client_states.clone()));
    let subscribers = notifications::subscribers::Subscribers::from_config(config, client_states)?;
    let (queue, accepted) = notifications::Queue::bounded(config.notifications.queue_capacity);
    let window = std::time::Duration::from_millis(config.notifications.coalesce_window_ms);
    tokio::spawn(notifications::dispatch::run(
        accepted,
        window,
        client.clone(),
        store,
    ));
    let (keepers, lifecycle_events) =
        notifications::lifecycle::Keepers::bounded(config.notifications.queue_capacity);
    tokio::spawn(notifications::lifecycle::run(lifecycle_events, client));
    let receiver = Arc::new(notifications::Receiver {
        subscribers,
        queue,
        keepers,
        metrics,
    });
    let limits = notifications::Limits::from(&config.notifications);
    let listener = tokio::net::TcpListener::bind(&config.notifications.listen)
        .await
        .with_context(|| {
            format!(
                "notifications.listen: cannot listen on {}",
                config.notifications.listen
            )
        })?;
    tracing::info!(addr = %listener.local_addr()?, "Graph change notifications on POST /notifications");
    tokio::spawn(
        async move { axum::serve(listener, notifications::router(receiver, limits)).await },
    );
    Ok(())
}

/// Reloads the kept `clientState`s now and then; a failed read keeps the ones it has.
async fn refresh_client_states(
    store: meetflow_store::Store,
    states: meetflow_activities::ClientStates,
) {
    loop {
        tokio::time::sleep(CLIENT_STATE_REFRESH).await;
        match store.subscriptions().await {
            Ok(rows) => states.load(&rows),
            Err(e) => tracing::warn!(error = %e, "kept clientStates not refreshed"),
        }
    }
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
