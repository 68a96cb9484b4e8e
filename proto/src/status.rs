//! The closed vocabularies of an appointment's life, one type per concept, shared by the
//! workflows, the activity payloads, the store and the search attributes:
//!
//! | type | what it says | where it shows |
//! |---|---|---|
//! | [`Phase`] | where the workflow is in the lifecycle | `state.phase`, search attribute `AppointmentPhase` |
//! | [`CaptureStatus`] | what post-meeting capture found | `state.captureStatus`, the capture child's result |
//! | [`MeetingStatus`] | the PSA-facing status of the appointment's meeting | the store's `meetings.status` |
//! | [`ArtifactKind`] | recording or transcript | activity payloads, `artifacts.kind`, `state.artifacts[].kind` |
//! | [`MailStep`] | which mail of the lifecycle | delivery keys, `state.mails[].step` |
//! | [`SkipReason`] | why an appointment has no Teams meeting | `state.meeting.skipped` |
//! | [`SubscribedResource`] | what a tenant's Graph subscription watches | keeper workflow id, `subscriptions.resource` |
//!
//! Each value has exactly one spelling (its `as_str`), also its serde form.

use crate::text_enum;
use crate::v1;

text_enum! {
    /// Where the `AppointmentLifecycle` workflow is. A workflow that cannot go on (bad input)
    /// fails instead of entering a phase, so there is no `failed` phase.
    pub enum Phase {
        /// Input accepted; meeting, store and invitations in progress.
        Approving => "approving",
        /// Meeting settled (or none, with a reason) and invitations sent; waiting for the end.
        Scheduled => "scheduled",
        Ended => "ended",
        Capturing => "capturing",
        Done => "done",
        Cancelled => "cancelled",
    }
}

impl Phase {
    /// The contract's enum value for the `state` query.
    pub fn wire(self) -> v1::AppointmentPhase {
        match self {
            Phase::Approving => v1::AppointmentPhase::Approving,
            Phase::Scheduled => v1::AppointmentPhase::Scheduled,
            Phase::Ended => v1::AppointmentPhase::Ended,
            Phase::Capturing => v1::AppointmentPhase::Capturing,
            Phase::Done => v1::AppointmentPhase::Done,
            Phase::Cancelled => v1::AppointmentPhase::Cancelled,
        }
    }
}

text_enum! {
    /// What one of a tenant's Graph subscriptions watches: every new recording, or every new
    /// transcript, of the tenant's Teams meetings.
    pub enum SubscribedResource {
        Recordings => "recordings",
        Transcripts => "transcripts",
    }
}

text_enum! {
    /// What post-meeting capture found when it stopped.
    pub enum CaptureStatus {
        /// At least one recording and at least one transcript.
        #[serde(alias = "recording_ready")]
        Complete => "complete",
        /// Only one of the two kinds when the window closed.
        Partial => "partial",
        /// Neither kind when the window closed.
        #[serde(alias = "no_recording")]
        NothingCaptured => "nothing_captured",
    }
}

text_enum! {
    /// The status of an appointment's meeting as the PSA reads it from the store: the phase,
    /// refined by what became of the Teams meeting and of capture.
    pub enum MeetingStatus {
        /// Approved without a Teams meeting (not requested, tenant not configured, …).
        NoMeeting => "no_meeting",
        /// Creating the Teams meeting failed for good (`error_code` says why).
        Failed => "failed",
        Scheduled => "scheduled",
        /// Scheduled, and moved at least once.
        Rescheduled => "rescheduled",
        Cancelled => "cancelled",
        Ended => "ended",
        Capturing => "capturing",
        /// Capture found a recording and a transcript.
        Captured => "captured",
        /// Capture found only one of the two.
        PartiallyCaptured => "partially_captured",
        /// Capture found nothing within its window.
        NothingCaptured => "nothing_captured",
    }
}

impl MeetingStatus {
    /// The capture outcome a status stands for, if it is one.
    pub fn capture(self) -> Option<CaptureStatus> {
        CaptureStatus::ALL
            .iter()
            .copied()
            .find(|c| MeetingStatus::from(*c) == self)
    }
}

impl From<CaptureStatus> for MeetingStatus {
    fn from(c: CaptureStatus) -> Self {
        match c {
            CaptureStatus::Complete => MeetingStatus::Captured,
            CaptureStatus::Partial => MeetingStatus::PartiallyCaptured,
            CaptureStatus::NothingCaptured => MeetingStatus::NothingCaptured,
        }
    }
}

text_enum! {
    /// Why an approved appointment has no Teams meeting.
    pub enum SkipReason {
        /// The approval's `generateTeamsMeeting` was false.
        NotRequested => "not_requested",
        /// The tenant has no Microsoft app configured (or no `[tenants.<id>]` at all).
        NotConfigured => "not_configured",
        /// The tenant's app is configured but its organizer mailbox is not.
        NoOrganizer => "no_organizer",
        /// The tenant's `teams_enabled` is false.
        Disabled => "disabled",
    }
}

text_enum! {
    /// A meeting artifact Graph keeps after the meeting.
    pub enum ArtifactKind {
        Recording => "recording",
        Transcript => "transcript",
    }
}

text_enum! {
    /// The mails of an appointment's life; each step's mails carry one ICS SEQUENCE.
    pub enum MailStep {
        /// ICS METHOD:REQUEST, SEQUENCE 0 (or the sequence a re-approval continues from).
        Approved => "approved",
        /// METHOD:REQUEST with the new times, SEQUENCE + 1.
        Rescheduled => "rescheduled",
        /// METHOD:CANCEL, SEQUENCE + 1.
        Cancelled => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + std::fmt::Debug + PartialEq + std::str::FromStr + serde::Serialize,
        T: serde::de::DeserializeOwned + std::fmt::Display,
        <T as std::str::FromStr>::Err: std::fmt::Debug,
    {
        for v in all {
            assert_eq!(v.to_string().parse::<T>().unwrap(), *v);
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn every_value_has_one_spelling() {
        round_trips(Phase::ALL);
        round_trips(CaptureStatus::ALL);
        round_trips(MeetingStatus::ALL);
        round_trips(ArtifactKind::ALL);
        round_trips(MailStep::ALL);
        round_trips(SkipReason::ALL);
        assert!("Scheduled".parse::<MeetingStatus>().is_err());
    }

    #[test]
    fn capture_statuses_map_back_to_their_outcome() {
        for c in CaptureStatus::ALL {
            assert_eq!(MeetingStatus::from(*c).capture(), Some(*c));
        }
        assert_eq!(MeetingStatus::Capturing.capture(), None);
        assert_eq!(MeetingStatus::Scheduled.capture(), None);
    }

    #[test]
    fn capture_outcomes_of_recorded_histories_still_read() {
        // Saved histories carry the capture child's result with the old names.
        let old: CaptureStatus = serde_json::from_str("\"recording_ready\"").unwrap();
        assert_eq!(old, CaptureStatus::Complete);
        let old: CaptureStatus = serde_json::from_str("\"no_recording\"").unwrap();
        assert_eq!(old, CaptureStatus::NothingCaptured);
    }
}
