//! `meetflow bench artifact-link`: serves one large recording from folder storage through the
//! real `/artifacts/{token}` endpoint to a client that reads it all (and one middle range), and
//! prints throughput and the process's peak RSS, to show the endpoint streams rather than buffers.
//!
//! Server and client share this process, so the RSS figures are an upper bound for the server.
//! The recording is written once in 1 MiB chunks (kept in `--dir` for the next run), before the
//! baseline peak is read.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use futures_util::StreamExt as _;
use meetflow_links::{Audience, Grant, SigningKey, SigningKeys};
use meetflow_recordings::{RecordingStorage, recording_key};
use meetflow_store::{
    ArtifactContent, ArtifactKind, ArtifactRecord, MeetingRecord, MeetingStatus, Recording, Store,
};

use crate::artifact_links::{self, serve::ArtifactServer};

pub struct ArtifactLinkBenchOptions {
    pub size_mib: u64,
    pub dir: PathBuf,
}

const MIB: u64 = 1024 * 1024;

/// A `/proc/self/status` field in MiB (`VmRSS`: now, `VmHWM`: the peak so far).
fn proc_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Writes `size` bytes of a varying pattern to `path` unless it already has that size.
fn ensure_file(path: &Path, size: u64) -> anyhow::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().context("a folder")?)?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut chunk = vec![0u8; MIB as usize];
    let mut written = 0;
    while written < size {
        for (i, b) in chunk.iter_mut().enumerate() {
            *b = ((written + i as u64) % 251) as u8;
        }
        let n = (size - written).min(MIB) as usize;
        file.write_all(&chunk[..n])?;
        written += n as u64;
    }
    file.flush()?;
    Ok(())
}

pub async fn run(opts: ArtifactLinkBenchOptions) -> anyhow::Result<()> {
    let dir = std::path::absolute(&opts.dir)?;
    std::fs::create_dir_all(&dir)?;
    let size = opts.size_mib * MIB;
    let storage = RecordingStorage::from_url(&format!("file://{}/recordings", dir.display()))?;
    let key = recording_key("bench", "link-1", "rec-1");
    ensure_file(&dir.join("recordings").join(&key), size)?;
    let stored = storage
        .head(&key)
        .await?
        .context("the recording was just written")?;

    let store = Store::connect(&format!("sqlite://{}/bench.db", dir.display())).await?;
    let now = Utc::now();
    store
        .upsert_meeting(&MeetingRecord {
            tenant_id: "bench".into(),
            appointment_id: "link-1".into(),
            event_id: None,
            ical_uid: None,
            online_meeting_id: None,
            join_url: None,
            organizer_upn: None,
            organizer_object_id: None,
            subject: "Artifact link bench".into(),
            start: now,
            end: now,
            ics_uid: "bench-link-1".into(),
            sequence: 0,
            status: MeetingStatus::Captured,
            error_code: None,
        })
        .await?;
    store
        .upsert_artifact(&ArtifactRecord {
            tenant_id: "bench".into(),
            appointment_id: "link-1".into(),
            provider_artifact_id: "rec-1".into(),
            created_date_time: None,
            client_visible: false,
            content: ArtifactContent::Recording(Recording {
                content_url: "https://graph.invalid/bench".into(),
                storage_location: Some(stored.location.clone()),
                size_bytes: Some(size),
            }),
        })
        .await?;

    let mut secret = Vec::with_capacity(32);
    secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let keys = SigningKeys::new(vec![
        SigningKey::new("bench", secret).map_err(anyhow::Error::msg)?,
    ])
    .map_err(anyhow::Error::msg)?;
    let token = keys.sign(&Grant {
        tenant_id: "bench".into(),
        appointment_id: "link-1".into(),
        kind: ArtifactKind::Recording,
        artifact_id: "rec-1".into(),
        audience: Audience::Technician,
        expires_at: artifact_links::unix_now() + 3_600,
    });
    let config = meetflow_config::Config::default();
    let server = Arc::new(ArtifactServer::new(&config, keys, store.clone(), storage));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/artifacts/{token}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, artifact_links::serve::router(server)).await });

    let baseline_hwm = proc_mib("VmHWM");
    let sampled_max = Arc::new(AtomicU64::new(0));
    let sampler = {
        let max = sampled_max.clone();
        tokio::spawn(async move {
            loop {
                let kib = (proc_mib("VmRSS") * 1024.0) as u64;
                max.fetch_max(kib, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    let response = http.get(&url).send().await?.error_for_status()?;
    let mut body = response.bytes_stream();
    let mut read = 0u64;
    while let Some(chunk) = body.next().await {
        read += chunk?.len() as u64;
    }
    let elapsed = started.elapsed();
    anyhow::ensure!(read == size, "read {read} of {size} bytes");
    let middle = size / 2;
    let range = http
        .get(&url)
        .header("Range", format!("bytes={middle}-{}", middle + MIB - 1))
        .send()
        .await?;
    anyhow::ensure!(range.status() == 206, "range answered {}", range.status());
    let part = range.bytes().await?;
    anyhow::ensure!(
        part.len() as u64 == MIB && part[0] == (middle % 251) as u8,
        "the middle range has the wrong bytes"
    );
    sampler.abort();
    let peak_hwm = proc_mib("VmHWM");
    let sampled = sampled_max.load(Ordering::Relaxed) as f64 / 1024.0;
    store.close().await;

    println!(
        "artifact link: {} MiB from folder storage over loopback HTTP",
        opts.size_mib
    );
    println!(
        "  full GET        {:.2} s, {:.0} MiB/s",
        elapsed.as_secs_f64(),
        opts.size_mib as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  peak RSS (VmHWM) before serving {baseline_hwm:.1} MiB, after {peak_hwm:.1} MiB (server and client in one process)"
    );
    println!("  RSS sampled every 20 ms while serving: max {sampled:.1} MiB");
    Ok(())
}
