//! Logs: human-readable by default, JSON with `MEETFLOW_LOG_FORMAT=json`; filter with `RUST_LOG`.
//! The SDK and Core log through the same global subscriber.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,temporalio_sdk_core=warn,temporalio_sdk=warn,sqlx=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("MEETFLOW_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
