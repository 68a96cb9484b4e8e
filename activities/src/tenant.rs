//! What a workflow may know of a tenant, and what only activities use: its app and its
//! organizer mailbox, whose object id is configured or looked up once from the UPN.

use meetflow_config::{ConfiguredOrganizer, ObjectId, Organizer};
use meetflow_graph::{AppCredentials, GraphErrorKind};
use meetflow_proto::model::{EmailAddress, TenantId};
use meetflow_workflows::activity_api::TenantSettings;
use temporalio_sdk::activities::ActivityError;
use tokio::sync::OnceCell;

use crate::deps::Deps;
use crate::failure;

/// The organizer mailbox: its UPN from configuration; its object id from configuration, or from
/// Graph the first time an activity of this process needs it (a read, so any attempt may do it).
pub(crate) struct OrganizerMailbox {
    pub(crate) upn: EmailAddress,
    pub(crate) object_id: OnceCell<ObjectId>,
}

impl From<ConfiguredOrganizer> for OrganizerMailbox {
    fn from(configured: ConfiguredOrganizer) -> Self {
        Self {
            upn: configured.upn().clone(),
            object_id: OnceCell::new_with(configured.object_id().cloned()),
        }
    }
}

/// A tenant without configuration still gets its invitations, just no meeting. A tenant whose
/// organizer is configured by UPN only has its object id looked up here, so a wrong UPN fails
/// the approval at once with a message that names it (the settings themselves are unchanged:
/// recorded histories replay as before).
pub(crate) async fn resolve(
    deps: &Deps,
    tenant: &TenantId,
) -> Result<TenantSettings, ActivityError> {
    let Some(t) = deps.tenants.get(tenant.as_str()) else {
        return Ok(TenantSettings::unconfigured());
    };
    if t.settings.meeting_unavailable.is_none() {
        graph_tenant(deps, tenant).await?;
    }
    Ok(t.settings.clone())
}

/// The tenant's app and organizer (object id resolved), or the permanent failure that says what
/// is missing.
pub(crate) async fn graph_tenant<'a>(
    deps: &'a Deps,
    tenant: &TenantId,
) -> Result<(&'a AppCredentials, Organizer), ActivityError> {
    let (app, upn, object_id) = graph_parts(deps, tenant).await?;
    Ok((
        app,
        Organizer {
            upn: upn.clone(),
            object_id: object_id.clone(),
        },
    ))
}

/// The app credentials and organizer object id every Graph call of a tenant uses.
pub(crate) async fn graph_identity<'a>(
    deps: &'a Deps,
    tenant: &TenantId,
) -> Result<(&'a AppCredentials, &'a str), ActivityError> {
    let (app, _, object_id) = graph_parts(deps, tenant).await?;
    Ok((app, object_id.as_str()))
}

async fn graph_parts<'a>(
    deps: &'a Deps,
    tenant: &TenantId,
) -> Result<(&'a AppCredentials, &'a EmailAddress, &'a ObjectId), ActivityError> {
    let t = deps.tenants.get(tenant.as_str()).ok_or_else(|| {
        failure::permanent(
            "not_configured",
            format!("tenant {tenant} has no [tenants.{tenant}] configuration"),
        )
    })?;
    let organizer = t.organizer.as_ref().ok_or_else(|| {
        failure::permanent(
            "no_organizer",
            format!("tenants.{tenant}: set organizer_upn"),
        )
    })?;
    let app = t.app.as_ref().ok_or_else(|| {
        failure::permanent(
            "not_configured",
            format!(
                "tenants.{tenant}: microsoft_tenant_id, client_id and client_secret are not set"
            ),
        )
    })?;
    let object_id = organizer
        .object_id
        .get_or_try_init(|| look_up(deps, tenant, app, &organizer.upn))
        .await?;
    Ok((app, &organizer.upn, object_id))
}

async fn look_up(
    deps: &Deps,
    tenant: &TenantId,
    app: &AppCredentials,
    upn: &EmailAddress,
) -> Result<ObjectId, ActivityError> {
    let user = match deps.graph.get_user(app, upn.as_str()).await {
        Ok(user) => user,
        Err(e) if e.kind() == GraphErrorKind::NotFound => {
            return Err(failure::permanent(
                "organizer_not_found",
                format!(
                    "tenants.{tenant}.organizer_upn: Microsoft tenant {} has no user {upn}; \
                     correct the UPN (or set organizer_object_id)",
                    app.tenant_id
                ),
            ));
        }
        Err(e) => return Err(failure::classify(e)),
    };
    ObjectId::parse(&user.id).map_err(|problem| {
        failure::permanent(
            "graph_error",
            format!("Graph answered for {upn} with an id that is not a GUID: {problem}"),
        )
    })
}
