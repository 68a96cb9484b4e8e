//! Online-meeting lookup by join URL.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::Deserialize;

use crate::client::{GraphClient, GraphRequest};
use crate::credentials::AppCredentials;
use crate::error::{GraphError, GraphErrorKind};

/// The Teams meeting behind a calendar event; its id addresses recordings and transcripts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    pub id: String,
    pub join_web_url: String,
}

#[derive(Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

/// Everything but RFC 3986 unreserved characters: the join URL's own escapes (`%3a`) are
/// encoded again, as Graph's documentation example does.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The raw query `$filter=JoinWebUrl eq '<joinUrl>'`, encoded so that one URL-decode on the
/// server yields the join URL byte for byte (an embedded `'` doubled per OData).
pub fn join_web_url_filter_query(join_url: &str) -> String {
    let literal = join_url.replace('\'', "''");
    format!(
        "$filter=JoinWebUrl%20eq%20'{}'",
        utf8_percent_encode(&literal, COMPONENT)
    )
}

impl GraphClient {
    /// `GET /users/{organizerObjectId}/onlineMeetings?$filter=JoinWebUrl eq '…'`. Needs the
    /// organizer's object id (Graph refuses a UPN here) and an application access policy for
    /// that organizer.
    pub async fn find_online_meeting(
        &self,
        app: &AppCredentials,
        organizer_object_id: &str,
        join_url: &str,
    ) -> Result<OnlineMeeting, GraphError> {
        let mut url = self.url(&["users", organizer_object_id, "onlineMeetings"]);
        url.set_query(Some(&join_web_url_filter_query(join_url)));
        let request = GraphRequest::new(Method::GET, url);
        let found: Collection<OnlineMeeting> = self
            .fetch_json(app, &request, "online meeting lookup")
            .await?;
        found.value.into_iter().next().ok_or_else(|| {
            GraphError::new(
                GraphErrorKind::NotFound,
                "no online meeting of this organizer has that join URL",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;

    #[test]
    fn filter_matches_the_docs_double_encoding() {
        let join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d";
        let q = join_web_url_filter_query(join);
        assert!(
            q.starts_with("$filter=JoinWebUrl%20eq%20'https%3A%2F%2Fteams.microsoft.com%2Fl%2Fmeetup-join%2F19%253ameeting_X%2540thread.v2%2F0%3Fcontext%3D%257b"),
            "{q}"
        );
        let decoded = percent_decode_str(&q).decode_utf8().unwrap();
        assert_eq!(decoded, format!("$filter=JoinWebUrl eq '{join}'"));
    }

    #[test]
    fn quotes_are_doubled_inside_the_literal() {
        let q = join_web_url_filter_query("https://x/a'b");
        let decoded = percent_decode_str(&q).decode_utf8().unwrap();
        assert_eq!(decoded, "$filter=JoinWebUrl eq 'https://x/a''b'");
    }
}
