//! The signed HTTP ingress against a real Temporal dev server and worker: the contract's path
//! (approve → reschedule → cancel) through HTTP, every refusal with its status and nothing
//! started, `Idempotency-Key`, the tenant's rate, and the OpenAPI document checked by an
//! independent validator (PyPI `openapi-spec-validator`) against the served routes.

use std::{path::Path, time::Duration};

use meetflow::ingress::{
    IDEMPOTENCY_KEY, Ingress,
    client::{Reply, SignedClient},
    signature::sign,
};
use meetflow_config::{IngressKeyRef, Secret, SecretRef};
use meetflow_proto::v1::AppointmentPhase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use temporalio_client::WorkflowDescribeOptions;
use temporalio_common::UntypedWorkflow;

use crate::support::{Stack, approval, in_phase, read_outbox, state_when};

const DEMO_KEY: &str = "demo-key-secret-1";
const OTHER_KEY: &str = "other-key-secret-1";

/// Signing keys for `demo` (k1) and a second tenant `other` (k9) added to `config`, kept in
/// files in `dir` as a deployment would; `edit` sets `[ingress]`.
fn add_keys(
    config: &mut meetflow_config::Config,
    dir: &Path,
    edit: impl FnOnce(&mut meetflow_config::IngressConfig),
) {
    let key = |name: &str, value: &str| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        SecretRef::File(path)
    };
    let demo_key = key("demo.key", DEMO_KEY);
    let other_key = key("other.key", OTHER_KEY);
    let demo = config.tenants.get_mut("demo").expect("dev config has demo");
    demo.ingress_keys = vec![IngressKeyRef {
        id: "k1".into(),
        secret: demo_key,
    }];
    let mut other = demo.clone();
    other.ingress_keys = vec![IngressKeyRef {
        id: "k9".into(),
        secret: other_key,
    }];
    config.tenants.insert("other".into(), other);
    config.ingress.rate_burst = 1_000;
    edit(&mut config.ingress);
}

/// The stack's configuration with the keys of [`add_keys`].
fn config_with_keys(
    stack: &Stack,
    dir: &Path,
    edit: impl FnOnce(&mut meetflow_config::IngressConfig),
) -> meetflow_config::Config {
    let mut config = stack.config().clone();
    add_keys(&mut config, dir, edit);
    config
}

/// Serves the ingress of `config` on a free loopback port; returns its base URL.
async fn serve(stack: &Stack, config: &meetflow_config::Config) -> String {
    let ingress = Ingress::new(stack.client.clone(), config).expect("ingress");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(meetflow::ingress::serve(listener, ingress));
    base
}

fn signer(base: &str, tenant: &str, key_id: &str, secret: &str) -> SignedClient {
    SignedClient {
        http: reqwest::Client::new(),
        base: base.to_string(),
        tenant: tenant.into(),
        key_id: key_id.into(),
        secret: Secret::new(secret),
    }
}

/// Whether the workflow exists in Temporal (describe reads the execution, no visibility lag).
async fn exists(stack: &Stack, workflow_id: &str) -> bool {
    stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id)
        .describe(WorkflowDescribeOptions::default())
        .await
        .is_ok()
}

