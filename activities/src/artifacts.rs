//! Post-meeting artifacts: list them, capture each transcript once (VTT + cues + plain text) and
//! each recording once (its link, and a streamed copy in object storage when the tenant wants
//! one). Every capture is keyed by (tenant, appointment, kind, provider id), so a retry or a later
//! poll finds the work done and does nothing.

use meetflow_store::{ArtifactContent, ArtifactRecord, Recording, Transcript, TranscriptCue};
use meetflow_workflows::activity_api::{
    ArtifactKind, ArtifactList, ArtifactRef, CaptureArtifactInput, CapturedArtifact,
    ListArtifactsInput,
};
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::deps::Deps;
use crate::failure;
use crate::tenant::graph_identity;

pub(crate) async fn list(
    deps: &Deps,
    input: &ListArtifactsInput,
) -> Result<ArtifactList, ActivityError> {
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    let recordings = deps
        .graph
        .list_recordings(app, organizer, &input.online_meeting_id)
        .await
        .map_err(failure::classify)?;
    let transcripts = deps
        .graph
        .list_transcripts(app, organizer, &input.online_meeting_id)
        .await
        .map_err(failure::classify)?;
    let artifacts = recordings
        .into_iter()
        .map(|r| ArtifactRef {
            kind: ArtifactKind::Recording,
            id: r.id,
            created: r.created_date_time,
        })
        .chain(transcripts.into_iter().map(|t| ArtifactRef {
            kind: ArtifactKind::Transcript,
            id: t.id,
            created: t.created_date_time,
        }))
        .collect();
    Ok(ArtifactList { artifacts })
}

/// The store row for `input`'s artifact with `content`.
fn record_of(input: &CaptureArtifactInput, content: ArtifactContent) -> ArtifactRecord {
    ArtifactRecord {
        tenant_id: input.tenant_id.to_string(),
        appointment_id: input.appointment_id.to_string(),
        provider_artifact_id: input.artifact.id.clone(),
        created_date_time: input.artifact.created,
        client_visible: input.client_visible,
        content,
    }
}

fn captured(input: &CaptureArtifactInput, location: Option<String>) -> CapturedArtifact {
    CapturedArtifact {
        kind: input.artifact.kind,
        id: input.artifact.id.clone(),
        location,
    }
}

async fn stored(
    deps: &Deps,
    input: &CaptureArtifactInput,
    kind: ArtifactKind,
) -> Result<Option<ArtifactRecord>, ActivityError> {
    deps.store
        .artifact(
            input.tenant_id.as_str(),
            input.appointment_id.as_str(),
            kind,
            &input.artifact.id,
        )
        .await
        .map_err(failure::classify)
}

pub(crate) async fn capture_transcript(
    deps: &Deps,
    input: &CaptureArtifactInput,
) -> Result<CapturedArtifact, ActivityError> {
    if stored(deps, input, ArtifactKind::Transcript)
        .await?
        .is_some()
    {
        return Ok(captured(input, None));
    }
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    let vtt = deps
        .graph
        .transcript_content(app, organizer, &input.online_meeting_id, &input.artifact.id)
        .await
        .map_err(failure::classify)?;
    let parsed = meetflow_transcript::parse_vtt(&vtt).map_err(|e| {
        failure::permanent(
            "invalid_transcript",
            format!("transcript {}: {e}", input.artifact.id),
        )
    })?;
    let record = record_of(
        input,
        ArtifactContent::Transcript(Transcript {
            plain_text: parsed.plain_text,
            cues: parsed
                .cues
                .into_iter()
                .map(|c| TranscriptCue {
                    speaker: c.speaker,
                    start_ms: c.start_ms,
                    end_ms: c.end_ms,
                    text: c.text,
                })
                .collect(),
            vtt,
        }),
    );
    deps.store
        .upsert_artifact(&record)
        .await
        .map_err(failure::classify)?;
    artifact_stored(deps, input);
    Ok(captured(input, None))
}

pub(crate) async fn capture_recording(
    deps: &Deps,
    ctx: &ActivityContext,
    input: &CaptureArtifactInput,
) -> Result<CapturedArtifact, ActivityError> {
    let before = stored(deps, input, ArtifactKind::Recording).await?;
    let first = before.is_none();
    if let Some(done) = before {
        let location = match done.content {
            ArtifactContent::Recording(r) => r.storage_location,
            ArtifactContent::Transcript(_) => None,
        };
        if location.is_some() || !input.download {
            return Ok(captured(input, location));
        }
    }
    let (app, organizer) = graph_identity(deps, &input.tenant_id).await?;
    // The app-only content endpoint: Graph's `recordingContentUrl` rejects app tokens.
    let content_url = deps
        .graph
        .recording_content_url(organizer, &input.online_meeting_id, &input.artifact.id)
        .to_string();
    let copy = if input.download {
        Some(copy_recording(deps, ctx, input, app, organizer).await?)
    } else {
        None
    };
    let record = record_of(
        input,
        ArtifactContent::Recording(Recording {
            content_url,
            storage_location: copy.as_ref().map(|c| c.location.clone()),
            size_bytes: copy.as_ref().map(|c| c.size),
        }),
    );
    deps.store
        .upsert_artifact(&record)
        .await
        .map_err(failure::classify)?;
    // A link-only row completed by a later copy is not stored again.
    if first {
        artifact_stored(deps, input);
    }
    Ok(captured(input, copy.map(|c| c.location)))
}

