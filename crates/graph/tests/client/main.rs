//! The Graph client against the Graph emulator, in-process on 127.0.0.1:0: every item of the
//! checklist in graph-and-ics.md §7 that concerns the client. One binary, one module per topic
//! (link time on 2 cores).

mod artifacts;
mod attendance;
mod events;
mod mailbox;
mod meetings;
mod retries;
mod subscriptions;
mod support;
mod tokens;
