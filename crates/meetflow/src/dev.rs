//! `meetflow dev`: the embedded default. Every box of the production picture, on loopback, from
//! one command: the Temporal CLI dev server (Web UI on, meetflow's search attributes
//! registered), the Graph emulator seeded with a demo tenant, a SQLite store and a mail outbox
//! folder. The worker runs next to them (see `main.rs`); the end-to-end tests use the same stack.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use meetflow_config::Config;
use meetflow_graph_emulator::{Emulator, EmulatorHandle, Seed};
use meetflow_workflows::search;
use tokio::process::Child;

use crate::process;

/// The demo tenant `meetflow appointment approve --sample` uses.
pub const DEMO_TENANT: &str = "demo";

pub struct DevOptions {
    /// State folder: SQLite databases, outbox, recordings, logs, the generated config.
    pub dir: PathBuf,
    pub temporal_port: u16,
    /// `None`: no Web UI (tests).
    pub ui_port: Option<u16>,
    /// The worker's Prometheus endpoint; `None`: off (tests turn it on by override).
    pub metrics_port: Option<u16>,
    /// The worker's artifact links endpoint (`artifacts.listen`); `None`: off.
    pub artifacts_port: Option<u16>,
    pub graph_port: u16,
    /// Keep Temporal's state in `dir/temporal.db` across restarts (else in memory).
    pub persistent: bool,
    /// `MEETFLOW_*` overrides applied on top of the generated configuration.
    pub overrides: Vec<(String, String)>,
}

impl DevOptions {
    /// Ephemeral ports, and no UI unless `web_ui`: what tests and the benchmark want. Temporal
    /// keeps its state in memory unless `persistent` (then it survives
    /// [`DevStack::restart_temporal`]).
    fn ephemeral(
        dir: &Path,
        overrides: Vec<(String, String)>,
        persistent: bool,
        web_ui: bool,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            dir: dir.to_path_buf(),
            temporal_port: process::free_port()?,
            ui_port: web_ui.then(process::free_port).transpose()?,
            metrics_port: None,
            artifacts_port: None,
            graph_port: 0,
            persistent,
            overrides,
        })
    }
}

pub struct DevStack {
    temporal: Child,
    opts: DevOptions,
    dir: PathBuf,
    emulator: EmulatorHandle,
    pub config: Config,
    pub config_path: PathBuf,
    pub outbox: PathBuf,
}

impl DevStack {
    pub async fn start(opts: DevOptions) -> anyhow::Result<Self> {
        let dir = std::path::absolute(&opts.dir)?;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut temporal = start_temporal(&opts, &dir).await?;
        let seed = Seed::sample();
        let emulator = match Emulator::start(
            SocketAddr::from(([127, 0, 0, 1], opts.graph_port)),
            seed.clone(),
        )
        .await
        {
            Ok(e) => e,
            Err(e) => {
                process::stop(&mut temporal, Duration::from_secs(5)).await;
                return Err(e).context("starting the Graph emulator");
            }
        };
        let secret_path = dir.join("demo-graph-secret");
        std::fs::write(&secret_path, &seed.tenants[0].apps[0].client_secret)?;
        let link_key_path = dir.join("artifact-link-key");
        ensure_link_key(&link_key_path)?;
        let config_path = dir.join("meetflow.dev.toml");
        std::fs::write(
            &config_path,
            dev_config(&opts, &dir, &emulator, &seed, &secret_path, &link_key_path),
        )?;
        let config = meetflow_config::load(Some(&config_path), opts.overrides.iter().cloned())?;
        wait_until_serving(&config).await?;
        Ok(Self {
            temporal,
            opts,
            dir,
            emulator,
            outbox: config.mail.outbox_dir.clone(),
            config,
            config_path,
        })
    }

    /// The stack on free ports, without a UI and with Temporal in memory.
    ///
    /// A free port is picked before the server binds it, and the dev server binds a few more
    /// than its frontend port: with several stacks starting at once one can lose that race, so a
    /// failed start is retried on fresh ports; after three tries the last cause is returned.
    pub async fn start_ephemeral(
        dir: &Path,
        overrides: Vec<(String, String)>,
        persistent: bool,
    ) -> anyhow::Result<Self> {
        Self::start_on_free_ports(|| {
            DevOptions::ephemeral(dir, overrides.clone(), persistent, false)
        })
        .await
    }

