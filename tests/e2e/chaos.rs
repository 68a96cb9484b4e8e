//! Chaos: several lifecycles (approve → reschedule → cancel) run while everything around the
//! worker fails in turn — worker processes SIGKILLed, Graph throttling (429 + Retry-After), 503s,
//! lost create responses and an identity-platform 5xx burst, the store (PostgreSQL) gone for
//! longer than any store attempt and than the 30 s before the state shows it, the SMTP relay
//! gone — and, in a test of its own, the Temporal dev server restarted under a running worker.
//! Every lifecycle must still complete with exactly
//! one Graph event (deleted: no orphan) and every mail delivered, duplicates only as
//! byte-identical resends with the same Message-ID. The figures are printed (docs/reliability.md).

use std::{net::SocketAddr, time::Duration};

use meetflow::approve;
use meetflow_proto::v1::AppointmentPhase;
use serde_json::json;

use crate::support::workers::{
    all_cancelled, kill9, mails_per_key, start_worker, update_until_accepted,
};
use crate::support::{PgSchema, SmtpSink, Stack, TcpProxy, approval, state_when};

const APPOINTMENTS: usize = 6;

fn proxied(url: &str, proxy: &TcpProxy) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    url.to_string()
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycles_survive_every_dependency_failing_in_turn() {
    let pg = PgSchema::create().await;
    let pg_addr = {
        let u = url::Url::parse(pg.url()).unwrap();
        loopback(u.port().unwrap_or(5432))
    };
    let store = TcpProxy::start(pg_addr).await;
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let relay = TcpProxy::start(loopback(smtp.port)).await;
    let mut env: Vec<(String, String)> = smtp
        .overrides()
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "MEETFLOW_MAIL__SMTP__PORT" => (k, relay.addr.port().to_string()),
            _ => (k, v),
        })
        .collect();
    env.extend([
        ("MEETFLOW_STORE__URL".into(), proxied(pg.url(), &store)),
        // Work of a killed worker resumes after this instead of a minute.
        (
            "MEETFLOW_TENANTS__DEMO__ACTIVITY_ATTEMPT_TIMEOUT_SECS".into(),
            "3".into(),
        ),
    ]);
    let stack = Stack::without_worker_on(env.clone(), false).await;
    for fault in [
        json!({"method": "POST", "path": "/v1.0/users/*/events", "dropAfterCommit": true, "count": 2}),
        json!({"path": "/v1.0/users/*", "status": 429, "code": "ApplicationThrottled", "retryAfter": "1", "count": 4}),
        json!({"method": "PATCH", "path": "/v1.0/users/*/events/*", "status": 503, "count": 3}),
        json!({"method": "POST", "path": "/*/oauth2/v2.0/token", "status": 503, "count": 3}),
        json!({"path": "/v1.0/users/*", "latencyMs": 150}),
    ] {
        stack.emulator.add_fault(fault).await;
    }

    let ids: Vec<String> = (0..APPOINTMENTS).map(|i| format!("chaos-{i}")).collect();
    let mut worker = start_worker(&stack, &env, 0);
    for id in &ids {
        approve::approve(&stack.client, "meetflow", &approval("demo", id))
            .await
            .unwrap();
    }
    let at = |h: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(h))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let changes = {
        let (ids, stack) = (ids.clone(), &stack);
        let (moved, reason) = (
            json!({"start": at(3), "end": at(4)}),
            json!({"reason": "chaos"}),
        );
        async move {
            for id in &ids {
                let wf = format!("appointment/demo/{id}");
                update_until_accepted(stack, &wf, "reschedule", &format!("{id}-r"), moved.clone())
                    .await;
                update_until_accepted(
                    stack,
                    &wf,
                    "cancelAppointment",
                    &format!("{id}-c"),
                    reason.clone(),
                )
                .await;
            }
        }
    };
    let outages = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        kill9(&mut worker);
        let _ = worker.wait().await;
        worker = start_worker(&stack, &env, 1);
        // The store, for longer than a store attempt (15 s) and the 30 s before it shows.
        store.down();
        tokio::time::sleep(Duration::from_secs(35)).await;
        store.up().await;
        // The SMTP relay.
        relay.down();
        tokio::time::sleep(Duration::from_secs(10)).await;
        relay.up().await;
        kill9(&mut worker);
        let _ = worker.wait().await;
        worker = start_worker(&stack, &env, 2);
    };
    tokio::join!(changes, outages);

    all_cancelled(&stack, &ids, 6, Duration::from_secs(240)).await;
    kill9(&mut worker);

    let events = stack.emulator.events().await.unwrap();
    let orphans = events.iter().filter(|e| e["deleted"] != true).count();
    let (mails, per_key) = mails_per_key(&smtp.maildir);
    let resent = mails.len() - per_key.len();
    eprintln!(
        "chaos: {APPOINTMENTS} appointments, {APPOINTMENTS} completed, 0 failed; {} Graph events, {orphans} orphans; {} mails for {} (appointment, step, recipient) keys, {resent} resent with the same Message-ID",
        events.len(),
        mails.len(),
        per_key.len()
    );
    assert_eq!(events.len(), APPOINTMENTS, "one event per appointment");
    assert_eq!(orphans, 0, "every cancelled appointment's event is deleted");
    assert_eq!(
        per_key.len(),
        APPOINTMENTS * 6,
        "3 steps × 2 recipients each"
    );
    stack.stop().await;
    pg.drop_schema().await;
}

/// The Temporal server restarted under a running worker: the worker reconnects and the
/// appointment goes on where it was (state from the server's database, changes still applied).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_temporal_server_loses_nothing() {
    let env: Vec<(String, String)> = Vec::new();
    let mut stack = Stack::without_worker_on(env.clone(), true).await;
    let mut worker = start_worker(&stack, &env, 0);
    let wf = "appointment/demo/restart-1";
    approve::approve(&stack.client, "meetflow", &approval("demo", "restart-1"))
        .await
        .unwrap();
    crate::support::in_phase(
        &stack,
        wf,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;
    stack.restart_temporal().await;
    let moved = json!({"start": (chrono::Utc::now() + chrono::Duration::hours(5)).to_rfc3339(),
                       "end": (chrono::Utc::now() + chrono::Duration::hours(6)).to_rfc3339()});
    update_until_accepted(&stack, wf, "reschedule", "restart-1-r", moved).await;
    let state = state_when(
        &stack,
        wf,
        Duration::from_secs(120),
        "rescheduled after the restart",
        |s| s.sequence == 1 && s.mails.len() == 4,
    )
    .await;
    assert_eq!(state.phase, AppointmentPhase::Scheduled as i32);
    kill9(&mut worker);
    stack.stop().await;
}
