//! Application credentials and the endpoints they are presented to.

use std::fmt;

/// Where the identity platform and Graph live. Both are configurable so the emulator can stand in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEndpoints {
    /// Identity authority, e.g. `https://login.microsoftonline.com`; the token endpoint is
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub authority: url::Url,
    /// Graph root including the version, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph: url::Url,
}

impl GraphEndpoints {
    /// The public Microsoft cloud.
    pub fn microsoft() -> Self {
        Self {
            authority: url::Url::parse("https://login.microsoftonline.com").expect("static URL"),
            graph: url::Url::parse("https://graph.microsoft.com/v1.0").expect("static URL"),
        }
    }

    /// The `scope` of a client-credentials request: `{graph origin}/.default`.
    pub(crate) fn scope(&self) -> String {
        format!("{}/.default", self.graph.origin().ascii_serialization())
    }
}

/// An app's client secret. Never printed: `Debug` and `Display` show `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the one place that must send it (the token request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An Entra ID app registration in one Microsoft tenant (app-only, client credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppCredentials {
    /// Microsoft tenant id (GUID) or a verified domain.
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_everywhere() {
        let app = AppCredentials {
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: ClientSecret::new("hunter2".into()),
        };
        assert!(!format!("{app:?}").contains("hunter2"));
        assert!(!format!("{}", app.client_secret).contains("hunter2"));
        assert_eq!(app.client_secret.expose(), "hunter2");
    }

    #[test]
    fn scope_is_graph_origin_default() {
        assert_eq!(
            GraphEndpoints::microsoft().scope(),
            "https://graph.microsoft.com/.default"
        );
    }
}
