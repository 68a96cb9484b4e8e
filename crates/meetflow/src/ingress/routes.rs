//! The four routes: each maps one call to the Temporal operation the TypeScript client makes
//! (start with conflict policy FAIL, update, update, query) and answers with its outcome. The
//! OpenAPI document comes from the annotations here, by the same router that serves them.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use meetflow_proto::{
    model::{AppointmentId, TenantId},
    names,
    parse::{self, InputError, InputErrors},
};
use serde::Serialize;
use serde_json::{Value, json};
use temporalio_client::{UntypedUpdate, WorkflowExecuteUpdateOptions, errors::WorkflowUpdateError};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::{PayloadConverter, RawValue},
};
use utoipa::ToSchema;

use super::{
    Ingress, Route,
    error::{ApiError, ErrorBody},
    idempotency::Answer,
    schema,
};
use crate::approve;

/// `202` of an approval: the workflow started and where its state is read.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub workflow_id: String,
    pub run_id: Option<String>,
    /// `GET` this (signed) for the appointment's state.
    pub state: String,
}

#[utoipa::path(
    post, path = "/v1/appointments:approve", tag = "appointments",
    description = "Starts the appointment's workflow (`appointment/{tenantId}/{appointmentId}`) with the body as its input.",
    request_body(content = schema::ApproveBody, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key and body within the TTL gets the first answer again")),
    responses(
        (status = 202, description = "Started", body = Accepted),
        (status = 401, description = "Signature missing, wrong, stale, replayed or of an unknown key", body = ErrorBody),
        (status = 403, description = "tenantId is not the signing tenant", body = ErrorBody),
        (status = 409, description = "already_approved (with runId)", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "invalid_input with every field, or idempotency_key_reused", body = ErrorBody),
        (status = 429, description = "The tenant's rate; see Retry-After", body = ErrorBody),
        (status = 504, body = ErrorBody),
    ),
    security(("meetflow_signature" = []))
)]
pub async fn approve(
    State(s): State<Arc<Ingress>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    s.clone()
        .handle(
            Route::Approve,
            &headers,
            body,
            None,
            async move |input: Value| {
                let approval = parse::approval(&input).map_err(|e| ApiError::invalid_input(&e))?;
                match approve::start(&s.client, &s.task_queue, &input, &approval).await {
                    Ok(started) => Ok(Answer {
                        status: StatusCode::ACCEPTED,
                        body: json!(Accepted {
                            state: s.state_link(
                                approval.tenant_id.as_str(),
                                approval.appointment_id.as_str()
                            ),
                            workflow_id: started.workflow_id,
                            run_id: started.run_id,
                        }),
                    }),
                    Err(e) => Err(match e.downcast::<approve::AlreadyApproved>() {
                        Ok(a) => {
                            let mut err = ApiError::new(
                                StatusCode::CONFLICT,
                                "already_approved",
                                a.to_string(),
                            );
                            err.detail.run_id = a.run_id;
                            err
                        }
                        Err(e) => ApiError::internal(format!("starting the workflow: {e}")),
                    }),
                }
            },
        )
        .await
}

#[utoipa::path(
    post, path = "/v1/appointments:reschedule", tag = "appointments",
    description = "The `reschedule` update of the appointment's workflow; the body less the ids is its input.",
    request_body(content = schema::RescheduleBody, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Also the update id, so Temporal applies it once")),
    responses(
        (status = 200, description = "Accepted: the update's result", body = schema::ChangeAccepted),
        (status = 404, description = "No such appointment", body = ErrorBody),
        (status = 409, description = "change_rejected: the workflow's rules refused it", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("meetflow_signature" = []))
)]
pub async fn reschedule(
    State(s): State<Arc<Ingress>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    change(s, Route::Reschedule, headers, body).await
}

#[utoipa::path(
    post, path = "/v1/appointments:cancel", tag = "appointments",
    description = "The `cancelAppointment` update of the appointment's workflow; the body less the ids is its input.",
    request_body(content = schema::CancelBody, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Also the update id, so Temporal applies it once")),
    responses(
        (status = 200, description = "Accepted: the update's result", body = schema::ChangeAccepted),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
    security(("meetflow_signature" = []))
)]
pub async fn cancel(
    State(s): State<Arc<Ingress>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    change(s, Route::Cancel, headers, body).await
}

/// The appointment an update body names, and the update's own input (the body without the ids).
fn change_target(
    route: Route,
    mut body: Value,
) -> Result<(TenantId, AppointmentId, Value), ApiError> {
    let mut problems = Vec::new();
    let tenant = id_field(&body, "tenantId", TenantId::parse, &mut problems);
    let appointment = id_field(&body, "appointmentId", AppointmentId::parse, &mut problems);
    if let Some(o) = body.as_object_mut() {
        o.remove("tenantId");
        o.remove("appointmentId");
    }
    // The same parser as the workflow's validator, so the fields come back by name.
    let parsed = match route {
        Route::Cancel => parse::cancel_reason(&body).map(drop),
        _ => parse::reschedule(&body).map(drop),
    };
    if let Err(InputErrors(more)) = parsed {
        problems.extend(more);
    }
    match (tenant, appointment) {
        (Some(t), Some(a)) if problems.is_empty() => Ok((t, a, body)),
        _ => Err(ApiError::invalid_input(&InputErrors(problems))),
    }
}

