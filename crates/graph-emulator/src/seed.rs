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

impl Seed {
    /// One tenant, one app, two users (one with an access policy): enough for a demo or a test.
    pub fn sample() -> Self {
        Seed {
            tenants: vec![SeedTenant {
                tenant_id: "11111111-1111-4111-8111-111111111111".into(),
                apps: vec![SeedApp {
                    client_id: "22222222-2222-4222-8222-222222222222".into(),
                    client_secret: "emulator-secret".into(),
                }],
                users: vec![
                    SeedUser {
                        id: "33333333-3333-4333-8333-333333333333".into(),
                        user_principal_name: "scheduling@contoso.onmicrosoft.com".into(),
                        display_name: "Contoso Scheduling".into(),
                        mail: "scheduling@contoso.onmicrosoft.com".into(),
                        online_meeting_access_policy: true,
                    },
                    SeedUser {
                        id: "44444444-4444-4444-8444-444444444444".into(),
                        user_principal_name: "nopolicy@contoso.onmicrosoft.com".into(),
                        display_name: "No Policy".into(),
                        mail: "nopolicy@contoso.onmicrosoft.com".into(),
                        online_meeting_access_policy: false,
                    },
                ],
            }],
        }
    }
}
