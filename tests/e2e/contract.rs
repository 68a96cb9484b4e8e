//! The payload contract, exercised exactly as a TypeScript backend would: the Temporal CLI sends
//! `json/plain` payloads the same way `@temporalio/client` does.

use std::{path::PathBuf, time::Duration};

use crate::support::{
    Stack, approval, failure_of, in_phase, read_outbox, save_history, state_when,
};
use meetflow_proto::v1::AppointmentPhase;
use serde_json::json;

fn temporal_cli() -> PathBuf {
    meetflow::process::temporal_cli().expect("Temporal CLI installed by scripts/setup.sh")
}

/// `temporal workflow <command> --address … --task-queue meetflow --type AppointmentLifecycle
/// --workflow-id <id> --input <json> <extra…>`, which must succeed.
fn cli_workflow(
    stack: &Stack,
    command: &str,
    workflow_id: &str,
    input: &serde_json::Value,
    extra: &[&str],
) {
    let out = std::process::Command::new(temporal_cli())
        .args([
            "workflow",
            command,
            "--address",
            &stack.temporal_address(),
            "--task-queue",
            "meetflow",
        ])
        .args([
            "--type",
            "AppointmentLifecycle",
            "--workflow-id",
            workflow_id,
            "--input",
            &input.to_string(),
        ])
        .args(extra)
        .output()
        .expect("temporal CLI runs");
    assert!(
        out.status.success(),
        "temporal workflow {command} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `temporal workflow start --type AppointmentLifecycle --input '<json>'`.
fn cli_start(stack: &Stack, workflow_id: &str, input: &serde_json::Value) {
    cli_workflow(stack, "start", workflow_id, input, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_json_from_the_cli_starts_the_lifecycle() {
    let stack = Stack::start().await;
    let id = "appointment/demo/from-ts-1";
    cli_start(&stack, id, &approval("demo", "from-ts-1"));
    let state = state_when(&stack, id, Duration::from_secs(60), "scheduled", |s| {
        s.phase == AppointmentPhase::Scheduled as i32
    })
    .await;
    assert_eq!(state.tenant_id, "demo");
    assert_eq!(state.title, "Firewall review, \"urgent\"; bring logs");
    assert_eq!(read_outbox(&stack.outbox()).unwrap().len(), 2);
    assert_eq!(stack.emulator.events().await.unwrap().len(), 1);

    // The query answers in the contract's proto3 JSON, which is what a TS client receives.
    let out = std::process::Command::new(temporal_cli())
        .args([
            "workflow",
            "query",
            "--address",
            &stack.temporal_address(),
            "--workflow-id",
            id,
            "--name",
            "state",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"APPOINTMENT_PHASE_SCHEDULED\"") && text.contains("\"icsUid\""),
        "{text}"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_fails_fast_with_the_field_named_and_writes_nothing() {
    let stack = Stack::start().await;

    let mut bad = approval("demo", "bad-1");
    bad["participants"][0]["email"] = json!("");
    bad["end"] = bad["start"].clone();
    cli_start(&stack, "appointment/demo/bad-1", &bad);
    let (kind, message) = failure_of(&stack, "appointment/demo/bad-1").await;
    assert_eq!(kind, "invalid_input");
    assert!(
        message.contains("participants[0].email: missing"),
        "{message}"
    );
    assert!(message.contains("end: end ("), "{message}");

    // Wrong JSON types are named by path too (tests/e2e/bad_input.rs runs the whole corpus).
    let mut bad = approval("demo", "bad-2");
    bad["participants"] = json!({"role": 1});
    cli_start(&stack, "appointment/demo/bad-2", &bad);
    let (_, message) = failure_of(&stack, "appointment/demo/bad-2").await;
    assert_eq!(
        message,
        "invalid input: participants: expected an array, got an object"
    );

    // A workflow id that does not follow the scheme would allow duplicates: refused.
    cli_start(&stack, "my-own-id", &approval("demo", "bad-3"));
    let (_, message) = failure_of(&stack, "my-own-id").await;
    assert!(
        message.contains("must be \"appointment/demo/bad-3\""),
        "{message}"
    );

    // Nothing was written anywhere.
    assert!(
        stack.emulator.requests().await.unwrap().is_empty(),
        "no Graph traffic"
    );
    assert!(read_outbox(&stack.outbox()).unwrap().is_empty(), "no mail");
    for apt in ["bad-1", "bad-2", "bad-3"] {
        assert!(
            stack
                .store
                .get_meeting("demo", apt)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(stack.store.count_deliveries("demo", apt).await.unwrap(), 0);
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_with_start_from_the_cli_joins_and_ends_the_meeting_early() {
    let stack = Stack::start().await;
    let id = "appointment/demo/sws-1";
    let input = approval("demo", "sws-1");
    for _ in 0..2 {
        // The second call joins the running workflow instead of starting another.
        let extra = [
            "--id-conflict-policy",
            "UseExisting",
            "--signal-name",
            "meetingEnded",
            "--signal-input",
            "{}",
        ];
        cli_workflow(&stack, "signal-with-start", id, &input, &extra);
    }
    // Ended long before its scheduled end: the capture of recordings has begun.
    let state = in_phase(
        &stack,
        id,
        AppointmentPhase::Capturing,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(state.mails.len(), 2);
    assert_eq!(
        stack.emulator.events().await.unwrap().len(),
        1,
        "one meeting despite two calls"
    );
    assert_eq!(
        read_outbox(&stack.outbox()).unwrap().len(),
        2,
        "one invitation per participant"
    );
    save_history(&stack, id, "ended-early").await;
    stack.stop().await;
}
