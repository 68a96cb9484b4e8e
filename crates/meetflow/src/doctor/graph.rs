//! One tenant's Microsoft side, in the order a meeting needs it: a token, the organizer, a
//! calendar event, its online meeting (application access policy), and the recordings and
//! transcripts of that meeting. An item that cannot run because an earlier one failed is
//! skipped, so the first ✘ is the one to fix.

use std::time::Duration;

use chrono::Utc;
use meetflow_config::TenantConfig;
use meetflow_graph::{AppCredentials, GraphClient, GraphError, GraphErrorKind, NewEvent};

use super::Check;

const TOKEN: &str = "token";
const ORGANIZER: &str = "organizer";
const CALENDAR: &str = "calendar write";
const ACCESS_POLICY: &str = "access policy";
const RECORDINGS: &str = "recordings";
const TRANSCRIPTS: &str = "transcripts";
const ATTENDANCE: &str = "attendance";

/// What the probe event is called, so anyone who finds one knows what it is.
pub const PROBE_SUBJECT: &str = "meetflow doctor probe (safe to delete)";

/// How long Graph may take to list the probe's online meeting (its replication lag).
const LOOKUP_PATIENCE: Duration = Duration::from_secs(30);

/// The organizer mailbox, both ways Graph names it.
struct Mailbox {
    upn: String,
    object_id: String,
}

/// The app and tenant the fixes name.
struct Tenant<'a> {
    id: &'a str,
    app: &'a AppCredentials,
}

pub async fn check(client: &GraphClient, id: &str, t: &TenantConfig) -> Vec<Check> {
    if !t.teams_enabled {
        return vec![Check::skip(
            TOKEN,
            "teams_enabled = false: invitations only, no Teams meetings",
        )];
    }
    let app = match meetflow_activities::app_credentials(id, t) {
        Ok(Some(app)) => app,
        Ok(None) => {
            return vec![Check::skip(
                TOKEN,
                "no app configured (microsoft_tenant_id, client_id, client_secret): \
                 invitations only, no Teams meetings",
            )];
        }
        Err(e) => {
            return with_skipped(
                Check::fail(
                    TOKEN,
                    e.to_string(),
                    format!("make the secret tenants.{id}.client_secret refers to readable"),
                ),
                &[
                    ORGANIZER,
                    CALENDAR,
                    ACCESS_POLICY,
                    RECORDINGS,
                    TRANSCRIPTS,
                    ATTENDANCE,
                ],
                "needs a token",
            );
        }
    };
    let tenant = Tenant { id, app: &app };
    if let Err(e) = client.check_token(&app).await {
        return with_skipped(
            Check::fail(TOKEN, e.to_string(), token_fix(&tenant, &e)),
            &[
                ORGANIZER,
                CALENDAR,
                ACCESS_POLICY,
                RECORDINGS,
                TRANSCRIPTS,
                ATTENDANCE,
            ],
            "needs a token",
        );
    }
    let token = Check::ok(
        TOKEN,
        format!(
            "app {} got a token for tenant {}",
            app.client_id, app.tenant_id
        ),
    );
    let (organizer, mailbox) = organizer(client, &tenant, t).await;
    let mut checks = vec![token];
    match mailbox {
        None => checks.extend(with_skipped(
            organizer,
            &[CALENDAR, ACCESS_POLICY, RECORDINGS, TRANSCRIPTS, ATTENDANCE],
            "needs the organizer",
        )),
        Some(mailbox) => {
            checks.push(organizer);
            checks.extend(probe_meeting(client, &tenant, &mailbox).await);
        }
    }
    checks
}

