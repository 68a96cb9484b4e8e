//! `meetflow codec-server`: the remote codec the Temporal Web UI (and `temporal` CLI) call to
//! show sealed payloads in clear — `POST …/decode` and `POST …/encode` with proto3-JSON
//! `{"payloads": [...]}` (Temporal's codec-server protocol). Ops point the UI at it with
//! `temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8888` or the UI's "Codec
//! Server" setting; the browser then sends the payloads of the event on screen here.
//!
//! It has the keys, so it is as sensitive as the worker: it listens on loopback by default,
//! answers browsers only from the configured UI origin, caps request bodies, and never logs a
//! payload or a key (only operation, namespace, counts and key ids). It does not authenticate;
//! anything beyond one operator's machine belongs behind an authenticating proxy.

mod cors;
pub mod wire;

use std::{future::Future, sync::Arc};

use anyhow::Context as _;
use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use meetflow_codec::EncryptionCodec;
use meetflow_config::Config;
use tokio::net::TcpListener;

use crate::connect;

/// A page of history in the UI decodes a few events at a time; Temporal itself caps a payload
/// at 2 MiB. Anything larger is refused with 413 before it is parsed.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Serves until SIGTERM or Ctrl-C.
pub async fn run(config: &Config, listen: &str, cors_origin: &str) -> anyhow::Result<()> {
    let codec = connect::codec(&config.codec)?.context(
        "codec.enabled is false: the codec server decodes with the [codec] keys, turn it on",
    )?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        cors_origin,
        encrypt_key_id = codec.encrypt_key_id(),
        "codec server listening"
    );
    serve(listener, codec, cors_origin, crate::worker::termination()).await
}

/// The server on an already bound listener (tests bind port 0).
pub async fn serve(
    listener: TcpListener,
    codec: EncryptionCodec,
    cors_origin: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(codec, cors_origin)?)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

pub fn router(codec: EncryptionCodec, cors_origin: &str) -> anyhow::Result<Router> {
    let cors = cors::Cors::new(cors_origin)?;
    Ok(Router::new()
        .fallback(handle)
        .with_state(Arc::new(Server { codec, cors }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT)))
}

struct Server {
    codec: EncryptionCodec,
    cors: cors::Cors,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Encode,
    Decode,
}

async fn handle(
    State(server): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(origin) = server.cors.admit(&headers) else {
        tracing::warn!(
            path = uri.path(),
            "codec request from a foreign origin refused"
        );
        return StatusCode::FORBIDDEN.into_response();
    };
    // The protocol lets the endpoints sit at any depth: only the last segment counts.
    let op = match uri.path().rsplit('/').next() {
        Some("encode") => Op::Encode,
        Some("decode") => Op::Decode,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let response = match method {
        Method::OPTIONS => server.cors.preflight(),
        Method::POST => transcode(&server.codec, op, &headers, &body),
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    };
    server.cors.decorate(origin, response)
}

fn transcode(codec: &EncryptionCodec, op: Op, headers: &HeaderMap, body: &[u8]) -> Response {
    let namespace = headers
        .get("x-namespace")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let outcome = wire::parse(body).and_then(|payloads| {
        let count = payloads.len();
        let done = match op {
            Op::Encode => codec.seal_all(&payloads),
            Op::Decode => codec.open_all(payloads),
        };
        done.map(|p| (count, p)).map_err(|e| e.to_string())
    });
    match outcome {
        Ok((count, payloads)) => {
            tracing::info!(?op, namespace, payloads = count, "codec request served");
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                wire::render(&payloads),
            )
                .into_response()
        }
        Err(problem) => {
            // The problem names a key id or a malformed field, never payload content or keys.
            tracing::warn!(?op, namespace, %problem, "codec request refused");
            (StatusCode::BAD_REQUEST, problem).into_response()
        }
    }
}
