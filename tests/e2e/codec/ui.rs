//! The Web UI's path to plaintext: `meetflow codec-server` answers the requests the UI makes
//! (CORS preflight from the UI's origin, `POST /decode` with an event's payloads), refuses other
//! origins, and the `temporal` CLI — same protocol as the UI — shows a sealed history in clear.

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use meetflow_proto::v1::AppointmentPhase;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use super::{KEYS, codec_on, encoding_of, history_json, readable};
use crate::lifecycle::approve_scheduled;
use crate::support::{Stack, approval, history_text};

const UI: &str = "http://127.0.0.1:8233";

/// The codec server on a free port; returns its base URL.
async fn codec_server(stack: &Stack) -> String {
    let codec = meetflow::connect::codec(&stack.config().codec)
        .unwrap()
        .expect("codec on");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(meetflow::codec_server::serve(
        listener,
        codec,
        UI,
        std::future::pending(),
    ));
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codec_server_decodes_history_for_the_web_ui() {
    let keys = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(codec_on(keys.path())).await;
    let id = "appointment/demo/ui-1";
    let input = approval("demo", "ui-1");
    let state = approve_scheduled(&stack, id, &input).await;
    assert_eq!(state.phase, AppointmentPhase::Scheduled as i32);
    let server = codec_server(&stack).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // The preflight the browser sends before every codec call.
    let preflight = |origin: &str| {
        http.request(Method::OPTIONS, format!("{server}/decode"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,x-namespace",
            )
            .send()
    };
    let ok = preflight(UI).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let h = ok.headers();
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], UI);
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert!(
        h[header::ACCESS_CONTROL_ALLOW_METHODS]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let allowed = h[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("x-namespace") && allowed.contains("content-type"),
        "{allowed}"
    );
    let foreign = preflight("http://evil.example").await.unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(
        foreign
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );

    // The UI posts the payloads of the event on screen: here the sealed approval input.
    let history = history_json(&stack, id, None).await;
    let started = &history["events"][0]["workflowExecutionStartedEventAttributes"];
    let sealed = started["input"]["payloads"].clone();
    assert_eq!(encoding_of(&sealed[0]), meetflow_codec::ENCODING);
    let post = |origin: &str, body: Value, op: &str| {
        http.post(format!("{server}/{op}"))
            .header(header::ORIGIN, origin)
            .header("X-Namespace", "default")
            .json(&body)
            .send()
    };
    let decoded = post(UI, json!({"payloads": sealed}), "decode")
        .await
        .unwrap();
    assert_eq!(decoded.status(), StatusCode::OK);
    assert_eq!(decoded.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], UI);
    let decoded: Value = decoded.json().await.unwrap();
    let plain = &decoded["payloads"][0];
    assert_eq!(encoding_of(plain), "json/plain");
    let data: Value =
        serde_json::from_slice(&STANDARD.decode(plain["data"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(data["participants"], input["participants"]);
    let from_evil = post("http://evil.example", json!({"payloads": sealed}), "decode")
        .await
        .unwrap();
    assert_eq!(from_evil.status(), StatusCode::FORBIDDEN);

    // /encode seals with the newest key, and what it seals decodes again.
    let resealed: Value = post(UI, decoded.clone(), "encode")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key_id = resealed["payloads"][0]["metadata"]["encryption-key-id"]
        .as_str()
        .unwrap();
    assert_eq!(STANDARD.decode(key_id).unwrap(), KEYS[1].0.as_bytes());
    let again: Value = post(UI, resealed, "decode")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, decoded);

    // Unknown key id: a 400 naming the id, and no key material in the answer.
    let mut retired = sealed.clone();
    retired[0]["metadata"]["encryption-key-id"] = json!(STANDARD.encode("retired-2020"));
    let refused = post(UI, json!({"payloads": retired}), "decode")
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let text = refused.text().await.unwrap();
    assert!(text.contains("retired-2020"), "{text}");
    for (_, key) in KEYS {
        assert!(!text.contains(&STANDARD.encode(key)), "{text}");
    }
    // Bodies over the limit are refused before they are parsed.
    let huge = "A".repeat(meetflow::codec_server::BODY_LIMIT + 1);
    let too_big = post(
        UI,
        json!({"payloads": [{"metadata": {}, "data": huge}]}),
        "decode",
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The `temporal` CLI speaks the same protocol as the UI: through the codec server the
    // stored history reads in clear.
    let through = history_json(&stack, id, Some(&server)).await;
    let email = input["participants"][0]["email"].as_str().unwrap();
    assert!(
        !readable(&through, &[email]).is_empty(),
        "the CLI shows the decoded approval"
    );

    // `meetflow appointment history` opens payloads with the [codec] keys; without them it
    // still tells the steps, with `(encrypted)` where a payload's contents would be.
    let clear = history_text(&stack, "demo", "ui-1").await;
    assert!(clear.contains("approved \"Firewall review"), "{clear}");
    assert!(
        clear.contains("invitation to ana.client@customer.example"),
        "{clear}"
    );
    let opts = meetflow::inspect::HistoryOptions {
        tz: chrono_tz::UTC,
        format: meetflow::inspect::Format::Text,
        ui: None,
        decoder: meetflow::timeline::Decoder::plain(),
    };
    let sealed = meetflow::inspect::history_report(&stack.client, "demo", "ui-1", &opts)
        .await
        .unwrap();
    assert!(sealed.contains("approved (encrypted)"), "{sealed}");
    assert!(
        sealed.contains("Graph event create completed (encrypted)"),
        "{sealed}"
    );
    assert!(!sealed.contains("ana.client@customer.example"), "{sealed}");
    stack.stop().await;
}
