//! Subscriptions: the documented create answer (subscription-post-subscriptions.md), the
//! validation handshake against the notification URL, the lifecycle URL Graph requires beyond
//! an hour, and Graph's 400 when the endpoint does not echo the token.

use std::sync::{Arc, Mutex};

use axum::extract::RawQuery;
use axum::routing::post;
use serde_json::{Value, json};

use crate::support::*;

/// A loopback endpoint that echoes `?validationToken=` as text/plain when `echo`, and
/// remembers every query it got.
async fn endpoint(echo: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |RawQuery(q): RawQuery| {
            let log = log.clone();
            async move {
                let q = q.unwrap_or_default();
                log.lock().unwrap().push(q.clone());
                let token = q
                    .strip_prefix("validationToken=")
                    .map(|t| {
                        percent_encoding::percent_decode_str(&t.replace('+', " "))
                            .decode_utf8_lossy()
                            .into_owned()
                    })
                    .unwrap_or_default();
                (
                    [("content-type", "text/plain")],
                    if echo { token } else { "no".into() },
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

fn body(url: &str, lifecycle: Option<&str>, minutes: i64) -> Value {
    let mut b = json!({
        "changeType": "created",
        "notificationUrl": url,
        "resource": "communications/onlineMeetings/getAllRecordings",
        "expirationDateTime": (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339(),
        "clientState": "secretClientValue",
    });
    if let Some(l) = lifecycle {
        b["lifecycleNotificationUrl"] = json!(l);
    }
    b
}

#[tokio::test]
async fn create_validates_the_url_and_answers_the_documented_subscription() {
    let g = Graph::start().await;
    let (url, seen) = endpoint(true).await;

    // Beyond an hour without a lifecycle URL: refused before any validation.
    let (status, _, answer) = g
        .call(
            reqwest::Method::POST,
            "subscriptions",
            Some(body(&url, None, 120)),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lifecycleNotificationUrl is required"),
        "{answer}"
    );
    assert!(seen.lock().unwrap().is_empty());

    // Within the hour it may go without one; one validation POST.
    let (status, _, created) = g
        .call(
            reqwest::Method::POST,
            "subscriptions",
            Some(body(&url, None, 30)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(seen.lock().unwrap()[0].starts_with("validationToken=Validation"));
    // subscription-post-subscriptions.md, the response example.
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        "resource": "me/mailFolders('Inbox')/messages",
        "applicationId": "24d3b144-21ae-4080-943f-7067b395b913",
        "changeType": "created",
        "clientState": "secretClientValue",
        "notificationUrl": "https://webhook.azurewebsites.net/api/send/myNotifyClient",
        "expirationDateTime": "2016-11-20T18:23:45.9356913Z",
        "creatorId": "8ee44408-0679-472c-bc2a-692812af3437",
        "latestSupportedTlsVersion": "v1_2",
        "notificationContentType": "application/json"
    });
    assert_shape(&documented, &created, "subscription");
    assert_eq!(created["applicationId"], CLIENT_ID);

    // With a lifecycle URL, both are validated.
    let (status, _, _) = g
        .call(
            reqwest::Method::POST,
            "subscriptions",
            Some(body(&url, Some(&url), 120)),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_endpoint_that_does_not_echo_the_token_gets_graph_s_400() {
    let g = Graph::start().await;
    let (url, _) = endpoint(false).await;
    let (status, _, answer) = g
        .call(
            reqwest::Method::POST,
            "subscriptions",
            Some(body(&url, Some(&url), 120)),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["code"], "InvalidRequest");
    assert_eq!(
        answer["error"]["message"],
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."
    );
    // Nothing was created.
    let (_, _, listed) = g.call(reqwest::Method::GET, "subscriptions", None).await;
    assert_eq!(listed["value"], json!([]));
}
