use meetflow_proto::attendance::{AttendanceSummary, AttendeeRole, Interval};

use super::harness::TestDb;
use super::{at, meeting, on_both_backends};
use crate::{AttendanceRecord, StoreError};

on_both_backends!(
    repeated_record_upserts_keep_one_row_per_participant_of_a_report,
    summary_round_trips_and_is_replaced,
    attendance_needs_its_meeting,
);

fn record(report_id: &str, participant_id: &str, minutes: i64) -> AttendanceRecord {
    AttendanceRecord {
        tenant_id: "t1".to_owned(),
        appointment_id: "a1".to_owned(),
        report_id: report_id.to_owned(),
        participant_id: participant_id.to_owned(),
        email: Some(format!("{participant_id}@contoso.example")),
        display_name: Some("Ana Tech".to_owned()),
        meeting_role: Some("Presenter".to_owned()),
        attendee_role: AttendeeRole::Technician,
        total_seconds: minutes as u64 * 60,
        intervals: vec![Interval::new(at(9), at(9) + chrono::Duration::minutes(minutes)).unwrap()],
    }
}

async fn repeated_record_upserts_keep_one_row_per_participant_of_a_report(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    for _ in 0..3 {
        db.store
            .upsert_attendance_record(&record("r1", "p1", 10))
            .await
            .unwrap();
    }
    db.store
        .upsert_attendance_record(&record("r1", "p2", 5))
        .await
        .unwrap();
    // The same participant in a second session's report is a row of its own.
    db.store
        .upsert_attendance_record(&record("r2", "p1", 7))
        .await
        .unwrap();
    assert_eq!(db.rows("attendance_records").await, 3);
    // A revised report replaces the earlier figures.
    db.store
        .upsert_attendance_record(&record("r1", "p1", 12))
        .await
        .unwrap();
    let stored = db.store.attendance_records("t1", "a1").await.unwrap();
    assert_eq!(
        stored,
        vec![
            record("r1", "p1", 12),
            record("r1", "p2", 5),
            record("r2", "p1", 7)
        ]
    );
}

async fn summary_round_trips_and_is_replaced(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    assert_eq!(db.store.attendance_summary("t1", "a1").await.unwrap(), None);
    let first = AttendanceSummary {
        billable_seconds: 2700,
        billable_from: Some(at(9)),
        billable_to: Some(at(10)),
        client_no_show: false,
        participants: 3,
    };
    db.store
        .upsert_attendance_summary("t1", "a1", &first)
        .await
        .unwrap();
    db.store
        .upsert_attendance_summary("t1", "a1", &first)
        .await
        .unwrap();
    assert_eq!(
        db.store.attendance_summary("t1", "a1").await.unwrap(),
        Some(first)
    );
    let no_show = AttendanceSummary {
        billable_seconds: 0,
        billable_from: None,
        billable_to: None,
        client_no_show: true,
        participants: 1,
    };
    db.store
        .upsert_attendance_summary("t1", "a1", &no_show)
        .await
        .unwrap();
    assert_eq!(db.rows("attendance_summaries").await, 1);
    assert_eq!(
        db.store.attendance_summary("t1", "a1").await.unwrap(),
        Some(no_show)
    );
}

async fn attendance_needs_its_meeting(db: TestDb) {
    let err = db
        .store
        .upsert_attendance_record(&record("r1", "p1", 10))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MeetingNotFound { .. }), "{err:?}");
    let summary = AttendanceSummary {
        billable_seconds: 0,
        billable_from: None,
        billable_to: None,
        client_no_show: true,
        participants: 0,
    };
    let err = db
        .store
        .upsert_attendance_summary("t1", "a1", &summary)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MeetingNotFound { .. }), "{err:?}");
}
