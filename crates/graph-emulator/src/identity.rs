//! The identity platform's token endpoint (client credentials) and bearer-token checks on the
//! Graph side.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::reply::GraphFailure;
use crate::world::{IssuedToken, World, new_guid};

/// `POST /{tenant}/oauth2/v2.0/token` with a form body; the secret in the body or as HTTP Basic.
pub async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let basic = basic_credentials(&headers);
    let client_id = form
        .get("client_id")
        .cloned()
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()));
    let secret = form
        .get("client_secret")
        .cloned()
        .or_else(|| basic.map(|(_, secret)| secret));

    let mut world = state.world();
    let Some(tenant) = world.tenant(&tenant).cloned() else {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    };
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    let Some(client_id) = client_id else {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(app) = World::app(&tenant, &client_id) else {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                tenant.tenant_id
            ),
        );
    };
    if secret.as_deref() != Some(app.client_secret.as_str()) {
        return identity_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    if world.secret_expired(&tenant.tenant_id, &client_id) {
        return identity_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            &format!("The provided client secret keys for app '{client_id}' are expired."),
        );
    }
    let scope = form.get("scope").map(String::as_str).unwrap_or("");
    if scope.split(' ').count() != 1 || !scope.ends_with("/.default") {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }

    // Graph checks the roles the token carries, so a revoked permission holds for tokens issued
    // after the revocation (as with real admin consent changes).
    let roles: Vec<&'static str> = Permission::ALL
        .iter()
        .filter(|p| !world.permission_revoked(&tenant.tenant_id, &client_id, **p))
        .map(|p| p.role())
        .collect();
    let lifetime = world.settings.token_lifetime_secs;
    let now = Utc::now();
    let expires_at = now + Duration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX / 1000));
    let access_token = unsigned_jwt(&json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "tid": tenant.tenant_id,
        "appid": client_id,
        "roles": roles,
        "iat": now.timestamp(),
        "exp": expires_at.timestamp(),
        "uti": new_guid(),
    }));
    // Forget expired tokens so a long-running emulator does not accumulate them.
    world.tokens.retain(|_, t| t.expires_at > now);
    world.tokens.insert(
        access_token.clone(),
        IssuedToken {
            tenant_id: tenant.tenant_id.clone(),
            client_id: client_id.clone(),
            expires_at,
            roles: roles.clone(),
        },
    );
    Json(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
    .into_response()
}

/// Unsigned (`alg: none`) JWT: the shape clients may inspect, without a key to manage.
fn unsigned_jwt(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"none"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((unescape(id), unescape(secret)))
}

fn identity_error(status: StatusCode, error: &str, aadsts: u32, text: &str) -> Response {
    let trace_id = new_guid();
    let correlation_id = new_guid();
    let timestamp = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{aadsts}: {text} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"),
        "error_codes": [aadsts],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
    });
    (status, Json(body)).into_response()
}

/// An application permission (app role) a Graph route needs in the token's `roles` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "Calendars.ReadWrite")]
    CalendarsReadWrite,
    #[serde(rename = "OnlineMeetings.Read.All")]
    OnlineMeetingsReadAll,
    #[serde(rename = "OnlineMeetingRecording.Read.All")]
    OnlineMeetingRecordingReadAll,
    #[serde(rename = "OnlineMeetingTranscript.Read.All")]
    OnlineMeetingTranscriptReadAll,
    /// Attendance reports and records.
    #[serde(rename = "OnlineMeetingArtifact.Read.All")]
    OnlineMeetingArtifactReadAll,
    #[serde(rename = "User.Read.All")]
    UserReadAll,
}

impl Permission {
    /// Every permission the emulator grants an app unless revoked.
    pub const ALL: [Permission; 6] = [
        Permission::CalendarsReadWrite,
        Permission::OnlineMeetingsReadAll,
        Permission::OnlineMeetingRecordingReadAll,
        Permission::OnlineMeetingTranscriptReadAll,
        Permission::OnlineMeetingArtifactReadAll,
        Permission::UserReadAll,
    ];

    /// The role's name as Entra ID spells it in tokens and the portal.
    pub fn role(self) -> &'static str {
        match self {
            Permission::CalendarsReadWrite => "Calendars.ReadWrite",
            Permission::OnlineMeetingsReadAll => "OnlineMeetings.Read.All",
            Permission::OnlineMeetingRecordingReadAll => "OnlineMeetingRecording.Read.All",
            Permission::OnlineMeetingTranscriptReadAll => "OnlineMeetingTranscript.Read.All",
            Permission::OnlineMeetingArtifactReadAll => "OnlineMeetingArtifact.Read.All",
            Permission::UserReadAll => "User.Read.All",
        }
    }

    /// The 403 each workload answers when the token lacks the role: Exchange, the directory and
    /// Teams word it differently.
    fn denied(self, roles: &[&str]) -> GraphFailure {
        match self {
            Permission::CalendarsReadWrite => GraphFailure::new(
                StatusCode::FORBIDDEN,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ),
            Permission::UserReadAll => GraphFailure::new(
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            teams => GraphFailure::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!(
                    "Missing role permissions on the request. API requires one of '{}'. Roles on the request '{}'.",
                    teams.role(),
                    roles.join(", ")
                ),
            ),
        }
    }
}

/// The tenant a valid bearer token was issued for, and the roles it carries.
pub struct Caller {
    pub tenant_id: String,
    /// The app the token was issued to (`appid`).
    pub client_id: String,
    pub roles: Vec<&'static str>,
}

impl Caller {
    /// `Ok` when the token carries `permission`, else that workload's 403.
    pub fn require(&self, permission: Permission) -> Result<(), GraphFailure> {
        if self.roles.contains(&permission.role()) {
            Ok(())
        } else {
            Err(permission.denied(&self.roles))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = GraphFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = |message: &str| {
            GraphFailure::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
            )
        };
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthenticated("Access token is empty."))?;
        let world = state.world();
        let issued = world
            .tokens
            .get(token)
            .ok_or_else(|| unauthenticated("IDX14100: JWT is not well formed."))?;
        if issued.expires_at <= Utc::now() {
            return Err(unauthenticated(
                "Access token has expired or is not yet valid.",
            ));
        }
        Ok(Caller {
            tenant_id: issued.tenant_id.clone(),
            client_id: issued.client_id.clone(),
            roles: issued.roles.clone(),
        })
    }
}
