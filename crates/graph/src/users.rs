//! Directory lookups: the organizer mailbox's object id from its user principal name.

use reqwest::Method;
use serde::Deserialize;

use crate::client::{GraphClient, GraphRequest};
use crate::credentials::AppCredentials;
use crate::error::GraphError;

/// A directory user, as much of it as meetflow needs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphUser {
    /// The Entra object id: what `/onlineMeetings` routes accept.
    pub id: String,
    pub user_principal_name: String,
    pub mail: Option<String>,
}

impl GraphClient {
    /// `GET /users/{upn}?$select=id,userPrincipalName,mail` (application permission
    /// `User.Read.All`). An unknown user is a [`crate::GraphErrorKind::NotFound`].
    pub async fn get_user(
        &self,
        app: &AppCredentials,
        id_or_upn: &str,
    ) -> Result<GraphUser, GraphError> {
        let mut url = self.url(&["users", id_or_upn]);
        url.set_query(Some("$select=id,userPrincipalName,mail"));
        let request = GraphRequest::new(Method::GET, url);
        self.fetch_json(app, &request, "user").await
    }

    /// Requests (or reuses) the app's token: proves the tenant, the app and its secret without
    /// touching any mailbox.
    pub async fn check_token(&self, app: &AppCredentials) -> Result<(), GraphError> {
        self.token(app).await.map(drop)
    }
}
