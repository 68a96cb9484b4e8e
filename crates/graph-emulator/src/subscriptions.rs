//! `/subscriptions`: change-notification subscriptions on recordings and transcripts, and the
//! notifications they cause.
//!
//! As Graph does: a create validates `notificationUrl` and `lifecycleNotificationUrl` (a POST
//! with `?validationToken=` that must be echoed as `text/plain` with 200 within 10 s) and
//! refuses with 400 otherwise; `lifecycleNotificationUrl` is required beyond one hour; a
//! subscription is gone once its `expirationDateTime` passes (PATCH → 404). Unlike Graph, an
//! expiration beyond the resource's maximum is capped to it (Graph documents the maximum and
//! says requests beyond it will fail), so tests can shorten the maximum with
//! `subscriptionMaxLifetimeSecs` and watch a keeper renew. `http` URLs are accepted (Graph
//! requires `https`) because the emulator runs on loopback.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::control_api::{DeliveryKind, EmulatedSubscription, NotificationDelivery};
use crate::identity::Caller;
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::world::{ArtifactKind, World, new_guid};

/// Graph waits this long for the validation answer.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Graph expects a notification to be answered within 3 seconds.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Delivery attempts of one notification (Graph retries for up to 4 hours; tests need less).
const DELIVERY_ATTEMPTS: u32 = 3;
/// Deliveries kept for `GET /_emulator/notifications` (the latest ones).
const MAX_DELIVERIES_LOGGED: usize = 10_000;
/// The documented maximum for Teams callRecording / callTranscript subscriptions: 4,230 min.
pub const MAX_LIFETIME_SECS: u64 = 4230 * 60;
/// Beyond this, `lifecycleNotificationUrl` is required.
const LIFECYCLE_URL_REQUIRED_BEYOND_SECS: i64 = 3600;

/// What a subscription's `resource` watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    pub kind: ArtifactKind,
    pub scope: Scope,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `communications/onlineMeetings/getAll…`: every meeting of the tenant.
    Tenant,
    /// `users/{id}/onlineMeetings/getAll…`: every meeting this user organizes.
    Organizer(String),
    /// `communications/onlineMeetings/{id}/recordings|transcripts`: one meeting.
    Meeting(String),
}

/// Parses the documented resource forms for recordings and transcripts.
pub fn watched(resource: &str) -> Option<Watched> {
    let r = resource.trim_start_matches('/');
    let all = |tail: &str| match tail {
        "getAllRecordings" => Some(ArtifactKind::Recording),
        "getAllTranscripts" => Some(ArtifactKind::Transcript),
        _ => None,
    };
    let collection = |tail: &str| match tail {
        "recordings" => Some(ArtifactKind::Recording),
        "transcripts" => Some(ArtifactKind::Transcript),
        _ => None,
    };
    let segments: Vec<&str> = r.split('/').collect();
    match segments.as_slice() {
        ["communications", "onlineMeetings", tail] => all(tail).map(|kind| Watched {
            kind,
            scope: Scope::Tenant,
        }),
        ["communications", "onlineMeetings", id, tail] => collection(tail).map(|kind| Watched {
            kind,
            scope: Scope::Meeting((*id).to_owned()),
        }),
        ["users", user, "onlineMeetings", tail] => all(tail).map(|kind| Watched {
            kind,
            scope: Scope::Organizer((*user).to_owned()),
        }),
        _ => None,
    }
}

fn invalid_request(message: impl Into<String>) -> GraphFailure {
    GraphFailure::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

fn not_found(id: &str) -> GraphFailure {
    GraphFailure::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!("The object '{id}' was not found."),
    )
}

