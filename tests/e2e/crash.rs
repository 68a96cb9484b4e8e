//! Crash safety: the worker *process* is killed with SIGKILL again and again while lifecycles
//! run (approve → reschedule → cancel, with Graph slowed down to widen every window), restarted
//! each time, and every lifecycle still completes with exactly one Graph event and one mail per
//! recipient per step.

use std::time::Duration;

use meetflow::approve;
use serde_json::json;

use crate::support::workers::{
    all_cancelled, kill9, mails_per_key, start_worker, update_until_accepted,
};
use crate::support::{SmtpSink, Stack, approval};

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
                update_until_accepted(stack, &wf, "reschedule", &format!("{id}-r1"), r1.clone())
                    .await;
                update_until_accepted(stack, &wf, "reschedule", &format!("{id}-r2"), r2.clone())
                    .await;
                update_until_accepted(
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
