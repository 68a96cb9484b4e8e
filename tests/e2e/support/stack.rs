//! `meetflow dev`'s stack on free ports, with the worker in a thread of its own (the SDK's
//! worker future is !Send, so it gets its own runtime instead of a spawned task).

use std::{thread::JoinHandle, time::Duration};

use meetflow::dev::DevStack;
use meetflow_store::Store;
use temporalio_client::Client;
use tokio::sync::oneshot;

use super::EmulatorView;

pub struct Stack {
    pub dev: Option<DevStack>,
    pub client: Client,
    pub store: Store,
    pub emulator: EmulatorView,
    worker: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
    _dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(Vec::new()).await
    }

    /// `overrides` are `MEETFLOW_*` variables applied to the generated configuration.
    pub async fn start_with(overrides: Vec<(String, String)>) -> Self {
        Self::start_editing(overrides, |_| {}).await
    }

    /// As [`Stack::start_with`], the worker running with the configuration `edit` makes of the
    /// generated one (for what overrides cannot do, such as removing a key).
    pub async fn start_editing(
        overrides: Vec<(String, String)>,
        edit: impl FnOnce(&mut meetflow_config::Config),
    ) -> Self {
        Self::without_worker(overrides).await.with_worker(edit)
    }

    /// The stack with the Temporal Web UI on (a free port, in `temporal.ui_url`) and a worker.
    pub async fn start_with_web_ui() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let dev = DevStack::start_ephemeral_with_web_ui(dir.path(), Vec::new())
            .await
            .expect("dev stack with the Web UI starts");
        Self::on(dev, dir).await.with_worker(|_| {})
    }

    fn with_worker(mut self, edit: impl FnOnce(&mut meetflow_config::Config)) -> Self {
        let mut config = self.config().clone();
        edit(&mut config);
        self.start_worker_with(config);
        self
    }

    /// Starts the worker of a stack made by [`Stack::without_worker`], on its configuration
    /// (for tests that set the emulator up before the worker first calls it).
    pub fn start_worker(&mut self) {
        let config = self.config().clone();
        self.start_worker_with(config);
    }

    fn start_worker_with(&mut self, config: meetflow_config::Config) {
        let (tx, rx) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(meetflow::worker::run(&config, async {
                let _ = rx.await;
            }))
        });
        self.worker = Some((tx, thread));
    }

    /// The stack without a worker: the test runs workers itself (e.g. as processes it kills).
    pub async fn without_worker(overrides: Vec<(String, String)>) -> Self {
        Self::without_worker_on(overrides, false).await
    }

    /// As [`Stack::without_worker`]; with `persistent`, Temporal keeps its state in a file and
    /// survives [`Stack::restart_temporal`].
    pub async fn without_worker_on(overrides: Vec<(String, String)>, persistent: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let dev = DevStack::start_ephemeral(dir.path(), overrides, persistent)
            .await
            .expect("dev stack starts");
        Self::on(dev, dir).await
    }

    async fn on(dev: DevStack, dir: tempfile::TempDir) -> Self {
        let client = meetflow::connect::client(&dev.config, "e2e-test")
            .await
            .expect("temporal client");
        let store = Store::connect(dev.config.store.url.expose())
            .await
            .expect("store");
        let emulator = EmulatorView::new(dev.emulator_url());
        Self {
            dev: Some(dev),
            client,
            store,
            emulator,
            worker: None,
            _dir: dir,
        }
    }

    /// Restarts the Temporal dev server (same port, same database).
    pub async fn restart_temporal(&mut self) {
        self.dev
            .as_mut()
            .expect("running")
            .restart_temporal()
            .await
            .expect("Temporal restarts");
    }

    /// The generated configuration file (the overrides are not in it: pass them as environment).
    pub fn config_path(&self) -> std::path::PathBuf {
        self.dev.as_ref().expect("running").config_path.clone()
    }

    pub fn config(&self) -> &meetflow_config::Config {
        &self.dev.as_ref().expect("running").config
    }

    pub fn outbox(&self) -> std::path::PathBuf {
        self.config().mail.outbox_dir.clone()
    }

    pub fn temporal_address(&self) -> String {
        self.config().temporal.address.clone()
    }

    /// Stops the worker (draining) and every process the stack started.
    pub async fn stop(mut self) {
        if let Some((tx, thread)) = self.worker.take() {
            let _ = tx.send(());
            let joined = tokio::task::spawn_blocking(move || thread.join())
                .await
                .expect("join task");
            joined
                .expect("worker thread panicked")
                .expect("worker ran and drained cleanly");
        }
        if let Some(dev) = self.dev.take() {
            tokio::time::timeout(Duration::from_secs(20), dev.stop())
                .await
                .expect("stack stops");
        }
    }
}