fn artifact_stored(deps: &Deps, input: &CaptureArtifactInput) {
    deps.metrics.artifact_stored(
        input.tenant_id.as_str(),
        input.artifact.kind,
        input.meeting_ended_at,
    );
}

/// Streams the recording from Graph into object storage in bounded memory, staged segment by
/// segment ([`meetflow_recordings::SEGMENT_SIZE`]) and heartbeating the bytes staged so far. A
/// retried attempt (the worker was killed, the download broke off) continues after the staged
/// bytes: it asks Graph for `Range: bytes=<staged - 1>-` and drops that one byte again, which
/// proves the server honoured the range and keeps the request satisfiable when everything was
/// already staged. A server that ignores the range is skipped forward instead.
async fn copy_recording(
    deps: &Deps,
    ctx: &ActivityContext,
    input: &CaptureArtifactInput,
    app: &meetflow_graph::AppCredentials,
    organizer: &str,
) -> Result<meetflow_recordings::StoredObject, ActivityError> {
    let key = meetflow_recordings::recording_key(
        input.tenant_id.as_str(),
        input.appointment_id.as_str(),
        &input.artifact.id,
    );
    // A retry after a copy finished but before the store recorded it: objects appear under
    // their key only when complete, so what is there is the whole recording.
    if let Some(done) = deps.storage.head(&key).await.map_err(failure::classify)? {
        return Ok(done);
    }
    // The storage is the truth about what is durable; the last heartbeat only says what the
    // previous attempt had reported (its last segment may have landed after it).
    let staged = deps
        .storage
        .staged_bytes(&key)
        .await
        .map_err(failure::classify)?;
    if staged > 0 {
        let heartbeat: Option<u64> = ctx.heartbeat_details().deserialize().ok().flatten();
        tracing::info!(
            staged,
            ?heartbeat,
            "recording copy resumes after the staged bytes"
        );
    }
    let range = (staged > 0).then(|| meetflow_graph::ByteRange {
        start: staged - 1,
        end: None,
    });
    let content = deps
        .graph
        .recording_content(
            app,
            organizer,
            &input.online_meeting_id,
            &input.artifact.id,
            range,
        )
        .await
        .map_err(failure::classify)?;
    let skip = match range {
        Some(r) if content.partial => staged - r.start,
        _ => staged,
    };
    let (progress, mut copied) = tokio::sync::watch::channel(staged);
    let upload =
        deps.storage
            .put_stream_from(&key, staged, skip_bytes(content.stream, skip), move |n| {
                let _ = progress.send(n);
            });
    tokio::pin!(upload);
    // Staged bytes advance a segment at a time; on a slow link that is rarer than the heartbeat
    // timeout, so the attempt also heartbeats on a clock. A stalled download does not heartbeat
    // forever: Graph's read timeout fails it first.
    let mut alive = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            r = &mut upload => {
                let stored = r.map_err(failure::classify)?;
                deps.metrics.recording_copied(input.tenant_id.as_str(), stored.size);
                return Ok(stored);
            }
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            Ok(()) = copied.changed() => {
                let n = *copied.borrow_and_update();
                let _ = ctx.record_heartbeat(n).await;
            }
            _ = alive.tick() => {
                let n = *copied.borrow();
                let _ = ctx.record_heartbeat(n).await;
            }
        }
    }
}

/// How often a recording copy heartbeats when no segment completes.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// `stream` without its first `n` bytes.
fn skip_bytes<E: Send + 'static>(
    stream: futures::stream::BoxStream<'static, Result<bytes::Bytes, E>>,
    n: u64,
) -> futures::stream::BoxStream<'static, Result<bytes::Bytes, E>> {
    use futures::StreamExt;
    stream
        .scan(n, |left, chunk| {
            let out = chunk.map(|mut c| {
                let drop = (*left).min(c.len() as u64) as usize;
                *left -= drop as u64;
                c.split_off(drop)
            });
            futures::future::ready(Some(out))
        })
        .filter(|c| futures::future::ready(!matches!(c, Ok(c) if c.is_empty())))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{StreamExt, stream};
    use meetflow_workflows::RECORDING_HEARTBEAT_TIMEOUT;

    #[test]
    fn a_stalled_download_fails_before_the_heartbeat_timeout() {
        let graph = meetflow_graph::ClientOptions::default();
        assert!(graph.read_timeout < RECORDING_HEARTBEAT_TIMEOUT);
        assert!(HEARTBEAT_EVERY < RECORDING_HEARTBEAT_TIMEOUT / 2);
    }

    #[tokio::test]
    async fn skipping_crosses_chunk_boundaries() {
        let chunks: Vec<Result<bytes::Bytes, ()>> = ["abc", "de", "fgh"]
            .into_iter()
            .map(|s| Ok(bytes::Bytes::from(s)))
            .collect();
        let rest: Vec<_> = skip_bytes(stream::iter(chunks).boxed(), 4)
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(rest, [bytes::Bytes::from("e"), bytes::Bytes::from("fgh")]);
    }
}
