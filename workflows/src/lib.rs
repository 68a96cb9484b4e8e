//! meetflow's workflows: deterministic code only.
//!
//! Nothing in this crate performs I/O, reads the wall clock or draws randomness; time comes from
//! the workflow context and every effect is an activity declared in [`activity_api`]. Behaviour
//! changes to existing workflows go through `ctx.patched(..)`, and the replay tests in `tests/`
//! replay saved histories of every path against this code.

pub mod activity_api;
pub mod capture;
pub mod clock;
mod failure;
pub mod lifecycle;
mod options;
mod payload;
pub mod search;

pub use capture::RecordingCapture;
pub use lifecycle::AppointmentLifecycle;
