//! Behaviour tests run against both backends: a fresh SQLite file in a temporary directory, and a
//! throw-away schema in the PostgreSQL at `MEETFLOW_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`).

pub(crate) mod harness;

mod artifacts;
mod attendance;
mod deliveries;
mod meetings;
mod migrations;
mod subscriptions;

/// For each named scenario `async fn name(db: TestDb)` in the invoking module, generates
/// `name::sqlite` and `name::postgres` tests, so a failure names its backend.
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::tests::harness::run(crate::tests::harness::Kind::Sqlite, super::$scenario).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::tests::harness::run(crate::tests::harness::Kind::Postgres, super::$scenario).await;
            }
        }
    )+};
}
pub(crate) use on_both_backends;

use chrono::{DateTime, TimeZone, Utc};

use crate::{MeetingRecord, MeetingStatus};

/// Whole seconds, so values survive PostgreSQL's microsecond precision unchanged.
fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap()
}

fn meeting(tenant_id: &str, appointment_id: &str) -> MeetingRecord {
    MeetingRecord {
        tenant_id: tenant_id.to_owned(),
        appointment_id: appointment_id.to_owned(),
        event_id: Some(format!("evt-{appointment_id}")),
        ical_uid: Some(format!("040000008200E0-{appointment_id}")),
        online_meeting_id: Some(format!("MSo1N2Y5-{appointment_id}")),
        join_url: Some(format!(
            "https://teams.microsoft.com/l/meetup-join/{appointment_id}"
        )),
        organizer_upn: Some("organizer@contoso.example".to_owned()),
        organizer_object_id: Some("6e0e1d6c-4d52-4b3c-9f6b-1c1c6f0f2a11".to_owned()),
        subject: "Quarterly review".to_owned(),
        start: at(9),
        end: at(10),
        ics_uid: format!("040000008200E0-{appointment_id}"),
        sequence: 0,
        status: MeetingStatus::Scheduled,
        error_code: None,
    }
}
