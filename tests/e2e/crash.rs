//! Crash safety: the worker *process* is killed with SIGKILL again and again while lifecycles
//! run (approve → reschedule → cancel, with Graph slowed down to widen every window), restarted
//! each time, and every lifecycle still completes with exactly one Graph event and one mail per
//! recipient per step.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use meetflow::approve;
use meetflow_proto::v1::AppointmentPhase;
use serde_json::json;
use temporalio_client::{UntypedUpdate, WorkflowExecuteUpdateOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};
use tokio::process::Child;

use crate::support::{SmtpSink, Stack, approval, read_outbox, state_when};

const WORKER_CONFIG: &str = "MEETFLOW_E2E_WORKER_CONFIG";

/// Not a test of its own: the body of the worker processes the crash test starts (this test
/// binary re-invoked on this function with a config path), running the production worker code.
#[test]
#[ignore = "entry point of the worker processes started by the crash test"]
fn worker_process() {
    let Some(path) = std::env::var_os(WORKER_CONFIG) else {
        return;
    };
    let config =
        meetflow_config::load(Some(&PathBuf::from(path)), std::env::vars()).expect("config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(meetflow::worker::run(
        &config,
        meetflow::worker::termination(),
    ))
    .expect("worker");
}

pub(crate) fn start_worker(stack: &Stack, env: &[(String, String)], n: usize) -> Child {
    let exe = std::env::current_exe().unwrap();
    let log = stack.outbox().with_file_name(format!("worker-{n}.log"));
    let args = [
        "crash::worker_process",
        "--exact",
        "--ignored",
        "--nocapture",
    ]
    .map(String::from);
    let mut vars: Vec<(String, String)> = env.to_vec();
    vars.push((
        WORKER_CONFIG.into(),
        stack.config_path().display().to_string(),
    ));
    meetflow::process::spawn(&exe, &args, &vars, &log).expect("worker process")
}

pub(crate) fn kill9(child: &mut Child) {
    // SIGKILL: no drain, no cleanup, exactly like a crashed host.
    let _ = child.start_kill();
}

