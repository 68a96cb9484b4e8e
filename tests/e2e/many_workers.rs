//! Many workers on one task queue: three `meetflow worker` processes share a batch of
//! lifecycles (approve → cancel, every Graph call slowed so disruptions land mid-call). The first
//! to take work is SIGKILLed (a crashed host); the next of the other two to take work gets
//! SIGTERM once a replacement has started (a rolling restart). Which worker the server hands
//! tasks to first is its choice, so the test picks its victims by what they took. Every
//! lifecycle still completes with exactly one Graph event and one mail per recipient per step,
//! the SIGTERMed worker drains and exits 0 within its grace period, and the workers still
//! running took work too (activity tasks each one received, from its own metrics endpoint).

use std::{net::TcpListener, time::Duration};

use meetflow::approve;
use serde_json::json;
use tokio::process::Child;

use crate::support::workers::{
    all_cancelled, kill9, killable_env, mails_per_key, start_worker, update_until_accepted,
};
use crate::support::{Samples, SmtpSink, Stack, approval, eventually};

const GRACE_SECS: u64 = 10;

/// Activity tasks the worker serving metrics on `listen` has received so far.
async fn activity_tasks(listen: &str) -> f64 {
    Samples::scrape(listen)
        .await
        .sum("temporal_activity_task_received_total")
}

/// Waits until one of the `candidates` (indexes into `metrics`) has taken an activity task;
/// returns which one.
async fn first_busy(metrics: &[String], candidates: &[usize], what: &str) -> usize {
    eventually(Duration::from_secs(30), what, || async {
        for &n in candidates {
            // Not yet listening right after the start: ask the others, and again later.
            if reqwest::get(format!("http://{}/metrics", metrics[n]))
                .await
                .is_ok()
                && activity_tasks(&metrics[n]).await > 0.0
            {
                return Ok(Some(n));
            }
        }
        Ok(None)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_a_batch_through_a_kill_and_a_rolling_restart() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let mut env = killable_env(&smtp);
    env.push((
        "MEETFLOW_WORKER__GRACEFUL_SHUTDOWN_SECS".into(),
        GRACE_SECS.to_string(),
    ));
    let stack = Stack::without_worker(env.clone()).await;
    stack
        .emulator
        .add_fault(json!({"path": "/v1.0/users/*", "latencyMs": 300}))
        .await;

    let metrics: Vec<String> = (0..4)
        .map(|_| {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            format!("127.0.0.1:{port}")
        })
        .collect();
    let start = |n: usize| -> Child {
        let mut env = env.clone();
        env.push(("MEETFLOW_WORKER__METRICS_LISTEN".into(), metrics[n].clone()));
        start_worker(&stack, &env, n)
    };
    let mut workers: Vec<Child> = (0..3).map(start).collect();

    let ids: Vec<String> = (0..12).map(|i| format!("many-{i}")).collect();
    let lifecycles = async {
        for id in &ids {
            approve::approve(&stack.client, "meetflow", &approval("demo", id))
                .await
                .unwrap();
        }
        for id in &ids {
            let wf = format!("appointment/demo/{id}");
            let reason = json!({"reason": "many workers"});
            update_until_accepted(&stack, &wf, "cancelAppointment", &format!("{id}-c"), reason)
                .await;
        }
    };
    let disruptions = async {
        let killed = first_busy(&metrics, &[0, 1, 2], "a worker takes work").await;
        kill9(&mut workers[killed]);
        let _ = workers[killed].wait().await;

        let others: Vec<usize> = (0..3).filter(|&n| n != killed).collect();
        let stopped = first_busy(&metrics, &others, "another worker takes work").await;
        // As a Deployment's rolling update with maxUnavailable 0: the new worker first.
        workers.push(start(3));
        let asked = tokio::time::Instant::now();
        meetflow::process::stop(&mut workers[stopped], Duration::from_secs(GRACE_SECS + 10)).await;
        let drained_in = asked.elapsed();
        let status = workers[stopped]
            .try_wait()
            .unwrap()
            .expect("the SIGTERMed worker exited");
        assert!(
            status.success(),
            "SIGTERM: a clean exit after draining, got {status}"
        );
        assert!(
            drained_in < Duration::from_secs(GRACE_SECS + 2),
            "drained in {drained_in:?}, grace {GRACE_SECS} s"
        );
        (killed, stopped, drained_in)
    };
    let ((), (killed, stopped, drained_in)) = tokio::join!(lifecycles, disruptions);
    let survivors: Vec<usize> = (0..4).filter(|&n| n != killed && n != stopped).collect();

    all_cancelled(&stack, &ids, 4, Duration::from_secs(180)).await;
    let mut taken = Vec::new();
    for n in &survivors {
        taken.push(activity_tasks(&metrics[*n]).await);
    }

    // Graph: one event per appointment, however the work moved between workers; each deleted.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), ids.len(), "{events:#?}");
    assert!(events.iter().all(|e| e["deleted"] == true));
    // Mail: per appointment, recipient and SEQUENCE one Message-ID; 2 steps × 2 people.
    let (mails, per_key) = mails_per_key(&smtp.maildir);
    assert_eq!(
        per_key.len(),
        ids.len() * 4,
        "one (appointment, step, recipient) each"
    );
    for id in &ids {
        assert_eq!(stack.store.count_deliveries("demo", id).await.unwrap(), 4);
    }
    // The work went on after the disruptions: the workers that ran to the end took activity
    // tasks too, besides the two taken down after taking some.
    assert!(
        taken.iter().sum::<f64>() > 0.0,
        "workers {survivors:?} took no activity task"
    );
    eprintln!(
        "many workers: {} lifecycles; worker {killed} killed, worker {stopped} SIGTERMed and drained in {drained_in:?}; activity tasks of workers {survivors:?} (3 the replacement): {taken:?}; {} SMTP deliveries for {} mails",
        ids.len(),
        mails.len(),
        per_key.len()
    );
    for n in survivors {
        meetflow::process::stop(&mut workers[n], Duration::from_secs(GRACE_SECS + 5)).await;
    }
    stack.stop().await;
}
