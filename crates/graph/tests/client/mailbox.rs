//! Outlook's per-mailbox concurrency limit: the client's gate keeps within it, and the
//! emulator really enforces it.

use std::time::Duration;

use meetflow_graph::{ClientOptions, GraphError, GraphErrorKind, GraphEvent};
use meetflow_graph_emulator::Fault;

use crate::support::*;

/// Every create of the mailbox takes at least `ms`.
async fn slow_creates(h: &Harness, ms: u64) {
    let slow = Fault::on("/v1.0/users/*/events")
        .method("POST")
        .latency_ms(ms);
    h.control.add_fault(&slow).await.unwrap();
}

/// Twelve creates at once in the organizer's mailbox.
async fn twelve_creates(h: &Harness, prefix: &str) -> Vec<Result<GraphEvent, GraphError>> {
    let app = h.app();
    let events: Vec<_> = (0..12)
        .map(|i| new_event(&format!("{prefix}-{i}")))
        .collect();
    let creates = events
        .iter()
        .map(|event| h.client.create_event(&app, ORGANIZER_UPN, event));
    futures_util::future::join_all(creates).await
}

#[tokio::test]
async fn concurrent_calls_stay_within_the_mailbox_limit() {
    let h = Harness::start().await;
    // Slow enough that more than 4 would overlap without the client's gate.
    slow_creates(&h, 100).await;
    for result in twelve_creates(&h, "par").await {
        result.unwrap();
    }
    assert_eq!(h.control.events().await.unwrap().len(), 12);
    assert!(h.requests().await.iter().all(|r| r.status != 429));
}

#[tokio::test]
async fn without_the_gate_graph_throttles_the_mailbox() {
    // Proves the previous test's emulator really enforces the limit.
    let h = Harness::with_options(ClientOptions {
        mailbox_concurrency: 12,
        max_inline_retry_after: Duration::ZERO,
        ..Default::default()
    })
    .await;
    slow_creates(&h, 500).await;
    let results = twelve_creates(&h, "burst").await;
    let throttled: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(!throttled.is_empty());
    for err in throttled {
        assert_eq!(err.kind(), GraphErrorKind::Throttled);
        assert_eq!(err.code(), Some("ApplicationThrottled"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    }
}
