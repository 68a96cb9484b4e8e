//! The search attributes the workflows keep current, so ops can find any appointment with
//! `TenantId = 'acme' AND MeetingStatus = 'scheduled'`.

use temporalio_common::search_attributes::SearchAttributeKey;

pub const TENANT_ID: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_TENANT_ID);
pub const APPOINTMENT_ID: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_APPOINTMENT_ID);
pub const MEETING_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(meetflow_proto::names::SA_MEETING_STATUS);

/// `temporal server start-dev` / `temporal operator search-attribute create` arguments.
pub const REGISTRATION: [(&str, &str); 3] = [
    (meetflow_proto::names::SA_TENANT_ID, "Keyword"),
    (meetflow_proto::names::SA_APPOINTMENT_ID, "Keyword"),
    (meetflow_proto::names::SA_MEETING_STATUS, "Keyword"),
];
