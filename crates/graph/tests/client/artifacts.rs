//! Recordings and transcripts: listed across pages once available, transcript text, recording
//! bytes streamed with bounded memory and resumable by range, the access policy.

use futures_util::StreamExt;
use meetflow_graph::{ByteRange, GraphErrorKind};
use meetflow_graph_emulator::control_api::{NewArtifact, SettingsPatch};
use meetflow_graph_emulator::synthetic_byte;

use crate::support::*;

/// The online meeting id of a fresh event.
async fn meeting(h: &Harness) -> String {
    let join_url = h.create("appt-art").await.join_url.unwrap();
    h.client
        .find_online_meeting(&h.app(), ORGANIZER_ID, &join_url)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn transcripts_are_listed_across_pages_once_available() {
    let h = Harness::start().await;
    let id = meeting(&h).await;
    assert!(
        h.client
            .list_transcripts(&h.app(), ORGANIZER_ID, &id)
            .await
            .unwrap()
            .is_empty()
    );

    let pages_of_two = SettingsPatch {
        page_size: Some(2),
        ..Default::default()
    };
    h.control.update_settings(&pages_of_two).await.unwrap();
    h.control.end_meeting(&id).await.unwrap();
    for i in 0..5 {
        let vtt = format!("WEBVTT\n\n0:0:0.0 --> 0:0:1.0\n<v A>line {i}</v>\n");
        let transcript = NewArtifact::transcript().vtt(vtt);
        h.control.add_artifact(&id, &transcript).await.unwrap();
    }
    let later = NewArtifact::transcript().available_after_secs(3600.0);
    h.control.add_artifact(&id, &later).await.unwrap();

    let transcripts = h
        .client
        .list_transcripts(&h.app(), ORGANIZER_ID, &id)
        .await
        .unwrap();
    assert_eq!(
        transcripts.len(),
        5,
        "the not-yet-available one is not listed"
    );
    let pages = h
        .requests()
        .await
        .iter()
        .filter(|r| r.path.ends_with("/transcripts"))
        .count();
    assert_eq!(
        pages,
        1 + 3,
        "one empty listing, then three pages of 2, 2, 1"
    );

    let vtt = h
        .client
        .transcript_content(&h.app(), ORGANIZER_ID, &id, &transcripts[3].id)
        .await
        .unwrap();
    assert!(vtt.starts_with("WEBVTT"));
    assert!(vtt.contains("line 3"));
}

#[tokio::test]
async fn recording_is_streamed_and_ranges_resume() {
    let h = Harness::start().await;
    let id = meeting(&h).await;
    let size: u64 = 3 * 1024 * 1024 + 17;
    let recording = NewArtifact::recording().size_bytes(size);
    h.control.add_artifact(&id, &recording).await.unwrap();
    let recordings = h
        .client
        .list_recordings(&h.app(), ORGANIZER_ID, &id)
        .await
        .unwrap();
    assert_eq!(recordings.len(), 1);
    let rid = &recordings[0].id;
    let url = h.client.recording_content_url(ORGANIZER_ID, &id, rid);
    let segments: Vec<String> = url
        .path_segments()
        .unwrap()
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
        .collect();
    assert_eq!(
        segments,
        [
            "v1.0",
            "users",
            ORGANIZER_ID,
            "onlineMeetings",
            id.as_str(),
            "recordings",
            rid.as_str(),
            "content"
        ]
    );

    let mut content = h
        .client
        .recording_content(&h.app(), ORGANIZER_ID, &id, rid, None)
        .await
        .unwrap();
    assert_eq!(content.content_length, Some(size));
    assert_eq!(content.content_type.as_deref(), Some("video/mp4"));
    let mut at = 0u64;
    let mut largest_chunk = 0;
    while let Some(chunk) = content.stream.next().await {
        let chunk = chunk.unwrap();
        largest_chunk = largest_chunk.max(chunk.len());
        for b in chunk.iter() {
            assert_eq!(*b, synthetic_byte(at));
            at += 1;
        }
    }
    assert_eq!(at, size);
    assert!(
        largest_chunk <= 1024 * 1024,
        "chunks arrive as read, not buffered whole"
    );

    let tail = h
        .client
        .recording_content(
            &h.app(),
            ORGANIZER_ID,
            &id,
            rid,
            Some(ByteRange {
                start: size - 10,
                end: None,
            }),
        )
        .await
        .unwrap();
    assert!(tail.partial);
    let bytes: Vec<u8> = tail.stream.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(
        bytes,
        (size - 10..size).map(synthetic_byte).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn artifacts_need_the_access_policy() {
    let h = Harness::start().await;
    let id = meeting(&h).await;
    let err = h
        .client
        .list_recordings(&h.app(), NO_POLICY_ID, &id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GraphErrorKind::Forbidden);
}
