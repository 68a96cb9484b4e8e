//! What keeps a flood or a slow client from tying the receiver up: at most
//! `max_concurrent_requests` POSTs at once (one more is answered 503 at once rather than
//! queued, so Graph backs off instead of timing out), each answered within `request_timeout`
//! (a client trickling its body is cut off with 503).

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use meetflow_activities::Refusal;
use tokio::sync::Semaphore;

use super::{Receiver, unavailable};

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
}

pub(super) struct Guard {
    slots: Arc<Semaphore>,
    timeout: Duration,
    receiver: Arc<Receiver>,
}

impl Guard {
    pub(super) fn new(limits: Limits, receiver: Arc<Receiver>) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limits.max_concurrent_requests)),
            timeout: limits.request_timeout,
            receiver,
        }
    }
}

pub(super) async fn guard(State(g): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let Ok(_slot) = g.slots.clone().try_acquire_owned() else {
        g.receiver.metrics.received();
        g.receiver.metrics.refused(Refusal::Busy);
        return unavailable("too many notification requests at once");
    };
    match tokio::time::timeout(g.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("notification: request not answered in time");
            unavailable("notification request timed out")
        }
    }
}
