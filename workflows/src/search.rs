//! The search attributes the workflows keep current, so ops can find any appointment with
//! `TenantId = 'acme' AND AppointmentPhase = 'scheduled'`.

use meetflow_proto::model::{AppointmentId, TenantId};
use meetflow_proto::status::Phase;
use temporalio_common::search_attributes::{SearchAttributeKey, SearchAttributes};

pub const TENANT_ID: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_TENANT_ID);
pub const APPOINTMENT_ID: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_APPOINTMENT_ID);
/// The lifecycle [`Phase`](meetflow_proto::status::Phase), spelled as `Phase::as_str`.
pub const APPOINTMENT_PHASE: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_APPOINTMENT_PHASE);

/// `temporal server start-dev` / `temporal operator search-attribute create` arguments.
pub const REGISTRATION: [(&str, &str); 3] = [
    (meetflow_proto::names::SA_TENANT_ID, "Keyword"),
    (meetflow_proto::names::SA_APPOINTMENT_ID, "Keyword"),
    (meetflow_proto::names::SA_APPOINTMENT_PHASE, "Keyword"),
];

/// What a starter sets so that an appointment is listed (`approving`) from its start; a
/// lifecycle started with exactly these does not upsert them again (patch `cheaper-lifecycle`:
/// one billable Action less). Starters that set none still work: the workflow upserts them.
pub fn at_start(tenant: &TenantId, appointment: &AppointmentId) -> SearchAttributes {
    SearchAttributes::new([
        TENANT_ID.value_set(tenant.to_string()),
        APPOINTMENT_ID.value_set(appointment.to_string()),
        APPOINTMENT_PHASE.value_set(Phase::Approving.to_string()),
    ])
}

/// Whether a start's search attributes already list this appointment as [`at_start`] does.
pub fn listed_at_start(
    attributes: &SearchAttributes,
    tenant: &TenantId,
    appointment: &AppointmentId,
) -> bool {
    let is =
        |key: &SearchAttributeKey<String>, want: &str| attributes.get(key).as_deref() == Some(want);
    is(&TENANT_ID, tenant.as_str())
        && is(&APPOINTMENT_ID, appointment.as_str())
        && is(&APPOINTMENT_PHASE, Phase::Approving.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_listed_only_with_all_three_values_of_this_appointment() {
        let tenant = TenantId::parse("acme").unwrap();
        let appointment = AppointmentId::parse("a-1").unwrap();
        let set = at_start(&tenant, &appointment);
        assert!(listed_at_start(&set, &tenant, &appointment));
        let other = AppointmentId::parse("a-2").unwrap();
        assert!(!listed_at_start(&set, &tenant, &other));
        let partial = SearchAttributes::new([TENANT_ID.value_set("acme".to_string())]);
        assert!(!listed_at_start(&partial, &tenant, &appointment));
        assert!(!listed_at_start(
            &SearchAttributes::default(),
            &tenant,
            &appointment
        ));
    }
}
