//! What the client reports about each Graph call, for metrics: a hook, so the client needs no
//! metrics library and the worker decides where the figures go.

use std::time::Duration;

use crate::error::GraphErrorKind;

/// Receives one call per HTTP exchange with Graph (each attempt, including the forced token
/// refresh retry and an inline `Retry-After` wait's retry), and one per token request sent to
/// the identity platform.
pub trait GraphObserver: Send + Sync {
    /// `operation` is a low-cardinality route (`events`, `events/{id}`,
    /// `onlineMeetings/{id}/recordings`, …); `status` is `None` when no HTTP answer came.
    fn request(&self, method: &str, operation: &str, status: Option<u16>, elapsed: Duration);
    /// The client waited out a short `Retry-After` inside the call.
    fn retry_after_wait(&self, operation: &str, delay: Duration);
    /// A token request went to the identity platform (a cache miss or a refresh after a 401;
    /// cached tokens are not requests): `Ok` when a token was issued, else the error's kind.
    fn token_request(&self, outcome: Result<(), GraphErrorKind>);
}

/// The route of a Graph URL path with ids replaced: `/v1.0/users/{u}/events/{id}` → `events/{id}`.
/// Known collection names stay, everything else is an id.
pub fn operation(path: &str) -> String {
    const NAMES: [&str; 9] = [
        "events",
        "onlineMeetings",
        "recordings",
        "transcripts",
        "attendanceReports",
        "attendanceRecords",
        "content",
        "subscriptions",
        "reauthorize",
    ];
    // The API version is part of the configured Graph URL, not of the route.
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .skip_while(|s| *s == "v1.0" || *s == "beta")
        .collect();
    // Everything after `users/{user}` (the mailbox is an id too).
    let rest = match segments.iter().position(|s| *s == "users") {
        // The user itself (`GET /users/{upn}`, the organizer lookup): a route of its own,
        // not an empty label.
        Some(i) if segments.len() <= i + 2 => return "users/{id}".to_string(),
        Some(i) => &segments[i + 2..],
        None => &segments[..],
    };
    rest.iter()
        .map(|s| if NAMES.contains(s) { *s } else { "{id}" })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::operation;

    #[test]
    fn ids_are_replaced_and_names_kept() {
        assert_eq!(operation("/v1.0/users/33-44/events"), "events");
        assert_eq!(
            operation("/v1.0/users/meetings%40acme.example"),
            "users/{id}"
        );
        assert_eq!(
            operation("/v1.0/users/33-44/events/AAMk%2Bx="),
            "events/{id}"
        );
        assert_eq!(
            operation("/v1.0/subscriptions/7f10-aa/reauthorize"),
            "subscriptions/{id}/reauthorize"
        );
        assert_eq!(operation("/v1.0/subscriptions"), "subscriptions");
        assert_eq!(
            operation("/v1.0/users/o/onlineMeetings/MSo1/recordings/r1/content"),
            "onlineMeetings/{id}/recordings/{id}/content"
        );
        assert_eq!(
            operation("/v1.0/users/o/onlineMeetings/MSo1/attendanceReports/c9b6/attendanceRecords"),
            "onlineMeetings/{id}/attendanceReports/{id}/attendanceRecords"
        );
    }
}
