//! meetflow's contract with the PSA backend.
//!
//! - [`v1`]: the wire types generated from `proto/meetflow/v1/*.proto` (prost), with serde impls
//!   for the proto3 JSON mapping (pbjson). These are what a TypeScript backend sends.
//! - [`model`]: the validated domain types the workflows work with. A value of these types is
//!   known-good: the only way to get one from the wire is [`parse`].
//! - [`names`]: task queue, workflow type, signal/update/query names and workflow id scheme.
//! - [`attendance`]: attendance records → billable time and client no-show (pure).
//! - [`status`]: the closed vocabularies (phase, capture and meeting status, artifact kind, mail
//!   step), one type per concept from workflow state to store column.

pub mod attendance;
pub mod model;
pub mod names;
pub mod parse;
pub mod status;
mod text_enum;

/// Generated wire types. Field docs are in the `.proto` files.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/meetflow.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/meetflow.v1.serde.rs"));
}

pub use parse::{InputError, InputErrors};
pub use text_enum::UnknownVariant;
