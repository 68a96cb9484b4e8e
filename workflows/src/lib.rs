//! meetflow's workflows: deterministic code only.
//!
//! Nothing in this crate performs I/O, reads the wall clock or draws randomness; time comes from
//! the workflow context and every effect is an activity declared in [`activity_api`]. The replay
//! tests in `tests/` replay saved histories of every path against this code; a change that alters
//! the commands of a recorded history must go behind `ctx.patched(..)` (`lifecycle/patches.rs`;
//! how a change ships: docs/versioning.md).

pub mod activity_api;
pub mod capture;
pub mod clock;
mod failure;
pub mod floor;
pub mod lifecycle;
mod options;
mod payload;
pub mod search;
pub mod subscription;

pub use capture::RecordingCapture;
pub use lifecycle::AppointmentLifecycle;
pub use options::RECORDING_HEARTBEAT_TIMEOUT;
pub use subscription::SubscriptionKeeper;

#[cfg(test)]
mod tests {
    use meetflow_proto::names::*;

    /// The macros need literal names; this holds them to the contract's constants.
    #[test]
    fn handler_names_are_the_contract_s() {
        let expect = |source: &str, file: &str, handlers: &[(&str, &str)]| {
            for (kind, name) in handlers {
                let attribute = format!("#[{kind}(name = \"{name}\")]");
                assert!(source.contains(&attribute), "{file} has no {attribute}");
            }
        };
        expect(
            include_str!("lifecycle/mod.rs"),
            "lifecycle/mod.rs",
            &[
                ("run", APPOINTMENT_WORKFLOW),
                ("signal", SIGNAL_CANCEL),
                ("signal", SIGNAL_MEETING_ENDED),
                ("signal", SIGNAL_ARTIFACTS_AVAILABLE),
                ("update", UPDATE_RESCHEDULE),
                ("update", UPDATE_CANCEL),
                ("query", QUERY_STATE),
            ],
        );
        expect(
            include_str!("capture.rs"),
            "capture.rs",
            &[
                ("run", CAPTURE_WORKFLOW),
                ("signal", SIGNAL_ARTIFACTS_AVAILABLE),
                ("query", QUERY_STATE),
            ],
        );
        expect(
            include_str!("subscription.rs"),
            "subscription.rs",
            &[
                ("run", SUBSCRIPTION_WORKFLOW),
                ("signal", SIGNAL_LIFECYCLE_EVENT),
                ("signal", SIGNAL_STOP),
                ("query", QUERY_STATE),
            ],
        );
    }
}
