//! `meetflow`: the worker, the embedded dev stack, the Graph emulator and ops commands.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use meetflow::{
    approve, artifact_links, bench, codec_server, connect, dev, doctor, ingress, inspect,
    telemetry, timeline, worker,
};

#[derive(Parser)]
#[command(
    version,
    about = "Runs the life of an appointment's Microsoft Teams meeting on Temporal"
)]
struct Cli {
    /// Configuration file (TOML). `MEETFLOW_<SECTION>__<KEY>` variables override it.
    #[arg(long, global = true, env = "MEETFLOW_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the worker against the configured Temporal, Graph, store and mail transport.
    Worker,
    /// Run everything on loopback: Temporal dev server + Web UI, Graph emulator, SQLite, outbox, worker.
    Dev {
        /// State folder.
        #[arg(long, default_value = ".meetflow")]
        dir: PathBuf,
        #[arg(long, default_value_t = 7233)]
        temporal_port: u16,
        #[arg(long, default_value_t = 8233)]
        ui_port: u16,
        #[arg(long, default_value_t = 7280)]
        graph_port: u16,
        /// The worker's Prometheus endpoint (`/metrics`).
        #[arg(long, default_value_t = 9464)]
        metrics_port: u16,
        /// The worker's artifact links endpoint (`/artifacts/{token}`).
        #[arg(long, default_value_t = 8090)]
        artifacts_port: u16,
        /// Keep nothing between runs (Temporal in memory).
        #[arg(long)]
        ephemeral: bool,
    },
    /// Print throughput, latency, CPU, history/Action counts, Graph calls and worker RSS figures
    /// (see docs/performance.md).
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        only: Option<BenchCommand>,
        #[arg(long, default_value_t = 200)]
        lifecycles: usize,
        #[arg(long, default_value_t = 20)]
        concurrency: usize,
        /// Lifecycles run one at a time before the loaded ones (approve → mails at concurrency 1).
        #[arg(long, default_value_t = 20)]
        sequential: usize,
        /// The Temporal dev server: in memory, or file-backed exactly as `meetflow dev` runs it.
        #[arg(long, value_enum, default_value = "memory")]
        server: bench::Server,
        /// The lifecycle: `cancel` (approve → cancel) or `full` (approve → reschedule → meeting
        /// ended → capture of transcript, recording and attendance).
        #[arg(long, value_enum, default_value = "cancel")]
        path: bench::lifecycle::Path,
        /// One JSON object on stdout (the human lines go to stderr).
        #[arg(long)]
        json: bool,
        /// Skip the same-shape floor (the measured lifecycles again with no-op bodies).
        #[arg(long)]
        no_floor: bool,
        /// Added to every Graph call by the emulator.
        #[arg(long, default_value_t = 50)]
        graph_latency_ms: u64,
        /// Report worker RSS at these numbers of open workflows (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        open_workflows: Vec<usize>,
        #[arg(long, default_value = ".meetflow/bench")]
        dir: PathBuf,
        /// Set in the measured worker's environment only (repeatable), e.g. a heap profiler's
        /// `LD_PRELOAD` (scripts/heap-profile-worker.sh) or `MALLOC_ARENA_MAX=2`.
        #[arg(long = "worker-env", value_name = "KEY=VALUE", value_parser = bench::parse_worker_env)]
        worker_env: Vec<(String, String)>,
        /// The measured worker's store in PostgreSQL instead of SQLite in --dir: the bench
        /// creates a schema of its own in this database for the run and drops it afterwards.
        #[arg(long, value_name = "POSTGRES_URL", value_parser = bench::parse_store_url)]
        store_url: Option<meetflow_config::StoreUrl>,
    },
    /// `meetflow bench`'s floor worker: runs only the no-op `FloorLifecycle`.
    #[command(hide = true)]
    BenchFloorWorker,
    /// Serve the Graph emulator alone (seeded with the demo tenant).
    GraphEmulator {
        #[arg(long, default_value = "127.0.0.1:7280")]
        listen: String,
    },
    /// Serve the Temporal Web UI's codec endpoint (POST /decode, /encode) with the [codec] keys.
    CodecServer {
        #[arg(long, default_value = "127.0.0.1:8888")]
        listen: String,
        /// The Web UI's origin: the only one a browser may call from.
        #[arg(long, default_value = "http://127.0.0.1:8233")]
        cors_origin: String,
    },
    /// Serve the signed HTTP ingress (POST /v1/appointments:approve|:reschedule|:cancel) alone.
    #[command(args_conflicts_with_subcommands = true)]
    Ingress {
        #[command(subcommand)]
        only: Option<IngressCommand>,
        /// `host:port`; default `ingress.listen`.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Check everything meetflow needs, per tenant; exits non-zero when anything fails.
    Doctor {
        /// Only this tenant's section (the shared checks always run).
        #[arg(long)]
        tenant: Option<String>,
        /// JSON for machines.
        #[arg(long)]
        json: bool,
    },
    /// Appointment operations, as the PSA backend or an operator would run them.
    Appointment {
        #[command(subcommand)]
        command: AppointmentCommand,
    },
    /// The Graph subscriptions the worker keeps (`notifications.public_url`).
    Subscriptions {
        #[command(subcommand)]
        command: SubscriptionsCommand,
    },
}

