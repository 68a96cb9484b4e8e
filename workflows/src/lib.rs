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
pub mod detached;
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

    /// Every timer goes through [`crate::detached::timer`]: a timer started on the context itself
    /// and dropped before it fires keeps its whole workflow in memory (see `detached.rs`).
    #[test]
    fn timers_are_started_without_the_cancellation_cycle() {
        // Built at run time, so this file does not match itself.
        let needle = [".", "timer("].concat();
        fn scan(dir: &std::path::Path, needle: &str, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    scan(&path, needle, found);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("detached.rs")
                    && std::fs::read_to_string(&path).unwrap().contains(needle)
                {
                    found.push(path.display().to_string());
                }
            }
        }
        let mut found = Vec::new();
        scan(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &needle,
            &mut found,
        );
        assert!(
            found.is_empty(),
            "a timer not started by detached.rs in {found:?}"
        );
    }

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
