//! Logs and traces. Logs: human-readable by default, JSON with `MEETFLOW_LOG_FORMAT=json`, each
//! line carrying the fields of the spans it happened in (tenant, appointment, workflow and run
//! id of the activity; route, status and request ids of a Graph call; …); filter with
//! `RUST_LOG`. The SDK and Core log through the same global subscriber.
//!
//! Traces: the same spans, exported over OTLP/HTTP when `telemetry.otlp_endpoint` is set. The
//! export is added to the running subscriber by [`export_spans`] once the configuration is
//! known (the subscriber is installed before, so configuration errors are logged).

use std::sync::OnceLock;

use anyhow::Context;
use meetflow_config::TelemetryConfig;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Registry, layer::SubscriberExt as _, reload};

type ExportLayer =
    tracing_opentelemetry::OpenTelemetryLayer<Registry, opentelemetry_sdk::trace::Tracer>;

/// Where [`export_spans`] puts its layer; set by [`init`].
static EXPORT: OnceLock<reload::Handle<Option<ExportLayer>, Registry>> = OnceLock::new();

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,temporalio_sdk_core=warn,temporalio_sdk=warn,sqlx=warn")
    });
    let (export, handle) = reload::Layer::new(None::<ExportLayer>);
    let base = Registry::default().with(export).with(filter);
    // Colour only for a person at a terminal: a log file or a collector gets plain text.
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let installed = if std::env::var("MEETFLOW_LOG_FORMAT").as_deref() == Ok("json") {
        // Each line names the innermost span (`span`) and all enclosing ones (`spans`), with
        // their fields: a Graph call's line also says which activity and appointment it served.
        let json = fmt.json().with_current_span(true).with_span_list(true);
        tracing::subscriber::set_global_default(base.with(json))
    } else {
        tracing::subscriber::set_global_default(base.with(fmt))
    };
    if installed.is_ok() {
        let _ = EXPORT.set(handle);
    }
}

/// The running span export; [`SpanExport::shutdown`] sends what is still buffered.
pub struct SpanExport {
    provider: SdkTracerProvider,
}

/// Starts exporting spans when `telemetry.otlp_endpoint` is set. Spans are batched and posted
/// from a background thread; a collector that is down costs dropped spans, never a stalled
/// activity.
pub fn export_spans(config: &TelemetryConfig) -> anyhow::Result<Option<SpanExport>> {
    let Some(endpoint) = &config.otlp_endpoint else {
        return Ok(None);
    };
    let handle = EXPORT.get().context(
        "telemetry.otlp_endpoint is set, but this process's logging was not set up by meetflow",
    )?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(endpoint.traces_url())
        .with_timeout(std::time::Duration::from_secs(10))
        .build()
        .context("telemetry.otlp_endpoint: cannot build the OTLP exporter")?;
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("meetflow"));
    handle
        .modify(|slot| *slot = Some(layer))
        .context("installing the span export")?;
    tracing::info!(endpoint = %endpoint.traces_url(), service_name = %config.service_name, "exporting spans over OTLP");
    Ok(Some(SpanExport { provider }))
}

impl SpanExport {
    /// Stops recording spans for export and posts the batch still buffered (bounded by the
    /// exporter's timeout). Blocking work, so it runs off the async threads.
    pub async fn shutdown(self) {
        if let Some(handle) = EXPORT.get() {
            let _ = handle.modify(|slot| *slot = None);
        }
        let provider = self.provider;
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => tracing::info!("span export flushed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "span export did not flush"),
            Err(e) => tracing::warn!(error = %e, "span export shutdown stopped"),
        }
    }
}
