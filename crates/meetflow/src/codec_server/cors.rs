//! CORS for exactly one origin, the Web UI's. The UI calls from the browser with
//! `Content-Type: application/json` and `X-Namespace` (and `Authorization` when it is set to
//! pass its access token), so every call is preceded by an `OPTIONS` preflight; with "include
//! credentials" on it also needs `Access-Control-Allow-Credentials`.

use anyhow::Context as _;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

pub(super) struct Cors {
    origin: HeaderValue,
}

/// Whether a request may proceed, and whether it came from a browser page.
pub(super) enum Caller {
    /// No `Origin`: the `temporal` CLI, curl, a server-side client. CORS does not apply.
    NotBrowser,
    /// The configured UI origin.
    Ui,
}

impl Cors {
    pub(super) fn new(origin: &str) -> anyhow::Result<Self> {
        // Browsers send the origin without a trailing slash.
        let origin = origin.trim_end_matches('/');
        let url = url::Url::parse(origin).with_context(|| format!("--cors-origin {origin:?}"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https") && url.path() == "/",
            "--cors-origin {origin:?} is not an origin like http://127.0.0.1:8233"
        );
        Ok(Self {
            origin: HeaderValue::from_str(origin)?,
        })
    }

    /// `None` refuses the request: a page from another origin must not get payloads decoded
    /// (or even reach the keys), whatever its request looks like.
    pub(super) fn admit(&self, headers: &HeaderMap) -> Option<Caller> {
        match headers.get(header::ORIGIN) {
            None => Some(Caller::NotBrowser),
            Some(o) if *o == self.origin => Some(Caller::Ui),
            Some(_) => None,
        }
    }

    pub(super) fn preflight(&self) -> Response {
        (
            StatusCode::NO_CONTENT,
            [
                (header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Content-Type, X-Namespace, Authorization",
                ),
                (header::ACCESS_CONTROL_MAX_AGE, "600"),
            ],
        )
            .into_response()
    }

    pub(super) fn decorate(&self, caller: Caller, mut response: Response) -> Response {
        let h = response.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Caller::Ui = caller {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, self.origin.clone());
            h.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        response
    }
}
