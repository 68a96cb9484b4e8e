//! `/subscriptions` for recording/transcript change notifications: the validation handshake on
//! create, renew, delete, and delivery when an artifact becomes available.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::identity::Caller;
use crate::reply::{GraphFailure, GraphResult, graph_instant};
use crate::world::{ArtifactKind, World, new_guid};

/// Longest lifetime Graph allows for callRecording / callTranscript subscriptions.
const MAX_LIFETIME_MINUTES: i64 = 4230;

#[derive(Clone, Debug)]
pub struct SubscriptionRecord {
    pub id: String,
    pub tenant_id: String,
    pub resource: String,
    pub scope: Scope,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub expiration: DateTime<Utc>,
    pub client_state: Option<String>,
}

/// Which artifacts a subscription's resource covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Organizer {
        organizer_id: String,
        kind: ArtifactKind,
    },
    Tenant {
        kind: ArtifactKind,
    },
    Meeting {
        meeting_id: String,
        kind: ArtifactKind,
    },
}

impl Scope {
    fn parse(world: &World, caller: &Caller, resource: &str) -> Result<Self, GraphFailure> {
        let unsupported = || {
            GraphFailure::bad_request(format!(
                "Resource '{resource}' is not supported for change notifications by the emulator."
            ))
        };
        let kind_of = |s: &str| match s {
            "getAllRecordings" | "recordings" => Some(ArtifactKind::Recording),
            "getAllTranscripts" | "transcripts" => Some(ArtifactKind::Transcript),
            _ => None,
        };
        let parts: Vec<&str> = resource.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            ["users", user, "onlineMeetings", function] if function.starts_with("getAll") => {
                let kind = kind_of(function).ok_or_else(unsupported)?;
                let organizer = crate::meetings::organizer(world, caller, user)?;
                Ok(Self::Organizer {
                    organizer_id: organizer.id,
                    kind,
                })
            }
            ["communications", "onlineMeetings", function] if function.starts_with("getAll") => {
                Ok(Self::Tenant {
                    kind: kind_of(function).ok_or_else(unsupported)?,
                })
            }
            ["communications", "onlineMeetings", meeting, collection] => {
                let kind = kind_of(collection).ok_or_else(unsupported)?;
                world
                    .meetings
                    .iter()
                    .find(|m| m.tenant_id == caller.tenant_id && m.id == *meeting)
                    .ok_or_else(GraphFailure::not_found)?;
                Ok(Self::Meeting {
                    meeting_id: (*meeting).to_owned(),
                    kind,
                })
            }
            _ => Err(unsupported()),
        }
    }

    fn covers(&self, artifact: &Published) -> bool {
        match self {
            Self::Organizer { organizer_id, kind } => {
                *kind == artifact.kind && *organizer_id == artifact.organizer_id
            }
            Self::Tenant { kind } => *kind == artifact.kind,
            Self::Meeting { meeting_id, kind } => {
                *kind == artifact.kind && *meeting_id == artifact.meeting_id
            }
        }
    }
}