pub(crate) async fn update(
    stack: &Stack,
    id: &str,
    name: &str,
    update_id: &str,
    input: serde_json::Value,
) {
    let handle = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    let raw = RawValue::from_value(&input, &PayloadConverter::default());
    // The same update id on every try: Temporal applies an update once per id, so a retried
    // call after a crash cannot queue the change twice.
    let opts = WorkflowExecuteUpdateOptions::builder()
        .update_id(update_id.to_string())
        .build();
    for _ in 0..30 {
        match handle
            .execute_update(UntypedUpdate::new(name), raw.clone(), opts.clone())
            .await
        {
            Ok(_) => return,
            Err(e) => {
                eprintln!("update {update_id} retried: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    panic!("update {update_id} never went through");
}

/// Waits until every appointment of `ids` (tenant demo) is cancelled with `mails` mails sent.
pub(crate) async fn all_cancelled(stack: &Stack, ids: &[String], mails: usize, within: Duration) {
    for id in ids {
        let wf = format!("appointment/demo/{id}");
        state_when(
            stack,
            &wf,
            within,
            &format!("{wf} cancelled with all mails"),
            |s| s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == mails,
        )
        .await;
    }
}

/// Message-IDs per (UID/SEQUENCE, recipient).
pub(crate) type PerKey = BTreeMap<(String, String), Vec<String>>;

/// The delivered mails, and their Message-IDs per (UID/SEQUENCE, recipient): one key per mail
/// the lifecycle meant to send. Asserts that every key got one message, however often resent.
pub(crate) fn mails_per_key(maildir: &std::path::Path) -> (Vec<crate::support::Eml>, PerKey) {
    let mails = read_outbox(maildir).unwrap();
    let mut per_key = PerKey::new();
    for m in &mails {
        let ics = String::from_utf8(m.parts_of("text/calendar")[0].1.clone())
            .unwrap()
            .replace("\r\n ", "");
        let field = |name: &str| {
            ics.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .unwrap()
                .to_string()
        };
        per_key
            .entry((
                format!("{}/{}", field("UID"), field("SEQUENCE")),
                m.to.clone(),
            ))
            .or_default()
            .push(m.message_id.clone());
    }
    for (key, message_ids) in &per_key {
        let mut distinct = message_ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            1,
            "{key:?} got different messages: {message_ids:?}"
        );
    }
    (mails, per_key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_leave_one_event_and_one_mail_per_recipient_per_step() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let mut env = smtp.overrides();
    // Work of a killed worker is retried after this (instead of a minute).
    env.push((
        "MEETFLOW_TENANTS__DEMO__ACTIVITY_ATTEMPT_TIMEOUT_SECS".into(),
        "3".into(),
    ));
    let stack = Stack::without_worker(env.clone()).await;
    // The first two creates lose their response after Graph committed the event (the retry must
    // find it by transactionId); every other Graph call is slowed down so kills land mid-call.
    let faults = [
        json!({"method": "POST", "path": "/v1.0/users/*/events", "dropAfterCommit": true, "count": 2}),
        json!({"path": "/v1.0/users/*", "latencyMs": 400}),
    ];
    for fault in faults {
        stack.emulator.add_fault(fault).await;
    }

    let ids: Vec<String> = (0..4).map(|i| format!("crash-{i}")).collect();
    for id in &ids {
        approve::approve(&stack.client, "meetflow", &approval("demo", id))
            .await
            .unwrap();
    }
    let mut worker = start_worker(&stack, &env, 0);
    let at = |h: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(h))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let changes = {
        let ids = ids.clone();
        let (r1, r2) = (
            json!({"start": at(3), "end": at(4)}),
            json!({"start": at(5), "end": at(6)}),
        );
        let stack = &stack;
        async move {
            for id in &ids {
                let wf = format!("appointment/demo/{id}");
                update(stack, &wf, "reschedule", &format!("{id}-r1"), r1.clone()).await;
                update(stack, &wf, "reschedule", &format!("{id}-r2"), r2.clone()).await;
                update(
                    stack,
                    &wf,
                    "cancelAppointment",
                    &format!("{id}-c"),
                    json!({"reason": "crash test"}),
                )
                .await;
            }
        }
    };
    let crashes = async {
        for (n, after_ms) in [600u64, 1500, 1100, 2300, 1500].into_iter().enumerate() {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            kill9(&mut worker);
            let _ = worker.wait().await;
            worker = start_worker(&stack, &env, n + 1);
        }
    };
    tokio::join!(changes, crashes);

    all_cancelled(&stack, &ids, 8, Duration::from_secs(180)).await;
    kill9(&mut worker);

    // Graph: one event per appointment (however often the create was retried), each deleted.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), ids.len(), "{events:#?}");
    assert!(events.iter().all(|e| e["deleted"] == true));
    let creates = stack.emulator.count("POST", "/v1.0/users/").await;
    // Each lost response forces one more create (answered by transactionId with the same
    // event); each kill can add at most one more (a create in flight when the worker died).
    let (lost_responses, kills) = (2, 5);
    assert!(
        (ids.len() + lost_responses..=ids.len() + lost_responses + kills).contains(&creates),
        "{creates} creates for {} appointments",
        ids.len()
    );

    // Mail: per appointment, recipient and SEQUENCE exactly one Message-ID; 4 steps × 2 people.
    let (mails, per_key) = mails_per_key(&smtp.maildir);
    assert_eq!(
        per_key.len(),
        ids.len() * 8,
        "one (appointment, step, recipient) each"
    );
    let duplicates = mails.len() - per_key.len();
    eprintln!(
        "crash test: {} lifecycles, 5 SIGKILLs, {creates} Graph creates for {} events, {} SMTP deliveries for {} mails ({duplicates} resent with the same Message-ID)",
        ids.len(),
        events.len(),
        mails.len(),
        per_key.len()
    );
    for id in &ids {
        assert_eq!(stack.store.count_deliveries("demo", id).await.unwrap(), 8);
    }
    stack.stop().await;
}
