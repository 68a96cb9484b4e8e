//! `POST /notifications`: Microsoft Graph's change notifications for new recordings and
//! transcripts, turned into `artifactsAvailable` signals so capture polls at once instead of
//! waiting for its next scheduled poll.
//!
//! - The validation handshake (`?validationToken=…`) is answered with the token, as Graph requires.
//! - Every notification must carry the configured `clientState` (compared in constant time);
//!   otherwise the batch is refused with 403 and nothing is signalled.
//! - A notification names the online meeting; the store maps (tenant, online meeting id) to the
//!   appointment whose workflow gets the signal. Unknown meetings are acknowledged and ignored
//!   (tenant-wide subscriptions report every meeting of the Microsoft tenant).
//! - Graph expects an answer within seconds, so the handler does one store lookup and one signal
//!   per notification and answers 202.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use meetflow_activities::{NotificationMetrics, Refusal};
use meetflow_graph::{
    ChangeNotification, ClientState, NotificationError, parse_notifications, validation_token,
};
use meetflow_proto::names;
use meetflow_store::Store;
use temporalio_client::{Client, UntypedSignal, WorkflowSignalOptions};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};

pub struct Receiver {
    pub client: Client,
    pub store: Store,
    pub client_state: ClientState,
    /// Microsoft tenant id (lower case) → the PSA tenants configured with it.
    pub tenants: HashMap<String, Vec<String>>,
    pub metrics: NotificationMetrics,
}

/// `…onlineMeetings('{id}')…` → `{id}`.
pub fn online_meeting_id(resource: &str) -> Option<&str> {
    let start = resource.find("onlineMeetings('")? + "onlineMeetings('".len();
    let len = resource[start..].find("')")?;
    Some(&resource[start..start + len])
}

impl Receiver {
    /// The appointments a notification concerns (usually one).
    async fn appointments(&self, n: &ChangeNotification) -> Vec<String> {
        let (Some(resource), Some(ms_tenant)) = (&n.resource, &n.tenant_id) else {
            return Vec::new();
        };
        let Some(meeting) = online_meeting_id(resource) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for tenant in self
            .tenants
            .get(&ms_tenant.to_ascii_lowercase())
            .into_iter()
            .flatten()
        {
            match self
                .store
                .meeting_by_online_meeting_id(tenant, meeting)
                .await
            {
                Ok(Some(m)) => found.push(format!("appointment/{tenant}/{}", m.appointment_id)),
                Ok(None) => {}
                Err(e) => tracing::warn!(%tenant, error = %e, "notification: store lookup failed"),
            }
        }
        found
    }

    async fn signal(&self, workflow_id: &str) {
        let handle = self
            .client
            .get_workflow_handle::<UntypedWorkflow>(workflow_id);
        let input = RawValue::from_value(
            &serde_json::json!({"source": "graph-notification"}),
            &PayloadConverter::default(),
        );
        let signal = UntypedSignal::new(names::SIGNAL_ARTIFACTS_AVAILABLE);
        if let Err(e) = handle
            .signal(signal, input, WorkflowSignalOptions::default())
            .await
        {
            // A closed workflow has nothing left to capture.
            tracing::info!(%workflow_id, error = %e, "notification: signal not delivered");
        }
    }
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Some(token) = query.as_deref().and_then(validation_token) {
        return ([(header::CONTENT_TYPE, "text/plain")], token).into_response();
    }
    r.metrics.received();
    let notifications = match parse_notifications(&body, &r.client_state) {
        Ok(n) => n,
        Err(e @ NotificationError::WrongClientState(_)) => {
            r.metrics.refused(Refusal::ClientState);
            return (StatusCode::FORBIDDEN, e.to_string()).into_response();
        }
        Err(e) => {
            r.metrics.refused(Refusal::Malformed);
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    for n in &notifications {
        for workflow_id in r.appointments(n).await {
            r.signal(&workflow_id).await;
        }
    }
    r.metrics.accepted();
    StatusCode::ACCEPTED.into_response()
}

pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/notifications", post(receive))
        .with_state(receiver)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_meeting_in_both_resource_forms() {
        let id = super::online_meeting_id;
        assert_eq!(
            id("communications/onlineMeetings('MSpk')/recordings('VjI')"),
            Some("MSpk")
        );
        assert_eq!(
            id("users('u1')/onlineMeetings('MSo=')/transcripts('x')"),
            Some("MSo=")
        );
        assert_eq!(id("users/u1/events"), None);
    }
}
