//! Retryable failures: a short `Retry-After` waited out once, longer ones surfaced for the
//! Temporal retry policy, server errors, 402 and timeouts classified.

use std::time::{Duration, Instant};

use meetflow_graph::{ClientOptions, GraphErrorKind};
use meetflow_graph_emulator::Fault;

use crate::support::*;

/// `fault` applies to the next matching request only.
async fn fail_once(h: &Harness, fault: Fault) {
    h.control.add_fault(&fault.times(1)).await.unwrap();
}

fn users() -> Fault {
    Fault::on("/v1.0/users/*")
}

#[tokio::test]
async fn short_retry_after_is_waited_out_once() {
    let h = Harness::start().await;
    fail_once(&h, users().status(429).retry_after("1")).await;
    let started = Instant::now();
    h.probe(&h.app()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(h.statuses().await, [200, 429, 200]);
}

#[tokio::test]
async fn long_retry_after_is_surfaced_for_the_retry_policy() {
    let h = Harness::start().await;
    fail_once(&h, users().status(429).retry_after("30")).await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Throttled);
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert!(err.request_id().is_some());
    assert!(err.client_request_id().is_some());
    let logged = h.requests().await;
    assert_eq!(
        err.client_request_id(),
        logged
            .last()
            .unwrap()
            .headers
            .get("client-request-id")
            .map(String::as_str)
    );
    // The next attempt (a Temporal retry) succeeds.
    h.probe(&h.app()).await.unwrap();
}

#[tokio::test]
async fn retry_after_as_http_date() {
    let h = Harness::with_options(ClientOptions {
        max_inline_retry_after: Duration::ZERO,
        ..Default::default()
    })
    .await;
    let at = std::time::SystemTime::now() + Duration::from_secs(120);
    fail_once(
        &h,
        users().status(503).retry_after(httpdate::fmt_http_date(at)),
    )
    .await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::ServerError);
    let wait = err.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
}

#[tokio::test]
async fn throttle_without_header_and_server_errors_are_retryable() {
    let h = Harness::start().await;
    fail_once(&h, users().status(429)).await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), None);
    fail_once(&h, users().status(504)).await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert!(err.is_retryable());
    fail_once(&h, users().status(402)).await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::PaymentRequired);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn timeout_is_a_retryable_transport_error() {
    let h = Harness::with_options(ClientOptions {
        request_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    fail_once(&h, users().latency_ms(1000)).await;
    let err = h.probe(&h.app()).await.unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Transport);
    assert!(err.is_retryable());
}
