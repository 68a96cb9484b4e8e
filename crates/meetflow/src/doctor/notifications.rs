//! The change-notification endpoint, when configured.

use meetflow_config::Config;

use super::Check;

const NAME: &str = "notifications";

pub fn check(config: &Config) -> Check {
    let n = &config.notifications;
    if n.listen.is_empty() {
        return Check::skip(NAME, "not configured (notifications.listen is empty)");
    }
    // Reads every clientState the receiver would: each tenant's own, else the global one.
    if let Err(e) = crate::notifications::subscribers::Subscribers::from_config(config) {
        return Check::fail(
            NAME,
            e.to_string(),
            "make every notification_client_state (and notifications.client_state) readable, \
             1 to 128 characters",
        );
    }
    let unprotected: Vec<&str> = config
        .tenants
        .iter()
        .filter(|(_, t)| {
            t.microsoft_tenant_id.is_some()
                && t.notification_client_state.is_none()
                && n.client_state.is_none()
        })
        .map(|(id, _)| id.as_str())
        .collect();
    if !unprotected.is_empty() {
        return Check::fail(
            NAME,
            format!(
                "tenants without a clientState (their notifications are refused): {}",
                unprotected.join(", ")
            ),
            "set tenants.<id>.notification_client_state to a secret reference",
        );
    }
    match n.listen.parse::<std::net::SocketAddr>() {
        Ok(addr) => Check::ok(
            NAME,
            format!(
                "listens on {addr}; every clientState readable (Graph's subscriptions are not listed: \
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
