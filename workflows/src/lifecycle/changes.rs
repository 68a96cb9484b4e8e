//! Which reschedules and cancellations the workflow accepts. Pure functions of the state, the
//! request and the validating task's workflow time, so they are unit-tested without a server and
//! a rejection leaves no trace in history.

use chrono::{DateTime, Utc};
use meetflow_proto::model::RescheduleRequest;
use meetflow_proto::status::Phase;

use super::state::{Change, State};

/// Why a change is refused; the text goes back to the caller as is.
pub type Refusal = String;

fn open_for_changes(state: &State) -> Result<(), Refusal> {
    if state.cancel_requested || state.phase == Phase::Cancelled {
        return Err("the appointment is cancelled".into());
    }
    match state.phase {
        Phase::Approving | Phase::Scheduled if state.ended_at.is_none() => Ok(()),
        _ => Err("the meeting has already ended".into()),
    }
}

pub fn check_reschedule(
    state: &State,
    request: &RescheduleRequest,
    now: Option<DateTime<Utc>>,
) -> Result<(), Refusal> {
    open_for_changes(state)?;
    if let Some(now) = now
        && request.schedule.start() < now
    {
        return Err(format!(
            "start ({}) is in the past (now {now})",
            request.schedule.start()
        ));
    }
    let current = state.pending.iter().rev().find_map(|c| match c {
        Change::Reschedule { request, .. } => Some(request.schedule),
        Change::Cancel { .. } => None,
    });
    let current = current.or(state.schedule);
    if current == Some(request.schedule) {
        return Err("the appointment already has these times".into());
    }
    Ok(())
}

pub fn check_cancel(state: &State) -> Result<(), Refusal> {
    open_for_changes(state)
}

/// Queues an accepted change and returns the SEQUENCE its mails will carry.
pub fn accept(state: &mut State, make: impl FnOnce(u32) -> Change) -> u32 {
    state.assigned_sequence += 1;
    let sequence = state.assigned_sequence;
    let change = make(sequence);
    if matches!(change, Change::Cancel { .. }) {
        state.cancel_requested = true;
    }
    state.pending.push_back(change);
    sequence
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetflow_proto::model::Schedule;

    fn at(h: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2030-01-02T{h:02}:00:00Z"))
            .unwrap()
            .into()
    }

    fn request(start: u32) -> RescheduleRequest {
        RescheduleRequest {
            schedule: Schedule::new(at(start), at(start + 1)).unwrap(),
            reason: String::new(),
        }
    }

    fn scheduled() -> State {
        State {
            phase: Phase::Scheduled,
            ..State::default()
        }
    }

    #[test]
    fn accepts_future_times_and_numbers_changes_in_order() {
        let mut s = scheduled();
        assert_eq!(check_reschedule(&s, &request(12), Some(at(9))), Ok(()));
        assert_eq!(
            accept(&mut s, |sequence| Change::Reschedule {
                request: request(12),
                sequence
            }),
            1
        );
        assert_eq!(
            check_reschedule(&s, &request(12), Some(at(9))),
            Err("the appointment already has these times".into())
        );
        assert_eq!(
            accept(&mut s, |sequence| Change::Reschedule {
                request: request(14),
                sequence
            }),
            2
        );
        assert_eq!(
            accept(&mut s, |sequence| Change::Cancel {
                reason: "x".into(),
                sequence
            }),
            3
        );
        assert_eq!(s.pending.len(), 3);
    }

    #[test]
    fn refuses_the_past_and_closed_appointments() {
        let s = scheduled();
        assert!(
            check_reschedule(&s, &request(8), Some(at(9)))
                .unwrap_err()
                .contains("is in the past")
        );
        let mut cancelled = scheduled();
        accept(&mut cancelled, |sequence| Change::Cancel {
            reason: String::new(),
            sequence,
        });
        assert_eq!(
            check_reschedule(&cancelled, &request(12), Some(at(9))),
            Err("the appointment is cancelled".into())
        );
        assert_eq!(
            check_cancel(&cancelled),
            Err("the appointment is cancelled".into())
        );
        for phase in [Phase::Ended, Phase::Capturing, Phase::Done] {
            let s = State {
                phase,
                ..State::default()
            };
            assert_eq!(
                check_cancel(&s),
                Err("the meeting has already ended".into())
            );
        }
        let ended_early = State {
            ended_at: Some(at(9)),
            ..scheduled()
        };
        assert_eq!(
            check_reschedule(&ended_early, &request(12), Some(at(9))),
            Err("the meeting has already ended".into())
        );
    }
}
