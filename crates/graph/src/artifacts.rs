//! Meeting recordings and transcripts: listing (all pages), transcript text, recording bytes as
//! a stream with bounded memory.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::{GraphClient, GraphRequest, header_str, read_json};
use crate::credentials::AppCredentials;
use crate::error::GraphError;

/// The metadata Graph lists for a `callRecording` or a `callTranscript`: the fields both
/// resources share (their content URLs differ and are built by this client, not read).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallArtifact {
    pub id: String,
    pub meeting_id: Option<String>,
    pub call_id: Option<String>,
    pub content_correlation_id: Option<String>,
    pub created_date_time: Option<DateTime<Utc>>,
    pub end_date_time: Option<DateTime<Utc>>,
}

/// A `callRecording` (metadata only).
pub type CallRecording = CallArtifact;
/// A `callTranscript` (metadata only).
pub type CallTranscript = CallArtifact;

/// A byte range of a recording, for resuming an interrupted copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    /// Inclusive; `None` = to the end.
    pub end: Option<u64>,
}

impl ByteRange {
    fn header(self) -> String {
        match self.end {
            Some(end) => format!("bytes={}-{end}", self.start),
            None => format!("bytes={}-", self.start),
        }
    }
}

/// A recording being downloaded: chunks arrive as they are read from the network.
pub struct RecordingContent {
    /// `Content-Length` of this response (the range's length for a partial response).
    pub content_length: Option<u64>,
    /// Whether the server honoured a requested range (206).
    pub partial: bool,
    pub content_type: Option<String>,
    pub stream: BoxStream<'static, Result<Bytes, GraphError>>,
}

impl std::fmt::Debug for RecordingContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingContent")
            .field("content_length", &self.content_length)
            .field("partial", &self.partial)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub(crate) next_link: Option<String>,
}

