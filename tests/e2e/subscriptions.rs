//! Kept subscriptions against the real worker and the Graph emulator: the worker's keepers
//! create a recordings and a transcripts subscription (the emulator validates the worker's
//! notification URL first), renew them across several shortened lifetimes, announce a new
//! recording that capture then fetches at once (no scheduled poll in between), handle
//! `reauthorizationRequired` and `subscriptionRemoved` (recreated with a new id and a new
//! clientState, the tenant's captures poked for the gap), and refuse the old clientState.

use std::time::Duration;

use chrono::{DateTime, Utc};
use meetflow_graph_emulator::control_api::{
    DeliveryKind, EmulatedSubscription, NotificationDelivery,
};
use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};
use serde_json::{Value, json};
use temporalio_common::protos::temporal::api::enums::v1::EventType;

use crate::support::{Stack, approval, eventually, in_phase};

const MINUTE: Duration = Duration::from_secs(60);
/// The emulator's Microsoft tenant, which the demo tenant is configured with.
const DEMO_MS_TENANT: &str = "11111111-1111-4111-8111-111111111111";
const RECORDINGS: &str = "communications/onlineMeetings/getAllRecordings";
const TRANSCRIPTS: &str = "communications/onlineMeetings/getAllTranscripts";

/// A stack whose worker keeps subscriptions (`notifications.public_url` = its receiver), with
/// capture's first poll an hour after the meeting: only a notification can make it look sooner.
struct Kept {
    stack: Stack,
    notifications: String,
}

impl Kept {
    /// `max_lifetime_secs`: the emulator's cap on a subscription's lifetime, set before the
    /// worker makes its first subscription.
    async fn start(max_lifetime_secs: Option<u64>) -> Self {
        let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
        let mut overrides = vec![
            ("MEETFLOW_NOTIFICATIONS__LISTEN".into(), listen.clone()),
            (
                "MEETFLOW_NOTIFICATIONS__PUBLIC_URL".into(),
                format!("http://{listen}"),
            ),
            (
                "MEETFLOW_NOTIFICATIONS__COALESCE_WINDOW_MS".into(),
                "100".into(),
            ),
        ];
        for (k, v) in [
            ("GRACE_AFTER_END_SECS", 1),
            ("FIRST_POLL_SECS", 3600),
            ("BACKOFF_CAP_SECS", 3600),
            ("WINDOW_SECS", 7200),
        ] {
            overrides.push((
                format!("MEETFLOW_TENANTS__DEMO__CAPTURE__{k}"),
                v.to_string(),
            ));
        }
        let mut stack = Stack::without_worker(overrides).await;
        if let Some(secs) = max_lifetime_secs {
            stack
                .emulator
                .settings(json!({"subscriptionMaxLifetimeSecs": secs}))
                .await;
        }
        stack.start_worker();
        Self {
            stack,
            notifications: format!("http://{listen}/notifications"),
        }
    }

    async fn subscriptions(&self) -> Vec<EmulatedSubscription> {
        self.stack.emulator.control().subscriptions().await.unwrap()
    }

    /// The live subscription on `resource`, once there is one.
    async fn live(&self, resource: &str) -> EmulatedSubscription {
        eventually(
            MINUTE,
            &format!("a live subscription on {resource}"),
            || async {
                let now = Utc::now();
                Ok(self
                    .subscriptions()
                    .await
                    .into_iter()
                    .find(|s| s.resource == resource && !s.removed && s.expiration_date_time > now))
            },
        )
        .await
    }

    async fn deliveries(&self) -> Vec<NotificationDelivery> {
        self.stack.emulator.control().notifications().await.unwrap()
    }

    /// Approves a meeting that ends in two seconds; its online meeting id once it is capturing.
    async fn capturing(&self, appointment: &str) -> String {
        let mut a = approval("demo", appointment);
        let at = |s: i64| {
            (Utc::now() + chrono::Duration::seconds(s))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        a["start"] = json!(at(-60));
        a["end"] = json!(at(2));
        meetflow::approve::approve(&self.stack.client, "meetflow", &a)
            .await
            .unwrap();
        let id = format!("appointment/demo/{appointment}");
        let s = in_phase(&self.stack, &id, AppointmentPhase::Scheduled, MINUTE).await;
        let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
            panic!("no meeting for {appointment}")
        };
        in_phase(&self.stack, &id, AppointmentPhase::Capturing, MINUTE).await;
        meeting.online_meeting_id
    }

