//! What the lifecycle workflow knows, and its projection onto the contract's query result.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use meetflow_config::TenantSettings;
use meetflow_proto::attendance::AttendanceSummary;
use meetflow_proto::model::{Approval, RescheduleRequest, Schedule};
use meetflow_proto::status::{CaptureStatus, MailStep, MeetingStatus, Phase, SkipReason};
use meetflow_proto::v1;
use serde::{Deserialize, Serialize};

use crate::activity_api::{CapturedArtifact, CreatedMeeting};

/// What became of the Teams meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Meeting {
    Pending,
    Created {
        event: CreatedMeeting,
        online_meeting_id: Option<String>,
    },
    Skipped(SkipReason),
    Failed(ErrorInfo),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

impl From<v1::ErrorInfo> for ErrorInfo {
    fn from(e: v1::ErrorInfo) -> Self {
        Self {
            code: e.code,
            message: e.message,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSent {
    pub step: MailStep,
    pub recipient: String,
    pub message_id: String,
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The approval as the PSA sent it, never changed afterwards. Set once the input has been
    /// parsed; `None` only while the first task runs or when the input was rejected.
    pub approval: Option<Approval>,
    /// The appointment's current times: the approval's, then each applied reschedule's.
    pub schedule: Option<Schedule>,
    /// Whether meetflow mails this appointment's invitations: the approval's `sendInvites`, or
    /// when absent the tenant's `send_invites_default` (settled once, before the first mail).
    pub send_invites: bool,
    pub phase: Phase,
    pub meeting: Meeting,
    pub ics_uid: String,
    pub sequence: u32,
    pub mails: Vec<MailSent>,
    pub last_error: Option<ErrorInfo>,
    /// Set by the `meetingEnded` signal.
    pub ended_at: Option<DateTime<Utc>>,
    /// Accepted changes not yet applied, in acceptance order.
    pub pending: VecDeque<Change>,
    /// The SEQUENCE the last accepted change was given (≥ `sequence`).
    pub assigned_sequence: u32,
    /// A cancel was accepted: no further change is.
    pub cancel_requested: bool,
    /// `artifactsAvailable` signals received (forwarded to the capture child).
    pub refresh_requests: u32,
    pub artifacts: Vec<CapturedArtifact>,
    pub capture_status: Option<CaptureStatus>,
    /// What the attendance reports added up to (billable time, client no-show).
    #[serde(default)]
    pub attendance: Option<AttendanceSummary>,
    /// The tenant's settings as `resolve_tenant` returned them (attempt timeout, lookup window,
    /// delete retry …); an unconfigured tenant's until then.
    pub tenant: TenantSettings,
}

/// A validated change waiting for the main loop, with the SEQUENCE its mails will carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Reschedule {
        request: RescheduleRequest,
        sequence: u32,
    },
    Cancel {
        reason: String,
        sequence: u32,
    },
}

impl Default for State {
    fn default() -> Self {
        Self {
            approval: None,
            schedule: None,
            send_invites: true,
            phase: Phase::Approving,
            meeting: Meeting::Pending,
            ics_uid: String::new(),
            sequence: 0,
            mails: Vec::new(),
            last_error: None,
            ended_at: None,
            pending: VecDeque::new(),
            assigned_sequence: 0,
            cancel_requested: false,
            refresh_requests: 0,
            artifacts: Vec::new(),
            capture_status: None,
            attendance: None,
            tenant: TenantSettings::unconfigured(),
        }
    }
}

fn timestamp(t: DateTime<Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn wire_error(e: &ErrorInfo) -> v1::ErrorInfo {
    v1::ErrorInfo {
        code: e.code.clone(),
        message: e.message.clone(),
    }
}

impl State {
    /// Takes the parsed approval: its times become the current schedule.
    pub fn approve(&mut self, approval: Approval) {
        self.schedule = Some(approval.schedule);
        self.approval = Some(approval);
    }

    /// Settles what depends on the tenant: the attempt timeout, and whether we mail (the
    /// approval's `sendInvites`, else the tenant's default).
    pub fn apply_tenant(&mut self, settings: &TenantSettings) {
        self.tenant = settings.clone();
        let asked = self.approval.as_ref().and_then(|a| a.send_invites);
        self.send_invites = asked.unwrap_or(settings.send_invites_default);
    }

    /// Starts this run's SEQUENCE after `stored`, the last one an earlier run of the same
    /// appointment recorded.
    pub fn continue_after(&mut self, stored: u32) {
        self.sequence = stored.saturating_add(1);
        self.assigned_sequence = self.sequence;
    }

    /// When the meeting counts as over without a `meetingEnded` signal: the current scheduled
    /// end plus the tenant's grace period. Moves with every reschedule.
    pub fn meeting_over_at(&self, grace: Duration) -> Option<DateTime<Utc>> {
        self.schedule.map(|s| s.end() + grace)
    }

    /// The PSA-facing status of the store's meeting row.
    pub fn meeting_status(&self) -> MeetingStatus {
        if let Some(capture) = self.capture_status {
            return capture.into();
        }
        match self.phase {
            Phase::Cancelled => MeetingStatus::Cancelled,
            Phase::Ended | Phase::Done => MeetingStatus::Ended,
            Phase::Capturing => MeetingStatus::Capturing,
            Phase::Approving | Phase::Scheduled => match &self.meeting {
                Meeting::Failed(_) => MeetingStatus::Failed,
                Meeting::Created { .. } if self.sequence > 0 => MeetingStatus::Rescheduled,
                Meeting::Created { .. } => MeetingStatus::Scheduled,
                Meeting::Pending | Meeting::Skipped(_) => MeetingStatus::NoMeeting,
            },
        }
    }

    pub fn join_url(&self) -> Option<String> {
        match &self.meeting {
            Meeting::Created { event, .. } => event.join_url.clone(),
            _ => None,
        }
    }

    /// The query result.
    pub fn to_wire(&self) -> v1::AppointmentState {
        use v1::meeting_outcome::Outcome;
        let outcome = match &self.meeting {
            Meeting::Pending => None,
            Meeting::Created {
                event,
                online_meeting_id,
            } => Some(Outcome::Created(v1::MeetingInfo {
                event_id: event.event_id.clone(),
                ical_uid: event.ical_uid.clone(),
                online_meeting_id: online_meeting_id.clone().unwrap_or_default(),
                join_url: event.join_url.clone().unwrap_or_default(),
                organizer: event.organizer_email.to_string(),
            })),
            Meeting::Skipped(reason) => Some(Outcome::Skipped(reason.to_string())),
            Meeting::Failed(e) => Some(Outcome::Failed(wire_error(e))),
        };
        let a = self.approval.as_ref();
        v1::AppointmentState {
            tenant_id: a.map(|a| a.tenant_id.to_string()).unwrap_or_default(),
            appointment_id: a.map(|a| a.appointment_id.to_string()).unwrap_or_default(),
            phase: self.phase.wire() as i32,
            title: a.map(|a| a.title.clone()).unwrap_or_default(),
            start: self.schedule.map(|s| timestamp(s.start())),
            end: self.schedule.map(|s| timestamp(s.end())),
            meeting: outcome.map(|o| v1::MeetingOutcome { outcome: Some(o) }),
            ics_uid: self.ics_uid.clone(),
            sequence: self.sequence,
            mails: self
                .mails
                .iter()
                .map(|m| v1::MailSent {
                    step: m.step.to_string(),
                    recipient: m.recipient.clone(),
                    message_id: m.message_id.clone(),
                    sequence: m.sequence,
                })
                .collect(),
            last_error: self.last_error.as_ref().map(wire_error),
            artifacts: self
                .artifacts
                .iter()
                .map(|a| v1::ArtifactInfo {
                    kind: a.kind.to_string(),
                    provider_id: a.id.clone(),
                    location: a.location.clone().unwrap_or_default(),
                })
                .collect(),
            capture_status: self
                .capture_status
                .map(|c| c.to_string())
                .unwrap_or_default(),
            attendance: self.attendance.as_ref().map(|a| v1::AttendanceInfo {
                billable_seconds: a.billable_seconds,
                billable_from: a.billable_from.map(timestamp),
                billable_to: a.billable_to.map(timestamp),
                client_no_show: a.client_no_show,
                participants: a.participants,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetflow_config::TenantSettings;
    use serde_json::json;

    fn approved(send_invites: Option<bool>) -> State {
        let mut wire = json!({
            "tenantId": "acme", "appointmentId": "a1", "title": "Review",
            "start": "2030-01-02T10:00:00Z", "end": "2030-01-02T11:00:00Z",
            "participants": [{"role": "PARTICIPANT_ROLE_TECHNICIAN", "email": "t@msp.example"}],
        });
        if let Some(b) = send_invites {
            wire["sendInvites"] = json!(b);
        }
        let mut state = State::default();
        state.approve(meetflow_proto::parse::approval(&wire).unwrap());
        state
    }

    fn tenant(send_invites_default: bool) -> TenantSettings {
        TenantSettings {
            send_invites_default,
            ..TenantSettings::unconfigured()
        }
    }

    #[test]
    fn an_absent_send_invites_follows_the_tenant() {
        for tenant_default in [true, false] {
            let mut s = approved(None);
            s.apply_tenant(&tenant(tenant_default));
            assert_eq!(s.send_invites, tenant_default);
        }
    }

    #[test]
    fn an_explicit_send_invites_wins_over_the_tenant() {
        for (asked, tenant_default) in [(true, false), (false, true)] {
            let mut s = approved(Some(asked));
            s.apply_tenant(&tenant(tenant_default));
            assert_eq!(s.send_invites, asked);
        }
    }

    #[test]
    fn a_reschedule_moves_the_deadline_not_the_approval() {
        let mut s = approved(None);
        let approved_at = s.approval.as_ref().unwrap().schedule;
        let later = Schedule::new(
            approved_at.start() + Duration::hours(2),
            approved_at.end() + Duration::hours(2),
        )
        .unwrap();
        s.schedule = Some(later);
        assert_eq!(
            s.meeting_over_at(Duration::minutes(5)),
            Some(later.end() + Duration::minutes(5))
        );
        assert_eq!(s.approval.as_ref().unwrap().schedule, approved_at);
        let wire = s.to_wire();
        assert_eq!(wire.end.unwrap().seconds, later.end().timestamp());
    }

    #[test]
    fn a_re_approval_continues_after_the_stored_sequence() {
        let mut s = approved(None);
        s.continue_after(3);
        assert_eq!((s.sequence, s.assigned_sequence), (4, 4));
        // The next accepted change gets the one after.
        let next = super::super::changes::accept(&mut s, |sequence| Change::Cancel {
            reason: String::new(),
            sequence,
        });
        assert_eq!(next, 5);
    }

    #[test]
    fn meeting_status_follows_phase_meeting_and_capture() {
        let mut s = approved(None);
        assert_eq!(s.meeting_status(), MeetingStatus::NoMeeting);
        s.meeting = Meeting::Failed(ErrorInfo {
            code: "graph_unauthorized".into(),
            message: String::new(),
        });
        assert_eq!(s.meeting_status(), MeetingStatus::Failed);
        s.phase = Phase::Cancelled;
        assert_eq!(s.meeting_status(), MeetingStatus::Cancelled);
        s.phase = Phase::Ended;
        assert_eq!(s.meeting_status(), MeetingStatus::Ended);
        s.phase = Phase::Capturing;
        assert_eq!(s.meeting_status(), MeetingStatus::Capturing);
        s.capture_status = Some(CaptureStatus::Partial);
        assert_eq!(s.meeting_status(), MeetingStatus::PartiallyCaptured);
    }
}
