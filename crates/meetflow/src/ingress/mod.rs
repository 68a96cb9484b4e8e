//! The signed HTTP ingress: a PSA that emits webhooks instead of running a Temporal client
//! approves, reschedules and cancels appointments with `POST /v1/appointments:…`, signed per
//! tenant (docs/contract.md, "HTTP ingress"). Served by `meetflow ingress` and, with
//! `ingress.listen`, by the worker; both build the one router of [`router`].
//!
//! Every request passes the same gate, in this order, before anything reaches Temporal:
//! content type (415), body size (413), signature and clock (401), the tenant's rate (429),
//! JSON (400), the body's tenant (403), replay (401, unless it is a same-second retry that its
//! `Idempotency-Key` answers), the `Idempotency-Key` (422 when reused with another body); then
//! the operation runs. The whole request, reading the body included, runs under the request
//! timeout (504).

pub mod client;
pub mod error;
pub mod idempotency;
pub mod rate;
pub mod replay;
pub mod routes;
pub mod schema;
pub mod signature;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use meetflow_config::{Config, IngressConfig};
use serde_json::Value;
use temporalio_client::Client;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use error::ApiError;
use idempotency::{Answer, Claim, IdempotencyCache};
use rate::TenantRate;
use replay::SeenSignatures;
use signature::Keyring;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on an answer given again for an `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The operations, for the idempotency cache's key and the update id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Approve,
    Reschedule,
    Cancel,
    State,
}

impl Route {
    pub fn name(self) -> &'static str {
        match self {
            Route::Approve => "approve",
            Route::Reschedule => "reschedule",
            Route::Cancel => "cancel",
            Route::State => "state",
        }
    }
}

pub struct Ingress {
    client: Client,
    task_queue: String,
    keyring: Keyring,
    seen: SeenSignatures,
    rate: TenantRate,
    idempotency: IdempotencyCache,
    config: IngressConfig,
    openapi: Value,
    /// With `[codec]` on the workflow's failure messages come back sealed (the SDK opens
    /// payloads, not failures); the ingress opens them to classify and show them.
    codec: Option<meetflow_codec::EncryptionCodec>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "meetflow ingress",
        description = "Signed HTTP ingress of meetflow: approve, reschedule and cancel appointments. Every request carries Meetflow-Tenant, Meetflow-Key-Id, Meetflow-Timestamp (unix seconds) and Meetflow-Signature: v1=<hex HMAC-SHA256(key, \"{timestamp}.{body}\")>; see docs/contract.md."
    ),
    modifiers(&SignedRequests)
)]
struct ApiDoc;

struct SignedRequests;

impl Modify for SignedRequests {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "meetflow_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Meetflow-Signature",
                "v1=<hex HMAC-SHA256(key, \"{Meetflow-Timestamp}.{body}\")>, with the key Meetflow-Key-Id names among Meetflow-Tenant's ingress_keys",
            ))),
        );
    }
}

/// The routes and the OpenAPI document describing exactly them.
fn documented() -> (Router<Arc<Ingress>>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::approve))
        .routes(routes!(routes::reschedule))
        .routes(routes!(routes::cancel))
        .routes(routes!(routes::state))
        .split_for_parts()
}

/// The OpenAPI document (also served at `GET /v1/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The ingress's router, with its limits.
pub fn router(ingress: Arc<Ingress>) -> Router {
    let (routes, _) = documented();
    let limit = ingress.config.max_body_bytes;
    let timeout = Duration::from_secs(ingress.config.request_timeout_secs);
    routes
        .route("/v1/openapi.json", get(routes::openapi))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            timeout,
            within_timeout,
        ))
        .with_state(ingress)
}

impl Ingress {
    pub fn new(client: Client, config: &Config) -> anyhow::Result<Arc<Self>> {
        let keyring = Keyring::from_config(config)?;
        if keyring.is_empty() {
            tracing::warn!("no tenant has ingress_keys: every ingress request will be refused");
        }
        let c = config.ingress.clone();
        Ok(Arc::new(Self {
            client,
            task_queue: config.temporal.task_queue.clone(),
            keyring,
            seen: SeenSignatures::new(Duration::from_secs(c.replay_window_secs)),
            rate: TenantRate::new(c.rate_per_sec, c.rate_burst),
            idempotency: IdempotencyCache::new(Duration::from_secs(c.idempotency_ttl_secs)),
            openapi: serde_json::to_value(openapi()).context("OpenAPI document")?,
            codec: crate::connect::codec(&config.codec)?,
            config: c,
        }))
    }

    fn state_link(&self, tenant: &str, appointment: &str) -> String {
        let base = self.config.public_url.as_deref().unwrap_or("");
        format!(
            "{}/v1/appointments/{tenant}/{appointment}",
            base.trim_end_matches('/')
        )
    }

