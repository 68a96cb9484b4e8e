//! The emulator's starting directory: tenants, their app registrations and users.

use serde::Deserialize;

/// Everything the emulator knows at start (and after `POST /_emulator/reset`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub tenants: Vec<SeedTenant>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTenant {
    /// Microsoft tenant id (GUID). The token endpoint also accepts the domain of any of the
    /// tenant's user principal names, as Entra ID accepts a verified domain.
    pub tenant_id: String,
    pub apps: Vec<SeedApp>,
    pub users: Vec<SeedUser>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Object id.
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: String,
    /// Whether a Teams application access policy covers this user (else onlineMeetings → 403).
    pub online_meeting_access_policy: bool,
}

/// Builders, so tests and demos state only what matters to them:
/// `Seed::default().tenant(SeedTenant::new(id).app(client, secret).organizer(oid, upn))`.
impl Seed {
    pub fn tenant(mut self, tenant: SeedTenant) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// One tenant, one app, two users (one with an access policy): enough for a demo or a test.
    pub fn sample() -> Self {
        Seed::default().tenant(
            SeedTenant::new("11111111-1111-4111-8111-111111111111")
                .app("22222222-2222-4222-8222-222222222222", "emulator-secret")
                .organizer(
                    "33333333-3333-4333-8333-333333333333",
                    "scheduling@contoso.onmicrosoft.com",
                )
                .user_without_policy(
                    "44444444-4444-4444-8444-444444444444",
                    "nopolicy@contoso.onmicrosoft.com",
                ),
        )
    }
}

impl SeedTenant {
    /// A tenant without apps or users yet.
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            apps: Vec::new(),
            users: Vec::new(),
        }
    }

    /// An app registration that may request tokens for this tenant.
    pub fn app(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.apps.push(SeedApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// A user an application access policy covers: the app may read their online meetings.
    pub fn organizer(self, id: &str, upn: &str) -> Self {
        self.user(id, upn, true)
    }

    /// A user without an access policy: their onlineMeetings routes answer 403.
    pub fn user_without_policy(self, id: &str, upn: &str) -> Self {
        self.user(id, upn, false)
    }

    /// Mail is the UPN and the display name its local part, as for a fresh Entra ID user.
    fn user(mut self, id: &str, upn: &str, online_meeting_access_policy: bool) -> Self {
        self.users.push(SeedUser {
            id: id.to_owned(),
            user_principal_name: upn.to_owned(),
            display_name: upn.split('@').next().unwrap_or(upn).to_owned(),
            mail: upn.to_owned(),
            online_meeting_access_policy,
        });
        self
    }
}
