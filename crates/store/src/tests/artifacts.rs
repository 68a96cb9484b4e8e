use super::harness::TestDb;
use super::{at, meeting, on_both_backends};
use crate::{
    ArtifactContent, ArtifactKind, ArtifactRecord, Recording, StoreError, Transcript, TranscriptCue,
};

on_both_backends!(
    repeated_upserts_keep_one_row_per_natural_key,
    download_location_survives_a_link_only_rewrite,
    artifact_needs_its_meeting,
    concurrent_upserts_of_one_artifact_keep_one_row,
);

fn transcript(provider_artifact_id: &str) -> ArtifactRecord {
    ArtifactRecord {
        tenant_id: "t1".to_owned(),
        appointment_id: "a1".to_owned(),
        provider_artifact_id: provider_artifact_id.to_owned(),
        created_date_time: Some(at(11)),
        client_visible: true,
        content: ArtifactContent::Transcript(Transcript {
            vtt: "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Ana>Hello</v>\n".to_owned(),
            plain_text: "Ana: Hello".to_owned(),
            cues: vec![TranscriptCue {
                speaker: Some("Ana".to_owned()),
                start_ms: 1_000,
                end_ms: 2_500,
                text: "Hello".to_owned(),
            }],
        }),
    }
}

fn recording(provider_artifact_id: &str, downloaded: bool) -> ArtifactRecord {
    ArtifactRecord {
        tenant_id: "t1".to_owned(),
        appointment_id: "a1".to_owned(),
        provider_artifact_id: provider_artifact_id.to_owned(),
        created_date_time: Some(at(12)),
        client_visible: false,
        content: ArtifactContent::Recording(Recording {
            content_url: format!("https://graph.example/recordings/{provider_artifact_id}/content"),
            storage_location: downloaded
                .then(|| format!("file:///data/{provider_artifact_id}.mp4")),
            size_bytes: downloaded.then_some(5_000_000_000),
        }),
    }
}

async fn repeated_upserts_keep_one_row_per_natural_key(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    // One provider id under both kinds is two artifacts.
    let t = transcript("X1");
    let r = recording("X1", true);
    let t2 = transcript("X2");
    for _ in 0..3 {
        for a in [&t, &r, &t2] {
            db.store.upsert_artifact(a).await.unwrap();
        }
    }
    assert_eq!(db.rows("artifacts").await, 3);
    assert_eq!(
        db.store.artifacts("t1", "a1").await.unwrap(),
        vec![r.clone(), t.clone(), t2]
    );
    assert_eq!(
        db.store
            .artifact("t1", "a1", ArtifactKind::Transcript, "X1")
            .await
            .unwrap(),
        Some(t)
    );
    assert_eq!(
        db.store
            .artifact("t1", "a1", ArtifactKind::Recording, "X2")
            .await
            .unwrap(),
        None
    );
    assert!(db.store.artifacts("t1", "a2").await.unwrap().is_empty());
}

async fn download_location_survives_a_link_only_rewrite(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    let downloaded = recording("R1", true);
    db.store.upsert_artifact(&downloaded).await.unwrap();

    let mut relisted = recording("R1", false);
    relisted.client_visible = true;
    db.store.upsert_artifact(&relisted).await.unwrap();

    let mut expected = downloaded;
    expected.client_visible = true;
    assert_eq!(
        db.store.artifacts("t1", "a1").await.unwrap(),
        vec![expected]
    );
}

async fn artifact_needs_its_meeting(db: TestDb) {
    let err = db
        .store
        .upsert_artifact(&transcript("X1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MeetingNotFound { ref appointment_id, .. } if appointment_id == "a1"),
        "{err}"
    );
    assert_eq!(db.rows("artifacts").await, 0);
}

async fn concurrent_upserts_of_one_artifact_keep_one_row(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let a = recording("R1", i % 2 == 0);
                for _ in 0..3 {
                    store.upsert_artifact(&a).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(db.rows("artifacts").await, 1);
    // Whatever the order, the download made by some writer is kept.
    assert_eq!(
        db.store.artifacts("t1", "a1").await.unwrap(),
        vec![recording("R1", true)]
    );
}