#[derive(Subcommand)]
enum SubscriptionsCommand {
    /// Per tenant and resource: subscription id, expiry, state, renewals and last error.
    List {
        /// JSON for machines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time `appointment history` on one appointment's long history (rescheduled until it is).
    History {
        /// Grow the history to at least this many events.
        #[arg(long, default_value_t = 500)]
        events: usize,
        /// Timed runs of the command (and of the report in process).
        #[arg(long, default_value_t = 20)]
        runs: usize,
        #[arg(long, default_value = ".meetflow/bench-history")]
        dir: PathBuf,
    },
    /// Approvals through the signed HTTP ingress: requests/s and latency p50/p99, and the same
    /// starts made directly with the Temporal client for comparison.
    Ingress {
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value = ".meetflow/bench-ingress")]
        dir: PathBuf,
    },
    /// Serve one recording through an artifact link to a reading client: throughput, peak RSS.
    ArtifactLink {
        /// Size of the recording (written once into `--dir`).
        #[arg(long, default_value_t = 1024)]
        size_mib: u64,
        #[arg(long, default_value = ".meetflow/bench-artifact-link")]
        dir: PathBuf,
    },
    /// The mail path's two store statements (claim a delivery, record it sent): calls/s and CPU
    /// per call, one caller at a time and side by side.
    Store {
        /// Store calls per run (two per mail).
        #[arg(long, default_value_t = 20_000)]
        calls: usize,
        /// One run per number of callers at once (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1,20")]
        concurrency: Vec<usize>,
        /// A store URL (e.g. a scratch PostgreSQL database); a new SQLite file when absent.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = ".meetflow/bench-store")]
        dir: PathBuf,
    },
    /// Burst change notifications at the worker's receiver: answer latency, requests/s, and the
    /// `artifactsAvailable` signals the appointments' histories hold per coalescing window.
    Notifications {
        /// Notifications in the burst.
        #[arg(long, default_value_t = 1000)]
        notifications: usize,
        /// Notifications per POST (Graph batches them in `value`).
        #[arg(long, default_value_t = 10)]
        per_request: usize,
        /// POSTs in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Appointments (each with a Teams meeting) the notifications are spread over.
        #[arg(long, default_value_t = 50)]
        appointments: usize,
        /// Bursts, each after the previous one's coalescing window has closed.
        #[arg(long, default_value_t = 1)]
        bursts: usize,
        #[arg(long, default_value = ".meetflow/bench-notifications")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum IngressCommand {
    /// Print the ingress's OpenAPI document (also served at GET /v1/openapi.json).
    Openapi,
}

