//! `GET /users/{id | userPrincipalName}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use crate::AppState;
use crate::identity::Caller;
use crate::reply::{GraphFailure, GraphResult};

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> GraphResult {
    let world = state.world();
    let found = world.user(&caller.tenant_id, &user).ok_or_else(|| {
        GraphFailure::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{user}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    })?;
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": found.id,
        "userPrincipalName": found.user_principal_name,
        "displayName": found.display_name,
        "mail": found.mail,
    }))
    .into_response())
}
