//! One tracing span per HTTP exchange with Graph or its token endpoint, and one log line when
//! it ends: what Microsoft support asks for to find a request (`request-id`, the
//! `client-request-id` we sent) next to the route and status.
//!
//! Only the route with ids replaced is recorded ([`crate::observe::operation`]); never a URL,
//! a header value other than the two ids, or a body, so no token, secret or address reaches
//! the logs or a trace backend.

use std::time::Instant;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tracing::field::Empty;

use crate::error::GraphError;

/// An exchange in flight; its span is the parent of whatever the send logs.
pub(crate) struct Exchange {
    span: tracing::Span,
    began: Instant,
}

impl Exchange {
    pub(crate) fn start(method: &Method, operation: &str, client_request_id: &str) -> Self {
        let span = tracing::info_span!(
            "graph",
            otel.name = %format_args!("{method} {operation}"),
            otel.kind = "client",
            otel.status_code = Empty,
            method = %method,
            operation,
            client_request_id,
            status = Empty,
            request_id = Empty,
        );
        Self {
            span,
            began: Instant::now(),
        }
    }

    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Graph answered: its status and request id go on the span and into one log line.
    pub(crate) fn answered(&self, status: StatusCode, headers: &HeaderMap) {
        // Graph names it `request-id`; the identity platform `x-ms-request-id`.
        let request_id = ["request-id", "x-ms-request-id"]
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok());
        // OpenTelemetry has no unsigned integers: a u64 would be exported as a string.
        self.span.record("status", i64::from(status.as_u16()));
        if let Some(id) = request_id {
            self.span.record("request_id", id);
        }
        if !status.is_success() {
            self.span.record("otel.status_code", "ERROR");
        }
        let elapsed_ms = self.elapsed_ms();
        self.span.in_scope(|| {
            tracing::info!(
                status = status.as_u16(),
                request_id,
                elapsed_ms,
                "Graph answered"
            )
        });
    }

    /// No answer came (connect, TLS, timeout).
    pub(crate) fn unanswered(&self, error: &GraphError) {
        self.span.record("otel.status_code", "ERROR");
        let elapsed_ms = self.elapsed_ms();
        self.span
            .in_scope(|| tracing::warn!(error = %error, elapsed_ms, "no answer from Graph"));
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.began.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