    /// When the capture of `meeting` listed its recordings (GET …/recordings), in order.
    async fn recording_lists(&self, meeting: &str) -> Vec<DateTime<Utc>> {
        self.stack
            .emulator
            .control()
            .requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| {
                r.method == "GET"
                    && r.path.ends_with("/recordings")
                    && percent_decode(&r.path).contains(meeting)
            })
            .map(|r| r.at)
            .collect()
    }

    async fn keeper_state(&self, resource: &str) -> Value {
        meetflow::inspect::state_json(&self.stack.client, &format!("subscription/demo/{resource}"))
            .await
            .unwrap()
    }

    /// Every text in the keeper's stored history, payloads decoded.
    async fn keeper_history_text(&self, resource: &str) -> String {
        let json = self
            .stack
            .client
            .get_workflow_handle::<temporalio_common::UntypedWorkflow>(&format!(
                "subscription/demo/{resource}"
            ))
            .fetch_history(temporalio_client::WorkflowFetchHistoryOptions::default())
            .to_json()
            .await
            .unwrap();
        let mut text = String::new();
        texts(&serde_json::from_slice(&json).unwrap(), &mut text);
        text
    }

    async fn post(&self, body: Value) -> u16 {
        reqwest::Client::new()
            .post(&self.notifications)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// Every string in `v`, and what each decodes to as base64 (payload data).
fn texts(v: &Value, out: &mut String) {
    use base64::Engine as _;
    match v {
        Value::String(s) => {
            out.push_str(s);
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| texts(i, out)),
        Value::Object(map) => map.values().for_each(|i| texts(i, out)),
        _ => {}
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn notification(client_state: &str, meeting: &str) -> Value {
    json!({"value": [{
        "subscriptionId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "changeType": "created",
        "clientState": client_state,
        "resource": format!("communications/onlineMeetings('{meeting}')/recordings('VjIjIzE')"),
        "resourceData": {"id": "VjIjIzE", "@odata.type": "#Microsoft.Graph.callRecording"},
        "tenantId": DEMO_MS_TENANT
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_subscription_is_renewed_and_announces_a_recording_that_is_captured_at_once() {
    const LIFETIME_SECS: u64 = 20;
    let k = Kept::start(Some(LIFETIME_SECS)).await;
    let recordings = k.live(RECORDINGS).await;
    k.live(TRANSCRIPTS).await;
    // Both URLs were validated before the create was answered.
    let validations: Vec<_> = k
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d.kind == DeliveryKind::Validation && d.subscription_id == recordings.id)
        .collect();
    assert_eq!(validations.len(), 2, "{validations:?}");
    assert!(validations.iter().all(|d| d.status == Some(200)));
    assert_eq!(
        recordings.lifecycle_notification_url.as_deref(),
        Some(k.notifications.as_str())
    );
    assert!(
        recordings.expiration_date_time <= Utc::now() + chrono::Duration::seconds(20),
        "capped to the shortened lifetime: {recordings:?}"
    );

    let meeting = k.capturing("subs-capture").await;
    let published = k
        .stack
        .emulator
        .control()
        .add_artifact(
            &meeting,
            &meetflow_graph_emulator::control_api::NewArtifact::recording(),
        )
        .await
        .unwrap();
    eventually(
        Duration::from_secs(15),
        "the recording captured",
        || async {
            let stored = k.stack.store.artifacts("demo", "subs-capture").await?;
            Ok((!stored.is_empty()).then_some(()))
        },
    )
    .await;
    let announced = k
        .deliveries()
        .await
        .into_iter()
        .find(|d| d.kind == DeliveryKind::Change && d.status == Some(202))
        .expect("the change notification was accepted");
    assert!(
        announced.detail.as_deref().unwrap().contains(&published.id),
        "{announced:?}"
    );
    // The only recordings lists are the ones the notification caused: none between the
    // publication and the notification (the first scheduled poll is an hour away).
    let lists = k.recording_lists(&meeting).await;
    assert!(!lists.is_empty(), "the capture never listed");
    assert!(
        lists.iter().all(|at| *at >= announced.at),
        "a poll between publication ({}) and notification ({}): {lists:?}",
        published.available_at,
        announced.at
    );
    assert!(
        lists[0] - announced.at < chrono::Duration::seconds(5),
        "listed {} after the notification",
        lists[0] - announced.at
    );

    // Renewed, same subscription, across several lifetimes.
    let renewed = eventually(
        Duration::from_secs(LIFETIME_SECS * 4),
        "three renewals",
        || async {
            Ok(k.subscriptions()
                .await
                .into_iter()
                .find(|s| s.id == recordings.id && s.renewals >= 3))
        },
    )
    .await;
    assert!(!renewed.removed);
    assert!(renewed.expiration_date_time > Utc::now(), "{renewed:?}");
    // It now lives on more than two of its lifetimes past its creation.
    assert!(
        renewed.expiration_date_time - recordings.created_date_time
            > chrono::Duration::seconds(LIFETIME_SECS as i64 * 2),
        "{renewed:?}"
    );
    // The emulator counts a renewal when it answers the PATCH; the keeper once the renewing
    // activity has completed and its workflow has run, a moment later on a busy machine.
    let state = eventually(
        Duration::from_secs(30),
        "the keeper counts three renewals",
        || async {
            let state = k.keeper_state("recordings").await;
            Ok((state["renewals"].as_u64() >= Some(3)).then_some(state))
        },
    )
    .await;
    assert_eq!(state["subscriptionId"], json!(recordings.id));
    assert_eq!(state["recreations"], json!(0));
    // The store says so too, without the clientState.
    let listed = meetflow::subscriptions::list_report(&k.stack.store, true)
        .await
        .unwrap();
    let rows: Vec<Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows.iter().all(|r| r["state"] == "active"), "{listed}");
    assert!(!listed.contains(&recordings.client_state));
    k.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_events_reauthorize_and_recreate_and_the_old_client_state_is_refused() {
    let k = Kept::start(None).await;
    let first = k.live(RECORDINGS).await;
    let meeting = k.capturing("subs-gap").await;
    let appointment = "appointment/demo/subs-gap";

    // The notification carries the kept clientState: accepted.
    assert_eq!(
        k.post(notification(&first.client_state, &meeting)).await,
        202
    );

    // reauthorizationRequired → POST …/reauthorize, same subscription.
    let sent = k
        .stack
        .emulator
        .control()
        .send_lifecycle(&first.id, "reauthorizationRequired")
        .await
        .unwrap();
    assert_eq!(sent.status, Some(202));
    eventually(MINUTE, "reauthorized", || async {
        Ok(k.subscriptions()
            .await
            .into_iter()
            .find(|s| s.id == first.id && s.reauthorizations == 1))
    })
    .await;

    // subscriptionRemoved → a new subscription with a new clientState, and a poll of the gap.
    let signals_before = signals(&k, appointment).await;
    let lists_before = k.recording_lists(&meeting).await.len();
    let sent = k
        .stack
        .emulator
        .control()
        .send_lifecycle(&first.id, "subscriptionRemoved")
        .await
        .unwrap();
    assert_eq!(sent.status, Some(202));
    let second = eventually(MINUTE, "recreated", || async {
        let now = Utc::now();
        Ok(k.subscriptions().await.into_iter().find(|s| {
            s.resource == RECORDINGS
                && s.id != first.id
                && !s.removed
                && s.expiration_date_time > now
        }))
    })
    .await;
    assert_ne!(
        second.client_state, first.client_state,
        "clientState rotated"
    );
    eventually(MINUTE, "the capture poked and polled", || async {
        Ok((signals(&k, appointment).await > signals_before
            && k.recording_lists(&meeting).await.len() > lists_before)
            .then_some(()))
    })
    .await;
    let state = k.keeper_state("recordings").await;
    assert_eq!(state["subscriptionId"], json!(second.id));
    assert_eq!(state["recreations"], json!(1));

    // The rotated-out clientState is refused; the new one accepted.
    assert_eq!(
        k.post(notification(&first.client_state, &meeting)).await,
        403
    );
    assert_eq!(
        k.post(notification(&second.client_state, &meeting)).await,
        202
    );
    // Neither secret is in the keeper's history (the scan does read its payloads).
    let text = k.keeper_history_text("recordings").await;
    assert!(text.contains(&second.id), "the scan reads payloads");
    assert!(!text.contains(&first.client_state) && !text.contains(&second.client_state));
    k.stack.stop().await;
}

async fn signals(k: &Kept, workflow_id: &str) -> usize {
    meetflow::inspect::events(&k.stack.client, workflow_id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type() == EventType::WorkflowExecutionSignaled)
        .count()
}
