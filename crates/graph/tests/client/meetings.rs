//! Online-meeting lookup by join URL: the organizer's object id, the double-encoded filter,
//! and Graph's refusals.

use meetflow_graph::GraphErrorKind;

use crate::support::*;

#[tokio::test]
async fn lookup_by_object_id_with_the_double_encoded_filter() {
    let h = Harness::start().await;
    let event = h.create("appt-10").await;
    let join_url = event.join_url.unwrap();
    let meeting = h
        .client
        .find_online_meeting(&h.app(), ORGANIZER_ID, &join_url)
        .await
        .unwrap();
    assert_eq!(meeting.join_web_url, join_url);
    let stored = h.control.events().await.unwrap();
    assert_eq!(
        stored[0].online_meeting_id.as_deref(),
        Some(meeting.id.as_str())
    );

    let lookup = h
        .requests()
        .await
        .into_iter()
        .find(|r| r.path.ends_with("/onlineMeetings"))
        .unwrap();
    let query = lookup.query.as_deref().unwrap();
    assert!(query.contains("JoinWebUrl%20eq%20"), "{query}");
    assert!(
        query.contains("%253a"),
        "the join URL's own escapes must be encoded again: {query}"
    );
    assert!(lookup.path.contains(ORGANIZER_ID));
}

#[tokio::test]
async fn lookup_refusals() {
    let h = Harness::start().await;
    let join_url = h.create("appt-11").await.join_url.unwrap();

    let err = h
        .client
        .find_online_meeting(&h.app(), ORGANIZER_UPN, &join_url)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        GraphErrorKind::BadRequest,
        "a UPN is not accepted: {err}"
    );

    let err = h
        .client
        .find_online_meeting(&h.app(), NO_POLICY_ID, &join_url)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Forbidden);
    assert!(
        err.to_string().contains("application access policy"),
        "{err}"
    );

    let err = h
        .client
        .find_online_meeting(
            &h.app(),
            ORGANIZER_ID,
            "https://teams.microsoft.com/l/meetup-join/unknown",
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::NotFound);
}