fn max_lifetime(world: &World) -> chrono::Duration {
    let secs = world
        .settings
        .subscription_max_lifetime_secs
        .unwrap_or(MAX_LIFETIME_SECS);
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

/// The requested expiry, checked and capped to the maximum lifetime.
fn expiry(
    world: &World,
    body: &Value,
    has_lifecycle_url: bool,
) -> Result<DateTime<Utc>, GraphFailure> {
    let requested = body
        .get("expirationDateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("expirationDateTime is required."))?;
    let requested = DateTime::parse_from_rfc3339(requested)
        .map_err(|_| invalid_request(format!("Invalid expirationDateTime '{requested}'.")))?
        .with_timezone(&Utc);
    let now = Utc::now();
    if requested <= now {
        return Err(invalid_request(
            "Subscription expiration must be in the future.",
        ));
    }
    if !has_lifecycle_url
        && requested - now > chrono::Duration::seconds(LIFECYCLE_URL_REQUIRED_BEYOND_SECS)
    {
        return Err(invalid_request(
            "lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour.",
        ));
    }
    Ok(requested.min(now + max_lifetime(world)))
}

fn subscription_json(s: &EmulatedSubscription, with_client_state: bool) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": s.id,
        "resource": s.resource,
        "applicationId": s.application_id,
        "changeType": s.change_type,
        "clientState": if with_client_state { Some(&s.client_state) } else { None },
        "notificationUrl": s.notification_url,
        "lifecycleNotificationUrl": s.lifecycle_notification_url,
        "expirationDateTime": graph_instant(s.expiration_date_time),
        "creatorId": s.application_id,
        "includeResourceData": false,
        "latestSupportedTlsVersion": "v1_2",
        "notificationContentType": "application/json",
        "encryptionCertificate": null,
        "encryptionCertificateId": null,
        "notificationQueryOptions": null,
        "notificationUrlAppId": null,
    })
}

/// `POST /v1.0/subscriptions`
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> GraphResult {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let change_type = text("changeType").unwrap_or_default();
    if change_type != "created" {
        return Err(invalid_request(
            "changeType must be 'created' for this resource.",
        ));
    }
    let resource = text("resource").ok_or_else(|| invalid_request("resource is required."))?;
    let watched = watched(&resource)
        .ok_or_else(|| invalid_request(format!("Resource '{resource}' is not supported.")))?;
    caller.require(watched.kind.permission())?;
    let notification_url =
        text("notificationUrl").ok_or_else(|| invalid_request("notificationUrl is required."))?;
    let lifecycle_url = text("lifecycleNotificationUrl");
    let client_state = text("clientState");
    if client_state.as_ref().is_some_and(|c| c.len() > 128) {
        return Err(invalid_request(
            "clientState must be at most 128 characters.",
        ));
    }
    let (expiration, application_id) = {
        let world = state.world();
        let expiration = expiry(&world, &body, lifecycle_url.is_some())?;
        (expiration, caller.client_id.clone())
    };
    let id = new_guid();
    // Graph validates both endpoints before it answers the create.
    for url in std::iter::once(&notification_url).chain(lifecycle_url.as_ref()) {
        if !validate(&state, &id, url).await {
            return Err(invalid_request(
                "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
            ));
        }
    }
    let subscription = EmulatedSubscription {
        id,
        tenant: caller.tenant_id.clone(),
        application_id,
        resource,
        change_type,
        notification_url,
        lifecycle_notification_url: lifecycle_url,
        expiration_date_time: expiration,
        client_state: client_state.unwrap_or_default(),
        created_date_time: Utc::now(),
        renewals: 0,
        reauthorizations: 0,
        removed: false,
    };
    let json = subscription_json(&subscription, true);
    state.world().subscriptions.push(subscription);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `GET /v1.0/subscriptions`: the caller's tenant's live subscriptions.
pub async fn list(State(state): State<AppState>, caller: Caller) -> GraphResult {
    let world = state.world();
    let now = Utc::now();
    let value: Vec<Value> = world
        .subscriptions
        .iter()
        .filter(|s| s.tenant == caller.tenant_id && s.is_live(now))
        .map(|s| subscription_json(s, false))
        .collect();
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions",
        "value": value,
    }))
    .into_response())
}

/// `GET /v1.0/subscriptions/{id}`
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> GraphResult {
    let world = state.world();
    let s = live(&world, &caller, &id)?;
    Ok(Json(subscription_json(s, false)).into_response())
}

fn live<'a>(
    world: &'a World,
    caller: &Caller,
    id: &str,
) -> Result<&'a EmulatedSubscription, GraphFailure> {
    let now = Utc::now();
    world
        .subscriptions
        .iter()
        .find(|s| s.id == id && s.tenant == caller.tenant_id && s.is_live(now))
        .ok_or_else(|| not_found(id))
}

