//! Attendance reports and their records: listed across pages once Teams produced them, typed,
//! and refused without `OnlineMeetingArtifact.Read.All`.

use chrono::{Duration, Utc};
use meetflow_graph::GraphErrorKind;
use meetflow_graph_emulator::control_api::{
    AttendanceRole, NewAttendanceReport, Permission, SeededAttendance, SeededInterval,
    SettingsPatch,
};

use crate::support::*;

async fn meeting(h: &Harness) -> String {
    let join_url = h.create("appt-attendance").await.join_url.unwrap();
    h.client
        .find_online_meeting(&h.app(), ORGANIZER_ID, &join_url)
        .await
        .unwrap()
        .id
}

fn report(people: usize, after_secs: f64) -> NewAttendanceReport {
    let start = Utc::now() - Duration::hours(1);
    NewAttendanceReport {
        available_after_secs: after_secs,
        records: (0..people)
            .map(|n| SeededAttendance {
                email: format!("p{n}@contoso.example"),
                display_name: format!("P {n}"),
                role: AttendanceRole::Attendee,
                intervals: vec![
                    SeededInterval {
                        join: start,
                        leave: start + Duration::minutes(5),
                    },
                    SeededInterval {
                        join: start + Duration::minutes(10),
                        leave: start + Duration::minutes(10 + n as i64),
                    },
                ],
            })
            .collect(),
    }
}

#[tokio::test]
async fn reports_and_records_are_listed_across_pages_once_produced() {
    let h = Harness::start().await;
    let id = meeting(&h).await;
    assert!(
        h.client
            .list_attendance_reports(&h.app(), ORGANIZER_ID, &id)
            .await
            .unwrap()
            .is_empty(),
        "no report before Teams produced one"
    );
    let pages_of_two = SettingsPatch {
        page_size: Some(2),
        ..Default::default()
    };
    h.control.update_settings(&pages_of_two).await.unwrap();
    let added = h
        .control
        .add_attendance_report(&id, &report(5, 0.0))
        .await
        .unwrap();
    h.control
        .add_attendance_report(&id, &report(1, 3600.0))
        .await
        .unwrap();

    let reports = h
        .client
        .list_attendance_reports(&h.app(), ORGANIZER_ID, &id)
        .await
        .unwrap();
    assert_eq!(reports.len(), 1, "the later report is not listed yet");
    assert_eq!(reports[0].id, added.id);
    assert_eq!(reports[0].total_participant_count, Some(5));

    let records = h
        .client
        .list_attendance_records(&h.app(), ORGANIZER_ID, &id, &added.id)
        .await
        .unwrap();
    assert_eq!(records.len(), 5);
    let last = &records[4];
    assert_eq!(last.email_address.as_deref(), Some("p4@contoso.example"));
    assert_eq!(last.role.as_deref(), Some("Attendee"));
    assert_eq!(last.total_attendance_in_seconds, Some(9 * 60));
    assert_eq!(last.attendance_intervals.len(), 2);
    assert_eq!(
        last.attendance_intervals[1].duration_in_seconds,
        Some(4 * 60)
    );
    assert!(last.participant_key().is_some());
    let record_pages = h
        .requests()
        .await
        .iter()
        .filter(|r| r.path.ends_with("/attendanceRecords"))
        .count();
    assert_eq!(record_pages, 3, "pages of 2, 2, 1");
}

#[tokio::test]
async fn attendance_needs_its_permission() {
    let h = Harness::start().await;
    // Before the first token: every token of this app lacks the role, the others stay.
    h.control
        .revoke_permission(TENANT, CLIENT_ID, Permission::OnlineMeetingArtifactReadAll)
        .await
        .unwrap();
    let id = meeting(&h).await;
    h.control
        .add_attendance_report(&id, &report(1, 0.0))
        .await
        .unwrap();
    let err = h
        .client
        .list_attendance_reports(&h.app(), ORGANIZER_ID, &id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Forbidden);
    assert!(
        err.to_string().contains("OnlineMeetingArtifact.Read.All"),
        "{err}"
    );
}
