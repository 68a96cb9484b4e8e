//! Workers as separate processes, for the suites that kill them (crash, chaos), and what those
//! suites check afterwards: every appointment cancelled, one message per intended mail.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use meetflow_proto::v1::AppointmentPhase;
use temporalio_client::{UntypedUpdate, WorkflowExecuteUpdateOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};
use tokio::process::Child;

use super::{Eml, SmtpSink, Stack, read_outbox, state_when};

const WORKER_CONFIG: &str = "MEETFLOW_E2E_WORKER_CONFIG";

/// Not a test of its own: the body of the worker processes the crash test starts (this test
/// binary re-invoked on this function with a config path), running the production worker code.
#[test]
#[ignore = "entry point of the worker processes the crash and chaos tests start"]
fn worker_process() {
    let Some(path) = std::env::var_os(WORKER_CONFIG) else {
        return;
    };
    // Logs (and span export) as the production binary sets them up.
    meetflow::telemetry::init();
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

/// Overrides for suites that kill workers: mail to `smtp`, and a short activity attempt
/// timeout, so a killed worker's activities are retried elsewhere after 3 s (not a minute).
pub fn killable_env(smtp: &SmtpSink) -> Vec<(String, String)> {
    let mut env = smtp.overrides();
    env.push((
        "MEETFLOW_TENANTS__DEMO__ACTIVITY_ATTEMPT_TIMEOUT_SECS".into(),
        "3".into(),
    ));
    env
}

/// Where worker process `n` writes its stdout and stderr.
pub fn worker_log(stack: &Stack, n: usize) -> PathBuf {
    stack.outbox().with_file_name(format!("worker-{n}.log"))
}

pub fn start_worker(stack: &Stack, env: &[(String, String)], n: usize) -> Child {
    let exe = std::env::current_exe().unwrap();
    let log = worker_log(stack, n);
    let args = [
        "support::workers::worker_process",
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

pub fn kill9(child: &mut Child) {
    // SIGKILL: no drain, no cleanup, exactly like a crashed host.
    let _ = child.start_kill();
}

pub async fn update_until_accepted(
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
pub async fn all_cancelled(stack: &Stack, ids: &[String], mails: usize, within: Duration) {
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
pub type PerKey = BTreeMap<(String, String), Vec<String>>;

/// The delivered mails, and their Message-IDs per (UID/SEQUENCE, recipient): one key per mail
/// the lifecycle meant to send. Asserts that every key got one message, however often resent.
pub fn mails_per_key(maildir: &std::path::Path) -> (Vec<Eml>, PerKey) {
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