impl GraphClient {
    /// `GET /users/{organizer}/onlineMeetings/{meeting}/recordings`, all pages. Empty while
    /// Teams has not yet produced the recording.
    pub async fn list_recordings(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
    ) -> Result<Vec<CallRecording>, GraphError> {
        let url = self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "recordings",
        ]);
        self.collect_pages(app, url, "recordings").await
    }

    /// `GET /users/{organizer}/onlineMeetings/{meeting}/transcripts`, all pages.
    pub async fn list_transcripts(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
    ) -> Result<Vec<CallTranscript>, GraphError> {
        let url = self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "transcripts",
        ]);
        self.collect_pages(app, url, "transcripts").await
    }

    /// A transcript as WebVTT text (`…/transcripts/{id}/content?$format=text/vtt`).
    pub async fn transcript_content(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
        transcript_id: &str,
    ) -> Result<String, GraphError> {
        let mut url = self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "transcripts",
            transcript_id,
            "content",
        ]);
        url.set_query(Some("$format=text/vtt"));
        self.fetch_text(app, url).await
    }

    /// A `text/vtt` body as a string.
    async fn fetch_text(&self, app: &AppCredentials, url: url::Url) -> Result<String, GraphError> {
        let mut request = GraphRequest::new(Method::GET, url);
        request.accept = "text/vtt";
        let response = self.execute(app, &request).await?;
        let client_request_id = header_str(&response, "client-request-id");
        response
            .text()
            .await
            .map_err(|e| GraphError::transport(&e, &client_request_id))
    }

    /// A recording's MP4 bytes as a stream (`…/recordings/{id}/content`); memory stays bounded
    /// by the network buffers whatever the recording's size. Pass `range` to resume.
    pub async fn recording_content(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        meeting_id: &str,
        recording_id: &str,
        range: Option<ByteRange>,
    ) -> Result<RecordingContent, GraphError> {
        let url = self.recording_content_url(organizer_object_id, meeting_id, recording_id);
        let mut request = GraphRequest::new(Method::GET, url);
        request.accept = "video/mp4, application/octet-stream";
        request.streaming = true;
        request.range = range.map(ByteRange::header);
        let response = self.execute(app, &request).await?;
        let client_request_id = header_str(&response, "client-request-id");
        Ok(RecordingContent {
            content_length: response.content_length(),
            partial: response.status() == reqwest::StatusCode::PARTIAL_CONTENT,
            content_type: response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            stream: response
                .bytes_stream()
                .map_err(move |e| GraphError::transport(&e, &client_request_id))
                .boxed(),
        })
    }

    /// The app-only content URL of a recording, each id percent-encoded as one path segment
    /// (for reference in records; Graph's own `recordingContentUrl` is not usable app-only).
    pub fn recording_content_url(
        &self,
        organizer_object_id: &str,
        meeting_id: &str,
        recording_id: &str,
    ) -> url::Url {
        self.url(&[
            "users",
            organizer_object_id,
            "onlineMeetings",
            meeting_id,
            "recordings",
            recording_id,
            "content",
        ])
    }

    /// Follows `@odata.nextLink` verbatim until it is absent; pages may be empty.
    pub(crate) async fn collect_pages<T: DeserializeOwned>(
        &self,
        app: &AppCredentials,
        first: url::Url,
        what: &str,
    ) -> Result<Vec<T>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let response = self
                .execute(app, &GraphRequest::new(Method::GET, url))
                .await?;
            let page: Page<T> = read_json(response, what).await?;
            items.extend(page.value);
            if let Some(link) = page.next_link {
                let url = url::Url::parse(&link)
                    .map_err(|e| GraphError::unexpected(what, format!("bad link: {e}")))?;
                self.check_same_origin(&url)?;
                next = Some(url);
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recording_from_the_docs_example_parses() {
        // GD api-reference/v1.0/api/callrecording-get.md, response example (trimmed).
        let page: Page<CallRecording> = serde_json::from_value(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('b935e675-5e67-4370-94b7-c1ebcc54b8e1')/onlineMeetings('MSpiOTM1ZTY3NS01ZTY3LTQzNzAtOTRiNy1jMWViY2M1NGI4ZTEqMCoqMTk6bWVldGluZ19ZbU0zWVRnM01XUXRPVEl5WkMwME1qWmtMV0ZtTVdNdE9XWXhOVGxrWldObVpXSTBAdGhyZWFkLnYy')/recordings",
            "@odata.count": 1,
            "value": [{
                "id": "7e31db25-bc6e-4fd8-96c7-e01264e9b6fc",
                "meetingId": "MSpiOTM1ZTY3NS01ZTY3LTQzNzAtOTRiNy1jMWViY2M1NGI4ZTEqMCoqMTk6bWVldGluZ19ZbU0zWVRnM01XUXRPVEl5WkMwME1qWmtMV0ZtTVdNdE9XWXhOVGxrWldObVpXSTBAdGhyZWFkLnYy",
                "createdDateTime": "2023-03-02T21:29:11.7146412Z",
                "recordingContentUrl": "https://graph.microsoft.com/v1.0/users/b935e675/onlineMeetings/MSpi/recordings/7e31/content",
                "meetingOrganizer": {"application": null, "device": null, "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": "b935e675-5e67-4370-94b7-c1ebcc54b8e1", "displayName": null, "userIdentityType": "aadUser", "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34"}}
            }]
        }))
        .unwrap();
        assert_eq!(page.value.len(), 1);
        assert!(page.next_link.is_none());
        assert_eq!(page.value[0].id, "7e31db25-bc6e-4fd8-96c7-e01264e9b6fc");
        assert!(page.value[0].created_date_time.is_some());
    }

    #[test]
    fn range_header() {
        assert_eq!(
            ByteRange {
                start: 10,
                end: None
            }
            .header(),
            "bytes=10-"
        );
        assert_eq!(
            ByteRange {
                start: 0,
                end: Some(99)
            }
            .header(),
            "bytes=0-99"
        );
    }
}
