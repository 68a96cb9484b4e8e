//! The change-notification receiver against the real worker: each tenant's own `clientState`
//! (a forged one or another tenant's signals nothing), the handshake's and the limits' answers,
//! and a burst coalesced into one `artifactsAvailable` signal per appointment per window —
//! counted as `WorkflowExecutionSignaled` events in the workflows' histories.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};
use serde_json::{Value, json};
use temporalio_common::protos::temporal::api::enums::v1::EventType;

use crate::support::{Stack, approval, in_phase};

const MINUTE: Duration = Duration::from_secs(60);
/// The emulator's Microsoft tenant, which the demo tenant is configured with.
const DEMO_MS_TENANT: &str = "11111111-1111-4111-8111-111111111111";
const OTHER_MS_TENANT: &str = "22222222-2222-4222-8222-222222222222";
const DEMO_STATE: &str = "demo-client-state-0123456789";
const OTHER_STATE: &str = "other-client-state-0123456789";

/// A worker whose receiver knows two tenants, each with its own clientState and no global one.
struct Receiver {
    stack: Stack,
    url: String,
    /// One client, so a burst reuses its connections as Graph does.
    http: reqwest::Client,
    _secrets: tempfile::TempDir,
}

impl Receiver {
    async fn start(coalesce_window_ms: u64) -> Self {
        let secrets = tempfile::tempdir().unwrap();
        let secret = |name: &str, value: &str| {
            let path = secrets.path().join(name);
            std::fs::write(&path, value).unwrap();
            format!("{{ file = \"{}\" }}", path.display())
        };
        let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
        let overrides = vec![
            ("MEETFLOW_NOTIFICATIONS__LISTEN".into(), listen.clone()),
            (
                "MEETFLOW_NOTIFICATIONS__COALESCE_WINDOW_MS".into(),
                coalesce_window_ms.to_string(),
            ),
            (
                "MEETFLOW_TENANTS__DEMO__NOTIFICATION_CLIENT_STATE".into(),
                secret("demo", DEMO_STATE),
            ),
            (
                "MEETFLOW_TENANTS__OTHER__MICROSOFT_TENANT_ID".into(),
                OTHER_MS_TENANT.into(),
            ),
            (
                "MEETFLOW_TENANTS__OTHER__CLIENT_ID".into(),
                "other-app".into(),
            ),
            (
                "MEETFLOW_TENANTS__OTHER__CLIENT_SECRET".into(),
                secret("other-app", "unused"),
            ),
            (
                "MEETFLOW_TENANTS__OTHER__NOTIFICATION_CLIENT_STATE".into(),
                secret("other", OTHER_STATE),
            ),
        ];
        let stack = Stack::start_with(overrides).await;
        Self {
            stack,
            url: format!("http://{listen}/notifications"),
            http: reqwest::Client::new(),
            _secrets: secrets,
        }
    }

    /// Approves `appointment` of the demo tenant; its online meeting id once scheduled.
    async fn scheduled(&self, appointment: &str) -> String {
        meetflow::approve::approve(
            &self.stack.client,
            "meetflow",
            &approval("demo", appointment),
        )
        .await
        .unwrap();
        let s = in_phase(
            &self.stack,
            &workflow(appointment),
            AppointmentPhase::Scheduled,
            MINUTE,
        )
        .await;
        let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
            panic!("no meeting for {appointment}")
        };
        meeting.online_meeting_id
    }

    async fn post(&self, body: String) -> reqwest::Response {
        self.http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn signals(&self, appointment: &str) -> usize {
        meetflow::inspect::events(&self.stack.client, &workflow(appointment))
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event_type() == EventType::WorkflowExecutionSignaled)
            .count()
    }
}

fn workflow(appointment: &str) -> String {
    format!("appointment/demo/{appointment}")
}

/// One notification about a new recording of `meeting`, as Graph sends it.
fn notification(ms_tenant: &str, client_state: &str, meeting: &str) -> Value {
    json!({
        "subscriptionId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "changeType": "created",
        "clientState": client_state,
        "resource": format!("communications/onlineMeetings('{meeting}')/recordings('VjIjIzE')"),
        "resourceData": {"id": "VjIjIzE", "@odata.type": "#Microsoft.Graph.callRecording"},
        "tenantId": ms_tenant
    })
}

