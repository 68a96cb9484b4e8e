//! `meetflow bench ingress`: approvals through the signed HTTP ingress — requests/s and the
//! latency of one `POST /v1/appointments:approve` (sign, send, verify, parse, start the
//! workflow, `202`) at p50/p99 — and, for comparison, the same starts made directly with the
//! Temporal client (what `meetflow appointment approve` and the TypeScript client do).
//!
//! Runs against the embedded stack with the worker as a separate process (as `meetflow bench`);
//! the ingress is served in this process on a loopback port, its signing client too. The
//! approvals ask for no meeting and no mail: the figure is the ingress and the start, not Graph.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures_util::{StreamExt, stream};
use meetflow_config::{IngressKeyRef, Secret, SecretRef};
use reqwest::StatusCode;

use super::{appointment, percentile, wait_phase};
use crate::{
    approve, connect, dev,
    ingress::{Ingress, client::SignedClient},
    process,
};
use meetflow_proto::v1::AppointmentPhase;

pub struct IngressBenchOptions {
    /// Approvals through the ingress (and as many started directly).
    pub requests: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub dir: PathBuf,
}

const KEY_ID: &str = "bench";

pub async fn run(opts: IngressBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.requests > 0 && opts.concurrency > 0,
        "--requests and --concurrency must be at least 1"
    );
    let stack =
        dev::DevStack::start_ephemeral(&opts.dir, std::env::vars().collect(), false).await?;
    let result = measure(&opts, &stack).await;
    stack.stop().await;
    result
}

async fn measure(opts: &IngressBenchOptions, stack: &dev::DevStack) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let env = vec![(
        "MEETFLOW_CONFIG".to_string(),
        stack.config_path.display().to_string(),
    )];
    let log = opts.dir.join("bench-ingress-worker.log");
    let mut worker = process::spawn(&exe, &["worker".to_string()], &env, &log)?;
    let result = async {
        let client = connect::client(&stack.config, &connect::identity("bench")).await?;
        let secret = "bench-ingress-signing-key";
        let key_file = opts.dir.join("bench-ingress.key");
        std::fs::write(&key_file, secret).context("writing the bench's signing key")?;
        let mut config = stack.config.clone();
        config
            .tenants
            .get_mut(dev::DEMO_TENANT)
            .context("the dev config's demo tenant")?
            .ingress_keys = vec![IngressKeyRef {
            id: KEY_ID.into(),
            secret: SecretRef::File(key_file),
        }];
        // The bench measures the ingress, not its rate limit.
        config.ingress.rate_per_sec = *meetflow_config::bounds::RATE.end();
        config.ingress.rate_burst = *meetflow_config::bounds::RATE.end();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(crate::ingress::serve(
            listener,
            Ingress::new(client.clone(), &config)?,
        ));
        let signer = Arc::new(SignedClient {
            http: reqwest::Client::new(),
            base,
            tenant: dev::DEMO_TENANT.into(),
            key_id: KEY_ID.into(),
            secret: Secret::new(secret),
        });

        // Warm-up: connections, the worker's first tasks.
        for n in 0..opts.concurrency.min(opts.requests) {
            approve_http(&signer, &format!("warm-{n}")).await?;
        }

        let began = Instant::now();
        let mut http: Vec<Duration> = stream::iter(0..opts.requests)
            .map(|n| {
                let signer = signer.clone();
                async move { approve_http(&signer, &format!("http-{n}")).await }
            })
            .buffer_unordered(opts.concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?;
        let http_elapsed = began.elapsed();
        http.sort();

        let client = Arc::new(client);
        let began = Instant::now();
        let mut direct: Vec<Duration> = stream::iter(0..opts.requests)
            .map(|n| {
                let client = client.clone();
                async move {
                    let input = appointment(dev::DEMO_TENANT, &format!("direct-{n}"), false, false);
                    let t = Instant::now();
                    approve::approve(&client, "meetflow", &input).await?;
                    anyhow::Ok(t.elapsed())
                }
            })
            .buffer_unordered(opts.concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?;
        let direct_elapsed = began.elapsed();
        direct.sort();

        // The workflows did start and run: the last of each kind reached its first wait. The
        // worker runs them well behind the starts (tens per second on this box), hence the time.
        let within = Duration::from_secs(60 + 2 * opts.requests as u64 / 10);
        for id in [
            format!("http-{}", opts.requests - 1),
            format!("direct-{}", opts.requests - 1),
        ] {
            let workflow_id = format!("appointment/{}/{id}", dev::DEMO_TENANT);
            tokio::time::timeout(
                within,
                wait_phase(&client, &workflow_id, AppointmentPhase::Scheduled, 0),
            )
            .await
            .with_context(|| format!("{workflow_id} never reached SCHEDULED"))??;
        }
        server.abort();

        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "meetflow bench ingress — {} approvals, concurrency {}",
            opts.requests, opts.concurrency
        );
        for (what, sorted, elapsed) in [
            (
                "through the ingress (signed POST → 202)",
                &http,
                http_elapsed,
            ),
            (
                "directly (Temporal client start)       ",
                &direct,
                direct_elapsed,
            ),
        ] {
            println!(
                "  {what}: {:.0} approvals/s  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                opts.requests as f64 / elapsed.as_secs_f64(),
                ms(percentile(sorted, 0.5)),
                ms(percentile(sorted, 0.99)),
                ms(sorted.last().copied().unwrap_or_default()),
            );
        }
        Ok(())
    }
    .await;
    process::stop(&mut worker, Duration::from_secs(20)).await;
    result
}

/// One signed approval; its round trip. Anything but `202` fails the bench.
async fn approve_http(signer: &SignedClient, appointment_id: &str) -> anyhow::Result<Duration> {
    let input = appointment(dev::DEMO_TENANT, appointment_id, false, false);
    let t = Instant::now();
    let reply = signer
        .post("/v1/appointments:approve", &input, None)
        .await?;
    let took = t.elapsed();
    anyhow::ensure!(
        reply.status == StatusCode::ACCEPTED,
        "approve {appointment_id}: {} {}",
        reply.status,
        reply.body
    );
    Ok(took)
}
