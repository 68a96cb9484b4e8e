//! `POST /notifications`: Microsoft Graph's change notifications for new recordings and
//! transcripts, turned into `artifactsAvailable` signals so capture polls at once instead of
//! waiting for its next scheduled poll.
//!
//! Graph waits only seconds for an answer and retries what is not answered 2xx, so the handler
//! does no I/O: it checks each notification against its tenant's `clientState`
//! ([`subscribers`]), queues what it accepts ([`dispatch`]) and answers 202. A full queue is
//! answered 503 (Graph retries), never dropped. In front of it ([`limits`]): a body limit
//! (413), a per-request timeout and a concurrency limit (503 with `Retry-After`).
//!
//! - The validation handshake (`?validationToken=…`) is echoed as `text/plain` with `nosniff`,
//!   at most [`MAX_VALIDATION_TOKEN_BYTES`] long.
//! - Lifecycle notifications about the subscriptions meetflow keeps arrive here too (the
//!   subscriptions' `lifecycleNotificationUrl` is this URL) and go to their keeper workflows
//!   ([`lifecycle`]).
//! - A batch none of whose notifications carries its tenant's `clientState` is refused with
//!   403; in a mixed batch the others are acted on and the refused ones are logged and dropped
//!   (Graph only batches notifications of one notification URL, which are all ours).

pub mod dispatch;
pub mod lifecycle;
mod limits;
pub mod subscribers;

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, RawQuery, State, rejection::BytesRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use meetflow_activities::{NotificationMetrics, Refusal};
use meetflow_graph::{parse_notifications, validation_token};

pub use dispatch::Queue;
pub use limits::Limits;
use subscribers::{Subscribers, Verdict};

/// Graph's tokens are a few hundred characters; anything longer is not a handshake of Graph's.
pub const MAX_VALIDATION_TOKEN_BYTES: usize = 1024;

/// What Graph is told to wait before it retries a 503.
const RETRY_AFTER_SECS: u64 = 5;

pub struct Receiver {
    pub subscribers: Subscribers,
    pub queue: Queue,
    pub keepers: lifecycle::Keepers,
    pub metrics: NotificationMetrics,
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(token) = query.as_deref().and_then(validation_token) {
        return handshake(token);
    }
    r.metrics.received();
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            r.metrics.refused(Refusal::TooLarge);
            return rejection.into_response();
        }
    };
    let notifications = match parse_notifications(&body) {
        Ok(n) => n,
        Err(e) => {
            r.metrics.refused(Refusal::Malformed);
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    let (mut targets, mut keepers, mut refused) = (Vec::new(), Vec::new(), 0usize);
    for n in &notifications {
        match r.subscribers.judge(n) {
            Verdict::Accepted(t) => targets.extend(t),
            Verdict::Lifecycle(k) => keepers.extend(k),
            Verdict::Ignored => {}
            Verdict::Refused => refused += 1,
        }
    }
    if refused > 0 && refused == notifications.len() {
        r.metrics.refused(Refusal::ClientState);
        return (
            StatusCode::FORBIDDEN,
            "no notification carries its tenant's clientState",
        )
            .into_response();
    }
    if refused > 0 {
        tracing::warn!(
            refused,
            of = notifications.len(),
            "notification: dropped items without their tenant's clientState"
        );
    }
    if r.keepers.offer(keepers).is_err() {
        r.metrics.refused(Refusal::QueueFull);
        return unavailable("lifecycle queue full");
    }
    if r.queue.offer(targets).is_err() {
        r.metrics.refused(Refusal::QueueFull);
        return unavailable("notification queue full");
    }
    r.metrics.accepted();
    StatusCode::ACCEPTED.into_response()
}

/// The token back as plain text that no browser will sniff into HTML.
fn handshake(token: String) -> Response {
    if token.len() > MAX_VALIDATION_TOKEN_BYTES {
        return (StatusCode::BAD_REQUEST, "validationToken too long").into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        token,
    )
        .into_response()
}

/// 503 with `Retry-After`: Graph retries the POST later.
fn unavailable(why: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
        why,
    )
        .into_response()
}

pub fn router(receiver: Arc<Receiver>, limits: Limits) -> Router {
    let max_body = limits.max_body_bytes;
    Router::new()
        .route("/notifications", post(receive))
        .layer(DefaultBodyLimit::max(max_body))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::new(limits::Guard::new(limits, receiver.clone())),
            limits::guard,
        ))
        .with_state(receiver)
}

/// The limits in force, from `[notifications]`.
impl From<&meetflow_config::NotificationsConfig> for Limits {
    fn from(c: &meetflow_config::NotificationsConfig) -> Self {
        Self {
            max_body_bytes: c.max_body_bytes,
            request_timeout: Duration::from_millis(c.request_timeout_ms),
            max_concurrent_requests: c.max_concurrent_requests,
        }
    }
}
