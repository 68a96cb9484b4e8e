//! Attendance reports of an online meeting and their records (who joined, when, for how long).
//! App-only they need `OnlineMeetingArtifact.Read.All` and the organizer's application access
//! policy; Teams produces a report some minutes after each session of the meeting ends.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::client::GraphClient;
use crate::credentials::AppCredentials;
use crate::error::GraphError;

/// A `meetingAttendanceReport` (one per session of the meeting), without its records.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceReport {
    pub id: String,
    pub total_participant_count: Option<u32>,
    pub meeting_start_date_time: Option<DateTime<Utc>>,
    pub meeting_end_date_time: Option<DateTime<Utc>>,
}

/// An `attendanceRecord`: one participant of one report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceRecord {
    /// Absent in some of Graph's own examples; the identity's id is the stable key then.
    #[serde(default)]
    pub id: Option<String>,
    pub email_address: Option<String>,
    /// `Organizer`, `Presenter`, `Attendee` or `Unknown` (the meeting role, not ours).
    pub role: Option<String>,
    pub identity: Option<AttendanceIdentity>,
    pub total_attendance_in_seconds: Option<u64>,
    #[serde(default)]
    pub attendance_intervals: Vec<AttendanceInterval>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceIdentity {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceInterval {
    pub join_date_time: DateTime<Utc>,
    /// Null while the participant is still in the meeting.
    pub leave_date_time: Option<DateTime<Utc>>,
    pub duration_in_seconds: Option<u64>,
}

impl AttendanceRecord {
    /// What tells this participant apart within a report: the record id, else the identity's
    /// id, else the address.
    pub fn participant_key(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or_else(|| self.identity.as_ref().and_then(|i| i.id.as_deref()))
            .or(self.email_address.as_deref())
    }
}

impl GraphClient {
    /// `GET /users/{organizer}/onlineMeetings/{meeting}/attendanceReports`, all pages. Empty
    /// until Teams has produced the first report after the meeting ended.
    pub async fn list_attendance_reports(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
    ) -> Result<Vec<AttendanceReport>, GraphError> {
        let url = self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "attendanceReports",
        ]);
        self.collect_pages(app, url, "attendance reports").await
    }

    /// `GET …/attendanceReports/{report}/attendanceRecords`, all pages.
    pub async fn list_attendance_records(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
        report_id: &str,
    ) -> Result<Vec<AttendanceRecord>, GraphError> {
        let url = self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "attendanceReports",
            report_id,
            "attendanceRecords",
        ]);
        self.collect_pages(app, url, "attendance records").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// GD api-reference/v1.0/api/meetingattendancereport-get.md, example 1's response.
    fn docs_report_with_records() -> serde_json::Value {
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
              "identity": {
                "id": "dc17674c-81d9-4adb-bfb2-8f6a442e4623",
                "displayName": "Frederick Cormier",
                "tenantId": null
              },
              "attendanceIntervals": [
                {"joinDateTime": "2021-03-16T18:59:52.2782182Z", "leaveDateTime": "2021-03-16T19:06:47.7218491Z", "durationInSeconds": 415},
                {"joinDateTime": "2021-03-16T19:09:23.9834702Z", "leaveDateTime": "2021-03-16T19:16:31.1381195Z", "durationInSeconds": 427},
                {"joinDateTime": "2021-03-16T19:20:27.7094382Z", "leaveDateTime": "2021-03-16T19:25:37.7121956Z", "durationInSeconds": 310}
              ]
          }]
        })
    }

    #[test]
    fn the_docs_example_parses() {
        let doc = docs_report_with_records();
        let report: AttendanceReport = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(report.id, "c9b6db1c-d5eb-427d-a5c0-20088d9b22d7");
        assert_eq!(report.total_participant_count, Some(1));
        let records: Vec<AttendanceRecord> =
            serde_json::from_value(doc["attendanceRecords"].clone()).unwrap();
        let r = &records[0];
        assert_eq!(r.role.as_deref(), Some("Presenter"));
        assert_eq!(r.total_attendance_in_seconds, Some(1152));
        assert_eq!(
            r.participant_key(),
            Some("dc17674c-81d9-4adb-bfb2-8f6a442e4623")
        );
        assert_eq!(r.attendance_intervals.len(), 3);
        assert_eq!(r.attendance_intervals[2].duration_in_seconds, Some(310));
        let sum: u64 = r
            .attendance_intervals
            .iter()
            .filter_map(|i| i.duration_in_seconds)
            .sum();
        assert_eq!(sum, 1152);
    }
}
