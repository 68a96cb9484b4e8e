//! `…/recordings/{id}/content`: synthetic MP4 bytes, streamed, with single-range support.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::stream;

use crate::AppState;
use crate::artifacts::artifact;
use crate::identity::Caller;
use crate::reply::{GraphFailure, GraphResult};
use crate::world::{ArtifactContent, ArtifactKind};

/// `video/mp4` bytes, streamed; a single `Range` gets a 206.
pub async fn recording_content(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, id, rid)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> GraphResult {
    let (size, given, rate) = {
        let world = state.world();
        let (_, a) = artifact(&world, &caller, &user, &id, ArtifactKind::Recording, &rid)?;
        match &a.content {
            ArtifactContent::SyntheticMp4 {
                size,
                bytes_per_sec,
            } => (*size, None, *bytes_per_sec),
            ArtifactContent::Mp4(bytes) => (bytes.len() as u64, Some(bytes.clone()), None),
            ArtifactContent::Vtt(_) => return Err(GraphFailure::not_found()),
        }
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size))
        .transpose()?;
    let (start, end_exclusive, status) = match range {
        Some((s, e)) => (s, e, StatusCode::PARTIAL_CONTENT),
        None => (0, size, StatusCode::OK),
    };
    let body = match given {
        Some(bytes) => Body::from(bytes.slice(start as usize..end_exclusive as usize)),
        None => Body::from_stream(synthetic_mp4(start, end_exclusive, rate)),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(end_exclusive - start),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {start}-{}/{size}", end_exclusive.saturating_sub(1));
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("ASCII"),
        );
    }
    Ok(response)
}

/// `bytes=a-b` / `bytes=a-` / `bytes=-n` → `[start, end)`; 416 outside the content.
fn parse_range(value: &str, size: u64) -> Result<(u64, u64), GraphFailure> {
    let unsatisfiable = || {
        GraphFailure::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            "The requested range is not satisfiable.",
        )
    };
    let spec = value.strip_prefix("bytes=").ok_or_else(unsatisfiable)?;
    let (a, b) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| unsatisfiable())?;
        (size.saturating_sub(n), size)
    } else {
        let start: u64 = a.parse().map_err(|_| unsatisfiable())?;
        let end = if b.is_empty() {
            size
        } else {
            b.parse::<u64>()
                .map_err(|_| unsatisfiable())?
                .saturating_add(1)
                .min(size)
        };
        (start, end)
    };
    if start >= end {
        return Err(unsatisfiable());
    }
    Ok((start, end))
}

/// Byte `i` of every synthetic recording is `i % 251`, so a client can verify any range.
pub fn synthetic_byte(i: u64) -> u8 {
    (i % 251) as u8
}

fn synthetic_mp4(
    start: u64,
    end: u64,
    bytes_per_sec: Option<u64>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 64 * 1024;
    // One chunk plus a period of the pattern: any chunk is a slice of it, so a 1 GiB
    // recording streams without per-byte work.
    static PATTERN: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| {
            (0..CHUNK + 251)
                .map(synthetic_byte)
                .collect::<Vec<u8>>()
                .into()
        })
        .clone();
    stream::unfold(start, move |at| {
        let pattern = pattern.clone();
        async move {
            if at >= end {
                return None;
            }
            let len = CHUNK.min(end - at);
            if let Some(rate) = bytes_per_sec.filter(|r| *r > 0) {
                tokio::time::sleep(std::time::Duration::from_secs_f64(len as f64 / rate as f64))
                    .await;
            }
            let offset = (at % 251) as usize;
            let chunk = pattern.slice(offset..offset + len as usize);
            Some((Ok(chunk), at + len))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000).unwrap(), (0, 100));
        assert_eq!(parse_range("bytes=900-", 1000).unwrap(), (900, 1000));
        assert_eq!(parse_range("bytes=-10", 1000).unwrap(), (990, 1000));
        assert!(parse_range("bytes=1000-", 1000).is_err());
    }
}
