//! `GET /users/{id | userPrincipalName}`: the directory lookup that turns an organizer's UPN
//! into its object id.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::identity::{Caller, Permission};
use crate::meetings::query_param;
use crate::reply::{GraphFailure, GraphResult};

/// The directory's 404, which differs from Exchange's `ErrorItemNotFound`.
fn no_such_user(id: &str) -> GraphFailure {
    GraphFailure::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// Honours `$select` (the properties named, plus `id` as Graph always returns it).
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
) -> GraphResult {
    caller.require(Permission::UserReadAll)?;
    let world = state.world();
    let found = world
        .user(&caller.tenant_id, &user)
        .ok_or_else(|| no_such_user(&user))?;
    let all = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": found.id,
        "userPrincipalName": found.user_principal_name,
        "displayName": found.display_name,
        "mail": found.mail,
    });
    let Some(select) = query_param(query.as_deref().unwrap_or(""), "$select") else {
        return Ok(Json(all).into_response());
    };
    let mut picked = Map::new();
    for name in ["@odata.context", "id"]
        .into_iter()
        .chain(select.split(',').map(str::trim))
    {
        if let Some(value) = all.get(name) {
            picked.insert(name.to_owned(), value.clone());
        }
    }
    Ok(Json(Value::Object(picked)).into_response())
}
