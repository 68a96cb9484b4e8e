//! `meetflow`: the worker, the embedded dev stack, the Graph emulator and ops commands.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};
use meetflow::{approve, bench, connect, dev, inspect, sample, telemetry, worker};

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
        /// Keep nothing between runs (Temporal in memory).
        #[arg(long)]
        ephemeral: bool,
    },
    /// Print throughput, latency, Graph calls and worker RSS figures (see docs/performance.md).
    Bench {
        #[arg(long, default_value_t = 200)]
        lifecycles: usize,
        #[arg(long, default_value_t = 20)]
        concurrency: usize,
        /// Added to every Graph call by the emulator.
        #[arg(long, default_value_t = 50)]
        graph_latency_ms: u64,
        /// Report worker RSS at these numbers of open workflows (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        open_workflows: Vec<usize>,
        #[arg(long, default_value = ".meetflow/bench")]
        dir: PathBuf,
    },
    /// Serve the Graph emulator alone (seeded with the demo tenant).
    GraphEmulator {
        #[arg(long, default_value = "127.0.0.1:7280")]
        listen: String,
    },
    /// Appointment operations, as the PSA backend or an operator would run them.
    Appointment {
        #[command(subcommand)]
        command: AppointmentCommand,
    },
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
    /// Print an appointment's state (the workflow's `state` query) as JSON.
    Status { tenant: String, appointment: String },
    /// Print an appointment's workflow history, one event per line.
    History { tenant: String, appointment: String },
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<meetflow_config::Config> {
    Ok(meetflow_config::load(
        path.map(PathBuf::as_path),
        std::env::vars(),
    )?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Worker => {
            let config = load_config(cli.config.as_ref())?;
            worker::run(&config, worker::termination()).await
        }
        Command::Dev {
            dir,
            temporal_port,
            ui_port,
            graph_port,
            ephemeral,
        } => {
            let opts = dev::DevOptions {
                dir,
                temporal_port,
                ui_port: Some(ui_port),
                graph_port,
                persistent: !ephemeral,
                overrides: std::env::vars().collect(),
            };
            let stack = dev::DevStack::start(opts).await?;
            println!("meetflow dev is up (Ctrl-C stops everything):");
            println!(
                "  Temporal        {}  (namespace default, task queue {})",
                stack.temporal_address(),
                stack.config.temporal.task_queue
            );
            if let Some(ui) = &stack.ui_url {
                println!("  Temporal Web UI {ui}");
            }
            println!(
                "  Graph emulator  {}  (requests: {}_emulator/requests, events: {}_emulator/events)",
                stack.emulator_url(),
                stack.emulator_url(),
                stack.emulator_url()
            );
            println!("  Mail outbox     {}", stack.outbox.display());
            println!("  Config          {}", stack.config_path.display());
            println!("Try: meetflow appointment approve --sample");
            let result = worker::run(&stack.config, worker::termination()).await;
            stack.stop().await;
            result
        }
        Command::Bench {
            lifecycles,
            concurrency,
            graph_latency_ms,
            open_workflows,
            dir,
        } => {
            let _ = std::fs::remove_dir_all(&dir);
            bench::run(bench::BenchOptions {
                lifecycles,
                concurrency,
                graph_latency_ms,
                open_workflows,
                dir,
            })
            .await
        }
        Command::GraphEmulator { listen } => {
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            println!("Graph emulator on http://{}/", listener.local_addr()?);
            tokio::select! {
                r = meetflow_graph_emulator::serve_forever(listener, meetflow_graph_emulator::Seed::sample()) => Ok(r?),
                () = worker::termination() => Ok(()),
            }
        }
        Command::Appointment { command } => {
            let config = load_config(cli.config.as_ref())?;
            let identity = connect::identity("cli");
            let connect = || connect::client(&config.temporal, &identity);
            match command {
                AppointmentCommand::Approve {
                    file,
                    sample: use_sample,
                } => {
                    let input: serde_json::Value = match (file, use_sample) {
                        (_, true) => sample::approval(chrono::Utc::now()),
                        (Some(f), false) => {
                            let text = if f.as_os_str() == "-" {
                                std::io::read_to_string(std::io::stdin())?
                            } else {
                                std::fs::read_to_string(&f)
                                    .with_context(|| format!("reading {}", f.display()))?
                            };
                            serde_json::from_str(&text).map_err(|e| {
                                approve::Rejected(format!("invalid input: not JSON: {e}"))
                            })?
                        }
                        (None, false) => {
                            anyhow::bail!("give --file FILE (or - for stdin) or --sample")
                        }
                    };
                    // Refuse bad input before contacting Temporal at all.
                    let approval = approve::check(&input)?;
                    let client = connect().await?;
                    let started =
                        approve::start(&client, &config.temporal.task_queue, &input, &approval)
                            .await?;
                    println!(
                        "started {} (run {})",
                        started.workflow_id,
                        started.run_id.unwrap_or_default()
                    );
                    println!(
                        "  state:   meetflow appointment status {} {}",
                        input["tenantId"].as_str().unwrap_or(""),
                        input["appointmentId"].as_str().unwrap_or("")
                    );
                    println!(
                        "  history: temporal workflow show --workflow-id '{}' --address {}",
                        started.workflow_id, config.temporal.address
                    );
                    Ok(())
                }
                AppointmentCommand::Status {
                    tenant,
                    appointment,
                } => {
                    let state = inspect::state(
                        &connect().await?,
                        &inspect::workflow_id(&tenant, &appointment)?,
                    )
                    .await?;
                    println!("{}", serde_json::to_string_pretty(&state)?);
                    Ok(())
                }
                AppointmentCommand::History {
                    tenant,
                    appointment,
                } => {
                    for line in inspect::history(
                        &connect().await?,
                        &inspect::workflow_id(&tenant, &appointment)?,
                    )
                    .await?
                    {
                        println!("{line}");
                    }
                    Ok(())
                }
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2: the input or configuration was refused; 1: anything else.
            let refused = e.downcast_ref::<approve::Rejected>().is_some()
                || e.downcast_ref::<meetflow_config::ConfigError>().is_some();
            if refused {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