/// The id at `field` of `body`, or its problem added to `problems`.
fn id_field<T>(
    body: &Value,
    field: &str,
    parse: impl Fn(&str) -> Result<T, String>,
    problems: &mut Vec<InputError>,
) -> Option<T> {
    let parsed = match body.get(field).and_then(Value::as_str) {
        None | Some("") => Err("missing".to_string()),
        Some(text) => parse(text),
    };
    parsed
        .map_err(|problem| {
            problems.push(InputError {
                field: field.into(),
                problem,
            })
        })
        .ok()
}

async fn change(
    s: Arc<Ingress>,
    route: Route,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let update_id = headers
        .get(super::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("ingress/{}/{k}", route.name()));
    s.clone()
        .handle(route, &headers, body, None, async move |input: Value| {
            let (tenant, appointment, input) = change_target(route, input)?;
            let id = names::appointment_workflow_id(&tenant, &appointment);
            let name = match route {
                Route::Cancel => names::UPDATE_CANCEL,
                _ => names::UPDATE_RESCHEDULE,
            };
            let handle = s.client.get_workflow_handle::<UntypedWorkflow>(&id);
            let raw = RawValue::from_value(&input, &PayloadConverter::default());
            let mut opts = WorkflowExecuteUpdateOptions::default();
            opts.update_id = update_id;
            match handle
                .execute_update(UntypedUpdate::new(name), raw, opts)
                .await
            {
                Ok(out) => Ok(Answer {
                    status: StatusCode::OK,
                    body: out
                        .payloads
                        .first()
                        .and_then(|p| serde_json::from_slice(&p.data).ok())
                        .unwrap_or(Value::Null),
                }),
                Err(WorkflowUpdateError::Failed(mut f)) => {
                    if let Some(codec) = &s.codec {
                        codec.open_failure(&mut f).map_err(|e| {
                            ApiError::internal(format!("{name} update: opening its failure: {e}"))
                        })?;
                    }
                    // The validator's two kinds of refusal: input it cannot read (the same
                    // parser as here, so rare) and the workflow's rules.
                    Err(if f.message.starts_with(parse::INVALID_INPUT) {
                        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", f.message)
                    } else {
                        ApiError::new(StatusCode::CONFLICT, "change_rejected", f.message)
                    })
                }
                // A closed workflow takes no updates; the server says "already completed".
                Err(WorkflowUpdateError::NotFound(st))
                    if st.message().contains("already completed") =>
                {
                    Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "change_rejected",
                        "the appointment is closed",
                    ))
                }
                Err(WorkflowUpdateError::NotFound(_)) => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    format!("no appointment {id}"),
                )),
                Err(e) => Err(ApiError::internal(format!("{name} update: {e}"))),
            }
        })
        .await
}

#[utoipa::path(
    get, path = "/v1/appointments/{tenant}/{appointment}", tag = "appointments",
    description = "The `state` query (`AppointmentState`). Signed like the others, over an empty body.",
    params(("tenant" = String, Path), ("appointment" = String, Path)),
    responses(
        (status = 200, description = "AppointmentState, proto3 JSON", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("meetflow_signature" = []))
)]
pub async fn state(
    State(s): State<Arc<Ingress>>,
    Path((tenant, appointment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let claimed = tenant.clone();
    s.clone()
        .handle(
            Route::State,
            &headers,
            body,
            Some(claimed),
            async move |_| {
                let (Ok(t), Ok(a)) = (TenantId::parse(&tenant), AppointmentId::parse(&appointment))
                else {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "no such appointment",
                    ));
                };
                let id = names::appointment_workflow_id(&t, &a);
                match crate::inspect::state_json(&s.client, &id).await {
                    Ok(state) => Ok(Answer {
                        status: StatusCode::OK,
                        body: state,
                    }),
                    Err(e)
                        if e.downcast_ref::<temporalio_client::errors::WorkflowQueryError>()
                            .is_some_and(|q| {
                                matches!(
                                    q,
                                    temporalio_client::errors::WorkflowQueryError::NotFound(_)
                                )
                            }) =>
                    {
                        Err(ApiError::new(
                            StatusCode::NOT_FOUND,
                            "not_found",
                            format!("no appointment {id}"),
                        ))
                    }
                    Err(e) => Err(ApiError::internal(format!("state query: {e}"))),
                }
            },
        )
        .await
}

/// `GET /v1/openapi.json`: unsigned, it holds no data.
pub async fn openapi(State(s): State<Arc<Ingress>>) -> Json<Value> {
    Json(s.openapi.clone())
}
