//! What a tenant's configuration decides for an approval: whether a Teams meeting is created
//! (and the typed reason when not), and whether meetflow mails the invitations when the approval
//! does not say. One stack, four tenants, each appointment checked through its state, its final
//! result and what reached Graph and the outbox.

use std::time::Duration;

use meetflow::approve;
use meetflow_proto::v1::{AppointmentPhase, AppointmentResult, meeting_outcome::Outcome};
use temporalio_client::{UntypedSignal, WorkflowGetResultOptions, WorkflowSignalOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

use crate::support::{Stack, approval, in_phase, read_outbox};

fn env(key: &str, value: impl Into<String>) -> (String, String) {
    (format!("MEETFLOW_TENANTS__{key}"), value.into())
}

/// Approves `input` and waits until its invitations step is over.
async fn scheduled(
    stack: &Stack,
    input: &serde_json::Value,
) -> meetflow_proto::v1::AppointmentState {
    let started = approve::approve(&stack.client, &stack.config().temporal.task_queue, input)
        .await
        .unwrap();
    in_phase(
        stack,
        &started.workflow_id,
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await
}

fn skipped(state: &meetflow_proto::v1::AppointmentState) -> Option<String> {
    match state.meeting.clone()?.outcome? {
        Outcome::Skipped(reason) => Some(reason),
        other => panic!("expected a skipped meeting, got {other:?}"),
    }
}

/// Mails in the outbox for one appointment (its UID is in every ICS).
fn mails_for(stack: &Stack, ics_uid: &str) -> usize {
    read_outbox(&stack.outbox())
        .unwrap()
        .iter()
        .filter(|m| {
            let ics =
                String::from_utf8_lossy(&m.parts_of("text/calendar")[0].1).replace("\r\n ", "");
            ics.contains(&format!("UID:{ics_uid}\r\n"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_settings_decide_meetings_and_mails() {
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("secret");
    std::fs::write(&secret, "not-a-real-secret\n").unwrap();
    let stack = Stack::start_with(vec![
        // demo (the emulator's tenant) mails only when asked.
        env("DEMO__SEND_INVITES_DEFAULT", "false"),
        // off: Teams switched off for the tenant.
        env("OFF__TEAMS_ENABLED", "false"),
        // noorg: an app, but no organizer mailbox.
        env(
            "NOORG__MICROSOFT_TENANT_ID",
            "11111111-1111-4111-8111-111111111111",
        ),
        env("NOORG__CLIENT_ID", "22222222-2222-4222-8222-222222222222"),
        env(
            "NOORG__CLIENT_SECRET",
            format!("{{ file = \"{}\" }}", secret.display()),
        ),
    ])
    .await;

    // sendInvites absent: the tenant's default (false) holds — a meeting, but no mail.
    let quiet = scheduled(&stack, &approval("demo", "quiet-1")).await;
    assert!(matches!(
        quiet.meeting.as_ref().and_then(|m| m.outcome.as_ref()),
        Some(Outcome::Created(_))
    ));
    assert!(quiet.mails.is_empty(), "{:?}", quiet.mails);
    assert_eq!(mails_for(&stack, &quiet.ics_uid), 0);

    // sendInvites true wins over the tenant's default.
    let mut asked = approval("demo", "asked-1");
    asked["sendInvites"] = serde_json::json!(true);
    let asked = scheduled(&stack, &asked).await;
    assert_eq!(asked.mails.len(), 2);
    assert_eq!(mails_for(&stack, &asked.ics_uid), 2);

    // generateTeamsMeeting false: no meeting, reason not_requested; mails follow the default
    // of a tenant that has none configured (true).
    let mut no_teams = approval("acme", "no-teams-1");
    no_teams["generateTeamsMeeting"] = serde_json::json!(false);
    let no_teams = scheduled(&stack, &no_teams).await;
    assert_eq!(skipped(&no_teams).as_deref(), Some("not_requested"));
    assert_eq!(no_teams.mails.len(), 2);

    let off = scheduled(&stack, &approval("off", "off-1")).await;
    assert_eq!(skipped(&off).as_deref(), Some("disabled"));
    let noorg = scheduled(&stack, &approval("noorg", "noorg-1")).await;
    assert_eq!(skipped(&noorg).as_deref(), Some("no_organizer"));

    // Only demo's two meetings reached Graph.
    assert_eq!(stack.emulator.events().await.unwrap().len(), 2);

    // The workflow's result (not only the query) carries the final state: cancel one and read it.
    let id = "appointment/noorg/noorg-1";
    let handle = stack.client.get_workflow_handle::<UntypedWorkflow>(id);
    handle
        .signal(
            UntypedSignal::new("cancel"),
            RawValue::from_value(&serde_json::json!({}), &PayloadConverter::default()),
            WorkflowSignalOptions::default(),
        )
        .await
        .unwrap();
    let raw = tokio::time::timeout(
        Duration::from_secs(60),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the cancelled workflow completes")
    .expect("completes successfully");
    let result: AppointmentResult =
        serde_json::from_slice(&raw.payloads.first().expect("a result").data).unwrap();
    let last = result.final_state.expect("final state");
    assert_eq!(last.phase, AppointmentPhase::Cancelled as i32);
    assert_eq!(last.sequence, 1);
    assert_eq!(skipped(&last).as_deref(), Some("no_organizer"));
    assert_eq!(
        last.mails.iter().filter(|m| m.step == "cancelled").count(),
        2
    );
    let row = stack
        .store
        .get_meeting("noorg", "noorg-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "cancelled");
    stack.stop().await;
}
