//! What the lifecycle workflow knows, and its projection onto the contract's query result.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use meetflow_proto::model::{Approval, RescheduleRequest};
use meetflow_proto::v1;
use serde::{Deserialize, Serialize};

use crate::activity_api::{CapturedArtifact, CreatedMeeting, MailStep};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Approving,
    Scheduled,
    Ended,
    Capturing,
    Done,
    Cancelled,
    Failed,
}

impl Phase {
    /// The `MeetingStatus` search attribute value.
    pub fn status(self) -> &'static str {
        match self {
            Phase::Approving => "approving",
            Phase::Scheduled => "scheduled",
            Phase::Ended => "ended",
            Phase::Capturing => "capturing",
            Phase::Done => "done",
            Phase::Cancelled => "cancelled",
            Phase::Failed => "failed",
        }
    }
    fn wire(self) -> v1::AppointmentPhase {
        match self {
            Phase::Approving => v1::AppointmentPhase::Approving,
            Phase::Scheduled => v1::AppointmentPhase::Scheduled,
            Phase::Ended => v1::AppointmentPhase::Ended,
            Phase::Capturing => v1::AppointmentPhase::Capturing,
            Phase::Done => v1::AppointmentPhase::Done,
            Phase::Cancelled => v1::AppointmentPhase::Cancelled,
            Phase::Failed => v1::AppointmentPhase::Failed,
        }
    }
}

/// What became of the Teams meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Meeting {
    Pending,
    Created {
        event: CreatedMeeting,
        online_meeting_id: Option<String>,
    },
    Skipped(String),
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
    /// Set once the input has been parsed; `None` only while the first task runs or when the
    /// input was rejected.
    pub approval: Option<Approval>,
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
    pub capture_status: Option<String>,
    /// The tenant's per-attempt activity timeout (from its settings).
    pub attempt_timeout_secs: u64,
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
            attempt_timeout_secs: 60,
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
    /// The status column of the store's meeting row.
    pub fn store_status(&self) -> String {
        if let Meeting::Failed(_) = &self.meeting {
            return "failed".into();
        }
        let has_meeting = matches!(self.meeting, Meeting::Created { .. });
        match self.phase {
            Phase::Cancelled => "cancelled".into(),
            Phase::Failed => "failed".into(),
            _ if !has_meeting => "no_meeting".into(),
            Phase::Approving | Phase::Scheduled if self.sequence > 0 => "rescheduled".into(),
            Phase::Approving | Phase::Scheduled => "scheduled".into(),
            Phase::Ended => "ended".into(),
            Phase::Capturing => "capturing".into(),
            Phase::Done => self
                .capture_status
                .clone()
                .unwrap_or_else(|| "ended".into()),
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
            Meeting::Skipped(reason) => Some(Outcome::Skipped(reason.clone())),
            Meeting::Failed(e) => Some(Outcome::Failed(wire_error(e))),
        };
        let a = self.approval.as_ref();
        v1::AppointmentState {
            tenant_id: a.map(|a| a.tenant_id.to_string()).unwrap_or_default(),
            appointment_id: a.map(|a| a.appointment_id.to_string()).unwrap_or_default(),
            phase: self.phase.wire() as i32,
            title: a.map(|a| a.title.clone()).unwrap_or_default(),
            start: a.map(|a| timestamp(a.schedule.start())),
            end: a.map(|a| timestamp(a.schedule.end())),
            meeting: outcome.map(|o| v1::MeetingOutcome { outcome: Some(o) }),
            ics_uid: self.ics_uid.clone(),
            sequence: self.sequence,
            mails: self
                .mails
                .iter()
                .map(|m| v1::MailSent {
                    step: m.step.as_str().into(),
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
                    kind: a.kind.as_str().into(),
                    provider_id: a.id.clone(),
                    location: a.location.clone().unwrap_or_default(),
                })
                .collect(),
            capture_status: self.capture_status.clone().unwrap_or_default(),
        }
    }
}
