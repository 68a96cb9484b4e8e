//! Online-meeting lookup: the documented shape and filter encoding, and what Graph refuses.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn online_meeting_lookup_needs_the_documented_encoding() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();

    // onlinemeeting-get.md example 3: the join URL URL-encoded inside the quoted literal.
    let (status, _, body) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    let meeting = &body["value"][0];
    // onlinemeeting-get.md example 2 response (app token).
    let documented = json!({
        "id": "MSpkYzE3Njc0Yy04MWQiMi04ZdFpHRTNaR1F6WGhyZWFkLnYy",
        "creationDateTime": "2020-09-29T22:35:33.1594516Z",
        "startDateTime": "2020-09-29T22:35:31.389759Z",
        "endDateTime": "2020-09-29T23:35:31.389759Z",
        "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_MGQ4MDQyNTE2EtZWVkODYxODYzMmY2%40thread.v2/0?context=%7b%22Tid%22%3a%22909c6581-5130-43e9-88f3-fcb3582cde37%22%2c%22Oid%22%3a%22dc17674c-81d9-4adb-442e4622%22%7d",
        "subject": null,
        "autoAdmittedUsers": "EveryoneInCompany",
        "isEntryExitAnnounced": true,
        "allowedPresenters": "everyone",
        "videoTeleconferenceId": "(redacted)",
        "participants": {
            "organizer": {"upn": "(redacted)", "role": "presenter", "identity": {"user": {"id": "dc17674c-81d9-4adb-a442e4622", "displayName": null, "tenantId": "909c6581-5188f3-fcb3582cde38", "identityProvider": "AAD"}}},
            "attendees": [], "producers": [], "contributors": []
        },
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
        "joinMeetingIdSettings": {"isPasscodeRequired": false, "joinMeetingId": "1234567890", "passcode": null}
    });
    assert_shape(&documented, meeting, "onlineMeeting");
    assert_eq!(meeting["joinWebUrl"], join_url);

    let id = encode(meeting["id"].as_str().unwrap());
    let (status, _, by_id) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_id["id"], meeting["id"]);

    // The join URL pasted without encoding its own escapes: rejected, as Graph does.
    let single = join_url.replace('&', "%26").replace('?', "%3F");
    let (status, _, body) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{single}'"),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // No quotes (docs-contrib#716): 400 too.
    let (status, _, _) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20{}",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 400);
    // By UPN: onlineMeetings need the object id.
    let (status, _, _) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{UPN}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 400);
}
