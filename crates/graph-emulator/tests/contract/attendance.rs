//! Attendance reports and records against Graph's documentation examples: shapes, paging of
//! records, reports only once Teams would have produced them, 403 without the permission.

use chrono::{Duration, Utc};
use meetflow_graph_emulator::control_api::{
    AttendanceRole, NewAttendanceReport, Permission, SeededAttendance, SeededInterval,
    SettingsPatch,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// meetingattendancereport-get.md, example 1 (`$expand=attendanceRecords`), verbatim.
fn documented_report_with_records() -> Value {
    json!({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('16664f75-11dc-4870-bec6-38c1aaa81431')/onlineMeetings('MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZ')/attendanceReports('c9b6db1c-d5eb-427d-a5c0-20088d9b22d7')",
      "id": "c9b6db1c-d5eb-427d-a5c0-20088d9b22d7",
      "totalParticipantCount": 1,
      "meetingStartDateTime": "2021-10-05T04:38:23.945Z",
      "meetingEndDateTime": "2021-10-05T04:43:49.77Z",
      "attendanceRecords": [{
          "emailAddress": "frederick.cormier@contoso.com",
          "totalAttendanceInSeconds": 1152,
          "role": "Presenter",
          "identity": {"id": "dc17674c-81d9-4adb-bfb2-8f6a442e4623", "displayName": "Frederick Cormier", "tenantId": null},
          "attendanceIntervals": [
            {"joinDateTime": "2021-03-16T18:59:52.2782182Z", "leaveDateTime": "2021-03-16T19:06:47.7218491Z", "durationInSeconds": 415},
            {"joinDateTime": "2021-03-16T19:09:23.9834702Z", "leaveDateTime": "2021-03-16T19:16:31.1381195Z", "durationInSeconds": 427}
          ]
      }]
    })
}

fn attendee(n: usize, intervals: &[(i64, i64)]) -> SeededAttendance {
    let start = Utc::now() - Duration::hours(2);
    SeededAttendance {
        email: format!("person{n}@contoso.example"),
        display_name: format!("Person {n}"),
        role: if n == 0 {
            AttendanceRole::Organizer
        } else {
            AttendanceRole::Attendee
        },
        intervals: intervals
            .iter()
            .map(|&(a, b)| SeededInterval {
                join: start + Duration::minutes(a),
                leave: start + Duration::minutes(b),
            })
            .collect(),
    }
}

#[tokio::test]
async fn reports_and_records_match_the_docs_and_page() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let event_id = created["id"].as_str().unwrap();
    let pages_of_two = SettingsPatch {
        page_size: Some(2),
        ..Default::default()
    };
    g.control.update_settings(&pages_of_two).await.unwrap();
    let report = NewAttendanceReport {
        available_after_secs: 0.0,
        records: (0..5).map(|n| attendee(n, &[(0, 7), (10, 20)])).collect(),
    };
    let added = g
        .control
        .add_attendance_report(event_id, &report)
        .await
        .unwrap();
    let later = NewAttendanceReport {
        available_after_secs: 3600.0,
        records: vec![attendee(9, &[(0, 1)])],
    };
    g.control
        .add_attendance_report(event_id, &later)
        .await
        .unwrap();
    let meeting = encode(&added.meeting_id);
    let base = format!("users/{ORGANIZER}/onlineMeetings/{meeting}/attendanceReports");

    // meetingattendancereport-list.md: the reports without their records.
    let (status, _, list) = g.call(Method::GET, &base, None).await;
    assert_eq!(status, 200, "{list}");
    let mut documented = documented_report_with_records();
    documented
        .as_object_mut()
        .unwrap()
        .remove("attendanceRecords");
    documented.as_object_mut().unwrap().remove("@odata.context");
    assert_shape(&json!({"value": [documented]}), &list, "attendanceReports");
    let ids: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [added.id.as_str()],
        "the report not yet produced is not listed"
    );
    assert!(list["value"][0].get("attendanceRecords").is_none());

    let report_path = format!("{base}/{}", added.id);
    let (status, _, expanded) = g
        .call(
            Method::GET,
            &format!("{report_path}?$expand=attendanceRecords"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(&documented_report_with_records(), &expanded, "report");
    assert_eq!(expanded["totalParticipantCount"], 5);
    let first = &expanded["attendanceRecords"][0];
    assert_eq!(first["role"], "Organizer");
    assert_eq!(first["totalAttendanceInSeconds"], 17 * 60);
    assert_eq!(
        first["attendanceIntervals"][1]["durationInSeconds"],
        10 * 60
    );

    // attendancerecord-list.md: paged with @odata.nextLink.
    let mut records = Vec::new();
    let mut next = Some(format!("{report_path}/attendanceRecords"));
    let mut pages = 0;
    while let Some(path) = next.take() {
        let (status, _, page) = g.call(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert_shape(
            &json!({"value": documented_report_with_records()["attendanceRecords"]}),
            &page,
            "attendanceRecords",
        );
        records.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["@odata.nextLink"]
            .as_str()
            .map(|link| link.split_once("/v1.0/").unwrap().1.to_owned());
        pages += 1;
    }
    assert_eq!((records.len(), pages), (5, 3));

    // A report that does not exist (yet) is a 404.
    let (status, _, _) = g.call(Method::GET, &format!("{base}/nope"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn attendance_needs_online_meeting_artifact_read_all() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let event_id = created["id"].as_str().unwrap();
    let added = g
        .control
        .add_attendance_report(
            event_id,
            &NewAttendanceReport {
                available_after_secs: 0.0,
                records: vec![attendee(0, &[(0, 5)])],
            },
        )
        .await
        .unwrap();
    g.control
        .revoke_permission(TENANT, CLIENT_ID, Permission::OnlineMeetingArtifactReadAll)
        .await
        .unwrap();
    let (_, token) = g
        .emulator
        .request_token(TENANT, CLIENT_ID, SECRET, SCOPE)
        .await;
    let g = Graph {
        token: token["access_token"].as_str().unwrap().to_owned(),
        ..g
    };
    let (status, _, body) = g
        .call(
            Method::GET,
            &format!(
                "users/{ORGANIZER}/onlineMeetings/{}/attendanceReports",
                encode(&added.meeting_id)
            ),
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OnlineMeetingArtifact.Read.All"),
        "{body}"
    );
}
