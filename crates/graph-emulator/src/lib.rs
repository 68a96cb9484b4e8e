//! A Microsoft Graph (and identity platform) emulator on loopback: the parts meetflow uses,
//! with Graph's documented shapes and status codes, plus a control API under `/_emulator/`
//! for tests and demos. See `docs/graph.md`.

mod artifacts;
mod attendance;
mod control;
pub mod control_api;
pub mod control_client;
mod events;
mod faults;
mod identity;
mod meetings;
mod recording_stream;
mod reply;
mod request_log;
mod seed;
mod subscriptions;
mod throttle;
mod users;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, patch, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use control_client::{ControlClient, ControlError, ControlResult};
pub use faults::Fault;
pub use identity::Permission;
pub use recording_stream::synthetic_byte;
pub use seed::{Seed, SeedApp, SeedTenant, SeedUser};
pub use world::Settings;

use world::World;

#[derive(Clone)]
pub(crate) struct AppState {
    world: Arc<Mutex<World>>,
}

impl AppState {
    /// The world, locked. Handlers never hold it across an `.await`.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // A panicking handler must not take the whole emulator down with it.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The emulator's HTTP routes for `seed`.
pub fn router(seed: Seed) -> Router {
    let state = AppState {
        world: Arc::new(Mutex::new(World::new(seed))),
    };
    let graph = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route("/v1.0/users/{user}", get(users::get))
        .route(
            "/v1.0/users/{user}/events",
            post(events::create).get(events::list),
        )
        .route(
            "/v1.0/users/{user}/events/{id}",
            patch(events::patch).delete(events::delete),
        )
        .route("/v1.0/users/{user}/onlineMeetings", get(meetings::lookup))
        .route("/v1.0/users/{user}/onlineMeetings/{id}", get(meetings::get))
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/recordings",
            get(artifacts::list::<artifacts::Recordings>),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/recordings/{rid}",
            get(artifacts::get::<artifacts::Recordings>),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/recordings/{rid}/content",
            get(recording_stream::recording_content),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/transcripts",
            get(artifacts::list::<artifacts::Transcripts>),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/transcripts/{tid}",
            get(artifacts::get::<artifacts::Transcripts>),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/transcripts/{tid}/content",
            get(artifacts::transcript_content),
        )
        .route(
            "/v1.0/subscriptions",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route(
            "/v1.0/subscriptions/{id}",
            get(subscriptions::get)
                .patch(subscriptions::renew)
                .delete(subscriptions::delete),
        )
        .route(
            "/v1.0/subscriptions/{id}/reauthorize",
            post(subscriptions::reauthorize),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/attendanceReports",
            get(attendance::list_reports),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/attendanceReports/{rid}",
            get(attendance::get_report),
        )
        .route(
            "/v1.0/users/{user}/onlineMeetings/{id}/attendanceReports/{rid}/attendanceRecords",
            get(attendance::list_records),
        )
        // Injected latency counts as time in flight for the mailbox gate.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            throttle::mailbox_gate,
        ));
    let control = Router::new()
        .route("/_emulator/requests", get(control::requests))
        .route("/_emulator/events", get(control::events))
        .route("/_emulator/meetings", get(control::meetings))
        .route("/_emulator/reset", post(control::reset))
        .route(
            "/_emulator/settings",
            get(control::get_settings).post(control::set_settings),
        )
        .route(
            "/_emulator/faults",
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/_emulator/tokens/expire", post(control::expire_tokens))
        .route("/_emulator/secrets/expire", post(control::expire_secret))
        .route(
            "/_emulator/permissions/revoke",
            post(control::revoke_permission),
        )
        .route(
            "/_emulator/access-policies/revoke",
            post(control::revoke_access_policy),
        )
        .route("/_emulator/meetings/{id}/end", post(control::end_meeting))
        .route(
            "/_emulator/meetings/{id}/artifacts",
            post(control::add_artifact),
        )
        .route("/_emulator/subscriptions", get(control::subscriptions))
        .route(
            "/_emulator/subscriptions/{id}/lifecycle",
            post(control::lifecycle),
        )
        .route("/_emulator/notifications", get(control::notifications))
        .route(
            "/_emulator/meetings/{id}/attendance-reports",
            post(control::add_attendance_report),
        );
    graph
        .merge(control)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log::record,
        ))
        .with_state(state)
}

/// Serves the emulator on `listener` until the process ends (for `meetflow graph-emulator`).
pub async fn serve_forever(listener: TcpListener, seed: Seed) -> std::io::Result<()> {
    axum::serve(listener, router(seed)).await
}

/// Starts the emulator in the background (tests, `meetflow dev`).
pub struct Emulator;

impl Emulator {
    /// Binds `addr` (port 0 for an ephemeral port) and serves until the handle is shut down.
    pub async fn start(addr: SocketAddr, seed: Seed) -> std::io::Result<EmulatorHandle> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router(seed))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "Graph emulator stopped");
            }
        });
        let base =
            url::Url::parse(&format!("http://{local}/")).expect("socket address forms a URL");
        Ok(EmulatorHandle { base, stop, task })
    }
}

pub struct EmulatorHandle {
    base: url::Url,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> url::Url {
        self.base.clone()
    }

    /// The identity authority: the token endpoint is `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn authority_url(&self) -> url::Url {
        self.base.clone()
    }

    /// The token endpoint of `tenant`: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> url::Url {
        url::Url::parse(&format!(
            "{}{tenant}/oauth2/v2.0/token",
            self.authority_url()
        ))
        .expect("tenant forms a URL")
    }

    /// Test and benchmark support: a client-credentials token request, the secret in the form,
    /// as a raw HTTP client would send it. Returns the status and the JSON body, whatever the
    /// status; panics when the emulator does not answer with JSON.
    pub async fn request_token(
        &self,
        tenant: &str,
        client_id: &str,
        client_secret: &str,
        scope: &str,
    ) -> (u16, serde_json::Value) {
        let response = reqwest::Client::new()
            .post(self.token_url(tenant))
            .form(&[
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("scope", scope),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .expect("token request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("token response"))
    }

    /// `{base}/v1.0`
    pub fn graph_url(&self) -> url::Url {
        self.base.join("v1.0").expect("static path")
    }

    /// `{base}/_emulator/` (the control API).
    pub fn control_url(&self) -> url::Url {
        self.base.join("_emulator/").expect("static path")
    }

    /// A typed client of the control API.
    pub fn control(&self) -> ControlClient {
        ControlClient::new(&self.base)
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