/// `first`, then each of `rest` skipped for `why`.
fn with_skipped(first: Check, rest: &[&'static str], why: &str) -> Vec<Check> {
    std::iter::once(first)
        .chain(rest.iter().map(|name| Check::skip(name, why)))
        .collect()
}

/// The organizer exists, and its object id is the configured one (or, when none is configured,
/// the one the worker will look up).
async fn organizer(
    client: &GraphClient,
    tenant: &Tenant<'_>,
    t: &TenantConfig,
) -> (Check, Option<Mailbox>) {
    let id = tenant.id;
    let Some(configured) = t.organizer() else {
        return (
            Check::fail(
                ORGANIZER,
                "organizer_upn is not set",
                format!("set tenants.{id}.organizer_upn to the mailbox that owns the meetings"),
            ),
            None,
        );
    };
    let upn = configured.upn().to_string();
    let expected = configured.object_id().map(|o| o.as_str().to_owned());
    let mailbox = |object_id: &str| {
        Some(Mailbox {
            upn: upn.clone(),
            object_id: object_id.to_owned(),
        })
    };
    match (client.get_user(tenant.app, &upn).await, expected.as_deref()) {
        (Ok(user), Some(oid)) if user.id.eq_ignore_ascii_case(oid) => (
            Check::ok(
                ORGANIZER,
                format!("{upn} exists; object id {oid} matches organizer_object_id"),
            ),
            mailbox(oid),
        ),
        (Ok(user), Some(oid)) => (
            Check::fail(
                ORGANIZER,
                format!("{upn} has object id {}, not {oid}", user.id),
                format!(
                    "set tenants.{id}.organizer_object_id = \"{}\" (or remove it: the worker \
                     then looks it up from organizer_upn)",
                    user.id
                ),
            ),
            None,
        ),
        (Ok(user), None) => (
            Check::ok(
                ORGANIZER,
                format!(
                    "{upn} exists; object id {} (looked up: organizer_object_id is not set)",
                    user.id
                ),
            ),
            mailbox(&user.id),
        ),
        (Err(e), _) if e.kind() == GraphErrorKind::NotFound => (
            Check::fail(
                ORGANIZER,
                e.to_string(),
                format!(
                    "correct tenants.{id}.organizer_upn: tenant {} has no user {upn}",
                    tenant.app.tenant_id
                ),
            ),
            None,
        ),
        (Err(_), Some(oid)) => (
            // The worker does not look the user up while the object id is configured.
            Check::skip(
                ORGANIZER,
                format!(
                    "{upn} not looked up (the app may lack User.Read.All, which is only needed \
                     without organizer_object_id); using the configured object id {oid}"
                ),
            ),
            mailbox(oid),
        ),
        (Err(e), None) if e.kind() == GraphErrorKind::Forbidden => (
            Check::fail(
                ORGANIZER,
                e.to_string(),
                format!(
                    "grant the application permission User.Read.All with admin consent \
                     (Entra ID → App registrations → {} → API permissions), or set \
                     tenants.{id}.organizer_object_id",
                    tenant.app.client_id
                ),
            ),
            None,
        ),
        (Err(e), None) => (Check::fail(ORGANIZER, e.to_string(), other_fix(&e)), None),
    }
}

/// Creates the probe event, checks its online meeting and that meeting's recordings and
/// transcripts, and deletes the event again whatever those checks found.
async fn probe_meeting(client: &GraphClient, tenant: &Tenant<'_>, m: &Mailbox) -> Vec<Check> {
    let start = Utc::now() + chrono::Duration::days(7);
    let event = NewEvent {
        subject: PROBE_SUBJECT.into(),
        body_html: "<p>meetflow doctor created this event to test its calendar access and \
                    deletes it right away. If it is still here, delete it.</p>"
            .into(),
        start,
        end: start + chrono::Duration::minutes(15),
        attendees: Vec::new(),
        transaction_id: format!("meetflow-doctor-{}", uuid::Uuid::new_v4()),
    };
    let created = match client.create_event(tenant.app, &m.object_id, &event).await {
        Ok(created) => created,
        Err(e) => {
            return with_skipped(
                Check::fail(CALENDAR, e.to_string(), calendar_fix(tenant, m, &e)),
                &[ACCESS_POLICY, RECORDINGS, TRANSCRIPTS, ATTENDANCE],
                "needs the probe event",
            );
        }
    };
    let rest = online_meeting(client, tenant, m, created.join_url.as_deref()).await;
    let calendar = match delete(client, tenant.app, m, &created.id).await {
        Ok(()) => Check::ok(
            CALENDAR,
            format!("probe event created and deleted in {}'s calendar", m.upn),
        ),
        Err(e) => Check::fail(
            CALENDAR,
            format!("probe event created but not deleted: {e}"),
            format!(
                "delete the event \"{PROBE_SUBJECT}\" from {}'s calendar; {}",
                m.upn,
                calendar_fix(tenant, m, &e)
            ),
        ),
    };
    std::iter::once(calendar).chain(rest).collect()
}

/// One retry for a delete Graph could not do right now: the probe must not stay behind.
async fn delete(
    client: &GraphClient,
    app: &AppCredentials,
    m: &Mailbox,
    event_id: &str,
) -> Result<(), GraphError> {
    match client.delete_event(app, &m.object_id, event_id).await {
        Err(e) if e.is_retryable() => {
            tokio::time::sleep(e.retry_after().unwrap_or(Duration::from_secs(1))).await;
            client
                .delete_event(app, &m.object_id, event_id)
                .await
                .map(drop)
        }
        other => other.map(drop),
    }
}

async fn online_meeting(
    client: &GraphClient,
    tenant: &Tenant<'_>,
    m: &Mailbox,
    join_url: Option<&str>,
) -> Vec<Check> {
    let Some(join_url) = join_url else {
        return with_skipped(
            Check::fail(
                ACCESS_POLICY,
                "the probe event came back without a Teams join URL",
                format!(
                    "give {} a Teams license and allow teamsForBusiness as its calendar's online \
                     meeting provider",
                    m.upn
                ),
            ),
            &[RECORDINGS, TRANSCRIPTS, ATTENDANCE],
            "needs the probe meeting",
        );
    };
    let began = tokio::time::Instant::now();
    let meeting = loop {
        match client
            .find_online_meeting(tenant.app, &m.object_id, join_url)
            .await
        {
            Ok(meeting) => break Some(meeting),
            // 200 without a match: Graph has not replicated the new meeting yet.
            Err(e) if e.kind() == GraphErrorKind::NotFound && e.status().is_none() => {
                if began.elapsed() >= LOOKUP_PATIENCE {
                    break None;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                return with_skipped(
                    Check::fail(
                        ACCESS_POLICY,
                        e.to_string(),
                        online_meetings_fix(tenant, m, &e),
                    ),
                    &[RECORDINGS, TRANSCRIPTS, ATTENDANCE],
                    "needs the probe meeting",
                );
            }
        }
    };
    let policy = Check::ok(
        ACCESS_POLICY,
        format!("onlineMeetings of {} readable by the app", m.upn),
    );
    let Some(meeting) = meeting else {
        let why = format!(
            "Graph did not list the probe meeting within {}s (replication lag); run doctor again",
            LOOKUP_PATIENCE.as_secs()
        );
        return with_skipped(policy, &[RECORDINGS, TRANSCRIPTS, ATTENDANCE], &why);
    };
    let (app, oid) = (tenant.app, m.object_id.as_str());
    let recordings = client.list_recordings(app, oid, &meeting.id).await;
    let transcripts = client.list_transcripts(app, oid, &meeting.id).await;
    let attendance = client.list_attendance_reports(app, oid, &meeting.id).await;
    vec![
        policy,
        listed(
            tenant,
            m,
            RECORDINGS,
            recordings.map(|f| f.len()),
            "recordings",
            "OnlineMeetingRecording.Read.All",
        ),
        listed(
            tenant,
            m,
            TRANSCRIPTS,
            transcripts.map(|f| f.len()),
            "transcripts",
            "OnlineMeetingTranscript.Read.All",
        ),
        listed(
            tenant,
            m,
            ATTENDANCE,
            attendance.map(|f| f.len()),
            "attendance reports",
            "OnlineMeetingArtifact.Read.All",
        ),
    ]
}

/// One of the probe meeting's collections, listed with the permission it needs.
fn listed(
    tenant: &Tenant<'_>,
    m: &Mailbox,
    check: &'static str,
    found: Result<usize, GraphError>,
    what: &str,
    permission: &str,
) -> Check {
    match found {
        Ok(n) => Check::ok(
            check,
            format!("the probe meeting's {what} listed ({n} found)"),
        ),
        Err(e) => Check::fail(
            check,
            e.to_string(),
            artifact_fix(tenant, m, &e, permission),
        ),
    }
}

/// What an admin does about a refused token, by the identity platform's AADSTS code.
fn token_fix(tenant: &Tenant<'_>, e: &GraphError) -> String {
    let (id, client, directory) = (tenant.id, &tenant.app.client_id, &tenant.app.tenant_id);
    match e.aadsts() {
        Some(7000222) => format!(
            "the client secret expired: create a new secret in Entra ID → App registrations → \
             {client} → Certificates & secrets and update tenants.{id}.client_secret"
        ),
        Some(7000215) => format!(
            "the client secret is wrong: copy the secret's Value (not its Secret ID) from Entra ID \
             → App registrations → {client} → Certificates & secrets into tenants.{id}.client_secret"
        ),
        Some(700016) => format!(
            "app {client} is not registered in tenant {directory}: check tenants.{id}.client_id and \
             microsoft_tenant_id, and have an admin of that tenant consent to the app"
        ),
        Some(90002 | 900023) => format!(
            "tenant {directory} does not exist: correct tenants.{id}.microsoft_tenant_id (the \
             directory's GUID or a verified domain)"
        ),
        _ if e.is_retryable() => "the identity platform could not be reached: check this host's \
             access to graph.authority_url and run doctor again"
            .into(),
        _ => format!(
            "the identity platform refused app {client}: check tenants.{id}.client_id, \
             client_secret and microsoft_tenant_id"
        ),
    }
}

fn grant(tenant: &Tenant<'_>, permission: &str) -> String {
    format!(
        "grant the application permission {permission} with admin consent (Entra ID → App \
         registrations → {} → API permissions)",
        tenant.app.client_id
    )
}

fn calendar_fix(tenant: &Tenant<'_>, m: &Mailbox, e: &GraphError) -> String {
    match e.kind() {
        GraphErrorKind::Forbidden => format!(
            "{}; if an Exchange application access policy or RBAC for Applications limits the \
             app, include {}",
            grant(tenant, "Calendars.ReadWrite"),
            m.upn
        ),
        GraphErrorKind::NotFound => format!(
            "{} has no Exchange Online mailbox: license it, or choose another organizer",
            m.upn
        ),
        _ => other_fix(e),
    }
}

/// Teams answers 403 both for a missing access policy and for a missing permission; only the
/// message tells them apart.
fn is_access_policy(e: &GraphError) -> bool {
    e.kind() == GraphErrorKind::Forbidden
        && e.message()
            .to_ascii_lowercase()
            .contains("application access policy")
}

fn online_meetings_fix(tenant: &Tenant<'_>, m: &Mailbox, e: &GraphError) -> String {
    if is_access_policy(e) {
        format!(
            "grant an application access policy: New-CsApplicationAccessPolicy -Identity \
             meetflow -AppIds \"{}\"; Grant-CsApplicationAccessPolicy -PolicyName meetflow \
             -Identity \"{}\" (takes up to 30 minutes)",
            tenant.app.client_id, m.upn
        )
    } else if e.kind() == GraphErrorKind::Forbidden {
        grant(tenant, "OnlineMeetings.Read.All")
    } else {
        other_fix(e)
    }
}

fn artifact_fix(tenant: &Tenant<'_>, m: &Mailbox, e: &GraphError, permission: &str) -> String {
    if is_access_policy(e) {
        online_meetings_fix(tenant, m, e)
    } else if e.kind() == GraphErrorKind::Forbidden {
        grant(tenant, permission)
    } else {
        other_fix(e)
    }
}

fn other_fix(e: &GraphError) -> String {
    if e.is_retryable() {
        "Graph could not answer right now: run doctor again; if it persists, check this host's \
         access to graph.graph_url"
            .into()
    } else {
        "Graph refused the call (see above): check graph.graph_url and the app's permissions".into()
    }
}
