//! The change-notification endpoint, when configured, and the subscriptions the worker keeps.

use meetflow_config::Config;

use super::Check;

const NAME: &str = "notifications";
const SUBSCRIPTIONS: &str = "subscriptions";

pub fn check(config: &Config) -> Check {
    let n = &config.notifications;
    if n.listen.is_empty() {
        return Check::skip(NAME, "not configured (notifications.listen is empty)");
    }
    // Reads every clientState the receiver would: each tenant's own, else the global one.
    if let Err(e) = crate::notifications::subscribers::Subscribers::from_config(
        config,
        meetflow_activities::ClientStates::default(),
    ) {
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
                && n.public_url.is_none()
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
            match &n.public_url {
                Some(url) => format!(
                    "listens on {addr}; Graph calls {}; every clientState readable",
                    n.notification_url().unwrap_or_else(|| url.clone())
                ),
                None => format!(
                    "listens on {addr}; every clientState readable (no subscriptions kept: \
                     notifications.public_url is not set)"
                ),
            },
        ),
        Err(e) => Check::fail(
            NAME,
            format!("notifications.listen {:?}: {e}", n.listen),
            "set notifications.listen to host:port",
        ),
    }
}

/// The subscriptions the worker keeps (`notifications.public_url`): one live subscription per
/// tenant and resource, as the store records them.
pub async fn subscriptions(config: &Config) -> Check {
    if config.notifications.public_url.is_none() {
        return Check::skip(
            SUBSCRIPTIONS,
            "not kept (notifications.public_url is not set; subscriptions are made by hand)",
        );
    }
    let store = match meetflow_store::Store::connect(config.store.url.expose()).await {
        Ok(s) => s,
        Err(e) => return Check::skip(SUBSCRIPTIONS, format!("store unavailable: {e}")),
    };
    let rows = match crate::subscriptions::list(&store).await {
        Ok(r) => r,
        Err(e) => return Check::skip(SUBSCRIPTIONS, format!("store unavailable: {e}")),
    };
    let mut problems = Vec::new();
    let mut fine = Vec::new();
    for (tenant, resource) in crate::subscriptions::wanted(config) {
        let row = rows
            .iter()
            .find(|r| r.tenant_id == tenant.as_str() && r.resource == resource.as_str());
        let name = format!("{tenant}/{resource}");
        match row {
            None => problems.push(format!("{name}: none yet")),
            Some(r) if r.state != "active" || r.last_error.is_some() => problems.push(format!(
                "{name}: {}{}",
                r.state,
                r.last_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            )),
            Some(r) => fine.push(format!(
                "{name} until {}",
                r.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            )),
        }
    }
    if problems.is_empty() {
        Check::ok(SUBSCRIPTIONS, format!("active: {}", fine.join(", ")))
    } else {
        Check::fail(
            SUBSCRIPTIONS,
            problems.join("; "),
            "run the worker (it keeps them); `meetflow subscriptions list` shows each one's last \
             error, `meetflow doctor --tenant <id>` the app's permissions",
        )
    }
}