fn live_mut<'a>(
    world: &'a mut World,
    caller: &Caller,
    id: &str,
) -> Result<&'a mut EmulatedSubscription, GraphFailure> {
    let now = Utc::now();
    world
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id && s.tenant == caller.tenant_id && s.is_live(now))
        .ok_or_else(|| not_found(id))
}

/// `PATCH /v1.0/subscriptions/{id}` `{expirationDateTime}`: renews (and reauthorizes).
pub async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> GraphResult {
    let mut world = state.world();
    let (kind, has_lifecycle_url) = {
        let s = live(&world, &caller, &id)?;
        let kind = watched(&s.resource).map(|w| w.kind);
        (kind, s.lifecycle_notification_url.is_some())
    };
    if let Some(kind) = kind {
        caller.require(kind.permission())?;
    }
    if world.settings.refuse_subscription_renewals {
        return Err(GraphFailure::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Operation not permitted: the subscription cannot be renewed.",
        ));
    }
    let expiration = expiry(&world, &body, has_lifecycle_url)?;
    let s = live_mut(&mut world, &caller, &id)?;
    s.expiration_date_time = expiration;
    s.renewals += 1;
    Ok(Json(subscription_json(s, false)).into_response())
}

/// `POST /v1.0/subscriptions/{id}/reauthorize` → 204.
pub async fn reauthorize(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> GraphResult {
    let mut world = state.world();
    let kind = watched(&live(&world, &caller, &id)?.resource).map(|w| w.kind);
    if let Some(kind) = kind {
        caller.require(kind.permission())?;
    }
    live_mut(&mut world, &caller, &id)?.reauthorizations += 1;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /v1.0/subscriptions/{id}` → 204; 404 when it is gone already.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> GraphResult {
    let mut world = state.world();
    live_mut(&mut world, &caller, &id)?.removed = true;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The validation handshake against `url`: true when it echoed the token as documented.
async fn validate(state: &AppState, subscription_id: &str, url: &str) -> bool {
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        new_guid()
    );
    let target = url::Url::parse(url).map(|mut u| {
        u.query_pairs_mut().append_pair("validationToken", &token);
        u
    });
    let status = match target {
        Ok(target) => {
            let answer = reqwest::Client::new()
                .post(target)
                .header("content-type", "text/plain; charset=utf-8")
                .timeout(VALIDATION_TIMEOUT)
                .send()
                .await;
            match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let plain = r
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("text/plain"));
                    let echoed = r.text().await.is_ok_and(|body| body == token);
                    if status == 200 && !(plain && echoed) {
                        // Answered, but not with the token as text/plain: as good as refused.
                        Some(0)
                    } else {
                        Some(status)
                    }
                }
                Err(_) => None,
            }
        }
        Err(_) => None,
    };
    log_delivery(
        state,
        DeliveryKind::Validation,
        subscription_id,
        url,
        None,
        status,
    );
    status == Some(200)
}

fn log_delivery(
    state: &AppState,
    kind: DeliveryKind,
    subscription_id: &str,
    url: &str,
    detail: Option<String>,
    status: Option<u16>,
) {
    let mut world = state.world();
    let seq = world.next_seq();
    // Bounded like the request log, so a long-running `meetflow dev` stays small.
    if world.deliveries.len() >= MAX_DELIVERIES_LOGGED {
        world.deliveries.remove(0);
    }
    world.deliveries.push(NotificationDelivery {
        seq,
        at: Utc::now(),
        kind,
        subscription_id: subscription_id.to_owned(),
        url: url.to_owned(),
        detail,
        status,
    });
}

/// POSTs `body` to `url` until it is answered 2xx (at most [`DELIVERY_ATTEMPTS`] times).
async fn deliver(
    state: &AppState,
    kind: DeliveryKind,
    subscription_id: &str,
    url: &str,
    detail: Option<String>,
    body: &Value,
) -> Option<u16> {
    let client = reqwest::Client::new();
    let mut last = None;
    for attempt in 0..DELIVERY_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        let status = client
            .post(url)
            .json(body)
            .timeout(DELIVERY_TIMEOUT)
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16());
        log_delivery(state, kind, subscription_id, url, detail.clone(), status);
        last = status;
        if status.is_some_and(|s| (200..300).contains(&s)) {
            break;
        }
    }
    last
}

/// A new artifact of a meeting: once it is available, every live subscription watching it gets
/// a change notification (documented shape, without resource data).
pub fn publish(
    state: &AppState,
    tenant: &str,
    organizer: &str,
    meeting_id: &str,
    kind: ArtifactKind,
    artifact_id: &str,
    available_at: DateTime<Utc>,
) {
    let state = state.clone();
    let (tenant, organizer, meeting_id, artifact_id) = (
        tenant.to_owned(),
        organizer.to_owned(),
        meeting_id.to_owned(),
        artifact_id.to_owned(),
    );
    tokio::spawn(async move {
        if let Ok(wait) = (available_at - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        let now = Utc::now();
        let targets: Vec<EmulatedSubscription> = state
            .world()
            .subscriptions
            .iter()
            .filter(|s| s.tenant == tenant && s.is_live(now))
            .filter(|s| {
                watched(&s.resource).is_some_and(|w| {
                    w.kind == kind
                        && match &w.scope {
                            Scope::Tenant => true,
                            Scope::Organizer(u) => u.eq_ignore_ascii_case(&organizer),
                            Scope::Meeting(m) => *m == meeting_id,
                        }
                })
            })
            .cloned()
            .collect();
        let (segment, odata_type) = match kind {
            ArtifactKind::Recording => ("recordings", "#Microsoft.Graph.callRecording"),
            ArtifactKind::Transcript => ("transcripts", "#Microsoft.Graph.callTranscript"),
        };
        let resource =
            format!("communications/onlineMeetings('{meeting_id}')/{segment}('{artifact_id}')");
        for s in targets {
            let body = json!({"value": [{
                "subscriptionId": s.id,
                "subscriptionExpirationDateTime": graph_instant(s.expiration_date_time),
                "changeType": "created",
                "resource": resource,
                "resourceData": {"id": artifact_id, "@odata.type": odata_type, "@odata.id": resource},
                "clientState": s.client_state,
                "tenantId": s.tenant,
            }]});
            deliver(
                &state,
                DeliveryKind::Change,
                &s.id,
                &s.notification_url,
                Some(resource.clone()),
                &body,
            )
            .await;
        }
    });
}

/// Control API: sends a lifecycle notification for subscription `id`; `subscriptionRemoved`
/// removes it first. Returns the delivery's last status (`None`: no answer).
pub async fn send_lifecycle(
    state: &AppState,
    id: &str,
    event: &str,
) -> Result<Option<u16>, String> {
    let (subscription, url) = {
        let mut world = state.world();
        let now = Utc::now();
        let Some(s) = world.subscriptions.iter_mut().find(|s| s.id == id) else {
            return Err(format!("no subscription {id}"));
        };
        if event == "subscriptionRemoved" {
            s.removed = true;
        } else if !s.is_live(now) {
            return Err(format!("subscription {id} is no longer live"));
        }
        let Some(url) = s.lifecycle_notification_url.clone() else {
            return Err(format!("subscription {id} has no lifecycleNotificationUrl"));
        };
        (s.clone(), url)
    };
    let body = json!({"value": [{
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": graph_instant(subscription.expiration_date_time),
        "tenantId": subscription.tenant,
        "clientState": subscription.client_state,
        "lifecycleEvent": event,
    }]});
    Ok(deliver(
        state,
        DeliveryKind::Lifecycle,
        &subscription.id,
        &url,
        Some(event.to_owned()),
        &body,
    )
    .await)
}

impl EmulatedSubscription {
    /// Not deleted or removed, and not expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        !self.removed && self.expiration_date_time > now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_resource_forms_parse() {
        assert_eq!(
            watched("communications/onlineMeetings/getAllRecordings"),
            Some(Watched {
                kind: ArtifactKind::Recording,
                scope: Scope::Tenant
            })
        );
        assert_eq!(
            watched("/communications/onlineMeetings/MSo1/transcripts"),
            Some(Watched {
                kind: ArtifactKind::Transcript,
                scope: Scope::Meeting("MSo1".into())
            })
        );
        assert_eq!(
            watched("users/u1/onlineMeetings/getAllTranscripts"),
            Some(Watched {
                kind: ArtifactKind::Transcript,
                scope: Scope::Organizer("u1".into())
            })
        );
        assert_eq!(watched("users/u1/events"), None);
        assert_eq!(watched("communications/onlineMeetings/getAllEvents"), None);
    }
}
