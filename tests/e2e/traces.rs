//! Traces: the worker's spans as its JSON log lines carry them, and as an OTLP receiver the
//! OpenTelemetry project wrote (PyPI `opentelemetry-proto`, `tests/peers/otlp_receiver.py`)
//! decodes them. Each test runs the worker as a process, as production does, and stops it with
//! SIGTERM so what it buffered must be flushed.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use meetflow_graph_emulator::Seed;
use meetflow_proto::v1::AppointmentPhase;
use serde_json::{Value, json};

use crate::support::{
    Stack, approval, eventually, in_phase,
    workers::{start_worker, worker_log},
};

/// The default filter, spelled out: a `RUST_LOG` in the test's environment must not change
/// what the worker logs.
const RUST_LOG: &str = "info,temporalio_sdk_core=warn,temporalio_sdk=warn,sqlx=warn";

/// Approves `appointment` (tenant demo) through a worker process with `env`, waits until it is
/// scheduled, stops the worker gracefully; returns the run id Temporal gave the workflow.
async fn one_approval(stack: &Stack, appointment: &str, env: &[(&str, &str)]) -> String {
    let mut env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push(("RUST_LOG".into(), RUST_LOG.into()));
    let mut worker = start_worker(stack, &env, 1);
    let started =
        meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", appointment))
            .await
            .unwrap();
    in_phase(
        stack,
        &started.workflow_id,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;
    meetflow::process::stop(&mut worker, Duration::from_secs(30)).await;
    assert!(
        worker.try_wait().unwrap().is_some(),
        "the worker exits on SIGTERM"
    );
    started.run_id.expect("a started workflow has a run id")
}

/// The emulator's record of the event create that worked: (`request-id` it answered with, the
/// `client-request-id` it received).
async fn create_request_ids(stack: &Stack) -> (String, String) {
    let creates = stack
        .emulator
        .requests_to("POST", "/v1.0/users/")
        .await
        .unwrap();
    let create = creates
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("/events") && r["status"] == 201)
        .expect("the emulator served the event create");
    (
        create["requestId"].as_str().unwrap().to_string(),
        create["headers"]["client-request-id"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// The span named `name` among a log line's enclosing spans.
fn span<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line["spans"].as_array()?.iter().find(|s| s["name"] == name)
}

/// What no log line and no span may ever hold: the app's client secret, a bearer token (the
/// emulator issues JWTs, which all begin `eyJ`), a participant's address.
fn assert_nothing_secret_or_personal(text: &str) {
    let secret = &Seed::sample().tenants[0].apps[0].client_secret;
    for forbidden in [
        secret.as_str(),
        "eyJ",
        "Bearer",
        "ana.client@customer.example",
        "tech@msp.example",
    ] {
        assert!(
            !text.contains(forbidden),
            "the worker's output holds {forbidden:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_carry_the_activity_and_graph_span_fields() {
    let stack = Stack::without_worker(Vec::new()).await;
    let run_id = one_approval(&stack, "traces-json-1", &[("MEETFLOW_LOG_FORMAT", "json")]).await;
    let (request_id, client_request_id) = create_request_ids(&stack).await;

    let text = std::fs::read_to_string(worker_log(&stack, 1)).unwrap();
    // The test harness prints a few plain lines of its own into the same file.
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty(), "no JSON lines in {text}");

    // Every activity span names whose work it did, whichever activity it was.
    let activities: Vec<&Value> = lines.iter().filter_map(|l| span(l, "activity")).collect();
    // (resolve_tenant logs nothing: it reads configuration only.)
    for expected in [
        "create_meeting",
        "resolve_online_meeting",
        "send_invitation",
    ] {
        let a = activities
            .iter()
            .find(|a| a["activity"] == expected)
            .unwrap_or_else(|| panic!("no line inside a {expected} span"));
        assert_eq!(a["tenant"], "demo", "{a}");
        assert_eq!(a["appointment"], "traces-json-1", "{a}");
        assert_eq!(a["workflow_id"], "appointment/demo/traces-json-1", "{a}");
        assert_eq!(a["run_id"], run_id.as_str(), "{a}");
        assert_eq!(a["attempt"], 1, "{a}");
    }

    // The create's answer, as the emulator recorded it, inside the create_meeting activity.
    let answer = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "Graph answered"
                && l["span"]["name"] == "graph"
                && l["span"]["request_id"] == request_id.as_str()
        })
        .unwrap_or_else(|| panic!("no Graph answer with request-id {request_id}"));
    assert_eq!(
        answer["span"]["client_request_id"],
        client_request_id.as_str()
    );
    assert_eq!(answer["span"]["method"], "POST");
    assert_eq!(answer["span"]["operation"], "events");
    assert_eq!(answer["span"]["status"], 201);
    assert_eq!(
        span(answer, "activity").unwrap()["activity"],
        "create_meeting"
    );

    // Each mail: its step and the recipient's domain only.
    let mut domains: Vec<&str> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "mail handed over")
        .map(|l| {
            assert_eq!(l["span"]["step"], "approved", "{l}");
            assert_eq!(span(l, "activity").unwrap()["appointment"], "traces-json-1");
            l["span"]["recipient_domain"].as_str().unwrap()
        })
        .collect();
    domains.sort_unstable();
    assert_eq!(domains, ["customer.example", "msp.example"]);

    assert_nothing_secret_or_personal(&text);
    stack.stop().await;
}

