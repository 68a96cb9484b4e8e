//! Contract tests: the emulator's JSON and status codes against the examples in the Graph and
//! identity-platform documentation (microsoftgraph/microsoft-graph-docs-contrib,
//! MicrosoftDocs/entra-docs). A documented example's every field must exist in the emulator's
//! answer with the same JSON type (null is compatible with anything). One binary, one module
//! per topic (link time on 2 cores).

#![recursion_limit = "256"]

mod admin_faults;
mod artifacts;
mod attendance;
mod control;
mod errors;
mod events;
mod identity;
mod meetings;
mod subscriptions;
mod support;
