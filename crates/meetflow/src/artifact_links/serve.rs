//! `GET|HEAD /artifacts/{token}`: one artifact, streamed with byte ranges.
//!
//! A request is answered from the grant alone: the token names tenant, appointment, kind and
//! artifact, and the row is looked up by all four, so a genuine token for another tenant's or
//! another kind's artifact finds nothing. Everything that is not a readable grant is 403 (the
//! endpoint does not say whether an artifact exists); an expired grant is 410.
//!
//! Recordings stream from object storage in the store's own chunks (memory does not grow with
//! the object; see `meetflow bench artifact-link`), or, with `artifacts.redirect_to_s3`, are
//! handed to the bucket by a presigned URL. Transcripts come from the store (WebVTT, or plain
//! text with `?format=txt`). Ranges: one `bytes=` range per request (206 / 416); a multi-range
//! request gets the whole artifact (200), see `meetflow_links::range`.

use std::collections::BTreeSet;

use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use futures_util::StreamExt as _;
use meetflow_config::Config;
use meetflow_links::{Audience, ByteRange, Grant, RangeRequest, SigningKeys};
use meetflow_recordings::{ObjectInfo, RecordingStorage};
use meetflow_store::{ArtifactContent, Store};
use sha2::{Digest, Sha256};

use super::{client_link_tenants, unix_now};

/// What the endpoint needs; built once per process.
pub struct ArtifactServer {
    keys: SigningKeys,
    store: Store,
    storage: RecordingStorage,
    client_link_tenants: BTreeSet<String>,
    redirect_to_s3: bool,
}

impl ArtifactServer {
    pub fn new(
        config: &Config,
        keys: SigningKeys,
        store: Store,
        storage: RecordingStorage,
    ) -> Self {
        Self {
            keys,
            store,
            storage,
            client_link_tenants: client_link_tenants(config),
            redirect_to_s3: config.artifacts.redirect_to_s3,
        }
    }
}

pub fn router(server: Arc<ArtifactServer>) -> Router {
    Router::new()
        .route("/artifacts/{token}", get(artifact))
        .with_state(server)
}

/// Binds `artifacts.listen` and serves it in the background until the process exits.
pub async fn start(config: &Config, store: Store) -> anyhow::Result<std::net::SocketAddr> {
    let keys = super::signing_keys(config)?;
    let storage = RecordingStorage::from_url(config.storage.url.as_str())?;
    let server = Arc::new(ArtifactServer::new(config, keys, store, storage));
    let listen = &config.artifacts.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("artifacts.listen: cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "artifact links on GET /artifacts/{{token}}");
    tokio::spawn(async move { axum::serve(listener, router(server)).await });
    Ok(addr)
}

/// A refusal: a short text body, never cached, never naming the token's contents.
fn refuse(status: StatusCode, why: &'static str) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        format!("{why}\n"),
    )
        .into_response()
}

/// What is being served, once found.
enum Artifact {
    Object {
        key: String,
        info: ObjectInfo,
    },
    Text {
        body: Bytes,
        etag: String,
        content_type: &'static str,
    },
}

impl Artifact {
    fn len(&self) -> u64 {
        match self {
            Artifact::Object { info, .. } => info.size,
            Artifact::Text { body, .. } => body.len() as u64,
        }
    }
    fn etag(&self) -> &str {
        match self {
            Artifact::Object { info, .. } => &info.etag,
            Artifact::Text { etag, .. } => etag,
        }
    }
    fn content_type(&self) -> &'static str {
        match self {
            Artifact::Object { .. } => "video/mp4",
            Artifact::Text { content_type, .. } => content_type,
        }
    }
}

async fn artifact(
    State(server): State<Arc<ArtifactServer>>,
    Path(token): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let now = unix_now();
    let grant = match server.keys.verify(&token, now) {
        Ok(grant) => grant,
        Err(e) => {
            tracing::info!(refusal = %e, "artifact link refused");
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::FORBIDDEN);
            return refuse(
                status,
                if status == StatusCode::GONE {
                    "link expired"
                } else {
                    "forbidden"
                },
            );
        }
    };
    // Checked on every request: turning the flag off revokes the client links already out.
    if grant.audience == Audience::Client && !server.client_link_tenants.contains(&grant.tenant_id)
    {
        return refuse(StatusCode::FORBIDDEN, "forbidden");
    }
    let plain_text = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "format=txt"));
    let found = match find(&server, &grant, plain_text).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let remaining = grant.expires_at.saturating_sub(now);
    let artifact = match found {
        Found::Artifact(a) => a,
        Found::Presigned(url) => {
            return (
                StatusCode::TEMPORARY_REDIRECT,
                [
                    (header::LOCATION, url),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
            )
                .into_response();
        }
    };
    respond(&server, artifact, &method, &headers, remaining).await
}

enum Found {
    Artifact(Artifact),
    Presigned(String),
}