/// `tests/peers/otlp_receiver.py`, killed on drop.
struct Receiver {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Receiver {
    fn start(dir: &Path) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = dir.join("spans.jsonl");
        let mut child = Command::new(root.join("../.venv/bin/python"))
            .arg(root.join("peers/otlp_receiver.py"))
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python (run scripts/setup.sh)");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first.trim().parse().expect("the receiver prints its port");
        Self { child, port, out }
    }

    fn spans(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_receiver_with_their_parents() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(dir.path());
    let stack = Stack::without_worker(Vec::new()).await;
    // The first create fails: its activity span must say so, and the retry is attempt 2.
    stack
        .emulator
        .add_fault(
            json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 500, "count": 1}),
        )
        .await;
    let endpoint = format!("http://127.0.0.1:{}", receiver.port);
    let run_id = one_approval(
        &stack,
        "traces-otlp-1",
        &[
            ("MEETFLOW_TELEMETRY__OTLP_ENDPOINT", &endpoint),
            ("MEETFLOW_TELEMETRY__SERVICE_NAME", "meetflow-e2e"),
            // Nothing leaves before shutdown: what arrives was flushed by it.
            ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ],
    )
    .await;
    let (request_id, _) = create_request_ids(&stack).await;

    let spans = eventually(Duration::from_secs(10), "spans at the receiver", || async {
        let spans = receiver.spans();
        Ok((!spans.is_empty()).then_some(spans))
    })
    .await;
    for s in &spans {
        assert_eq!(s["service_name"], "meetflow-e2e", "{s}");
    }
    let named =
        |name: &str| -> Vec<&Value> { spans.iter().filter(|s| s["name"] == name).collect() };
    for activity in [
        "resolve_tenant",
        "create_meeting",
        "resolve_online_meeting",
        "record_meeting",
        "send_invitation",
    ] {
        let found = named(activity);
        assert!(!found.is_empty(), "no {activity} span among {spans:#?}");
        for s in found {
            let a = &s["attributes"];
            assert_eq!(a["tenant"], "demo", "{s}");
            assert_eq!(a["appointment"], "traces-otlp-1", "{s}");
            assert_eq!(a["run_id"], run_id.as_str(), "{s}");
        }
    }
    let attempt = |name: &str, n: i64| -> &Value {
        named(name)
            .into_iter()
            .find(|s| s["attributes"]["attempt"] == n)
            .unwrap_or_else(|| panic!("no attempt {n} of {name}"))
    };
    let failed = attempt("create_meeting", 1);
    assert_eq!(failed["status"], "STATUS_CODE_ERROR", "{failed}");
    assert_eq!(failed["attributes"]["error_code"], "graph_server_error");
    let retried = attempt("create_meeting", 2);
    assert_eq!(retried["status"], "STATUS_CODE_UNSET", "{retried}");
    assert_eq!(attempt("record_meeting", 1)["status"], "STATUS_CODE_UNSET");
    // A child is linked to its activity: same trace, the activity's span id as parent.
    let child_of =
        |child: &Value, parent: &str| {
            let parents = named(parent);
            assert!(
                parents.iter().any(|p| p["trace_id"] == child["trace_id"]
                    && p["span_id"] == child["parent_span_id"]),
                "{child} is not a child of a {parent} span"
            );
        };
    let create = named("POST events")
        .into_iter()
        .find(|s| s["attributes"]["request_id"] == request_id.as_str())
        .expect("the event create's span, with the request-id Graph answered");
    assert_eq!(create["kind"], "SPAN_KIND_CLIENT");
    assert_eq!(create["attributes"]["status"], 201);
    assert_eq!(create["parent_span_id"], retried["span_id"], "{create}");
    let refused = named("POST events")
        .into_iter()
        .find(|s| s["attributes"]["status"] == 500)
        .expect("the refused create's span");
    assert_eq!(refused["status"], "STATUS_CODE_ERROR", "{refused}");
    assert_eq!(refused["parent_span_id"], failed["span_id"], "{refused}");
    child_of(create, "create_meeting");
    let upsert = named("store upsert_meeting");
    assert!(!upsert.is_empty(), "no store span");
    child_of(upsert[0], "record_meeting");
    let mails = named("mail approved");
    assert_eq!(mails.len(), 2, "one mail span per recipient");
    for m in mails {
        child_of(m, "send_invitation");
    }

    assert_nothing_secret_or_personal(&std::fs::read_to_string(&receiver.out).unwrap());
    stack.stop().await;
}
