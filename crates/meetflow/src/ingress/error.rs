//! The ingress's refusals: one HTTP status and one stable `code` per reason, so a PSA reacts to
//! the code and shows the message. Messages never hold a key, a signature or a secret.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use meetflow_proto::parse::InputErrors;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": {...}}`, the body of every refusal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_signature`, `stale_timestamp`, `already_approved`, ….
    pub code: &'static str,
    pub message: String,
    /// Every rejected field (`invalid_input` only), in the parser's wire (camelCase) paths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// The existing run (`already_approved` only).
    #[serde(rename = "runId", skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// One rejected field, as the TypeScript client's `FieldProblem`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub path: String,
    pub message: String,
}

/// A refusal: status, code, message and what goes with them.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    /// Seconds, for `429`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                fields: Vec::new(),
                run_id: None,
            },
            retry_after: None,
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// `422 invalid_input` naming every field the contract's parser rejected.
    pub fn invalid_input(errors: &InputErrors) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            errors.to_string(),
        );
        e.detail.fields = errors
            .0
            .iter()
            .map(|p| FieldProblem {
                path: p.field.clone(),
                message: p.problem.clone(),
            })
            .collect();
        e
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "temporal_unavailable", message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.detail.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