fn assert_refused(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(
        (reply.status, reply.code()),
        (status, code),
        "{:?}",
        reply.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_reschedule_cancel_through_http() {
    // The ingress the worker serves itself (`ingress.listen`), with the public URL the state
    // links start with.
    let dir = tempfile::tempdir().unwrap();
    let port = meetflow::process::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let stack = Stack::start_editing(Vec::new(), |c| {
        add_keys(c, dir.path(), |i| {
            i.listen = format!("127.0.0.1:{port}");
            i.public_url = Some(format!("{base}/"));
        })
    })
    .await;
    let demo = signer(&base, "demo", "k1", DEMO_KEY);
    let up = tokio::time::Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < up,
            "the worker's ingress never listened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = "appointment/demo/http-1";

    // Approve, twice with one Idempotency-Key: one workflow, the same answer.
    let input = approval("demo", "http-1");
    let first = demo
        .post("/v1/appointments:approve", &input, Some("psa-evt-1"))
        .await
        .unwrap();
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    assert_eq!(first.body["workflowId"], id);
    assert_eq!(
        first.body["state"],
        format!("{base}/v1/appointments/demo/http-1")
    );
    let run_id = first.body["runId"].as_str().unwrap().to_string();
    // The retry is signed anew (at another second, so with another signature).
    let later = chrono::Utc::now().timestamp() + 1;
    let again = demo
        .post_at(later, "/v1/appointments:approve", &input, Some("psa-evt-1"))
        .await
        .unwrap();
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    // The same key with another body is a client bug, said so.
    let mut other_body = input.clone();
    other_body["title"] = json!("Another title");
    let reused = demo
        .post("/v1/appointments:approve", &other_body, Some("psa-evt-1"))
        .await
        .unwrap();
    assert_refused(
        &reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    // Without the key, Temporal's workflow-id uniqueness answers: already approved, which run.
    let dup = demo
        .post_at(later + 1, "/v1/appointments:approve", &input, None)
        .await
        .unwrap();
    assert_refused(&dup, StatusCode::CONFLICT, "already_approved");
    assert_eq!(dup.body["error"]["runId"], run_id.as_str());
    let runs = stack
        .client
        .count_workflows("WorkflowId = 'appointment/demo/http-1'", Default::default())
        .await
        .unwrap();
    assert!(runs.count() <= 1, "one run at most (visibility may lag)");

    in_phase(
        &stack,
        id,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;
    // The state link answers the state query.
    let link = first.body["state"].as_str().unwrap();
    let state = demo.get(link.strip_prefix(&base).unwrap()).await.unwrap();
    assert_eq!(state.status, StatusCode::OK, "{:?}", state.body);
    assert_eq!(state.body["phase"], "APPOINTMENT_PHASE_SCHEDULED");

    // Reschedule: field errors by name from the parser, then the workflow's rule, then accepted.
    let bad = demo
        .post(
            "/v1/appointments:reschedule",
            &json!({"tenantId": "demo", "appointmentId": "http-1", "start": "soon"}),
            None,
        )
        .await
        .unwrap();
    assert_refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let paths: Vec<&str> = bad.body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"start") && paths.contains(&"end"),
        "{paths:?}"
    );
    let same_times = json!({"tenantId": "demo", "appointmentId": "http-1",
        "start": input["start"], "end": input["end"]});
    let refused = demo
        .post("/v1/appointments:reschedule", &same_times, None)
        .await
        .unwrap();
    assert_refused(&refused, StatusCode::CONFLICT, "change_rejected");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already has these times"),
        "{:?}",
        refused.body
    );
    let start = chrono::Utc::now() + chrono::Duration::hours(3);
    let moved = json!({"tenantId": "demo", "appointmentId": "http-1",
        "start": start.to_rfc3339(), "end": (start + chrono::Duration::hours(1)).to_rfc3339(),
        "reason": "client asked"});
    let ok = demo
        .post("/v1/appointments:reschedule", &moved, Some("psa-evt-2"))
        .await
        .unwrap();
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let later = chrono::Utc::now().timestamp() + 1;
    let ok_again = demo
        .post_at(
            later,
            "/v1/appointments:reschedule",
            &moved,
            Some("psa-evt-2"),
        )
        .await
        .unwrap();
    assert_eq!(ok_again.body, ok.body, "the same update, not a second one");

    // Cancel, then a reschedule of the cancelled appointment is refused by the workflow.
    let cancelled = demo
        .post(
            "/v1/appointments:cancel",
            &json!({"tenantId": "demo", "appointmentId": "http-1", "reason": "no longer needed"}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    // Approval, update and cancellation mails, one of each per participant.
    let state = state_when(
        &stack,
        id,
        Duration::from_secs(60),
        "cancelled, 6 mails",
        |s| s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 6,
    )
    .await;
    assert_eq!(state.sequence, 2, "one reschedule and one cancel");
    assert_eq!(read_outbox(&stack.outbox()).unwrap().len(), 6);
    // (The same body as the accepted reschedule: signed at another second, or it is a replay.)
    let late = demo
        .post_at(later + 1, "/v1/appointments:reschedule", &moved, None)
        .await
        .unwrap();
    assert_eq!(late.status, StatusCode::CONFLICT, "{:?}", late.body);

    // An unknown appointment is a 404, not a start.
    let missing = demo
        .post(
            "/v1/appointments:cancel",
            &json!({"tenantId": "demo", "appointmentId": "nope"}),
            None,
        )
        .await
        .unwrap();
    assert_refused(&missing, StatusCode::NOT_FOUND, "not_found");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_has_its_status_and_starts_nothing() {
    let stack = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_keys(&stack, dir.path(), |i| i.max_body_bytes = 4 * 1024);
    let base = serve(&stack, &config).await;
    let demo = signer(&base, "demo", "k1", DEMO_KEY);
    let approve = "/v1/appointments:approve";
    let now = chrono::Utc::now().timestamp();
    let body_of = |appointment: &str| approval("demo", appointment).to_string().into_bytes();
    let post = |body: Vec<u8>, headers: Vec<(&'static str, String)>| {
        let mut req = demo
            .http
            .post(format!("{base}{approve}"))
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        SignedClient::send(req.body(body))
    };

    // Bad signature: signed with a wrong secret.
    let body = body_of("r-sig");
    let mut h = demo.headers(now, &body).to_vec();
    h[3].1 = sign(&Secret::new("not-the-key"), now, &body);
    assert_refused(
        &post(body, h).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "bad_signature",
    );

    // Stale timestamp: correctly signed, six minutes old.
    let body = body_of("r-stale");
    let h = demo.headers(now - 360, &body).to_vec();
    assert_refused(
        &post(body, h).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "stale_timestamp",
    );

    // Another tenant's key: `other` signs correctly, but for an appointment of `demo`.
    let other = signer(&base, "other", "k9", OTHER_KEY);
    let reply = other
        .post(approve, &approval("demo", "r-tenant"), None)
        .await
        .unwrap();
    assert_refused(&reply, StatusCode::FORBIDDEN, "tenant_mismatch");
    // …and demo's tenant header with other's key id is no key of demo's.
    let body = body_of("r-tenant");
    let mut h = other.headers(now, &body).to_vec();
    h[0].1 = "demo".into();
    assert_refused(
        &post(body, h).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unknown_key",
    );

    // Oversize body (the limit is 4 KiB here), signed correctly.
    let mut big = approval("demo", "r-big");
    big["description"] = json!("x".repeat(8 * 1024));
    let reply = demo.post(approve, &big, None).await.unwrap();
    assert_refused(&reply, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    // Wrong content type, signed correctly.
    let body = body_of("r-type");
    let mut req = demo
        .http
        .post(format!("{base}{approve}"))
        .header("content-type", "text/plain");
    for (k, v) in demo.headers(now, &body) {
        req = req.header(k, v);
    }
    let reply = SignedClient::send(req.body(body)).await.unwrap();
    assert_refused(
        &reply,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // Field errors come from the contract's parser, every one named; nothing is started.
    let mut bad = approval("demo", "r-fields");
    bad["participants"][0]["email"] = json!("");
    bad["end"] = bad["start"].clone();
    let reply = demo.post(approve, &bad, None).await.unwrap();
    assert_refused(&reply, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let fields = &reply.body["error"]["fields"];
    assert_eq!(fields[0]["path"], "end", "{fields}");
    assert_eq!(fields[1]["path"], "participants[0].email", "{fields}");

    for appointment in [
        "r-sig", "r-stale", "r-tenant", "r-big", "r-type", "r-fields",
    ] {
        let id = format!("appointment/demo/{appointment}");
        assert!(!exists(&stack, &id).await, "{id} must not exist");
    }

    // Replay: the first delivery starts the workflow, the identical second one is refused.
    let body = body_of("r-replay");
    let h = demo.headers(now, &body).to_vec();
    let first = post(body.clone(), h.clone()).await.unwrap();
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    assert_refused(
        &post(body, h).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "replayed_request",
    );
    // The refusals above were not vacuous: a good request does start its workflow.
    assert!(exists(&stack, "appointment/demo/r-replay").await);

    // A retry within the same second is signed identically: with the first one's
    // Idempotency-Key it gets the first answer again; with another key it is a replay.
    let body = body_of("r-retry");
    let mut h = demo.headers(now, &body).to_vec();
    h.push((IDEMPOTENCY_KEY, "evt-r-retry".into()));
    let first = post(body.clone(), h.clone()).await.unwrap();
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    let retry = post(body.clone(), h.clone()).await.unwrap();
    assert_eq!((retry.status, &retry.body), (first.status, &first.body));
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    h.last_mut().unwrap().1 = "evt-other".into();
    assert_refused(
        &post(body, h).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "replayed_request",
    );

    // The tenant's rate: a second ingress allowing bursts of 2 at 1/s.
    let tight = config_with_keys(&stack, dir.path(), |i| {
        i.rate_per_sec = 1;
        i.rate_burst = 2;
    });
    let tight_base = serve(&stack, &tight).await;
    let demo_tight = signer(&tight_base, "demo", "k1", DEMO_KEY);
    // Reads of an appointment that does not exist: quick, so the bucket has no time to refill.
    let path = "/v1/appointments/demo/none";
    for _ in 0..2 {
        assert_eq!(
            demo_tight.get(path).await.unwrap().status,
            StatusCode::NOT_FOUND
        );
    }
    let limited = demo_tight.get(path).await.unwrap();
    assert_refused(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(limited.headers["retry-after"], "1");
    // Other tenants keep their own budget.
    let other_tight = signer(&tight_base, "other", "k9", OTHER_KEY);
    let reply = other_tight
        .get("/v1/appointments/other/none")
        .await
        .unwrap();
    assert_refused(&reply, StatusCode::NOT_FOUND, "not_found");
    stack.stop().await;
}

/// With `[codec]` on the ingress starts sealed workflows and still reads the workflow's own
/// refusals in clear (they come back sealed; the SDK does not open update failures).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_codec_on_refusals_read_in_clear_and_history_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(crate::codec::codec_on(dir.path())).await;
    assert!(stack.config().codec.enabled);
    let base = serve(&stack, &config_with_keys(&stack, dir.path(), |_| {})).await;
    let demo = signer(&base, "demo", "k1", DEMO_KEY);
    let id = "appointment/demo/sealed-1";
    let started = demo
        .post(
            "/v1/appointments:approve",
            &approval("demo", "sealed-1"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(started.status, StatusCode::ACCEPTED, "{:?}", started.body);
    in_phase(
        &stack,
        id,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;
    let past = chrono::Utc::now() - chrono::Duration::hours(2);
    let refused = demo
        .post(
            "/v1/appointments:reschedule",
            &json!({"tenantId": "demo", "appointmentId": "sealed-1",
                "start": past.to_rfc3339(), "end": (past + chrono::Duration::hours(1)).to_rfc3339()}),
            None,
        )
        .await
        .unwrap();
    assert_refused(&refused, StatusCode::CONFLICT, "change_rejected");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is in the past"),
        "{:?}",
        refused.body
    );
    let cancelled = demo
        .post(
            "/v1/appointments:cancel",
            &json!({"tenantId": "demo", "appointmentId": "sealed-1"}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (cancelled.status, &cancelled.body),
        (StatusCode::OK, &json!({"sequence": 1}))
    );
    // Read as the server keeps it, base64 payloads decoded (`readable`), not by meetflow.
    let history = crate::codec::history_json(&stack, id, None).await;
    let found = crate::codec::readable(&history, &["ana.client@customer.example", "Firewall"]);
    assert!(found.is_empty(), "readable in the history: {found:?}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_validates_and_lists_the_served_routes() {
    let stack = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let base = serve(&stack, &config_with_keys(&stack, dir.path(), |_| {})).await;
    let doc: Value = reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // An OpenAPI validator nobody here wrote.
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python (run scripts/setup.sh)");
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Every documented operation is served (an unsigned call is refused by the ingress's own
    // gate, not left unrouted), and the documented ones are exactly the contract's.
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
            let concrete = path
                .replace("{tenant}", "demo")
                .replace("{appointment}", "a-1");
            let reply = SignedClient::send(
                reqwest::Client::new()
                    .request(
                        Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                        format!("{base}{concrete}"),
                    )
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await
            .unwrap();
            assert_refused(&reply, StatusCode::UNAUTHORIZED, "missing_signature");
        }
    }
    documented.sort();
    assert_eq!(
        documented,
        [
            "GET /v1/appointments/{tenant}/{appointment}",
            "POST /v1/appointments:approve",
            "POST /v1/appointments:cancel",
            "POST /v1/appointments:reschedule",
        ]
    );
    // What is not documented is not served.
    let unknown = reqwest::Client::new()
        .post(format!("{base}/v1/appointments:delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    stack.stop().await;
}
