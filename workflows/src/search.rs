//! The search attributes the workflows keep current, so ops can find any appointment with
//! `TenantId = 'acme' AND AppointmentPhase = 'scheduled'`.

use temporalio_common::search_attributes::SearchAttributeKey;

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
