//! Whose a change notification is: the Microsoft tenant it names picks the PSA tenants that may
//! have subscribed, and only those whose own `clientState` it carries get it. A notification
//! carrying the secret of another tenant, or of no tenant, is not acted on.

use std::collections::HashMap;

use meetflow_config::Config;
use meetflow_graph::{ChangeNotification, ClientState};

/// One PSA tenant that may receive notifications, with the secret its subscriptions carry.
struct Subscriber {
    tenant: String,
    client_state: ClientState,
}

/// Microsoft tenant name (GUID or domain, lower case) → the PSA tenants configured with it.
pub struct Subscribers(HashMap<String, Vec<Subscriber>>);

/// What one notification asks for: tell `tenant`'s appointment holding this online meeting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub tenant: String,
    pub online_meeting_id: String,
}

/// How one notification of a batch was judged.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// From a subscription of ours: these appointments' captures may look now.
    Accepted(Vec<Target>),
    /// From one of our subscriptions but about nothing capture waits for (a lifecycle event,
    /// another resource): acknowledged, nothing to do.
    Ignored,
    /// Not carrying the `clientState` of any tenant configured for its Microsoft tenant.
    Refused,
}

impl Subscribers {
    /// Every tenant with a Microsoft tenant and a `clientState` (its own, else the global one).
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let global = match &config.notifications.client_state {
            Some(r) => Some(client_state(r, "notifications.client_state")?),
            None => None,
        };
        let mut index: HashMap<String, Vec<Subscriber>> = HashMap::new();
        for (id, t) in &config.tenants {
            let Some(ms) = &t.microsoft_tenant_id else {
                continue;
            };
            let own = match &t.notification_client_state {
                Some(r) => Some(client_state(
                    r,
                    &format!("tenants.{id}.notification_client_state"),
                )?),
                None => None,
            };
            let Some(secret) = own.or_else(|| global.clone()) else {
                continue;
            };
            for name in std::iter::once(ms).chain(&t.microsoft_tenant_aliases) {
                index
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(Subscriber {
                        tenant: id.clone(),
                        client_state: secret.clone(),
                    });
            }
        }
        Ok(Self(index))
    }

    /// Judges one notification. Every candidate's secret is compared (in constant time each),
    /// so the answer's timing does not tell which one came close.
    pub fn judge(&self, n: &ChangeNotification) -> Verdict {
        let candidates = n
            .tenant_id
            .as_deref()
            .and_then(|t| self.0.get(&t.to_ascii_lowercase()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let from: Vec<&Subscriber> = candidates
            .iter()
            .filter(|s| n.is_from(&s.client_state))
            .collect();
        if from.is_empty() {
            return Verdict::Refused;
        }
        let Some(meeting) = n.resource.as_deref().and_then(online_meeting_id) else {
            return Verdict::Ignored;
        };
        Verdict::Accepted(
            from.into_iter()
                .map(|s| Target {
                    tenant: s.tenant.clone(),
                    online_meeting_id: meeting.to_string(),
                })
                .collect(),
        )
    }
}

fn client_state(r: &meetflow_config::SecretRef, key: &str) -> anyhow::Result<ClientState> {
    let secret = r.resolve(key)?;
    ClientState::new(secret.expose().to_string()).map_err(|e| anyhow::anyhow!("{key}: {e}"))
}

/// `…onlineMeetings('{id}')…` → `{id}`.
pub fn online_meeting_id(resource: &str) -> Option<&str> {
    let start = resource.find("onlineMeetings('")? + "onlineMeetings('".len();
    let len = resource[start..].find("')")?;
    Some(&resource[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONTOSO: &str = "2432b57b-0abd-43db-aa7b-16eadd115d34";
    const FABRIKAM: &str = "9b1c5a7e-3f0d-4c2a-8e6b-1d2f3a4b5c6d";

    fn subscribers() -> Subscribers {
        let dir = tempfile::tempdir().unwrap();
        let secret = |name: &str, value: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, value).unwrap();
            format!("{{ file = \"{}\" }}", path.display())
        };
        let (shared, acme, globex, app) = (
            secret("shared", "shared-secret"),
            secret("acme", "acme-secret"),
            secret("globex", "globex-secret"),
            secret("app", "x"),
        );
        let path = dir.path().join("meetflow.toml");
        std::fs::write(
            &path,
            format!(
                r#"
[notifications]
listen = "127.0.0.1:0"
client_state = {shared}

[tenants.acme]
microsoft_tenant_id = "contoso.onmicrosoft.com"
microsoft_tenant_aliases = ["{CONTOSO}"]
client_id = "c"
client_secret = {app}
notification_client_state = {acme}

[tenants.globex]
microsoft_tenant_id = "{FABRIKAM}"
client_id = "c"
client_secret = {app}
notification_client_state = {globex}

[tenants.initech]
microsoft_tenant_id = "{FABRIKAM}"
client_id = "c"
client_secret = {app}
"#
            ),
        )
        .unwrap();
        let config = meetflow_config::load(Some(&path), []).unwrap();
        Subscribers::from_config(&config).unwrap()
    }

    fn notification(tenant: &str, client_state: &str) -> ChangeNotification {
        serde_json::from_value(json!({
            "subscriptionId": "s", "changeType": "created", "clientState": client_state,
            "resource": "communications/onlineMeetings('MSpk')/recordings('VjI')",
            "tenantId": tenant
        }))
        .unwrap()
    }

    fn to(tenant: &str) -> Target {
        Target {
            tenant: tenant.into(),
            online_meeting_id: "MSpk".into(),
        }
    }

    #[test]
    fn each_tenant_is_reached_only_with_its_own_secret() {
        let s = subscribers();
        // By the alias (Graph sends the GUID) when the tenant is configured by domain.
        assert_eq!(
            s.judge(&notification(CONTOSO, "acme-secret")),
            Verdict::Accepted(vec![to("acme")])
        );
        assert_eq!(
            s.judge(&notification(&CONTOSO.to_uppercase(), "acme-secret")),
            Verdict::Accepted(vec![to("acme")])
        );
        assert_eq!(
            s.judge(&notification("CONTOSO.onmicrosoft.com", "acme-secret")),
            Verdict::Accepted(vec![to("acme")])
        );
        // Another tenant's secret, a forged one, the shared fallback acme does not use.
        for forged in ["globex-secret", "guessed", "shared-secret", "acme-secre"] {
            assert_eq!(
                s.judge(&notification(CONTOSO, forged)),
                Verdict::Refused,
                "{forged}"
            );
        }
        // Two PSA tenants on one Microsoft tenant: each secret reaches its own tenant only;
        // initech has none of its own and falls back to the global one.
        assert_eq!(
            s.judge(&notification(FABRIKAM, "globex-secret")),
            Verdict::Accepted(vec![to("globex")])
        );
        assert_eq!(
            s.judge(&notification(FABRIKAM, "shared-secret")),
            Verdict::Accepted(vec![to("initech")])
        );
        assert_eq!(
            s.judge(&notification(FABRIKAM, "acme-secret")),
            Verdict::Refused
        );
        // A Microsoft tenant nobody configured.
        assert_eq!(
            s.judge(&notification(
                "00000000-0000-4000-8000-000000000000",
                "shared-secret"
            )),
            Verdict::Refused
        );
        let mut lifecycle = notification(CONTOSO, "acme-secret");
        lifecycle.resource = None;
        assert_eq!(s.judge(&lifecycle), Verdict::Ignored);
    }

    #[test]
    fn finds_the_meeting_in_both_resource_forms() {
        assert_eq!(
            online_meeting_id("communications/onlineMeetings('MSpk')/recordings('VjI')"),
            Some("MSpk")
        );
        assert_eq!(
            online_meeting_id("users('u1')/onlineMeetings('MSo=')/transcripts('x')"),
            Some("MSo=")
        );
        assert_eq!(online_meeting_id("users/u1/events"), None);
    }
}
