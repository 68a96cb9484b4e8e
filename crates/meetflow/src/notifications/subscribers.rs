//! Whose a change notification is: the Microsoft tenant it names picks the PSA tenants that may
//! have subscribed, and only those whose own `clientState` it carries get it. A tenant's
//! `clientState`s are its configured one (for subscriptions made by hand) and those of the
//! subscriptions its keepers made (kept in the store, see [`ClientStates`]). A notification
//! carrying the secret of another tenant, or of no tenant, is not acted on.

use std::collections::HashMap;

use meetflow_activities::ClientStates;
use meetflow_config::Config;
use meetflow_graph::{ChangeNotification, ClientState};
use meetflow_proto::status::SubscribedResource;

/// One PSA tenant that may receive notifications, with the secret configured for it (if any).
struct Subscriber {
    tenant: String,
    client_state: Option<ClientState>,
}

/// Microsoft tenant name (GUID or domain, lower case) → the PSA tenants configured with it,
/// and the `clientState`s of the subscriptions meetflow keeps.
pub struct Subscribers {
    index: HashMap<String, Vec<Subscriber>>,
    kept: ClientStates,
}

/// What one notification asks for: tell `tenant`'s appointment holding this online meeting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub tenant: String,
    pub online_meeting_id: String,
}

/// A lifecycle notification about a subscription a keeper of `tenant` keeps on `resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeeperTarget {
    pub tenant: String,
    pub resource: SubscribedResource,
    pub subscription_id: String,
    pub lifecycle_event: String,
}

/// How one notification of a batch was judged.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// From a subscription of ours: these appointments' captures may look now.
    Accepted(Vec<Target>),
    /// A lifecycle notification about subscriptions these keepers keep.
    Lifecycle(Vec<KeeperTarget>),
    /// From one of our subscriptions but about nothing we act on (a lifecycle event of a
    /// subscription made by hand, another resource): acknowledged, nothing to do.
    Ignored,
    /// Not carrying the `clientState` of any tenant configured for its Microsoft tenant.
    Refused,
}

impl Subscribers {
    /// Every tenant with a Microsoft tenant, its configured `clientState` (its own, else the
    /// global one) and those in `kept`.
    pub fn from_config(config: &Config, kept: ClientStates) -> anyhow::Result<Self> {
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
            let secret = own.or_else(|| global.clone());
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
        Ok(Self { index, kept })
    }

    /// Judges one notification. Every candidate's secrets are compared (in constant time
    /// each), so the answer's timing does not tell which one came close.
    pub fn judge(&self, n: &ChangeNotification) -> Verdict {
        let candidates = n
            .tenant_id
            .as_deref()
            .and_then(|t| self.index.get(&t.to_ascii_lowercase()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let received = n.client_state().unwrap_or_default();
        let mut configured = Vec::new();
        let mut kept = Vec::new();
        for s in candidates {
            if s.client_state.as_ref().is_some_and(|c| n.is_from(c)) {
                configured.push(s);
            }
            if let Some(resource) = self.kept.resource_of(&s.tenant, received) {
                kept.push((s, resource));
            }
        }
        if let Some(event) = &n.lifecycle_event {
            return match (kept.is_empty(), configured.is_empty()) {
                (false, _) => Verdict::Lifecycle(
                    kept.into_iter()
                        .map(|(s, resource)| KeeperTarget {
                            tenant: s.tenant.clone(),
                            resource,
                            subscription_id: n.subscription_id.clone(),
                            lifecycle_event: event.clone(),
                        })
                        .collect(),
                ),
                (true, false) => Verdict::Ignored,
                (true, true) => Verdict::Refused,
            };
        }
        let mut from: Vec<&Subscriber> = configured;
        for (s, _) in kept {
            if !from.iter().any(|f| f.tenant == s.tenant) {
                from.push(s);
            }
        }
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
        Subscribers::from_config(&config, ClientStates::default()).unwrap()
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
    fn kept_subscriptions_secrets_are_accepted_and_their_lifecycle_events_routed() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::write(&app, "x").unwrap();
        let own = dir.path().join("own");
        std::fs::write(&own, "acme-secret").unwrap();
        let path = dir.path().join("meetflow.toml");
        std::fs::write(
            &path,
            format!(
                r#"
[notifications]
listen = "127.0.0.1:0"
public_url = "https://meetflow.example.com"

[tenants.acme]
microsoft_tenant_id = "{CONTOSO}"
client_id = "c"
client_secret = {{ file = "{}" }}
notification_client_state = {{ file = "{}" }}

[tenants.globex]
microsoft_tenant_id = "{FABRIKAM}"
client_id = "c"
client_secret = {{ file = "{}" }}
"#,
                app.display(),
                own.display(),
                app.display()
            ),
        )
        .unwrap();
        let config = meetflow_config::load(Some(&path), []).unwrap();
        let row = |tenant: &str, resource: &str, state: &str| meetflow_store::SubscriptionRecord {
            tenant_id: tenant.into(),
            resource: resource.into(),
            generation: 1,
            subscription_id: Some("s".into()),
            client_state: state.into(),
            expires_at: None,
            renewals: 0,
            last_error_code: None,
            last_error_message: None,
            updated_at: chrono::Utc::now(),
        };
        let kept = ClientStates::default();
        kept.load(&[
            row("acme", "recordings", "kept-acme-recordings"),
            row("globex", "transcripts", "kept-globex-transcripts"),
        ]);
        let s = Subscribers::from_config(&config, kept.clone()).unwrap();
        // A change notification with a kept secret, as with the configured one.
        assert_eq!(
            s.judge(&notification(CONTOSO, "kept-acme-recordings")),
            Verdict::Accepted(vec![to("acme")])
        );
        assert_eq!(
            s.judge(&notification(FABRIKAM, "kept-globex-transcripts")),
            Verdict::Accepted(vec![to("globex")])
        );
        // Another tenant's kept secret is no key to this one.
        assert_eq!(
            s.judge(&notification(CONTOSO, "kept-globex-transcripts")),
            Verdict::Refused
        );
        // Lifecycle: routed to the keeper of the subscription whose secret it carries.
        let lifecycle = |state: &str| -> ChangeNotification {
            serde_json::from_value(json!({
                "subscriptionId": "s", "clientState": state, "tenantId": CONTOSO,
                "subscriptionExpirationDateTime": "2026-12-03T11:00:00.0000000Z",
                "lifecycleEvent": "subscriptionRemoved"
            }))
            .unwrap()
        };
        assert_eq!(
            s.judge(&lifecycle("kept-acme-recordings")),
            Verdict::Lifecycle(vec![KeeperTarget {
                tenant: "acme".into(),
                resource: SubscribedResource::Recordings,
                subscription_id: "s".into(),
                lifecycle_event: "subscriptionRemoved".into(),
            }])
        );
        // Of a subscription made by hand (the configured secret): nothing to keep.
        assert_eq!(s.judge(&lifecycle("acme-secret")), Verdict::Ignored);
        assert_eq!(s.judge(&lifecycle("kept-acme-recording")), Verdict::Refused);
        // Rotated out: the old secret is refused from then on.
        kept.load(&[row("acme", "recordings", "kept-acme-rotated")]);
        assert_eq!(
            s.judge(&notification(CONTOSO, "kept-acme-recordings")),
            Verdict::Refused
        );
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