    /// The gate every route passes (see the module's doc), then `op` on the body's JSON.
    /// `path_tenant` is the tenant a `GET` names in its path; a `POST` names it as the body's
    /// `tenantId`. The request timeout is the router's (see [`router`]), so it covers reading
    /// the body too.
    async fn handle(
        self: Arc<Self>,
        route: Route,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
        path_tenant: Option<String>,
        op: impl AsyncFnOnce(Value) -> Result<Answer, ApiError>,
    ) -> Response {
        let admitted = match self.admit(route, headers, body, path_tenant).await {
            Err(e) => return e.into_response(),
            Ok(admitted) => admitted,
        };
        let claimed = match &admitted.idempotency {
            None if admitted.replayed => return replayed_request().into_response(),
            None => None,
            // A request signed exactly as one already received is answered only when that one
            // carried this Idempotency-Key with this body: a retry within the same second (its
            // signature is the same) gets the first answer, any other replay nothing.
            Some(key) if admitted.replayed => {
                return match self
                    .idempotency
                    .answer_of(&admitted.tenant, route.name(), key, &admitted.raw)
                    .await
                {
                    Some(answer) => respond(answer, true),
                    None => replayed_request().into_response(),
                };
            }
            Some(key) => match self
                .idempotency
                .claim(
                    &admitted.tenant,
                    route.name(),
                    key,
                    &admitted.raw,
                    Instant::now(),
                )
                .await
            {
                Claim::Replay(answer) => return respond(answer, true),
                Claim::Reused => {
                    return ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "idempotency_key_reused",
                        "this Idempotency-Key was used with another body",
                    )
                    .into_response();
                }
                Claim::Claimed(c) => Some(c),
            },
        };
        let answer = op(admitted.json).await.unwrap_or_else(error_answer);
        if let Some(c) = claimed {
            c.finish(&answer);
        }
        respond(answer, false)
    }

    async fn admit(
        &self,
        route: Route,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
        path_tenant: Option<String>,
    ) -> Result<Admitted, ApiError> {
        let post = route != Route::State;
        if post && !is_json(headers) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Content-Type must be application/json",
            ));
        }
        let raw = body.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!(
                        "the body is larger than {} bytes",
                        self.config.max_body_bytes
                    ),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", e.body_text())
            }
        })?;
        let signed = signature::verify(
            &self.keyring,
            headers,
            &raw,
            chrono::Utc::now().timestamp(),
            self.config.replay_window_secs,
        )?;
        // A read changes nothing, and two reads of one path in the same second are signed
        // identically (the signature covers timestamp and body only): only writes are guarded.
        let replayed = post
            && !self
                .seen
                .first_time(&signed.tenant, &signed.signature, Instant::now());
        if let Err(wait) = self.rate.take(&signed.tenant, Instant::now()) {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests for this tenant",
            );
            e.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
            return Err(e);
        }
        let json: Value = if post {
            serde_json::from_slice(&raw).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the body is not JSON: {e}"),
                )
            })?
        } else {
            Value::Null
        };
        let claimed = path_tenant.or_else(|| {
            json.get("tenantId")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        signature::same_tenant(&signed, claimed.as_deref())?;
        let idempotency = headers
            .get(IDEMPOTENCY_KEY)
            .map(|v| {
                v.to_str()
                    .ok()
                    .filter(|k| !k.is_empty() && k.len() <= 255)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "bad_idempotency_key",
                            "Idempotency-Key must be 1 to 255 visible ASCII characters",
                        )
                    })
            })
            .transpose()?;
        Ok(Admitted {
            tenant: signed.tenant,
            raw,
            json,
            idempotency,
            replayed,
        })
    }
}

struct Admitted {
    tenant: String,
    raw: Bytes,
    json: Value,
    idempotency: Option<String>,
    /// Signed exactly as a request already received (see [`Ingress::handle`]).
    replayed: bool,
}

fn replayed_request() -> ApiError {
    ApiError::unauthorized(
        "replayed_request",
        "this signed request was already received; sign a retry anew (another second)",
    )
}

/// `answer` as the response; `replayed`: it is the answer to an earlier request with the same
/// `Idempotency-Key`, given again.
fn respond(answer: Answer, replayed: bool) -> Response {
    let mut resp = (answer.status, axum::Json(answer.body)).into_response();
    if replayed {
        resp.headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    resp
}

/// The request timeout around everything a request does, reading its body included.
async fn within_timeout(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "no outcome within {} s; retry with the same Idempotency-Key",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

fn error_answer(e: ApiError) -> Answer {
    Answer {
        status: e.status,
        body: serde_json::to_value(e.body()).expect("error bodies serialize"),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Serves until the process exits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    ingress: Arc<Ingress>,
) -> std::io::Result<()> {
    axum::serve(listener, router(ingress)).await
}

/// `meetflow ingress`: the ingress alone, on `listen` (default `ingress.listen`).
pub async fn run(config: &Config, listen: Option<&str>) -> anyhow::Result<()> {
    let listen = listen
        .or(Some(config.ingress.listen.as_str()).filter(|l| !l.is_empty()))
        .context("give --listen HOST:PORT or set ingress.listen")?;
    let client = crate::connect::client(config, &crate::connect::identity("ingress")).await?;
    let ingress = Ingress::new(client, config)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("ingress: binding {listen}"))?;
    tracing::info!(listen, "ingress serving");
    Ok(serve(listener, ingress).await?)
}
