//! The Teams meeting's calendar event in Graph, and its row in the store.

use meetflow_config::Organizer;
use meetflow_graph::{
    Deleted, EventAttendee, EventPatch, GraphErrorKind, GraphEvent, NewEvent, transaction_id,
};
use meetflow_store::MeetingRecord;
use meetflow_workflows::activity_api::{
    AppointmentKey, CreateMeetingInput, CreatedMeeting, DeleteMeetingInput, MeetingRecordInput,
    ResolveOnlineMeetingInput, UpdateMeetingInput,
};
use temporalio_sdk::activities::ActivityError;

use crate::deps::Deps;
use crate::failure;
use crate::metrics::Outcome;
use crate::tenant::{graph_identity, graph_tenant};

/// The event body external attendees see: the description only, escaped; never internal links.
fn body_html(description: &str) -> String {
    format!(
        "<p>{}</p>",
        meetflow_mail::html_escape_multiline(description)
    )
}

pub(crate) async fn create(
    deps: &Deps,
    input: &CreateMeetingInput,
) -> Result<CreatedMeeting, ActivityError> {
    let (app, organizer) = graph_tenant(deps, &input.tenant_id).await?;
    let event = NewEvent {
        subject: input.subject.clone(),
        body_html: body_html(&input.description),
        start: input.schedule.start(),
        end: input.schedule.end(),
        attendees: input
            .attendees
            .iter()
            .map(|a| EventAttendee {
                email: a.email.to_string(),
                name: a.name.clone(),
            })
            .collect(),
        // Same appointment → same transactionId → Graph returns the first event on a retry
        // whose earlier response was lost, instead of creating a second meeting.
        transaction_id: transaction_id(input.tenant_id.as_str(), input.appointment_id.as_str()),
    };
    let mailbox = organizer.object_id.as_str();
    let created = match deps.graph.create_event(app, mailbox, &event).await {
        Ok(created) => created,
        // The transactionId already made an event with another body: a re-approval after a
        // failed run, with changed times or title. That event is this appointment's meeting;
        // it is brought up to date instead of refused.
        Err(e) if e.is_duplicate_transaction() => {
            let Some(existing) = deps
                .graph
                .find_event_by_transaction(app, mailbox, &event.transaction_id)
                .await
                .map_err(failure::classify)?
            else {
                return Err(failure::classify(e));
            };
            let patch = EventPatch {
                subject: Some(event.subject.clone()),
                start: Some(event.start),
                end: Some(event.end),
                attendees: Some(event.attendees.clone()),
                // The body keeps the Teams join block Graph put there.
                body_html: None,
            };
            deps.graph
                .update_event(app, mailbox, &existing.id, &patch)
                .await
                .map_err(failure::classify)?
        }
        Err(e) => return Err(failure::classify(e)),
    };
    deps.metrics.meeting_created(input.tenant_id.as_str());
    Ok(created_meeting(created, &organizer))
}

fn created_meeting(event: GraphEvent, organizer: &Organizer) -> CreatedMeeting {
    CreatedMeeting {
        event_id: event.id,
        ical_uid: event.ical_uid,
        join_url: event.join_url,
        organizer_name: organizer.upn.to_string(),
        organizer_email: organizer.upn.clone(),
    }
}

/// The event an earlier create of this appointment made, if Graph has it.
pub(crate) async fn find(
    deps: &Deps,
    key: &AppointmentKey,
) -> Result<Option<CreatedMeeting>, ActivityError> {
    let (app, organizer) = graph_tenant(deps, &key.tenant_id).await?;
    let tx = transaction_id(key.tenant_id.as_str(), key.appointment_id.as_str());
    let found = deps
        .graph
        .find_event_by_transaction(app, organizer.object_id.as_str(), &tx)
        .await
        .map_err(failure::classify)?;
    Ok(found.map(|event| created_meeting(event, &organizer)))
}

pub(crate) async fn stored_sequence(
    deps: &Deps,
    key: &AppointmentKey,
) -> Result<Option<u32>, ActivityError> {
    let row = deps
        .store
        .get_meeting(key.tenant_id.as_str(), key.appointment_id.as_str())
        .await
        .map_err(failure::classify)?;
    Ok(row.map(|m| m.sequence))
}

pub(crate) async fn resolve_online_meeting(
    deps: &Deps,
    input: &ResolveOnlineMeetingInput,
) -> Result<String, ActivityError> {
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    match deps
        .graph
        .find_online_meeting(app, organizer, &input.join_url)
        .await
    {
        Ok(meeting) => Ok(meeting.id),
        // An empty answer (no HTTP error) right after the create is Graph's replication lag:
        // retried within the tenant's lookup window, not a permanent `graph_not_found`.
        Err(e) if e.kind() == GraphErrorKind::NotFound && e.status().is_none() => {
            Err(failure::transient(
                "online_meeting_not_visible",
                "Graph does not list the meeting's onlineMeeting yet",
            ))
        }
        Err(e) => Err(failure::classify(e)),
    }
}

/// Only the times change: replacing the body would drop the Teams join block Graph put there.
pub(crate) async fn update(deps: &Deps, input: &UpdateMeetingInput) -> Result<(), ActivityError> {
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    let patch = EventPatch {
        start: Some(input.schedule.start()),
        end: Some(input.schedule.end()),
        ..EventPatch::default()
    };
    deps.graph
        .update_event(app, organizer, &input.event_id, &patch)
        .await
        .map_err(failure::classify)?;
    Ok(())
}

/// A 404 means an earlier attempt (or a person) already deleted it: done either way.
pub(crate) async fn delete(deps: &Deps, input: &DeleteMeetingInput) -> Result<bool, ActivityError> {
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    let outcome = deps
        .graph
        .delete_event(app, organizer, &input.event_id)
        .await
        .map_err(failure::classify)?;
    Ok(outcome == Deleted::Deleted)
}

pub(crate) async fn record(deps: &Deps, input: &MeetingRecordInput) -> Result<(), ActivityError> {
    let organizer = deps
        .tenants
        .get(input.tenant_id.as_str())
        .and_then(|t| t.organizer.as_ref());
    let record = MeetingRecord {
        tenant_id: input.tenant_id.to_string(),
        appointment_id: input.appointment_id.to_string(),
        event_id: input.event_id.clone(),
        ical_uid: input.ical_uid.clone(),
        online_meeting_id: input.online_meeting_id.clone(),
        join_url: input.join_url.clone(),
        organizer_upn: organizer.map(|o| o.upn.to_string()),
        // As known to this process: recording never waits on Graph for a lookup.
        organizer_object_id: organizer.and_then(|o| o.object_id.get().map(ToString::to_string)),
        subject: input.subject.clone(),
        start: input.schedule.start(),
        end: input.schedule.end(),
        ics_uid: input.ics_uid.clone(),
        sequence: input.sequence,
        status: input.status,
        error_code: input.error_code.clone(),
    };
    // An outcome counts when the row first takes it, so a retried write (or a reschedule that
    // keeps it) counts once.
    let outcome = Outcome::of(input);
    let first = match outcome {
        Some(_) => deps
            .store
            .get_meeting(&record.tenant_id, &record.appointment_id)
            .await
            .map_err(failure::classify)?
            .is_none_or(|before| {
                before.status != input.status && before.sequence <= input.sequence
            }),
        None => false,
    };
    deps.store
        .upsert_meeting(&record)
        .await
        .map_err(failure::classify)?;
    if let Some(outcome) = outcome.filter(|_| first) {
        deps.metrics.outcome(input.tenant_id.as_str(), outcome);
    }
    Ok(())
}
