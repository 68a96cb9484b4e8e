//! Typed Graph and identity-platform failures, classified for Temporal retry policies.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

/// What went wrong, coarsely: the activities map this onto retryable / non-retryable failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GraphErrorKind {
    /// 401 even after a fresh token, or credentials the identity platform rejected as a 401.
    Unauthorized,
    /// 403: a missing application permission or (for online meetings) a missing application access policy.
    Forbidden,
    NotFound,
    /// 429: wait `retry_after` and try again.
    Throttled,
    /// 5xx from Graph.
    ServerError,
    /// 400/409/412/422…: the request itself is wrong; repeating it will not help.
    BadRequest,
    /// 402: the tenant's metered-API capacity (e.g. evaluation minutes) is exhausted.
    PaymentRequired,
    /// The identity platform refused to issue a token (AADSTS errors): an admin must act.
    Identity,
    /// The identity platform could not issue a token right now (5xx, `temporarily_unavailable`).
    IdentityUnavailable,
    /// No HTTP answer: connect failure, reset, timeout, a body cut off.
    Transport,
    /// Anything else, e.g. a response that does not have the documented shape.
    Other,
}

impl GraphErrorKind {
    /// Stable snake-case name, used as the Temporal failure type (`graph_not_found`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            GraphErrorKind::Unauthorized => "graph_unauthorized",
            GraphErrorKind::Forbidden => "graph_forbidden",
            GraphErrorKind::NotFound => "graph_not_found",
            GraphErrorKind::Throttled => "graph_throttled",
            GraphErrorKind::ServerError => "graph_server_error",
            GraphErrorKind::BadRequest => "graph_bad_request",
            GraphErrorKind::PaymentRequired => "graph_payment_required",
            GraphErrorKind::Identity => "graph_identity",
            GraphErrorKind::IdentityUnavailable => "identity_unavailable",
            GraphErrorKind::Transport => "graph_transport",
            GraphErrorKind::Other => "graph_other",
        }
    }
}

impl fmt::Display for GraphErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed Graph (or token) call. `Display` is meant for an operator: it says what to fix and
/// carries the ids Microsoft support asks for; it never contains a secret or a token.
#[derive(Clone, Debug)]
pub struct GraphError(Box<Detail>);

// Boxed: errors travel through every `Result` of the client and should stay pointer-sized.
#[derive(Clone, Debug)]
struct Detail {
    kind: GraphErrorKind,
    status: Option<u16>,
    code: Option<String>,
    message: String,
    hint: Option<&'static str>,
    request_id: Option<String>,
    client_request_id: Option<String>,
    retry_after: Option<Duration>,
}

