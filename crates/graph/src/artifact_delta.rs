//! Per-organizer `getAllRecordings` / `getAllTranscripts` delta rounds: everything new since
//! the stored delta link, without knowing the meetings in advance.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::artifacts::{CallRecording, CallTranscript, Page};
use crate::client::{GraphClient, GraphRequest, read_json};
use crate::credentials::AppCredentials;
use crate::error::GraphError;

/// Where a delta round starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeltaStart<'a> {
    /// A first round: artifacts created since this instant.
    Since(DateTime<Utc>),
    /// The `delta_link` of the previous round, verbatim.
    Resume(&'a str),
}

/// One complete round: its items and the link to start the next round from (store it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaRound<T> {
    pub items: Vec<T>,
    pub delta_link: String,
}

impl GraphClient {
    /// New recordings of meetings organized by `organizer_object_id`.
    pub async fn recordings_delta(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        start: DeltaStart<'_>,
    ) -> Result<DeltaRound<CallRecording>, GraphError> {
        self.delta_round(app, "getAllRecordings", organizer_object_id, start)
            .await
    }

    /// New transcripts of meetings organized by `organizer_object_id`.
    pub async fn transcripts_delta(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        start: DeltaStart<'_>,
    ) -> Result<DeltaRound<CallTranscript>, GraphError> {
        self.delta_round(app, "getAllTranscripts", organizer_object_id, start)
            .await
    }

    async fn delta_round<T: DeserializeOwned>(
        &self,
        app: &AppCredentials,
        function: &str,
        organizer_object_id: &str,
        start: DeltaStart<'_>,
    ) -> Result<DeltaRound<T>, GraphError> {
        let mut url = match start {
            DeltaStart::Since(since) => {
                let call = format!(
                    "{function}(meetingOrganizerUserId='{}',startDateTime={})",
                    organizer_object_id.replace('\'', "''"),
                    since.to_rfc3339_opts(SecondsFormat::Secs, true)
                );
                self.url(&[
                    "users",
                    organizer_object_id,
                    "onlineMeetings",
                    &call,
                    "delta",
                ])
            }
            DeltaStart::Resume(link) => self.parse_link(link, function)?,
        };
        let mut items = Vec::new();
        loop {
            let response = self
                .execute(app, &GraphRequest::new(Method::GET, url))
                .await?;
            let page: Page<T> = read_json(response, function).await?;
            items.extend(page.value);
            match (page.next_link, page.delta_link) {
                (Some(next), _) => url = self.parse_link(&next, function)?,
                (None, Some(delta_link)) => return Ok(DeltaRound { items, delta_link }),
                (None, None) => {
                    return Err(GraphError::unexpected(
                        function,
                        "a delta page had neither @odata.nextLink nor @odata.deltaLink",
                    ));
                }
            }
        }
    }

    pub(crate) fn parse_link(&self, link: &str, what: &str) -> Result<url::Url, GraphError> {
        let url = url::Url::parse(link)
            .map_err(|e| GraphError::unexpected(what, format!("bad link: {e}")))?;
        self.check_same_origin(&url)?;
        Ok(url)
    }
}
