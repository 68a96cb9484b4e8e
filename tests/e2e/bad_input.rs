//! The bad-input corpus (`tests/corpus/bad_input.jsonl`) end to end: every case is started as
//! an `AppointmentLifecycle` on a real server, all at once on one stack, and must fail at once
//! (type `invalid_input`, the parser's message naming exactly the expected fields) in its first
//! workflow task, having written nothing: no Graph request, no mail, no store row. The
//! `meetflow appointment approve --file` binary must refuse each case the same way (exit status
//! 2, the same message) without contacting Temporal.

use std::{process::Stdio, time::Duration};

use futures_util::future::join_all;
use meetflow_proto::{names, parse};
use serde_json::Value;
use temporalio_client::WorkflowStartOptions;
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::corpus::{self, Case};
use crate::support::{Stack, failure_of, meetflow_binary, read_outbox};

/// What the parser says about a case: the message the workflow and the CLI must both give.
fn refusal(case: &Case) -> String {
    let message = parse::approval(&case.input)
        .expect_err(&case.name)
        .to_string();
    assert_eq!(
        corpus::fields_named(&message),
        case.expect,
        "{}: {message}",
        case.name
    );
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_at_once_names_every_field_and_writes_nothing() {
    let cases = corpus::bad_input();
    assert!(cases.len() >= 50);
    let stack = Stack::start().await;
    let task_queue = stack.config().temporal.task_queue.clone();
    // The workflow id does not follow `appointment/{tenantId}/{appointmentId}`: that check
    // comes after the input parsed, so it must never be reached here.
    let id = |case: &Case| format!("bad-input/{}", case.name);

    let starts = cases.iter().map(|case| {
        let raw = RawValue::from_value(&case.input, &PayloadConverter::default());
        let opts = WorkflowStartOptions::new(&task_queue, id(case)).build();
        let client = &stack.client;
        async move {
            client
                .start_workflow(UntypedWorkflow::new(names::APPOINTMENT_WORKFLOW), raw, opts)
                .await
                .unwrap_or_else(|e| panic!("{}: start: {e}", case.name));
        }
    });
    join_all(starts).await;

    let outcomes = join_all(cases.iter().map(|case| {
        let stack = &stack;
        async move {
            let (kind, message) = failure_of(stack, &id(case)).await;
            let history = meetflow::inspect::history(&stack.client, &id(case))
                .await
                .expect("history");
            (case, kind, message, history)
        }
    }))
    .await;
    let mut wrong = Vec::new();
    for (case, kind, message, history) in outcomes {
        let expected = refusal(case);
        if kind != "invalid_input" || message != expected {
            wrong.push(format!(
                "{}: {kind}: {message}\n   expected {expected}",
                case.name
            ));
        }
        let count = |t: &str| history.iter().filter(|l| l.ends_with(t)).count();
        if count("WorkflowTaskStarted") != 1 || count("WorkflowTaskFailed") != 0 {
            wrong.push(format!(
                "{}: task retried:\n{}",
                case.name,
                history.join("\n")
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));

    // Nothing written anywhere.
    assert_eq!(
        stack.emulator.requests().await.unwrap(),
        Vec::<Value>::new(),
        "no Graph request"
    );
    assert!(read_outbox(&stack.outbox()).unwrap().is_empty(), "no mail");
    for case in &cases {
        if let (Some(t), Some(a)) = (
            case.input["tenantId"].as_str(),
            case.input["appointmentId"].as_str(),
        ) {
            let row = stack.store.get_meeting(t, a).await.unwrap();
            assert!(row.is_none(), "{}: a store row", case.name);
        }
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_bad_input_before_contacting_temporal() {
    let bin = meetflow_binary();
    let dir = tempfile::tempdir().unwrap();
    let cases = corpus::bad_input();
    let runs = cases.iter().map(|case| {
        let file = dir.path().join(format!("{}.json", case.name));
        std::fs::write(&file, serde_json::to_vec(&case.input).unwrap()).unwrap();
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.args(["appointment", "approve", "--file"])
            .arg(&file)
            .current_dir(dir.path())
            .env_remove("MEETFLOW_CONFIG")
            // Nothing listens there: had the CLI tried to connect, it would fail with status 1.
            .env("TEMPORAL_ADDRESS", "127.0.0.1:9")
            .stdin(Stdio::null());
        async move {
            let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
                .await
                .expect("the CLI answers promptly")
                .expect("the CLI runs");
            (case, out)
        }
    });
    let mut wrong = Vec::new();
    for (case, out) in join_all(runs).await {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!("error: {}", refusal(case));
        if out.status.code() != Some(2) || !stderr.lines().any(|l| l == expected) {
            wrong.push(format!(
                "{}: status {:?}, stderr {stderr}\n   expected {expected}",
                case.name,
                out.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