    /// The dev server exactly as `meetflow dev` runs it (Temporal's state in `dir/temporal.db`,
    /// Web UI on), on free ports: what `meetflow bench --server file` measures.
    pub async fn start_ephemeral_as_dev(
        dir: &Path,
        overrides: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        Self::start_on_free_ports(|| DevOptions::ephemeral(dir, overrides.clone(), true, true))
            .await
    }

    /// As [`DevStack::start_ephemeral`] (in memory), with the Temporal Web UI on a free port; its
    /// base URL is the generated configuration's `temporal.ui_url`.
    pub async fn start_ephemeral_with_web_ui(
        dir: &Path,
        overrides: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        Self::start_on_free_ports(|| DevOptions::ephemeral(dir, overrides.clone(), false, true))
            .await
    }

    async fn start_on_free_ports(
        opts: impl Fn() -> anyhow::Result<DevOptions>,
    ) -> anyhow::Result<Self> {
        let mut attempt = 1;
        loop {
            match Self::start(opts()?).await {
                Ok(stack) => return Ok(stack),
                Err(e) if attempt < 3 => {
                    tracing::warn!(attempt, error = %format!("{e:#}"), "dev stack did not start; retrying on fresh ports")
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }

    pub fn temporal_address(&self) -> &str {
        &self.config.temporal.address
    }

    /// The Temporal dev server's process id (while it runs).
    pub fn temporal_pid(&self) -> Option<u32> {
        self.temporal.id()
    }

    /// Base URL of the emulator's control API (`/_emulator/...`).
    pub fn emulator_url(&self) -> url::Url {
        self.emulator.base_url()
    }

    /// Kills the Temporal dev server and starts it again on the same port and database, as an
    /// operator's restart or a crashed server would; only a persistent stack keeps its state.
    pub async fn restart_temporal(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.opts.persistent,
            "an in-memory Temporal loses everything on restart"
        );
        process::stop(&mut self.temporal, Duration::from_secs(10)).await;
        self.temporal = start_temporal(&self.opts, &self.dir).await?;
        wait_until_serving(&self.config).await
    }

    pub async fn stop(mut self) {
        self.emulator.shutdown().await;
        process::stop(&mut self.temporal, Duration::from_secs(10)).await;
    }
}

/// The port opens before the frontend answers ("Frontend is not healthy yet"), notably on a busy
/// machine: wait until a client can actually connect.
async fn wait_until_serving(config: &Config) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        match crate::connect::client(config, "meetflow-dev-probe").await {
            Ok(_) => return Ok(()),
            Err(e) if tokio::time::Instant::now() > deadline => {
                return Err(e.context("the Temporal dev server never became healthy"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn start_temporal(opts: &DevOptions, dir: &Path) -> anyhow::Result<Child> {
    let cli = process::temporal_cli()?;
    process::ensure_port_free(
        opts.temporal_port,
        "the Temporal dev server",
        "--temporal-port",
    )?;
    if let Some(port) = opts.ui_port {
        process::ensure_port_free(port, "the Temporal Web UI", "--ui-port")?;
    }
    let mut args: Vec<String> = vec![
        "server".into(),
        "start-dev".into(),
        "--ip".into(),
        "127.0.0.1".into(),
        "--port".into(),
        opts.temporal_port.to_string(),
        "--log-level".into(),
        "warn".into(),
        // Cuts each step's wait on the transfer queue from ~100 ms to a few ms.
        "--dynamic-config-value".into(),
        "history.transferProcessorMaxPollRPS=1000".into(),
    ];
    match opts.ui_port {
        Some(p) => args.extend(["--ui-port".into(), p.to_string()]),
        None => args.push("--headless".into()),
    }
    if opts.persistent {
        args.extend([
            "--db-filename".into(),
            dir.join("temporal.db").display().to_string(),
        ]);
        // WAL with synchronous=NORMAL: a commit no longer waits for its own fsync, only
        // checkpoints do. A killed server loses nothing (the WAL is in the OS's cache); a power
        // loss can lose the last commits, never consistency.
        args.extend(["--sqlite-pragma".into(), "journal_mode=wal".into()]);
        args.extend(["--sqlite-pragma".into(), "synchronous=NORMAL".into()]);
    }
    for (name, kind) in search::REGISTRATION {
        args.extend(["--search-attribute".into(), format!("{name}={kind}")]);
    }
    let log = dir.join("temporal.log");
    let mut child = process::spawn(&cli, &args, &[], &log)?;
    process::wait_for_port(
        opts.temporal_port,
        Duration::from_secs(60),
        &mut child,
        "the Temporal dev server",
        &log,
    )
    .await?;
    Ok(child)
}

fn dev_config(
    opts: &DevOptions,
    dir: &Path,
    emulator: &EmulatorHandle,
    seed: &Seed,
    secret: &Path,
    link_key: &Path,
) -> String {
    let tenant = &seed.tenants[0];
    let organizer = &tenant.users[0];
    format!(
        r#"# Generated by `meetflow dev`; edit a copy and pass it with --config for a real deployment.
[temporal]
address = "127.0.0.1:{port}"
{ui_url}

[store]
url = "sqlite://{dir}/meetflow.db"

[mail]
transport = "outbox"
outbox_dir = "{dir}/outbox"
from = "meetings@meetflow.localhost"
from_name = "Meetings (dev)"

[graph]
authority_url = "{authority}"
graph_url = "{graph}"

[storage]
url = "file://{dir}/recordings"

[worker]
metrics_listen = "{metrics}"

[artifacts]
listen = "{artifacts_listen}"
public_url = "http://127.0.0.1:{artifacts_public_port}"
signing_keys = [{{ id = "dev", secret = {{ file = "{link_key}" }} }}]

[tenants.{demo}]
microsoft_tenant_id = "{tid}"
client_id = "{cid}"
client_secret = {{ file = "{secret}" }}
organizer_upn = "{upn}"
organizer_object_id = "{oid}"
exchange_sends_invitations = true
"#,
        port = opts.temporal_port,
        // The links `appointment history` prints must reach this UI whatever its port.
        ui_url = opts
            .ui_port
            .map(|p| format!("ui_url = \"http://127.0.0.1:{p}\""))
            .unwrap_or_default(),
        metrics = opts
            .metrics_port
            .map(|p| format!("127.0.0.1:{p}"))
            .unwrap_or_default(),
        artifacts_listen = opts
            .artifacts_port
            .map(|p| format!("127.0.0.1:{p}"))
            .unwrap_or_default(),
        // Off in tests (no port), which then override listen and public_url together.
        artifacts_public_port = opts.artifacts_port.unwrap_or(8090),
        link_key = link_key.display(),
        dir = dir.display(),
        authority = emulator.authority_url(),
        graph = emulator.graph_url(),
        demo = DEMO_TENANT,
        tid = tenant.tenant_id,
        cid = tenant.apps[0].client_id,
        secret = secret.display(),
        upn = organizer.user_principal_name,
        oid = organizer.id,
    )
}

/// The dev stack's link signing key: 32 random bytes, made once and kept with the state folder
/// so links stay valid across restarts.
fn ensure_link_key(path: &Path) -> anyhow::Result<()> {
    use base64::Engine as _;
    if path.is_file() {
        return Ok(());
    }
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    std::io::Write::write_all(&mut file.open(path)?, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// `meetflow dev`: the stack and a worker in the foreground until Ctrl-C, then everything stops.
pub async fn run_foreground(opts: DevOptions) -> anyhow::Result<()> {
    let stack = DevStack::start(opts).await?;
    println!("meetflow dev is up (Ctrl-C stops everything):");
    println!(
        "  Temporal        {}  (namespace default, task queue {})",
        stack.temporal_address(),
        stack.config.temporal.task_queue
    );
    if let Some(ui) = &stack.config.temporal.ui_url {
        println!("  Temporal Web UI {ui}");
    }
    if !stack.config.worker.metrics_listen.is_empty() {
        println!(
            "  Metrics         http://{}/metrics",
            stack.config.worker.metrics_listen
        );
    }
    if !stack.config.artifacts.listen.is_empty() {
        println!(
            "  Artifact links  http://{}/artifacts/…  (meetflow appointment link demo <appointment>)",
            stack.config.artifacts.listen
        );
    }
    let emulator = stack.emulator_url();
    println!(
        "  Graph emulator  {emulator}  (requests: {emulator}_emulator/requests, events: {emulator}_emulator/events)"
    );
    println!("  Mail outbox     {}", stack.outbox.display());
    println!("  Config          {}", stack.config_path.display());
    println!("Try: meetflow appointment approve --sample");
    let result = crate::worker::run(&stack.config, crate::worker::termination()).await;
    stack.stop().await;
    result
}

/// `meetflow graph-emulator`: the emulator alone, seeded with the demo tenant, until SIGTERM.
pub async fn serve_emulator(listen: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!("Graph emulator on http://{}/", listener.local_addr()?);
    tokio::select! {
        r = meetflow_graph_emulator::serve_forever(listener, meetflow_graph_emulator::Seed::sample()) => Ok(r?),
        () = crate::worker::termination() => Ok(()),
    }
}
