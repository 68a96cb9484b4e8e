//! Approve → reschedule → cancel, and the reschedule that is refused.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_reschedule_twice_cancel_on_postgres_and_smtp() {
    let pg = PgSchema::create().await;
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let mut overrides = smtp.overrides();
    overrides.push(("MEETFLOW_STORE__URL".into(), pg.url().to_owned()));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/life-1";
    approve_scheduled(&stack, id, &approval("demo", "life-1")).await;

    let first = update(
        &stack,
        id,
        "reschedule",
        json!({"start": at(hours(3)), "end": at(hours(4)), "reason": "clash"}),
    )
    .await;
    assert_eq!(first, Ok(json!({"sequence": 1})));
    let second = reschedule(&stack, id, hours(5), hours(6)).await;
    assert_eq!(second, Ok(json!({"sequence": 2})));
    let cancel = update(
        &stack,
        id,
        "cancelAppointment",
        json!({"reason": "client <cancelled> & sorry"}),
    )
    .await;
    assert_eq!(cancel, Ok(json!({"sequence": 3})));
    let state = state_when(&stack, id, MINUTE, "cancelled with 8 mails", |s| {
        s.phase == AppointmentPhase::Cancelled as i32 && s.mails.len() == 8
    })
    .await;
    assert_eq!(state.sequence, 3);
    // After the cancel the workflow is closed: nothing more is accepted.
    let late = reschedule(&stack, id, hours(7), hours(8)).await;
    assert!(
        late.as_ref().unwrap_err().contains("already completed"),
        "{late:?}"
    );

    // Graph: one event, PATCHed twice, deleted.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["deleted"], true, "{}", events[0]);
    let organizer_events = "/v1.0/users/33333333-3333-4333-8333-333333333333/events";
    assert_eq!(stack.emulator.count("POST", organizer_events).await, 1);
    assert_eq!(stack.emulator.count("PATCH", "/v1.0/users/").await, 2);
    assert_eq!(stack.emulator.count("DELETE", "/v1.0/users/").await, 1);

    // Mail, as the SMTP server received it: per recipient SEQUENCE 0,1,2,3, one UID throughout,
    // REQUEST ×3 then CANCEL, the cancel without the join link's VALARM and with STATUS:CANCELLED.
    let mails = read_outbox(&smtp.maildir).unwrap();
    assert_eq!(mails.len(), 8);
    for who in ["ana.client@customer.example", "tech@msp.example"] {
        let mut mine: Vec<(u32, String, String, String)> = mails
            .iter()
            .filter(|m| m.to.contains(who))
            .map(|m| {
                let ics = ics_of(m);
                (
                    ics_field(&ics, "SEQUENCE").parse().unwrap(),
                    ics_field(&ics, "METHOD").to_string(),
                    ics_field(&ics, "UID").to_string(),
                    ics_field(&ics, "STATUS").to_string(),
                )
            })
            .collect();
        mine.sort();
        let sequences: Vec<u32> = mine.iter().map(|m| m.0).collect();
        assert_eq!(sequences, [0, 1, 2, 3], "{who}");
        let methods: Vec<&str> = mine.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(
            methods,
            ["REQUEST", "REQUEST", "REQUEST", "CANCEL"],
            "{who}"
        );
        assert!(
            mine.iter().all(|m| m.2 == state.ics_uid),
            "one UID for the whole life: {mine:?}"
        );
        assert_eq!(mine[3].3, "CANCELLED");
    }

    // Store (PostgreSQL): the row follows, deliveries once per recipient per step.
    let store = meetflow_store::Store::connect(pg.url()).await.unwrap();
    let row = store.get_meeting("demo", "life-1").await.unwrap().unwrap();
    assert_eq!((row.sequence, row.status.as_str()), (3, "cancelled"));
    assert_eq!(store.count_deliveries("demo", "life-1").await.unwrap(), 8);
    store.close().await;

    save_history(&stack, id, "reschedule-reschedule-cancel").await;
    stack.stop().await;
    pg.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_reschedule_leaves_history_and_store_untouched() {
    let stack = Stack::start().await;
    let id = "appointment/demo/rej-1";
    approve_scheduled(&stack, id, &approval("demo", "rej-1")).await;
    let before = history_len(&stack, id).await;
    let row_before = stack.store.get_meeting("demo", "rej-1").await.unwrap();

    let past = reschedule(&stack, id, hours(-2), hours(-1)).await;
    assert!(
        past.as_ref().unwrap_err().contains("is in the past"),
        "{past:?}"
    );
    let backwards = reschedule(&stack, id, hours(3), hours(2)).await;
    assert!(
        backwards.as_ref().unwrap_err().contains("end: end ("),
        "{backwards:?}"
    );
    let garbage = update(&stack, id, "reschedule", json!({"start": "soon"})).await;
    assert!(
        garbage
            .as_ref()
            .unwrap_err()
            .starts_with("invalid input: start:"),
        "{garbage:?}"
    );

    assert_eq!(
        history_len(&stack, id).await,
        before,
        "validator rejections write no history"
    );
    assert_eq!(
        stack.store.get_meeting("demo", "rej-1").await.unwrap(),
        row_before
    );
    assert_eq!(read_outbox(&stack.outbox()).unwrap().len(), 2);
    assert_eq!(stack.emulator.count("PATCH", "/v1.0/users/").await, 0);
    stack.stop().await;
}
