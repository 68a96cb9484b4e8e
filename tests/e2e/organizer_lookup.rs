//! A tenant configured with the organizer's UPN only: the worker looks the object id up in Graph
//! once and creates the meeting in that organizer's calendar; a UPN Graph does not know fails
//! the approval at once with `organizer_not_found`, naming the key to correct.

use std::time::Duration;

use meetflow::approve;
use meetflow_proto::model::EmailAddress;
use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};

use crate::support::{Stack, approval, failure_of, in_phase};

const ORGANIZER_OBJECT_ID: &str = "33333333-3333-4333-8333-333333333333";
const ORGANIZER_UPN: &str = "scheduling@contoso.onmicrosoft.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_resolves_the_organizer_object_id_from_the_upn() {
    let stack = Stack::start_editing(Vec::new(), |config| {
        let demo = config.tenants.get_mut("demo").unwrap();
        demo.organizer_object_id = None;
        let mut ghost = demo.clone();
        ghost.organizer_upn = Some(EmailAddress::parse("nobody@contoso.onmicrosoft.com").unwrap());
        config.tenants.insert("ghost".into(), ghost);
    })
    .await;
    let queue = stack.config().temporal.task_queue.clone();

    for n in 1..=2 {
        let started = approve::approve(
            &stack.client,
            &queue,
            &approval("demo", &format!("upn-{n}")),
        )
        .await
        .unwrap();
        let state = in_phase(
            &stack,
            &started.workflow_id,
            AppointmentPhase::Scheduled,
            Duration::from_secs(60),
        )
        .await;
        assert!(
            matches!(
                state.meeting.and_then(|m| m.outcome),
                Some(Outcome::Created(_))
            ),
            "upn-{n} has its meeting"
        );
    }
    // Both events are in the organizer's calendar, addressed by the object id Graph gave.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(e["organizer"], ORGANIZER_OBJECT_ID);
        assert_eq!(e["organizerUpn"], ORGANIZER_UPN);
    }
    let creates = stack
        .emulator
        .count("POST", &format!("/v1.0/users/{ORGANIZER_OBJECT_ID}/events"))
        .await;
    assert_eq!(creates, 2);
    // Looked up once per worker process, not once per appointment.
    let lookups = stack
        .emulator
        .count("GET", &format!("/v1.0/users/{ORGANIZER_UPN}"))
        .await;
    assert_eq!(lookups, 1);

    let started = approve::approve(&stack.client, &queue, &approval("ghost", "upn-3"))
        .await
        .unwrap();
    let (code, message) = failure_of(&stack, &started.workflow_id).await;
    assert_eq!(code, "organizer_not_found", "{message}");
    assert!(
        message.contains("tenants.ghost.organizer_upn")
            && message.contains("nobody@contoso.onmicrosoft.com"),
        "{message}"
    );
    stack.stop().await;
}
