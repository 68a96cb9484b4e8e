use super::harness::TestDb;
use super::{at, meeting, on_both_backends};
use crate::MeetingStatus;

on_both_backends!(
    repeated_upsert_is_one_unchanged_row,
    upsert_replaces_fields_but_ignores_a_stale_sequence,
    key_is_tenant_and_appointment,
    concurrent_upserts_of_one_key_keep_one_row_and_the_newest_sequence,
    lookup_by_online_meeting_id,
);

async fn repeated_upsert_is_one_unchanged_row(db: TestDb) {
    let m = meeting("t1", "a1");
    for _ in 0..3 {
        db.store.upsert_meeting(&m).await.unwrap();
    }
    assert_eq!(db.rows("meetings").await, 1);
    assert_eq!(db.store.get_meeting("t1", "a1").await.unwrap(), Some(m));
    assert_eq!(db.store.get_meeting("t1", "other").await.unwrap(), None);
}

async fn upsert_replaces_fields_but_ignores_a_stale_sequence(db: TestDb) {
    let first = meeting("t1", "a1");
    db.store.upsert_meeting(&first).await.unwrap();

    let mut rescheduled = first.clone();
    rescheduled.start = at(14);
    rescheduled.end = at(15);
    rescheduled.sequence = 1;
    rescheduled.status = MeetingStatus::Rescheduled;
    rescheduled.error_code = Some("graph_throttled".to_owned());
    db.store.upsert_meeting(&rescheduled).await.unwrap();
    assert_eq!(
        db.store.get_meeting("t1", "a1").await.unwrap(),
        Some(rescheduled.clone())
    );

    // A late retry of the approval (sequence 0) must not roll the reschedule back.
    db.store.upsert_meeting(&first).await.unwrap();
    assert_eq!(
        db.store.get_meeting("t1", "a1").await.unwrap(),
        Some(rescheduled)
    );
    assert_eq!(db.rows("meetings").await, 1);
}

async fn key_is_tenant_and_appointment(db: TestDb) {
    let mut a = meeting("tenant-a", "42");
    a.subject = "A".to_owned();
    let mut b = meeting("tenant-b", "42");
    b.subject = "B".to_owned();
    db.store.upsert_meeting(&a).await.unwrap();
    db.store.upsert_meeting(&b).await.unwrap();
    assert_eq!(db.rows("meetings").await, 2);
    assert_eq!(
        db.store.get_meeting("tenant-a", "42").await.unwrap(),
        Some(a)
    );
    assert_eq!(
        db.store.get_meeting("tenant-b", "42").await.unwrap(),
        Some(b)
    );

    // The key is enforced by the schema itself, not only by the upsert.
    let err = db
        .raw(
            "INSERT INTO meetings (tenant_id, appointment_id, subject, start_at, end_at, ics_uid, \
             sequence, status, created_at, updated_at) \
             SELECT tenant_id, appointment_id, subject, start_at, end_at, ics_uid, sequence, \
             status, created_at, updated_at FROM meetings WHERE tenant_id = 'tenant-a'",
        )
        .await
        .unwrap_err();
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{err}"
    );
}

async fn concurrent_upserts_of_one_key_keep_one_row_and_the_newest_sequence(db: TestDb) {
    let writers: Vec<_> = (0..16u32)
        .map(|sequence| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut m = meeting("t1", "a1");
                m.sequence = sequence;
                m.subject = format!("version {sequence}");
                // Each writer repeats, as a retried activity would.
                for _ in 0..3 {
                    store.upsert_meeting(&m).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(db.rows("meetings").await, 1);
    let stored = db.store.get_meeting("t1", "a1").await.unwrap().unwrap();
    assert_eq!(
        (stored.sequence, stored.subject.as_str()),
        (15, "version 15")
    );
}

async fn lookup_by_online_meeting_id(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    db.store.upsert_meeting(&meeting("t1", "a2")).await.unwrap();
    let found = db
        .store
        .meeting_by_online_meeting_id("t1", "MSo1N2Y5-a2")
        .await
        .unwrap();
    assert_eq!(found.map(|m| m.appointment_id), Some("a2".to_owned()));
    // Another tenant's id space is separate.
    assert_eq!(
        db.store
            .meeting_by_online_meeting_id("t2", "MSo1N2Y5-a2")
            .await
            .unwrap(),
        None
    );
}
