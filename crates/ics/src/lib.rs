//! iCalendar (RFC 5545) objects for iMIP invitations (RFC 5546 / RFC 6047).
//!
//! One appointment is one VEVENT whose UID never changes; approve and every reschedule send a
//! `METHOD:REQUEST`, cancel sends a `METHOD:CANCEL`, and SEQUENCE is bumped by the caller for each
//! revision. Rendering is a pure function of [`CalendarInvite`], so a retried workflow step that
//! carries the same input (including DTSTAMP from the workflow clock) produces byte-identical output.

mod lexical;
mod model;
mod render;

pub use lexical::{escape_text, fold_line};
pub use model::{Attendee, AttendeeRole, CalAddress, CalendarInvite, Method};
pub use render::{PRODID, TEAMS_LOCATION, render};
