//! The change-notification endpoint, when configured.

use meetflow_config::Config;

use super::Check;

const NAME: &str = "notifications";

pub fn check(config: &Config) -> Check {
    let n = &config.notifications;
    if n.listen.is_empty() {
        return Check::skip(NAME, "not configured (notifications.listen is empty)");
    }
    let Some(state) = &n.client_state else {
        // The configuration loader refuses this combination; kept total for safety.
        return Check::fail(
            NAME,
            "notifications.client_state is not set",
            "set notifications.client_state to a secret reference",
        );
    };
    if let Err(e) = state.resolve("notifications.client_state") {
        return Check::fail(
            NAME,
            e.to_string(),
            "make the secret notifications.client_state refers to readable",
        );
    }
    match n.listen.parse::<std::net::SocketAddr>() {
        Ok(addr) => Check::ok(
            NAME,
            format!(
                "listens on {addr}; clientState readable (Graph's subscriptions are not listed: \
                 meetflow does not create them)"
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("notifications.listen {:?}: {e}", n.listen),
            "set notifications.listen to host:port",
        ),
    }
}