#[derive(Subcommand)]
enum AppointmentCommand {
    /// Start an appointment's workflow from an approval (proto3 JSON, see docs/contract.md).
    Approve {
        /// JSON file with the approval; `-` reads standard input.
        #[arg(long, conflicts_with = "sample")]
        file: Option<PathBuf>,
        /// Approve a demo appointment for the `meetflow dev` stack.
        #[arg(long)]
        sample: bool,
    },
    /// Print an appointment's state: a summary, or (`--json`) the `state` query's JSON.
    Status {
        tenant: String,
        appointment: String,
        #[command(flatten)]
        out: Output,
    },
    /// Print an appointment's history as a timeline (and its capture child's).
    History {
        tenant: String,
        appointment: String,
        #[command(flatten)]
        out: Output,
        /// Temporal's event list instead of the timeline.
        #[arg(long, conflicts_with = "json")]
        raw: bool,
        /// Web UI base for the links (default: `temporal.ui_url`, else derived for a dev server).
        #[arg(long)]
        ui: Option<String>,
    },
    /// List appointments (a visibility query over TenantId / AppointmentPhase).
    List {
        #[arg(long)]
        tenant: Option<String>,
        /// approving, scheduled, ended, capturing, done or cancelled.
        #[arg(long)]
        phase: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Print a signed, expiring link to each stored recording (or transcript) of an appointment,
    /// served by the worker's `artifacts.listen` endpoint.
    Link {
        tenant: String,
        appointment: String,
        #[arg(long, default_value = "recording")]
        kind: meetflow_store::ArtifactKind,
        /// How long the link works: 90s, 45m, 1h, 7d (default `artifacts.default_expiry_secs`;
        /// capped at `artifacts.max_expiry_secs`).
        #[arg(long, value_parser = meetflow_links::expiry::parse_secs)]
        expires: Option<u64>,
        /// `client` only when the tenant's `client_links` allows it.
        #[arg(long, default_value = "technician")]
        audience: meetflow_links::Audience,
        /// A transcript as plain text instead of WebVTT.
        #[arg(long)]
        plain_text: bool,
    },
}

/// Output flags the ops commands share.
#[derive(clap::Args)]
struct Output {
    /// JSON for machines.
    #[arg(long)]
    json: bool,
    /// Time zone for printed times (IANA name; default `TZ`, else UTC).
    #[arg(long)]
    tz: Option<String>,
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<meetflow_config::Config> {
    Ok(meetflow_config::load(
        path.map(PathBuf::as_path),
        std::env::vars(),
    )?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = || load_config(cli.config.as_ref());
    match cli.command {
        Command::Worker => worker::run(&config()?, worker::termination()).await,
        Command::Dev {
            dir,
            temporal_port,
            ui_port,
            graph_port,
            metrics_port,
            artifacts_port,
            ephemeral,
        } => {
            dev::run_foreground(dev::DevOptions {
                dir,
                temporal_port,
                ui_port: Some(ui_port),
                metrics_port: Some(metrics_port),
                artifacts_port: Some(artifacts_port),
                graph_port,
                persistent: !ephemeral,
                overrides: std::env::vars().collect(),
            })
            .await
        }
        Command::Bench {
            only: Some(BenchCommand::History { events, runs, dir }),
            ..
        } => bench::history::run(bench::history::HistoryBenchOptions { events, runs, dir }).await,
        Command::Bench {
            only:
                Some(BenchCommand::Ingress {
                    requests,
                    concurrency,
                    dir,
                }),
            ..
        } => {
            bench::ingress::run(bench::ingress::IngressBenchOptions {
                requests,
                concurrency,
                dir,
            })
            .await
        }
        Command::Bench {
            only: Some(BenchCommand::ArtifactLink { size_mib, dir }),
            ..
        } => {
            bench::artifact_link::run(bench::artifact_link::ArtifactLinkBenchOptions {
                size_mib,
                dir,
            })
            .await
        }
        Command::Bench {
            only:
                Some(BenchCommand::Store {
                    calls,
                    concurrency,
                    url,
                    dir,
                }),
            ..
        } => {
            bench::store::run(bench::store::StoreBenchOptions {
                calls,
                concurrency,
                url,
                dir,
            })
            .await
        }
        Command::Bench {
            only:
                Some(BenchCommand::Notifications {
                    notifications,
                    per_request,
                    concurrency,
                    appointments,
                    bursts,
                    dir,
                }),
            ..
        } => {
            bench::notifications::run(bench::notifications::NotificationBenchOptions {
                notifications,
                per_request,
                concurrency,
                appointments,
                bursts,
                dir,
            })
            .await
        }
        Command::Bench {
            only: None,
            lifecycles,
            concurrency,
            sequential,
            server,
            path,
            json,
            no_floor,
            graph_latency_ms,
            open_workflows,
            dir,
            worker_env,
            store_url,
        } => {
            bench::run(bench::BenchOptions {
                lifecycles,
                concurrency,
                sequential,
                graph_latency_ms,
                open_workflows,
                dir,
                worker_env,
                server,
                path,
                json,
                floor: !no_floor,
                store_url,
            })
            .await
        }
        Command::BenchFloorWorker => bench::floor::worker::run(&config()?).await,
        Command::GraphEmulator { listen } => dev::serve_emulator(&listen).await,
        Command::CodecServer {
            listen,
            cors_origin,
        } => codec_server::run(&config()?, &listen, &cors_origin).await,
        Command::Ingress {
            only: Some(IngressCommand::Openapi),
            ..
        } => {
            println!("{}", ingress::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Ingress { only: None, listen } => {
            ingress::run(&config()?, listen.as_deref()).await
        }
        Command::Doctor { tenant, json } => {
            doctor::command(&config()?, tenant.as_deref(), json).await
        }
        Command::Subscriptions {
            command: SubscriptionsCommand::List { json },
        } => {
            let config = config()?;
            let store = meetflow_store::Store::connect(config.store.url.expose()).await?;
            print_report(meetflow::subscriptions::list_report(&store, json).await)
        }
        Command::Appointment { command } => {
            let config = config()?;
            let identity = connect::identity("cli");
            let client = || connect::client(&config, &identity);
            match command {
                AppointmentCommand::Approve { file, sample } => {
                    let source = match (file, sample) {
                        (_, true) => approve::Source::Sample,
                        (Some(f), false) => approve::Source::File(f),
                        (None, false) => {
                            anyhow::bail!("give --file FILE (or - for stdin) or --sample")
                        }
                    };
                    approve::run(&config, source).await
                }
                AppointmentCommand::Status {
                    tenant,
                    appointment,
                    out,
                } => {
                    let tz = timeline::time_zone(out.tz.as_deref())?;
                    let ui = inspect::ui_base(&config);
                    let c = client().await?;
                    print_report(
                        inspect::status_report(
                            &c,
                            &tenant,
                            &appointment,
                            tz,
                            out.json,
                            ui.as_deref(),
                        )
                        .await,
                    )
                }
                AppointmentCommand::History {
                    tenant,
                    appointment,
                    out,
                    raw,
                    ui,
                } => {
                    let opts =
                        inspect::history_options(&config, out.tz.as_deref(), out.json, raw, ui)?;
                    print_report(
                        inspect::history_report(&client().await?, &tenant, &appointment, &opts)
                            .await,
                    )
                }
                AppointmentCommand::Link {
                    tenant,
                    appointment,
                    kind,
                    expires,
                    audience,
                    plain_text,
                } => {
                    let request = artifact_links::issue::LinkRequest {
                        tenant_id: tenant,
                        appointment_id: appointment,
                        kind,
                        audience,
                        expires_in_secs: expires,
                        plain_text,
                    };
                    link(&config, &request).await
                }
                AppointmentCommand::List { tenant, phase, out } => {
                    let tz = timeline::time_zone(out.tz.as_deref())?;
                    let c = client().await?;
                    let (t, p) = (tenant.as_deref(), phase.as_deref());
                    print_report(inspect::list_report(&c, t, p, tz, out.json).await)
                }
            }
        }
    }
}

async fn link(
    config: &meetflow_config::Config,
    request: &artifact_links::issue::LinkRequest,
) -> anyhow::Result<()> {
    let keys = artifact_links::signing_keys(config)?;
    let store = meetflow_store::Store::connect(config.store.url.expose()).await?;
    let now = artifact_links::unix_now();
    let issued = artifact_links::issue::issue(config, &keys, &store, request, now).await;
    store.close().await;
    let issued = issued?;
    if let Some(max) = issued.capped_to_secs {
        eprintln!("note: --expires capped to artifacts.max_expiry_secs ({max} s)");
    }
    print_report(Ok(artifact_links::issue::render(&issued, request)))
}

/// The ops commands build their whole output first (so tests check exactly it), then print it.
fn print_report(report: anyhow::Result<String>) -> anyhow::Result<()> {
    print!("{}", report?);
    Ok(())
}

fn main() -> ExitCode {
    meetflow::allocator::limit_arenas();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        telemetry::init();
        match run(Cli::parse()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(meetflow::exit::status(&e))
            }
        }
    })
}
