//! Recordings and transcripts of a meeting: lists against the docs, transcript content.

use meetflow_graph_emulator::control_api::NewArtifact;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn artifact_lists_and_content_match_the_docs() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let event_id = created["id"].as_str().unwrap();
    g.control.end_meeting(event_id).await.unwrap();
    let transcript = g
        .control
        .add_artifact(event_id, &NewArtifact::transcript())
        .await
        .unwrap();
    let recording = NewArtifact::recording().size_bytes(1000);
    g.control.add_artifact(event_id, &recording).await.unwrap();
    let meeting = encode(&transcript.meeting_id);

    // onlinemeeting-list-transcripts.md response, plus the fields of resources/calltranscript.md.
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('ba321e0d-79ee-478d-8e28-85a19507f456')/onlineMeetings('MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ')/transcripts",
        "value": [{
            "id": "MSMjMCMjZDAwYWU3NjUtNmM2Yi00NjQxLTgwMWQtMTkzMmFmMjEzNzdh",
            "meetingId": "MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ",
            "callId": "af630fe0-04d3-4559-8cf9-91fe45e36296",
            "contentCorrelationId": "bc842d7a-2f6e-4b18-a1c7-73ef91d5c8e3-0",
            "transcriptContentUrl": "https://graph.microsoft.com/v1.0/users/ba321e0d/onlineMeetings/MSo1/transcripts/MSMj/content",
            "createdDateTime": "2021-09-17T06:09:24.8968037Z",
            "endDateTime": "2021-09-17T06:27:25.2346000Z",
            "meetingOrganizer": {"application": null, "device": null, "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": "ba321e0d-79ee-478d-8e28-85a19507f456", "displayName": null, "userIdentityType": "aadUser", "tenantId": "cd209b0b-3f83-4c35-82d2-d88a61820480"}}
        }]
    });
    let (status, _, list) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(&documented, &list, "transcripts");

    // callrecording-get.md / onlinemeeting-list-recordings.md.
    let documented = json!({"value": [{
        "id": "7e31db25-bc6e-4fd8-96c7-e01264e9b6fc",
        "meetingId": "MSpiOTM1",
        "callId": "af630fe0-04d3-4559-8cf9-91fe45e36296",
        "contentCorrelationId": "bc842d7a-2f6e-4b18-a1c7-73ef91d5c8e3-0",
        "recordingContentUrl": "https://graph.microsoft.com/v1.0/users/b935e675/onlineMeetings/MSpi/recordings/7e31/content",
        "createdDateTime": "2023-03-02T21:29:11.7146412Z",
        "endDateTime": "2023-03-02T21:39:11.7146412Z",
        "meetingOrganizer": {"application": null, "device": null, "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": "b935e675-5e67-4370-94b7-c1ebcc54b8e1", "displayName": null, "userIdentityType": "aadUser", "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34"}}
    }]});
    let (status, _, list) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{meeting}/recordings"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(&documented, &list, "recordings");

    // calltranscript-get.md: content as text/vtt.
    let tid = encode(&transcript.id);
    let r = g
        .http
        .get(g.url(&format!(
            "users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts/{tid}/content?$format=text/vtt"
        )))
        .bearer_auth(&g.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vtt");
    assert!(r.text().await.unwrap().starts_with("WEBVTT"));
    let r = g
        .http
        .get(g.url(&format!("users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts/{tid}/content?$format=application/vnd.openxmlformats-officedocument.wordprocessingml.document")))
        .bearer_auth(&g.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "docx was retired in 2023");
}

/// A recording seeded with real bytes is served as those bytes, whole and by range.
#[tokio::test]
async fn a_recording_with_given_content_serves_exactly_it() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let event_id = created["id"].as_str().unwrap();
    g.control.end_meeting(event_id).await.unwrap();
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 256) as u8).collect();
    let recording = g
        .control
        .add_artifact(event_id, &NewArtifact::recording().content(&bytes))
        .await
        .unwrap();
    let (meeting, rid) = (encode(&recording.meeting_id), encode(&recording.id));
    let url = g.url(&format!(
        "users/{ORGANIZER}/onlineMeetings/{meeting}/recordings/{rid}/content"
    ));
    let whole = g
        .http
        .get(url.clone())
        .bearer_auth(&g.token)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let part = g
        .http
        .get(url)
        .bearer_auth(&g.token)
        .header("Range", "bytes=4990-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 4990-4999/5000");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[4990..]);
    let both = NewArtifact::recording().content(b"x").size_bytes(1);
    assert!(g.control.add_artifact(event_id, &both).await.is_err());
}