impl GraphError {
    pub fn kind(&self) -> GraphErrorKind {
        self.0.kind
    }

    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.0.kind,
            GraphErrorKind::Throttled
                | GraphErrorKind::ServerError
                | GraphErrorKind::Transport
                | GraphErrorKind::IdentityUnavailable
        )
    }

    /// The server's `Retry-After`, when it sent one (seconds or HTTP-date, relative to now).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// Graph's (or the identity platform's) machine-readable code, e.g. `ErrorItemNotFound`.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    pub fn client_request_id(&self) -> Option<&str> {
        self.0.client_request_id.as_deref()
    }

    /// The identity platform's `AADSTS` error number, for a refused token request.
    pub fn aadsts(&self) -> Option<u32> {
        aadsts_in(self.0.code.as_deref()?)
    }

    /// A subscription create was refused because Graph could not validate the notification
    /// URL (it did not answer the `validationToken` POST with 200 and the token in 10 s).
    pub fn is_notification_url_refused(&self) -> bool {
        self.0.kind == GraphErrorKind::BadRequest
            && self.0.message.contains("validation request failed")
    }

    /// The create was refused because its `transactionId` already made a *different* event.
    pub fn is_duplicate_transaction(&self) -> bool {
        self.0.code.as_deref() == Some("ErrorDuplicateTransactionId")
    }

    pub(crate) fn new(kind: GraphErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Detail {
            kind,
            status: None,
            code: None,
            message: message.into(),
            hint: None,
            request_id: None,
            client_request_id: None,
            retry_after: None,
        }))
    }

    pub(crate) fn with_client_request_id(mut self, id: &str) -> Self {
        self.0
            .client_request_id
            .get_or_insert_with(|| id.to_owned());
        self
    }

    pub(crate) fn transport(err: &reqwest::Error, client_request_id: &str) -> Self {
        // reqwest's Display includes the URL; ours carry ids and paths, never credentials.
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "connection failed"
        };
        Self::new(GraphErrorKind::Transport, format!("{what}: {err}"))
            .with_client_request_id(client_request_id)
    }

    /// A response with an unexpected body (the server broke its contract).
    pub(crate) fn unexpected(what: &str, detail: impl fmt::Display) -> Self {
        Self::new(
            GraphErrorKind::Other,
            format!("unexpected response for {what}: {detail}"),
        )
    }

    /// Builds the error for a non-success Graph response from its status, headers and body.
    pub(crate) fn from_graph_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let envelope = serde_json::from_slice::<GraphErrorEnvelope>(body).ok();
        let (code, message, inner) = match envelope {
            Some(GraphErrorEnvelope { error }) => (error.code, error.message, error.inner_error),
            None => (None, None, None),
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let kind = kind_for_status(status);
        let hint = hint_for(kind, code.as_deref(), message.as_deref());
        Self(Box::new(Detail {
            kind,
            status: Some(status.as_u16()),
            message: message
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            code,
            hint,
            request_id: header("request-id").or_else(|| inner.as_ref()?.request_id.clone()),
            client_request_id: header("client-request-id")
                .or_else(|| inner.as_ref()?.client_request_id.clone()),
            retry_after: parse_retry_after(headers, SystemTime::now()),
        }))
    }

    /// Builds the error for a refused token request (`{"error": "...", "error_codes": [...]}`).
    pub(crate) fn from_identity_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        tenant: &str,
        client_id: &str,
        client_request_id: &str,
    ) -> Self {
        let parsed = serde_json::from_slice::<IdentityErrorBody>(body).unwrap_or_default();
        let aadsts = parsed
            .error_codes
            .first()
            .copied()
            .or_else(|| aadsts_in(parsed.error_description.as_deref().unwrap_or("")));
        let explanation = identity_explanation(parsed.error.as_deref(), aadsts, tenant, client_id);
        // An STS outage is waited out; everything else the STS says needs an admin.
        let kind = if status.is_server_error()
            || parsed.error.as_deref() == Some("temporarily_unavailable")
        {
            GraphErrorKind::IdentityUnavailable
        } else {
            GraphErrorKind::Identity
        };
        let code = match (parsed.error, aadsts) {
            (Some(e), Some(n)) => Some(format!("{e} (AADSTS{n})")),
            (Some(e), None) => Some(e),
            (None, Some(n)) => Some(format!("AADSTS{n}")),
            (None, None) => None,
        };
        Self(Box::new(Detail {
            kind,
            status: Some(status.as_u16()),
            code,
            message: explanation,
            hint: None,
            // The STS calls its request id `trace_id`; `correlation_id` echoes ours.
            request_id: parsed.trace_id,
            client_request_id: Some(client_request_id.to_owned()),
            retry_after: parse_retry_after(headers, SystemTime::now()),
        }))
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.kind {
            GraphErrorKind::Identity => f.write_str("token request refused")?,
            GraphErrorKind::IdentityUnavailable => f.write_str("token request failed")?,
            _ => f.write_str("Microsoft Graph call failed")?,
        }
        if let Some(status) = self.0.status {
            write!(f, " ({status}")?;
            if let Some(code) = &self.0.code {
                write!(f, " {code}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.0.message)?;
        if let Some(hint) = self.0.hint {
            write!(f, " — {hint}")?;
        }
        if let Some(d) = self.0.retry_after {
            write!(f, "; retry after {}s", d.as_secs())?;
        }
        if let Some(id) = &self.0.request_id {
            write!(f, "; request-id {id}")?;
        }
        if let Some(id) = &self.0.client_request_id {
            write!(f, "; client-request-id {id}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

fn kind_for_status(status: StatusCode) -> GraphErrorKind {
    match status.as_u16() {
        401 => GraphErrorKind::Unauthorized,
        402 => GraphErrorKind::PaymentRequired,
        403 => GraphErrorKind::Forbidden,
        404 | 410 => GraphErrorKind::NotFound,
        429 => GraphErrorKind::Throttled,
        500..=599 => GraphErrorKind::ServerError,
        400..=499 => GraphErrorKind::BadRequest,
        _ => GraphErrorKind::Other,
    }
}

/// What an admin has to do, for the failures whose fix is outside this program.
fn hint_for(
    kind: GraphErrorKind,
    code: Option<&str>,
    message: Option<&str>,
) -> Option<&'static str> {
    let message = message.unwrap_or("");
    match kind {
        GraphErrorKind::Forbidden if message.contains("Application Access Policy") => Some(
            "grant the app a Teams application access policy for the organizer \
             (New-CsApplicationAccessPolicy / Grant-CsApplicationAccessPolicy); changes take up to 30 minutes",
        ),
        GraphErrorKind::Forbidden => Some(
            "grant the app the application permission this call needs (Calendars.ReadWrite, \
             OnlineMeetings.Read.All, OnlineMeetingRecording.Read.All, OnlineMeetingTranscript.Read.All, OnlineMeetingArtifact.Read.All; \
             User.Read.All when organizer_object_id is not configured) with admin consent, and check \
             any Exchange application access policy",
        ),
        GraphErrorKind::PaymentRequired => Some(
            "the tenant's metered Teams API capacity is exhausted; link an Azure subscription to the app \
             or wait for the next month",
        ),
        GraphErrorKind::BadRequest if message.contains("validation request failed") => Some(
            "Graph could not reach the notification URL: notifications.public_url must be the \
             public HTTPS address of this worker's notifications.listen, answering Graph's \
             validation POST within 10 seconds",
        ),
        GraphErrorKind::BadRequest if code == Some("ErrorDuplicateTransactionId") => Some(
            "this transactionId already created a different event; look the event up instead of creating it",
        ),
        GraphErrorKind::Unauthorized => Some(
            "Graph rejected a freshly issued token; check the tenant id and that the app is enabled",
        ),
        _ => None,
    }
}

fn identity_explanation(
    error: Option<&str>,
    aadsts: Option<u32>,
    tenant: &str,
    client_id: &str,
) -> String {
    match (error, aadsts) {
        (_, Some(7000215)) => format!(
            "the client secret of app {client_id} in tenant {tenant} is wrong; copy the secret's Value \
             (not its Secret ID) from the app registration into the configured secret reference"
        ),
        (_, Some(7000222)) => format!(
            "the client secret of app {client_id} in tenant {tenant} has expired; create a new secret \
             in the app registration and update the configured secret reference"
        ),
        (_, Some(700016)) => format!(
            "app {client_id} was not found in tenant {tenant}; check the client id and tenant id, and \
             that an admin of the tenant consented to the app"
        ),
        (_, Some(90002 | 900023)) => {
            format!(
                "tenant {tenant} was not found; check the configured Microsoft tenant id or domain"
            )
        }
        (_, Some(70011 | 1002012)) | (Some("invalid_scope"), _) => {
            "the token scope was refused; the Graph endpoint configuration is probably wrong"
                .to_owned()
        }
        (Some("invalid_client"), _) => format!(
            "the identity platform rejected the credentials of app {client_id} in tenant {tenant}; \
             check the client id and secret"
        ),
        (Some("unauthorized_client"), _) => format!(
            "app {client_id} may not use the client-credentials flow in tenant {tenant}; check the \
             app registration and admin consent"
        ),
        (Some("temporarily_unavailable"), _) => {
            "the identity platform is temporarily unavailable".to_owned()
        }
        (Some(other), _) => format!("the identity platform answered `{other}`"),
        (None, _) => "the identity platform refused the token request".to_owned(),
    }
}

fn aadsts_in(description: &str) -> Option<u32> {
    let rest = &description[description.find("AADSTS")? + "AADSTS".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `Retry-After` as delta-seconds or HTTP-date (RFC 9110 §10.2.3); a date in the past means "now".
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[derive(Deserialize)]
struct GraphErrorEnvelope {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    code: Option<String>,
    message: Option<String>,
    #[serde(rename = "innerError", alias = "innererror")]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(rename = "request-id")]
    request_id: Option<String>,
    #[serde(rename = "client-request-id")]
    client_request_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct IdentityErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    trace_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn kind_names_are_stable() {
        assert_eq!(GraphErrorKind::NotFound.as_str(), "graph_not_found");
        assert_eq!(
            GraphErrorKind::Unauthorized.to_string(),
            "graph_unauthorized"
        );
    }

    #[test]
    fn throttling_sample_from_the_docs_is_retryable_with_delay() {
        let body = br#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}"#;
        let err = GraphError::from_graph_response(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "10")]),
            body,
        );
        assert_eq!(err.kind(), GraphErrorKind::Throttled);
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(10)));
        assert_eq!(
            err.request_id(),
            Some("94fb3b52-452a-4535-a601-69e0a90e3aa2")
        );
        assert_eq!(err.code(), Some("TooManyRequests"));
    }

    #[test]
    fn retry_after_accepts_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        let h = headers(&[("retry-after", &later)]);
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(42)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        let h = headers(&[("retry-after", &past)]);
        assert_eq!(parse_retry_after(&h, now), Some(Duration::ZERO));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
    }

    #[test]
    fn access_policy_403_names_the_fix() {
        let body = br#"{"error":{"code":"Forbidden","message":"No Application Access Policy found for this app"}}"#;
        let err = GraphError::from_graph_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
        assert_eq!(err.kind(), GraphErrorKind::Forbidden);
        assert!(!err.is_retryable());
        assert!(
            err.to_string().contains("Grant-CsApplicationAccessPolicy"),
            "{err}"
        );
    }

    #[test]
    fn non_json_error_body_still_classifies() {
        let err =
            GraphError::from_graph_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>");
        assert_eq!(err.kind(), GraphErrorKind::ServerError);
        assert_eq!(err.message(), "Bad Gateway");
        assert!(err.is_retryable());
    }

    #[test]
    fn identity_errors_say_what_the_admin_must_fix() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'x' are expired.","error_codes":[7000222]}"#;
        let err = GraphError::from_identity_response(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            body,
            "contoso.onmicrosoft.com",
            "app-1",
            "crid",
        );
        assert_eq!(err.kind(), GraphErrorKind::Identity);
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("has expired"), "{err}");
        assert_eq!(err.code(), Some("invalid_client (AADSTS7000222)"));

        // The code is taken from the description when error_codes is missing.
        let body = br#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found"}"#;
        let err = GraphError::from_identity_response(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body,
            "t",
            "c",
            "crid",
        );
        assert!(
            err.to_string().contains("was not found in tenant t"),
            "{err}"
        );

        let identity = |status, body: &[u8]| {
            GraphError::from_identity_response(status, &HeaderMap::new(), body, "t", "c", "crid")
        };
        let err = identity(
            StatusCode::SERVICE_UNAVAILABLE,
            br#"{"error":"temporarily_unavailable"}"#,
        );
        assert!(err.is_retryable());
        assert_eq!(err.kind(), GraphErrorKind::IdentityUnavailable);
        // `temporarily_unavailable` is transient whatever the status it comes with.
        let err = identity(
            StatusCode::BAD_REQUEST,
            br#"{"error":"temporarily_unavailable"}"#,
        );
        assert!(err.is_retryable());
        let err = identity(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_client","error_codes":[7000215]}"#,
        );
        assert!(!err.is_retryable());
        assert_eq!(err.kind(), GraphErrorKind::Identity);
    }
}
