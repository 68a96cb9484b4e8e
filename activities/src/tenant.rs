//! What a workflow may know of a tenant.

use meetflow_proto::model::TenantId;
use meetflow_workflows::activity_api::TenantSettings;

use crate::deps::Deps;

/// A tenant without configuration still gets its invitations, just no meeting.
pub(crate) fn resolve(deps: &Deps, tenant: &TenantId) -> TenantSettings {
    deps.tenants
        .get(tenant.as_str())
        .map(|t| t.settings.clone())
        .unwrap_or_else(TenantSettings::unconfigured)
}
