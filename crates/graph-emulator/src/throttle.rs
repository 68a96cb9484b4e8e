//! Outlook's per-mailbox limits: concurrent requests (4) and, when configured, a request
//! budget per time window. Both answer 429 `ApplicationThrottled` with `Retry-After`.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::AppState;
use crate::reply::GraphFailure;

fn throttled(limit: &str, retry_after_secs: i64) -> Response {
    GraphFailure::new(
        StatusCode::TOO_MANY_REQUESTS,
        "ApplicationThrottled",
        format!("Application is over its {limit} limit."),
    )
    .with_retry_after(Some(retry_after_secs.max(1).to_string()))
    .into_response()
}

pub async fn mailbox_gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(mailbox) = mailbox_of(request.uri().path()) else {
        return next.run(request).await;
    };
    {
        let mut world = state.world();
        if let Some(budget) = world.settings.mailbox_requests_per_window {
            let window = chrono::Duration::seconds(
                i64::try_from(world.settings.mailbox_window_secs.max(1)).unwrap_or(i64::MAX / 1000),
            );
            let now = Utc::now();
            let (started, used) = world
                .mailbox_windows
                .entry(mailbox.clone())
                .or_insert((now, 0));
            if now >= *started + window {
                *started = now;
                *used = 0;
            }
            if *used >= budget {
                let ends = *started + window;
                return throttled("MailboxRequests", (ends - now).num_seconds() + 1);
            }
            *used += 1;
        }
        let limit = world.settings.mailbox_concurrency;
        let in_flight = world.mailbox_in_flight.entry(mailbox.clone()).or_insert(0);
        if *in_flight >= limit {
            return throttled("MailboxConcurrency", 1);
        }
        *in_flight += 1;
    }
    let _release = Release {
        state: &state,
        mailbox,
    };
    next.run(request).await
}

/// Decrements the mailbox's in-flight count even if the request future is dropped.
struct Release<'a> {
    state: &'a AppState,
    mailbox: String,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let mut world = self.state.world();
        if let Some(n) = world.mailbox_in_flight.get_mut(&self.mailbox) {
            *n = n.saturating_sub(1);
        }
    }
}

/// `/v1.0/users/{u}/events…` → the mailbox (lower-cased, decoded) the call works on.
fn mailbox_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v1.0/users/")?;
    let (user, tail) = rest.split_once('/')?;
    tail.starts_with("events").then(|| {
        percent_encoding::percent_decode_str(user)
            .decode_utf8_lossy()
            .to_lowercase()
    })
}