/// One notification POST, as seen by `GET /_emulator/notifications`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub at: String,
    pub subscription_id: String,
    pub url: String,
    pub payload: Value,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    change_type: String,
    notification_url: String,
    #[serde(default)]
    lifecycle_notification_url: Option<String>,
    resource: String,
    expiration_date_time: DateTime<Utc>,
    #[serde(default)]
    client_state: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateBody>,
) -> GraphResult {
    if body.change_type != "created" {
        return Err(GraphFailure::bad_request(
            "Only changeType 'created' is supported for this resource.",
        ));
    }
    if body.client_state.as_ref().is_some_and(|s| s.len() > 128) {
        return Err(GraphFailure::bad_request(
            "clientState must be at most 128 characters.",
        ));
    }
    check_expiration(
        body.expiration_date_time,
        body.lifecycle_notification_url.is_some(),
    )?;
    let scope = Scope::parse(&state.world(), &caller, &body.resource)?;
    validate_endpoint(&state, &body.notification_url).await?;
    if let Some(lifecycle) = &body.lifecycle_notification_url {
        validate_endpoint(&state, lifecycle).await?;
    }
    let record = SubscriptionRecord {
        id: new_guid(),
        tenant_id: caller.tenant_id.clone(),
        resource: body.resource,
        scope,
        notification_url: body.notification_url,
        lifecycle_notification_url: body.lifecycle_notification_url,
        expiration: body.expiration_date_time,
        client_state: body.client_state,
    };
    let json = subscription_json(&record);
    state.world().subscriptions.push(record);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

fn check_expiration(
    expiration: DateTime<Utc>,
    has_lifecycle_url: bool,
) -> Result<(), GraphFailure> {
    let now = Utc::now();
    if expiration <= now {
        return Err(GraphFailure::bad_request(
            "expirationDateTime must be in the future.",
        ));
    }
    if expiration > now + chrono::Duration::minutes(MAX_LIFETIME_MINUTES) {
        return Err(GraphFailure::bad_request(format!(
            "Subscription expiration can only be {MAX_LIFETIME_MINUTES} minutes in the future."
        )));
    }
    if expiration > now + chrono::Duration::hours(1) && !has_lifecycle_url {
        return Err(GraphFailure::bad_request(
            "lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour.",
        ));
    }
    Ok(())
}

/// Graph's handshake: POST `{url}?validationToken=…`; the endpoint must echo the token as
/// `text/plain` with 200 within 10 seconds.
async fn validate_endpoint(state: &AppState, url: &str) -> Result<(), GraphFailure> {
    let failed = |why: String| {
        GraphFailure::bad_request(format!(
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. ({why})"
        ))
    };
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        new_guid()
    );
    let mut target = url::Url::parse(url).map_err(|e| failed(format!("invalid URL: {e}")))?;
    target
        .query_pairs_mut()
        .append_pair("validationToken", &token);
    let response = state
        .http
        .post(target)
        .header("content-type", "text/plain; charset=utf-8")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(failed(format!("status {}", response.status())));
    }
    let is_text = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let body = response.text().await.map_err(|e| failed(e.to_string()))?;
    if !is_text || body != token {
        return Err(failed(
            "the response did not echo the validation token as text/plain".into(),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewBody {
    expiration_date_time: DateTime<Utc>,
}

pub async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<RenewBody>,
) -> GraphResult {
    let mut world = state.world();
    let record = live_mut(&mut world, &caller, &id)?;
    check_expiration(
        body.expiration_date_time,
        record.lifecycle_notification_url.is_some(),
    )?;
    record.expiration = body.expiration_date_time;
    Ok(Json(subscription_json(record)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> GraphResult {
    let mut world = state.world();
    let record = live_mut(&mut world, &caller, &id)?;
    Ok(Json(subscription_json(record)).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> GraphResult {
    let mut world = state.world();
    live_mut(&mut world, &caller, &id)?;
    world.subscriptions.retain(|s| s.id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn live_mut<'w>(
    world: &'w mut World,
    caller: &Caller,
    id: &str,
) -> Result<&'w mut SubscriptionRecord, GraphFailure> {
    let now = Utc::now();
    world
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id && s.tenant_id == caller.tenant_id && s.expiration > now)
        .ok_or_else(|| {
            GraphFailure::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                format!("The object '{id}' doesn't exist."),
            )
        })
}

fn subscription_json(s: &SubscriptionRecord) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": s.id,
        "resource": s.resource,
        "applicationId": null,
        "changeType": "created",
        "clientState": s.client_state,
        "notificationUrl": s.notification_url,
        "lifecycleNotificationUrl": s.lifecycle_notification_url,
        "expirationDateTime": graph_instant(s.expiration),
        "creatorId": null,
        "includeResourceData": false,
        "latestSupportedTlsVersion": "v1_2",
        "encryptionCertificate": null,
        "encryptionCertificateId": null,
        "notificationUrlAppId": null,
    })
}

/// An artifact that became available, as notifications describe it.
#[derive(Clone, Debug)]
pub struct Published {
    pub tenant_id: String,
    pub organizer_id: String,
    pub meeting_id: String,
    pub artifact_id: String,
    pub kind: ArtifactKind,
}

/// Waits until `available_at`, then notifies every live subscription that covers the artifact.
pub fn deliver_when_available(state: AppState, artifact: Published, available_at: DateTime<Utc>) {
    tokio::spawn(async move {
        let wait = (available_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        let targets: Vec<SubscriptionRecord> = {
            let world = state.world();
            let now = Utc::now();
            world
                .subscriptions
                .iter()
                .filter(|s| {
                    s.tenant_id == artifact.tenant_id
                        && s.expiration > now
                        && s.scope.covers(&artifact)
                })
                .cloned()
                .collect()
        };
        for subscription in targets {
            let (collection, odata_type) = match artifact.kind {
                ArtifactKind::Recording => ("recordings", "#Microsoft.Graph.callRecording"),
                ArtifactKind::Transcript => ("transcripts", "#Microsoft.Graph.callTranscript"),
            };
            let resource = format!(
                "communications/onlineMeetings('{}')/{collection}('{}')",
                artifact.meeting_id, artifact.artifact_id
            );
            let payload = json!({"value": [{
                "subscriptionId": subscription.id,
                "changeType": "created",
                "clientState": subscription.client_state,
                "subscriptionExpirationDateTime": graph_instant(subscription.expiration),
                "resource": resource,
                "resourceData": {"id": artifact.artifact_id, "@odata.type": odata_type, "@odata.id": resource},
                "tenantId": artifact.tenant_id,
            }]});
            post(
                &state,
                &subscription.id,
                &subscription.notification_url,
                payload,
            )
            .await;
        }
    });
}

/// `reauthorizationRequired` lifecycle event to the subscription's lifecycle URL.
pub async fn reauthorize(state: &AppState, id: &str) -> Option<Delivery> {
    let subscription = state
        .world()
        .subscriptions
        .iter()
        .find(|s| s.id == id)
        .cloned()?;
    let url = subscription.lifecycle_notification_url.clone()?;
    let payload = json!({"value": [{
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": graph_instant(subscription.expiration),
        "tenantId": subscription.tenant_id,
        "clientState": subscription.client_state,
        "lifecycleEvent": "reauthorizationRequired",
    }]});
    Some(post(state, id, &url, payload).await)
}

/// Graph expects an answer within 3 seconds; the result is recorded either way.
async fn post(state: &AppState, subscription_id: &str, url: &str, payload: Value) -> Delivery {
    let result = state
        .http
        .post(url)
        .json(&payload)
        .timeout(Duration::from_secs(3))
        .send()
        .await;
    let delivery = Delivery {
        at: Utc::now().to_rfc3339(),
        subscription_id: subscription_id.to_owned(),
        url: url.to_owned(),
        payload,
        status: result.as_ref().ok().map(|r| r.status().as_u16()),
        error: result.err().map(|e| e.to_string()),
    };
    state.world().deliveries.push(delivery.clone());
    delivery
}
