//! Calendar events: the created online event against the docs' example, `transactionId`
//! dedupe, and the status codes of patch and delete.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn created_online_event_matches_the_docs_example() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    // concepts/outlook-calendar-online-meetings.md, "Create and make meeting available as an
    // online meeting", response (body content shortened).
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('64339082-ed84-4b0b-b4ab-004ae54f3747')/events/$entity",
        "@odata.etag": "W/\"NEXywgsVrkeNsFsyVyRrtAAASBUEsA==\"",
        "id": "AAMkADAAABIGYDZAAA=",
        "createdDateTime": "2019-11-15T01:55:54.8022848Z",
        "lastModifiedDateTime": "2019-11-15T01:55:56.5162924Z",
        "changeKey": "NEXywgsVrkeNsFsyVyRrtAAASBUEsA==",
        "categories": [],
        "originalStartTimeZone": "Pacific Standard Time",
        "originalEndTimeZone": "Pacific Standard Time",
        "iCalUId": "040000008200E00074C5B7101A82E0080000000076B29D94B32CD6010000000000000000100000005F31C591C3C328459653D025BD277439",
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": "Prep for customer meeting",
        "bodyPreview": "Does this time work for you?",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": false,
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": "https://outlook.office365.com/owa/?itemid=AAMkADAABIGYDZAAA%3D&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": null,
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "allowNewTimeProposals": true,
        "recurrence": null,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": "<html>…</html>"},
        "start": {"dateTime": "2019-11-20T13:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2019-11-20T14:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Cordova conference room", "locationType": "default", "uniqueId": "Cordova conference room", "uniqueIdType": "private"},
        "attendees": [{"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}, "emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.OnMicrosoft.com"}}],
        "organizer": {"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com"}},
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ODkyNWFmNGYtZjBjYS00MDdlLTllOWQtN2E3MzJlNjM0ZWRj%40thread.v2/0?context=%7b%22Tid%22%3a%2298a79ebe-74bf-4e07-a017-7b410848cb32%22%2c%22Oid%22%3a%2264339082-ed84-4b0b-b4ab-004ae54f3747%22%7d", "conferenceId": "291633251", "tollNumber": "+1 323-555-0166"}
    });
    assert_shape(&documented, &created, "event");
    assert_eq!(created["start"]["dateTime"], "2019-11-20T13:00:00.0000000");
    assert_eq!(
        created["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );
    assert_eq!(
        created["@odata.etag"],
        format!("W/\"{}\"", created["changeKey"].as_str().unwrap())
    );
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();
    assert!(join_url.starts_with("https://teams.microsoft.com/l/meetup-join/19%3ameeting_"));
    assert!(join_url.contains(&format!("%22Oid%22%3a%22{ORGANIZER}%22")));
    assert!(
        created["body"]["content"]
            .as_str()
            .unwrap()
            .contains(join_url),
        "Teams join block appended"
    );
}

#[tokio::test]
async fn transaction_id_dedupe_and_event_lifecycle_status_codes() {
    let g = Graph::start().await;
    let first = g.create_online_event().await;
    let again = g.create_online_event().await;
    assert_eq!(first["id"], again["id"]);

    let (status, _, body) = g
        .call(
            reqwest::Method::POST,
            &format!("users/{UPN}/events"),
            Some(json!({"subject": "other", "start": {"dateTime": "2019-11-20T13:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2019-11-20T14:00:00", "timeZone": "UTC"}, "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "ErrorDuplicateTransactionId");

    let id = encode(first["id"].as_str().unwrap());
    let (status, _, patched) = g
        .call(
            reqwest::Method::PATCH,
            &format!("users/{ORGANIZER}/events/{id}"),
            Some(json!({"subject": "Moved"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["iCalUId"], first["iCalUId"]);
    assert_ne!(patched["changeKey"], first["changeKey"]);

    let event = format!("users/{ORGANIZER}/events/{id}");
    let (status, _, _) = g.call(reqwest::Method::DELETE, &event, None).await;
    assert_eq!(status, 204, "event-delete.md: 204 No Content");
    let patch = Some(json!({"subject": "Again"}));
    for (method, body) in [
        (reqwest::Method::DELETE, None),
        (reqwest::Method::PATCH, patch),
    ] {
        let (status, _, body) = g.call(method, &event, body).await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "ErrorItemNotFound");
    }
}
