//! The emulator seed, the harness every test starts, and the requests they share.

use chrono::{TimeZone, Utc};
use meetflow_graph::{
    AppCredentials, ClientOptions, ClientSecret, EventAttendee, GraphClient, GraphEndpoints,
    GraphError, GraphErrorKind, GraphEvent, NewEvent, transaction_id,
};
use meetflow_graph_emulator::control_api::LoggedRequest;
use meetflow_graph_emulator::{ControlClient, Emulator, EmulatorHandle, Seed, SeedTenant};

pub const TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000001";
pub const OTHER_TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000002";
pub const CLIENT_ID: &str = "bbbbbbbb-0000-4000-8000-000000000001";
pub const SECRET: &str = "s3cret~value";
pub const ORGANIZER_ID: &str = "cccccccc-0000-4000-8000-000000000001";
pub const ORGANIZER_UPN: &str = "scheduling@contoso.example";
pub const NO_POLICY_ID: &str = "cccccccc-0000-4000-8000-000000000002";
const UNKNOWN_JOIN_URL: &str = "https://teams.microsoft.com/l/meetup-join/unknown";

/// Two tenants with the same app and the same user ids, told apart by their domains.
fn seed() -> Seed {
    let tenant = |tenant_id: &str, domain: &str| {
        SeedTenant::new(tenant_id)
            .app(CLIENT_ID, SECRET)
            .organizer(ORGANIZER_ID, &format!("scheduling@{domain}"))
            .user_without_policy(NO_POLICY_ID, &format!("nopolicy@{domain}"))
    };
    Seed::default()
        .tenant(tenant(TENANT, "contoso.example"))
        .tenant(tenant(OTHER_TENANT, "fabrikam.example"))
}

pub struct Harness {
    /// Held, not read: dropping the handle shuts the emulator down.
    _emulator: EmulatorHandle,
    pub client: GraphClient,
    pub control: ControlClient,
}

impl Harness {
    pub async fn start() -> Self {
        Self::with_options(ClientOptions::default()).await
    }

    pub async fn with_options(options: ClientOptions) -> Self {
        let emulator = Emulator::start("127.0.0.1:0".parse().unwrap(), seed())
            .await
            .unwrap();
        let endpoints = GraphEndpoints {
            authority: emulator.authority_url(),
            graph: emulator.graph_url(),
        };
        let client = GraphClient::with_options(endpoints, options).unwrap();
        let control = emulator.control();
        Self {
            _emulator: emulator,
            client,
            control,
        }
    }

    pub fn app(&self) -> AppCredentials {
        app_for(TENANT, SECRET)
    }

    /// The request log, without control-API calls.
    pub async fn requests(&self) -> Vec<LoggedRequest> {
        self.control.requests().await.unwrap()
    }

    /// The statuses of every logged request, in order.
    pub async fn statuses(&self) -> Vec<u16> {
        self.requests().await.iter().map(|r| r.status).collect()
    }

    /// Token requests the emulator saw.
    pub async fn token_requests(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
            .count()
    }

    pub async fn create(&self, appointment: &str) -> GraphEvent {
        self.client
            .create_event(&self.app(), ORGANIZER_UPN, &new_event(appointment))
            .await
            .unwrap()
    }

    /// The cheapest authenticated Graph call, for tests about tokens and retries: a meeting
    /// lookup that matches nothing. Graph answers 200 with an empty list, which the client
    /// reports as `NotFound` without an HTTP status; that counts as success here.
    pub async fn probe(&self, app: &AppCredentials) -> Result<(), GraphError> {
        let found = self
            .client
            .find_online_meeting(app, ORGANIZER_ID, UNKNOWN_JOIN_URL)
            .await;
        match found {
            Err(e) if e.kind() == GraphErrorKind::NotFound && e.status().is_none() => Ok(()),
            Err(e) => Err(e),
            Ok(meeting) => panic!("no meeting has {UNKNOWN_JOIN_URL}: {meeting:?}"),
        }
    }
}

pub fn app_for(tenant: &str, secret: &str) -> AppCredentials {
    AppCredentials {
        tenant_id: tenant.into(),
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret::new(secret.into()),
    }
}

pub fn new_event(appointment: &str) -> NewEvent {
    NewEvent {
        subject: format!("Consultation {appointment}"),
        body_html: "<p>Your appointment</p>".into(),
        start: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap(),
        attendees: vec![
            EventAttendee {
                email: "jane@example.com".into(),
                name: "Jane Doe".into(),
            },
            EventAttendee {
                email: "tech@contoso.example".into(),
                name: "Tom Tech".into(),
            },
        ],
        transaction_id: transaction_id(TENANT, appointment),
    }
}
