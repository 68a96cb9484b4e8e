//! The bodies as the OpenAPI document describes them. The routes hand the JSON itself to the
//! contract's parser (proto/src/parse.rs) and to the workflow, so these types are the document's
//! only; a test holds their field names to the proto's JSON names (proto3 JSON mapping).

#![allow(dead_code)] // read by the OpenAPI derive only

use utoipa::ToSchema;

/// `AppointmentApproved` (proto/meetflow/v1/appointment.proto); rules in docs/contract.md.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AppointmentApproved)]
pub struct ApproveBody {
    /// 1-64 of `[A-Za-z0-9._-]`; must be the signing tenant.
    tenant_id: String,
    /// 1-128 of `[A-Za-z0-9._:-]`.
    appointment_id: String,
    /// One line, at most 255 characters.
    title: String,
    /// Plain text, at most 8,000 characters.
    description: Option<String>,
    #[schema(format = DateTime)]
    start: String,
    /// After `start`, at most 24 h later.
    #[schema(format = DateTime)]
    end: String,
    /// IANA time zone; default `UTC`.
    organizer_time_zone: Option<String>,
    /// 1-50: exactly one technician, at most one client contact.
    participants: Vec<ParticipantBody>,
    generate_teams_meeting: Option<bool>,
    /// Absent: the tenant's `send_invites_default`.
    send_invites: Option<bool>,
}

/// `Participant`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Participant)]
pub struct ParticipantBody {
    role: ParticipantRole,
    email: String,
    display_name: Option<String>,
    /// IANA time zone of this participant's mails; default the organizer's.
    time_zone: Option<String>,
    /// BCP 47, default `en`.
    locale: Option<String>,
}

#[derive(ToSchema)]
#[allow(clippy::enum_variant_names)] // the proto's own names
pub enum ParticipantRole {
    #[serde(rename = "PARTICIPANT_ROLE_CLIENT_CONTACT")]
    ClientContact,
    #[serde(rename = "PARTICIPANT_ROLE_TECHNICIAN")]
    Technician,
    #[serde(rename = "PARTICIPANT_ROLE_EXTRA_ATTENDEE")]
    ExtraAttendee,
}

/// The appointment and `Reschedule`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RescheduleBody {
    tenant_id: String,
    appointment_id: String,
    #[schema(format = DateTime)]
    start: String,
    #[schema(format = DateTime)]
    end: String,
    /// Shown in the update mail.
    reason: Option<String>,
}

/// The appointment and `Cancel`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody {
    tenant_id: String,
    appointment_id: String,
    /// Shown in the cancellation mail.
    reason: Option<String>,
}

/// `ChangeAccepted`: the update's result.
#[derive(ToSchema)]
pub struct ChangeAccepted {
    /// The ICS SEQUENCE the change's mails carry.
    sequence: u32,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use meetflow_proto::v1;
    use serde_json::Value;
    use utoipa::{
        PartialSchema,
        openapi::{RefOr, Schema},
    };

    use super::*;

    fn documented<T: PartialSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    /// The JSON names of `message` with every field set (proto3 JSON omits defaults).
    fn wire(message: impl serde::Serialize) -> BTreeSet<String> {
        match serde_json::to_value(message).unwrap() {
            Value::Object(o) => o.keys().cloned().collect(),
            other => panic!("{other}"),
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// A set timestamp (of the proto's own type, whatever crate provides it).
    fn ts<T: Default>() -> Option<T> {
        Some(T::default())
    }

    #[test]
    fn the_documented_fields_are_the_contracts() {
        let approved = v1::AppointmentApproved {
            tenant_id: "t".into(),
            appointment_id: "a".into(),
            title: "x".into(),
            description: "x".into(),
            start: ts(),
            end: ts(),
            organizer_time_zone: "UTC".into(),
            participants: vec![v1::Participant::default()],
            generate_teams_meeting: true,
            send_invites: Some(true),
        };
        assert_eq!(documented::<ApproveBody>(), wire(approved));
        let participant = v1::Participant {
            role: v1::ParticipantRole::Technician as i32,
            email: "x".into(),
            display_name: "x".into(),
            time_zone: "x".into(),
            locale: "x".into(),
        };
        assert_eq!(documented::<ParticipantBody>(), wire(participant));
        let ids = set(&["tenantId", "appointmentId"]);
        let reschedule = v1::Reschedule {
            start: ts(),
            end: ts(),
            reason: "x".into(),
        };
        assert_eq!(documented::<RescheduleBody>(), &wire(reschedule) | &ids,);
        let cancel = v1::Cancel { reason: "x".into() };
        assert_eq!(documented::<CancelBody>(), &wire(cancel) | &ids);
        assert_eq!(
            documented::<ChangeAccepted>(),
            wire(v1::ChangeAccepted { sequence: 1 })
        );
    }

    #[test]
    fn the_documented_roles_are_the_contracts() {
        let RefOr::T(Schema::Object(o)) = ParticipantRole::schema() else {
            panic!("roles")
        };
        let documented: BTreeSet<String> = o
            .enum_values
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let wire: BTreeSet<String> = [
            v1::ParticipantRole::ClientContact,
            v1::ParticipantRole::Technician,
            v1::ParticipantRole::ExtraAttendee,
        ]
        .iter()
        .map(|r| r.as_str_name().to_string())
        .collect();
        assert_eq!(documented, wire);
    }
}
