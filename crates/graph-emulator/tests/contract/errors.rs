//! Graph's error answers: the documented envelope, missing tokens, and the mailbox request
//! budget (429 `ApplicationThrottled` with `Retry-After`).

use meetflow_graph_emulator::Fault;
use meetflow_graph_emulator::control_api::SettingsPatch;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn error_envelope_matches_the_docs() {
    let g = Graph::start().await;
    // concepts/errors.md, error resource type; throttling.md sample response for 429.
    let documented = json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.", "innerError": {"date": "2020-08-18T12:51:51", "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2"}}});
    let throttled = Fault::on("/v1.0/users/*")
        .status(429)
        .retry_after("10")
        .times(1);
    g.control.add_fault(&throttled).await.unwrap();
    let (status, headers, body) = g.probe().await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "10");
    assert_shape(&documented, &body, "error");
    assert_eq!(
        body["error"]["innerError"]["client-request-id"],
        CLIENT_REQUEST_ID
    );
    assert_eq!(headers["client-request-id"], CLIENT_REQUEST_ID);
    assert_eq!(
        body["error"]["innerError"]["request-id"].as_str(),
        headers["request-id"].to_str().ok()
    );

    // Missing and garbage tokens.
    let r = g
        .http
        .get(g.url(&format!("users/{ORGANIZER}/onlineMeetings/none")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
}

#[tokio::test]
async fn mailbox_request_budget() {
    let g = Graph::start().await;
    g.create_online_event().await;
    let budget = SettingsPatch {
        mailbox_requests_per_window: Some(Some(2)),
        mailbox_window_secs: Some(60),
        ..Default::default()
    };
    g.control.update_settings(&budget).await.unwrap();
    // The identical create is answered with the same event, and counts against the budget.
    assert_eq!(g.post_online_event().await.0, 201);
    assert_eq!(g.post_online_event().await.0, 201);
    let (status, headers, body) = g.post_online_event().await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "ApplicationThrottled");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=61).contains(&wait), "{wait}");
    // Calls outside the mailbox's calendar do not count against its budget.
    assert_eq!(g.probe().await.0, 200);
}
