//! Graph's response conventions: the error envelope with `request-id` / `client-request-id`,
//! and its date-time formats.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

/// The ids of the request being served, set by the middleware for everything below it.
#[derive(Clone, Debug)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: Option<String>,
}

tokio::task_local! {
    pub static REQUEST_IDS: RequestIds;
}

fn current_ids() -> RequestIds {
    REQUEST_IDS
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: None,
        })
}

/// A Graph error response: `{"error":{"code","message","innerError":{...}}}`.
#[derive(Debug)]
pub struct GraphFailure {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub retry_after: Option<String>,
}

impl GraphFailure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn invalid_user(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            format!("The requested user '{id}' is invalid."),
        )
    }

    pub fn with_retry_after(mut self, value: Option<String>) -> Self {
        self.retry_after = value;
        self
    }
}

impl IntoResponse for GraphFailure {
    fn into_response(self) -> Response {
        let ids = current_ids();
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                }
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(value) = self
            .retry_after
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

pub type GraphResult = Result<Response, GraphFailure>;

/// Event `dateTime` as Graph writes it: local time, seven fractional digits, no offset.
pub fn graph_local_time(at: DateTime<Utc>) -> String {
    format!("{}0", at.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

/// Instants such as `createdDateTime`: RFC 3339 in UTC with `Z`.
pub fn graph_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_time_has_seven_fraction_digits() {
        let at = Utc.with_ymd_and_hms(2019, 11, 20, 13, 0, 0).unwrap();
        assert_eq!(graph_local_time(at), "2019-11-20T13:00:00.0000000");
    }
}
