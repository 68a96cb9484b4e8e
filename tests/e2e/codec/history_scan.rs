//! The history scan: after a whole approve → reschedule → cancel lifecycle, nothing personal or
//! secret is readable anywhere in what Temporal stores (payloads, failures, memos) with the
//! codec on; with it off, at least no token or secret is.

use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};
use serde_json::json;
use temporalio_client::{
    UntypedUpdate, WorkflowExecuteUpdateOptions, WorkflowFetchHistoryOptions, WorkflowHistory,
    errors::WorkflowUpdateError,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use super::{codec_on, encoding_of, history_json, payloads, readable};
use crate::lifecycle::{MINUTE, approve_scheduled, hours, update};
use crate::replay::replayer_with;
use crate::support::{Stack, approval, state_when};

const RESCHEDULE_REASON: &str = "Ana is at the dentist";
const CANCEL_REASON: &str = "Budget frozen by the CFO";

/// What the scan looks for besides tokens: everything personal the lifecycle handled, and the
/// tenant's Graph client secret.
struct Needles {
    personal: Vec<String>,
    client_secret: String,
}

/// Approve → reschedule → cancel of `appointment`; returns what must not be readable.
async fn lifecycle(stack: &Stack, appointment: &str) -> Needles {
    let id = format!("appointment/demo/{appointment}");
    let input = approval("demo", appointment);
    let scheduled = approve_scheduled(stack, &id, &input).await;
    let Some(Outcome::Created(meeting)) = scheduled.meeting.and_then(|m| m.outcome) else {
        panic!("meeting not created")
    };
    let start = chrono::Utc::now() + hours(3);
    let moved = update(
        stack,
        &id,
        "reschedule",
        json!({"start": start.to_rfc3339(), "end": (start + hours(1)).to_rfc3339(), "reason": RESCHEDULE_REASON}),
    )
    .await;
    assert_eq!(moved, Ok(json!({"sequence": 1})));
    refused_reschedule_reads_in_clear(stack, &id).await;
    let cancelled = update(
        stack,
        &id,
        "cancelAppointment",
        json!({"reason": CANCEL_REASON}),
    )
    .await;
    assert_eq!(cancelled, Ok(json!({"sequence": 2})));
    state_when(stack, &id, MINUTE, "cancelled, 6 mails", |s| {
        s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 6
    })
    .await;

    let mut personal: Vec<String> = input["participants"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            [
                p["email"].as_str().unwrap(),
                p["displayName"].as_str().unwrap(),
            ]
        })
        .map(str::to_string)
        .collect();
    personal.extend(["title", "description"].map(|k| {
        input[k]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }));
    personal.extend([
        meeting.join_url,
        RESCHEDULE_REASON.into(),
        CANCEL_REASON.into(),
    ]);
    let client_secret = stack
        .config()
        .tenant("demo")
        .and_then(|t| t.client_secret.as_ref())
        .expect("demo tenant has a client secret")
        .resolve("tenants.demo.client_secret")
        .unwrap()
        .expose()
        .to_string();
    Needles {
        personal,
        client_secret,
    }
}

/// A reschedule into the past is refused by the validator. With the codec on, the refusal's
/// message comes back sealed (the SDK does not open update failures): `open_failure` restores it.
async fn refused_reschedule_reads_in_clear(stack: &Stack, id: &str) {
    let past = chrono::Utc::now() - hours(2);
    let input = json!({"start": past.to_rfc3339(), "end": (past + hours(1)).to_rfc3339()});
    let outcome = stack
        .client
        .get_workflow_handle::<UntypedWorkflow>(id)
        .execute_update(
            UntypedUpdate::new("reschedule"),
            RawValue::from_value(&input, &PayloadConverter::default()),
            WorkflowExecuteUpdateOptions::default(),
        )
        .await;
    let Err(WorkflowUpdateError::Failed(mut failure)) = outcome else {
        panic!("a reschedule into the past is refused: {outcome:?}")
    };
    if let Some(codec) = meetflow::connect::codec(&stack.config().codec).unwrap() {
        assert!(!failure.message.contains("in the past"), "{failure:?}");
        codec.open_failure(&mut failure).unwrap();
    }
    assert!(failure.message.contains("is in the past"), "{failure:?}");
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codec_on_history_holds_no_personal_data_or_secret() {
    let keys = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(codec_on(keys.path())).await;
    let needles = lifecycle(&stack, "sealed-1").await;
    let history = history_json(&stack, "appointment/demo/sealed-1", None).await;

    let mut all = strs(&needles.personal);
    all.push(&needles.client_secret);
    let leaks = readable(&history, &all);
    assert!(
        leaks.is_empty(),
        "readable in the stored history: {leaks:#?}"
    );

    // Every payload is sealed, except the search attributes, which are not encoded by design
    // (TenantId, AppointmentId, AppointmentPhase: ids and the phase only), and what the SDK
    // writes into its own markers: a patch marker's patch id of
    // `workflows/src/lifecycle/patches.rs`, a local-activity marker's `data` (the activity's
    // type, attempt, sequence number and times; its input and result are sealed). The
    // personal-data scan above covers them too.
    let found = payloads(&history);
    assert!(
        found.len() > 20,
        "a whole lifecycle's payloads: {}",
        found.len()
    );
    let open: Vec<_> = found
        .iter()
        .filter(|(path, _)| !path.contains(".searchAttributes."))
        .filter(|(path, _)| !path.contains(".markerRecordedEventAttributes.details.patch-data."))
        .filter(|(path, _)| !path.contains(".markerRecordedEventAttributes.details.data."))
        .filter(|(_, p)| encoding_of(p) != meetflow_codec::ENCODING)
        .map(|(path, p)| format!("{path}: {}", encoding_of(p)))
        .collect();
    assert!(open.is_empty(), "payloads stored unsealed: {open:#?}");

    // A sealed history still replays (workflow changes are checked against production
    // histories) with the codec's converter on the replayer.
    let codec = meetflow::connect::codec(&stack.config().codec)
        .unwrap()
        .unwrap();
    let sealed = stack
        .client
        .get_workflow_handle::<UntypedWorkflow>("appointment/demo/sealed-1")
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .unwrap();
    let history = || WorkflowHistory::from_json(&sealed).unwrap();
    replayer_with(meetflow_codec::data_converter(codec))
        .replay_workflow(history())
        .await
        .expect("the sealed history replays");
    // Without it the workflow cannot read its sealed input and takes another path.
    let keyless = replayer_with(Default::default())
        .replay_workflow(history())
        .await;
    assert!(
        keyless.is_err(),
        "a sealed history needs the codec to replay"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codec_off_history_still_holds_no_token_or_secret() {
    let stack = Stack::start().await;
    let needles = lifecycle(&stack, "plain-1").await;
    let history = history_json(&stack, "appointment/demo/plain-1", None).await;

    let leaks = readable(&history, &[&needles.client_secret]);
    assert!(
        leaks.is_empty(),
        "secrets in the stored history: {leaks:#?}"
    );
    // The scan does see plaintext when it is there: without the codec the addresses are stored.
    let seen = readable(&history, &strs(&needles.personal[..1]));
    assert!(
        !seen.is_empty(),
        "the scan finds a participant's address in a plain history"
    );
    stack.stop().await;
}