fn batch(items: Vec<Value>) -> String {
    json!({ "value": items }).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_tenants_own_client_state_signals_its_appointment() {
    let r = Receiver::start(300).await;
    let meeting = r.scheduled("notify-own").await;

    // The handshake: the token as plain text nobody sniffs; an absurd one is refused.
    let http = reqwest::Client::new();
    let handshake = http
        .post(format!(
            "{}?validationToken=Validation%3A+Testing+%3Cb%3E",
            r.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    assert_eq!(
        handshake.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(handshake.headers()["x-content-type-options"], "nosniff");
    assert_eq!(handshake.text().await.unwrap(), "Validation: Testing <b>");
    let long = http
        .post(format!("{}?validationToken={}", r.url, "x".repeat(2000)))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 400);
    // Over the 1 MiB default: refused unread.
    let oversize = r
        .post(format!("{{\"value\": [\"{}\"]}}", "x".repeat(1 << 20)))
        .await;
    assert_eq!(oversize.status(), 413);

    // A guessed secret, the other tenant's secret, the other tenant's secret naming the other
    // Microsoft tenant (its own tenant has no such meeting): nothing for demo's appointment.
    for (ms_tenant, state, status) in [
        (DEMO_MS_TENANT, "guessed", 403),
        (DEMO_MS_TENANT, OTHER_STATE, 403),
        (OTHER_MS_TENANT, DEMO_STATE, 403),
        (OTHER_MS_TENANT, OTHER_STATE, 202),
    ] {
        let answer = r
            .post(batch(vec![notification(ms_tenant, state, &meeting)]))
            .await;
        assert_eq!(answer.status(), status, "{ms_tenant} with {state}");
    }
    // Several coalescing windows pass.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(r.signals("notify-own").await, 0, "signalled by a forgery");

    // A mixed batch: the forged item is dropped, the genuine one acted on.
    let answer = r
        .post(batch(vec![
            notification(DEMO_MS_TENANT, OTHER_STATE, &meeting),
            notification(DEMO_MS_TENANT, DEMO_STATE, &meeting),
        ]))
        .await;
    assert_eq!(answer.status(), 202);
    crate::support::eventually(MINUTE, "signalled", || async {
        Ok((r.signals("notify-own").await == 1).then_some(()))
    })
    .await;
    r.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_one_signal_per_appointment_per_window() {
    // Long enough that a burst on a loaded CI box still fits in one window.
    const WINDOW: Duration = Duration::from_secs(5);
    let r = Receiver::start(WINDOW.as_millis() as u64).await;
    let appointments = ["burst-a", "burst-b", "burst-c", "burst-d"];
    let mut meetings = Vec::new();
    for a in appointments {
        meetings.push(r.scheduled(a).await);
    }
    // 400 notifications, 10 per POST, 10 POSTs at a time, every appointment in every POST.
    let burst = || async {
        let started = std::time::Instant::now();
        let answers: Vec<u16> = stream::iter(0..40)
            .map(|i| {
                let items = (0..10)
                    .map(|j| notification(DEMO_MS_TENANT, DEMO_STATE, &meetings[(i + j) % 4]))
                    .collect();
                let r = &r;
                async move { r.post(batch(items)).await.status().as_u16() }
            })
            .buffer_unordered(10)
            .collect()
            .await;
        assert!(answers.iter().all(|s| *s == 202), "{answers:?}");
        // The premise of "one each": the whole burst fell into the window its first item opened.
        let took = started.elapsed();
        assert!(took < WINDOW, "the burst outlasted its window: {took:?}");
    };
    // Each appointment's count reaches `n`, and stays there once every window has closed.
    let signalled = |n: usize| {
        let r = &r;
        async move {
            crate::support::eventually(WINDOW * 3, "one signal each", || async {
                let mut counts = Vec::new();
                for a in appointments {
                    counts.push(r.signals(a).await);
                }
                Ok(counts.iter().all(|c| *c >= n).then_some(()))
            })
            .await;
            tokio::time::sleep(WINDOW + Duration::from_secs(1)).await;
            for a in appointments {
                assert_eq!(r.signals(a).await, n, "{a} after {n} burst(s)");
            }
        }
    };
    burst().await;
    signalled(1).await;
    // A second burst after the window: one more each.
    burst().await;
    signalled(2).await;
    r.stack.stop().await;
}