/// The artifact the grant names, or the response that ends the request.
async fn find(server: &ArtifactServer, grant: &Grant, plain_text: bool) -> Result<Found, Response> {
    let record = server
        .store
        .artifact(
            &grant.tenant_id,
            &grant.appointment_id,
            grant.kind,
            &grant.artifact_id,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "artifact lookup failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        })?
        .ok_or_else(|| refuse(StatusCode::FORBIDDEN, "forbidden"))?;
    if grant.audience == Audience::Client && !record.client_visible {
        return Err(refuse(StatusCode::FORBIDDEN, "forbidden"));
    }
    match record.content {
        ArtifactContent::Transcript(t) => {
            let (body, content_type) = if plain_text {
                (t.plain_text, "text/plain; charset=utf-8")
            } else {
                (t.vtt, "text/vtt; charset=utf-8")
            };
            let etag = format!(
                "\"{}\"",
                &hex::encode(Sha256::digest(body.as_bytes()))[..32]
            );
            Ok(Found::Artifact(Artifact::Text {
                body: Bytes::from(body),
                etag,
                content_type,
            }))
        }
        ArtifactContent::Recording(r) => {
            let location = r
                .storage_location
                .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "recording not stored yet"))?;
            let Some(key) = server.storage.key_of(&location) else {
                tracing::error!(
                    tenant = %grant.tenant_id,
                    "a recording's stored location is outside the configured storage.url"
                );
                return Err(refuse(StatusCode::NOT_FOUND, "recording not in storage"));
            };
            if server.redirect_to_s3 {
                let remaining = grant.expires_at.saturating_sub(unix_now()).max(1);
                match server
                    .storage
                    .presigned_get(&key, Duration::from_secs(remaining))
                    .await
                {
                    Ok(Some(url)) => return Ok(Found::Presigned(url.to_string())),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "presigning a recording failed");
                        return Err(refuse(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "storage unavailable",
                        ));
                    }
                }
            }
            let info = server
                .storage
                .info(&key)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "recording lookup in storage failed");
                    refuse(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
                })?
                .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "recording not in storage"))?;
            Ok(Found::Artifact(Artifact::Object { key, info }))
        }
    }
}

/// Whether an `If-None-Match` / `If-Range` list names `etag` (strong comparison; `*` matches).
fn names_etag(header: Option<&HeaderValue>, etag: &str) -> bool {
    header
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t == etag))
}

async fn respond(
    server: &ArtifactServer,
    artifact: Artifact,
    method: &Method,
    headers: &HeaderMap,
    remaining_secs: u64,
) -> Response {
    let total = artifact.len();
    let etag = artifact.etag().to_owned();
    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        // Private: the URL is a credential, no shared cache may keep what it unlocks; never
        // beyond the grant's expiry.
        .header(
            header::CACHE_CONTROL,
            format!("private, max-age={remaining_secs}"),
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_TYPE, artifact.content_type())
        .header(header::CONTENT_DISPOSITION, "inline");
    if names_etag(headers.get(header::IF_NONE_MATCH), &etag) {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("valid response");
    }
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // An `If-Range` naming another version asks for the whole (new) artifact.
    let range_header = match headers.get(header::IF_RANGE) {
        Some(v) if !names_etag(Some(v), &etag) => None,
        _ => range_header,
    };
    let part = match RangeRequest::resolve(range_header, total) {
        RangeRequest::Unsatisfiable => {
            return response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{total}"))
                .body(Body::empty())
                .expect("valid response");
        }
        RangeRequest::Full => None,
        RangeRequest::Partial(part) => Some(part),
    };
    let length = part.map_or(total, |p| p.len());
    response = response.header(header::CONTENT_LENGTH, length);
    response = match part {
        Some(p) => response
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, p.content_range(total)),
        None => response.status(StatusCode::OK),
    };
    if method == Method::HEAD || length == 0 {
        return response.body(Body::empty()).expect("valid response");
    }
    match body(server, artifact, part).await {
        Ok(body) => response.body(body).expect("valid response"),
        Err(e) => {
            tracing::error!(error = %e, "reading a recording from storage failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
        }
    }
}

async fn body(
    server: &ArtifactServer,
    artifact: Artifact,
    part: Option<ByteRange>,
) -> Result<Body, meetflow_recordings::StorageError> {
    Ok(match artifact {
        Artifact::Text { body, .. } => match part {
            Some(p) => Body::from(body.slice(p.first as usize..=p.last as usize)),
            None => Body::from(body),
        },
        Artifact::Object { key, info } => {
            let stream = server
                .storage
                .read(&key, &info, part.map(|p| p.first..=p.last))
                .await?;
            // A storage failure mid-body ends the connection: the client sees a short read,
            // never bytes of a different object.
            Body::from_stream(stream.map(|chunk| {
                chunk.inspect_err(|e| tracing::warn!(error = %e, "recording stream broke off"))
            }))
        }
    })
}
