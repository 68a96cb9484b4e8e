//! Artifact links (docs/recordings.md#links), end to end: a real MP4 made by ffmpeg is captured
//! from the Graph emulator into the folder storage; `meetflow appointment link` (the real binary)
//! issues links; the worker's `/artifacts/{token}` endpoint serves them to the real `curl` and to
//! a `<video>` element in headless Chromium that seeks.
//!
//! | test | covers |
//! |---|---|
//! | `links_serve_ranges_to_curl_and_refuse_bad_tokens` | CLI output, refusals (client flag, nothing stored), expiry cap, never the key; a client link refused while the flag is off, served where it is on; curl: full, first bytes, middle, suffix, 416, HEAD, If-None-Match 304, headers; tampered / unknown key / other tenant / wrong kind / client audience → 403, expired → 410; transcript as VTT and text |
//! | `a_video_element_seeks_through_a_link` | Chromium plays the link, seeks to the middle: `seeked`, `readyState ≥ 2`, Range requests answered 206 |

use std::path::Path;
use std::process::Output;

use meetflow_links::{Audience, Grant, SigningKey, SigningKeys};
use meetflow_store::{ArtifactContent, ArtifactKind};

use super::*;
use crate::support::{meetflow_binary, peers_dir};

const APPOINTMENT: &str = "links-1";

/// A 4-second, 160×120 H.264 MP4 with a keyframe every second, `moov` first (faststart).
fn small_mp4(dir: &Path) -> Vec<u8> {
    let path = dir.join("meeting.mp4");
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=duration=4:size=160x120:rate=10")
        .args(["-pix_fmt", "yuv420p", "-g", "10", "-movflags", "+faststart"])
        .arg(&path)
        .output()
        .expect("ffmpeg runs (scripts/setup.sh installs Debian ffmpeg)");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4 starts with its ftyp box");
    bytes
}

/// The stack with the link endpoint on a free port, a meeting that ended, and its recording
/// (`mp4`) and transcript captured. Returns the overrides, for CLI runs.
async fn captured(mp4: &[u8]) -> (Stack, Vec<(String, String)>, String) {
    let port = meetflow::process::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut overrides = fast_capture(40);
    for (k, v) in [
        (
            "MEETFLOW_TENANTS__DEMO__DOWNLOAD_RECORDINGS",
            "true".to_string(),
        ),
        (
            "MEETFLOW_TENANTS__DEMO__EXPOSE_IN_PORTAL",
            "true".to_string(),
        ),
        ("MEETFLOW_ARTIFACTS__LISTEN", format!("127.0.0.1:{port}")),
        ("MEETFLOW_ARTIFACTS__PUBLIC_URL", base.clone()),
        ("MEETFLOW_ARTIFACTS__MAX_EXPIRY_SECS", "86400".to_string()),
    ] {
        overrides.push((k.into(), v));
    }
    let stack = Stack::start_with(overrides.clone()).await;
    let id = format!("appointment/demo/{APPOINTMENT}");
    let s = approve_scheduled(&stack, &id, &short_meeting(APPOINTMENT, 2)).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };
    use base64::Engine as _;
    let content = base64::engine::general_purpose::STANDARD.encode(mp4);
    for artifact in [
        json!({"kind": "transcript", "availableAfterSecs": 3}),
        json!({"kind": "recording", "availableAfterSecs": 3, "contentBase64": content}),
    ] {
        stack
            .emulator
            .add_artifact(&meeting.event_id, artifact)
            .await;
    }
    let s = state_when(&stack, &id, MINUTE, "captured", |s| {
        s.phase == AppointmentPhase::Done as i32
    })
    .await;
    assert_eq!(s.capture_status, "complete", "{s:?}");
    (stack, overrides, base)
}

/// `meetflow appointment link …` as a process against the stack's configuration.
async fn link_cli(stack: &Stack, overrides: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(meetflow_binary());
    cmd.arg("--config")
        .arg(stack.config_path())
        .args(["appointment", "link"])
        .args(args)
        .envs(overrides.iter().cloned());
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the CLI answers promptly")
        .expect("the CLI runs")
}

/// The one link the CLI printed, and its printed expiry.
fn printed_link(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "link failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let fields: Vec<&str> = lines[0].split('\t').collect();
    let expiry = fields[3]
        .strip_prefix("expires ")
        .expect("expiry")
        .to_string();
    (fields[0].to_string(), expiry)
}

/// What `curl` (the real binary) got: status line code, headers (lower-case names), body.
struct Curled {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Curled {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn curl(url: &str, args: &[&str]) -> Curled {
    let dir = tempfile::tempdir().unwrap();
    let (head, body) = (dir.path().join("head"), dir.path().join("body"));
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "--max-time", "30", "-D"])
        .arg(&head)
        .arg("-o")
        .arg(&body)
        .args(args)
        .arg(url)
        .output()
        .await
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = std::fs::read_to_string(&head).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Curled {
        status,
        headers,
        body: std::fs::read(&body).unwrap_or_default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_serve_ranges_to_curl_and_refuse_bad_tokens() {
    let media = tempfile::tempdir().unwrap();
    let mp4 = small_mp4(media.path());
    let len = mp4.len();
    let (stack, overrides, base) = captured(&mp4).await;

    // The CLI: one link, under public_url, capped at max_expiry_secs, never the key.
    let out = link_cli(
        &stack,
        &overrides,
        &["demo", APPOINTMENT, "--expires", "30d"],
    )
    .await;
    let (link, expiry) = printed_link(&out);
    assert!(link.starts_with(&format!("{base}/artifacts/")), "{link}");
    let expiry = chrono::DateTime::parse_from_rfc3339(&expiry).unwrap();
    let day = chrono::Utc::now() + chrono::Duration::days(1);
    assert!(
        expiry <= day && expiry > day - chrono::Duration::minutes(2),
        "{expiry}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("capped to artifacts.max_expiry_secs"),
        "{stderr}"
    );
    let key_file = stack.config().artifacts.signing_keys[0].secret.clone();
    let meetflow_config::SecretRef::File(key_file) = key_file else {
        panic!("the dev stack keeps its key in a file")
    };
    let key = std::fs::read_to_string(key_file).unwrap();
    assert!(
        !format!("{out:?}").contains(key.trim()),
        "the CLI printed the key"
    );

    // Refusals of the CLI.
    let client = link_cli(
        &stack,
        &overrides,
        &["demo", APPOINTMENT, "--audience", "client"],
    )
    .await;
    assert!(!client.status.success());
    assert!(String::from_utf8_lossy(&client.stderr).contains("does not allow client links"));
    let none = link_cli(&stack, &overrides, &["demo", "no-such-appointment"]).await;
    assert!(!none.status.success());
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("has no stored recording"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );

    // With the tenant's flag on, the CLI issues a client link (the artifact was captured with
    // expose_in_portal). The running worker has the flag off, so it refuses the link: the flag
    // is checked per request, and turning it off revokes client links already out. A server
    // with the flag on serves it.
    let mut flag_on = overrides.clone();
    flag_on.push(("MEETFLOW_TENANTS__DEMO__CLIENT_LINKS".into(), "true".into()));
    let out = link_cli(
        &stack,
        &flag_on,
        &["demo", APPOINTMENT, "--audience", "client"],
    )
    .await;
    let (client_link, _) = printed_link(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\tclient\t"));
    assert_eq!(
        curl(&client_link, &[]).await.status,
        403,
        "client_links is off here"
    );
    let mut config = stack.config().clone();
    config.tenants.get_mut("demo").unwrap().client_links = true;
    config.artifacts.listen = "127.0.0.1:0".into();
    let addr = meetflow::artifact_links::serve::start(&config, stack.store.clone())
        .await
        .unwrap();
    let served = client_link.replace(&base, &format!("http://{addr}"));
    let part = curl(&served, &["-r", "0-7"]).await;
    assert_eq!(part.status, 206);
    assert!(
        part.body == mp4[..8],
        "{:?}",
        &part.body[..part.body.len().min(16)]
    );

    // The whole recording, byte for byte, with the headers a browser and the PSA rely on.
    let full = curl(&link, &[]).await;
    assert_eq!(full.status, 200);
    assert!(
        full.body == mp4,
        "{} bytes, not the recording",
        full.body.len()
    );
    assert_eq!(
        full.header("content-length"),
        Some(len.to_string().as_str())
    );
    assert_eq!(full.header("content-type"), Some("video/mp4"));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    assert_eq!(full.header("content-disposition"), Some("inline"));
    assert_eq!(full.header("x-content-type-options"), Some("nosniff"));
    let cache = full.header("cache-control").unwrap();
    let max_age: u64 = cache
        .strip_prefix("private, max-age=")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{cache}"));
    assert!(max_age <= 86_400 && max_age > 86_000, "{cache}");
    let etag = full.header("etag").unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "{etag}"
    );

    // Ranges: first bytes, middle, suffix, open-ended, unsatisfiable.
    for (range, first, last) in [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=-500", len - 500, len - 1),
        ("bytes=17000-", 17000.min(len - 1), len - 1),
    ] {
        let part = curl(&link, &["-H", &format!("Range: {range}")]).await;
        assert_eq!(part.status, 206, "{range}");
        assert_eq!(
            part.header("content-range"),
            Some(format!("bytes {first}-{last}/{len}").as_str()),
            "{range}"
        );
        assert!(
            part.body == mp4[first..=last],
            "{range}: {} other bytes",
            part.body.len()
        );
        assert_eq!(part.header("etag"), Some(etag.as_str()));
    }
    let beyond = curl(&link, &["-H", &format!("Range: bytes={len}-")]).await;
    assert_eq!(beyond.status, 416);
    assert_eq!(
        beyond.header("content-range"),
        Some(format!("bytes */{len}").as_str())
    );
    // curl's own range option, as a second client's spelling of the same request.
    let own = curl(&link, &["-r", "4-7"]).await;
    assert_eq!(own.status, 206);
    assert!(own.body == b"ftyp", "{} bytes", own.body.len());

    // HEAD: the headers of the GET, no body (`-I` writes the headers as its output).
    let head = curl(&link, &["-I"]).await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(len.to_string().as_str())
    );
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert!(
        head.body.ends_with(b"\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&head.body)
    );
    assert!(
        !head.body.windows(4).any(|w| w == b"ftyp"),
        "HEAD sent the recording"
    );
    // A cached copy is revalidated.
    let cached = curl(&link, &["-H", &format!("If-None-Match: {etag}")]).await;
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    let stale = curl(&link, &["-H", "If-None-Match: \"other\""]).await;
    assert_eq!(stale.status, 200);

    // Tokens that are not a grant for this artifact.
    let token = link.rsplit('/').next().unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let flipped = if parts[1].starts_with('e') { 'f' } else { 'e' };
    parts[1].replace_range(0..1, &flipped.to_string());
    let tampered = curl(&format!("{base}/artifacts/{}", parts.join(".")), &[]).await;
    assert_eq!(tampered.status, 403);
    assert!(!String::from_utf8_lossy(&tampered.body).contains("demo"));
    let keys = meetflow::artifact_links::signing_keys(stack.config()).unwrap();
    let recording = stack
        .store
        .artifacts("demo", APPOINTMENT)
        .await
        .unwrap()
        .into_iter()
        .find(|a| matches!(a.content, ArtifactContent::Recording(_)))
        .unwrap();
    let now = meetflow::artifact_links::unix_now();
    let grant = Grant {
        tenant_id: "demo".into(),
        appointment_id: APPOINTMENT.into(),
        kind: ArtifactKind::Recording,
        artifact_id: recording.provider_artifact_id.clone(),
        audience: Audience::Technician,
        expires_at: now + 600,
    };
    let status_of = |token: String| {
        let url = format!("{base}/artifacts/{token}");
        async move { curl(&url, &[]).await.status }
    };
    assert_eq!(
        status_of(keys.sign(&grant)).await,
        200,
        "the control grant works"
    );
    let other_tenant = Grant {
        tenant_id: "acme".into(),
        ..grant.clone()
    };
    assert_eq!(
        status_of(keys.sign(&other_tenant)).await,
        403,
        "other tenant"
    );
    let wrong_kind = Grant {
        kind: ArtifactKind::Transcript,
        ..grant.clone()
    };
    assert_eq!(status_of(keys.sign(&wrong_kind)).await, 403, "wrong kind");
    let client = Grant {
        audience: Audience::Client,
        ..grant.clone()
    };
    assert_eq!(
        status_of(keys.sign(&client)).await,
        403,
        "client_links is off"
    );
    let expired = Grant {
        expires_at: now - 1,
        ..grant.clone()
    };
    let gone = curl(&format!("{base}/artifacts/{}", keys.sign(&expired)), &[]).await;
    assert_eq!(gone.status, 410, "expired");
    assert_eq!(gone.header("cache-control"), Some("no-store"));
    let stranger = SigningKeys::new(vec![SigningKey::new("dev", vec![7; 32]).unwrap()]).unwrap();
    assert_eq!(
        status_of(stranger.sign(&grant)).await,
        403,
        "another deployment's key"
    );
    let unknown = SigningKeys::new(vec![SigningKey::new("retired", vec![7; 32]).unwrap()]).unwrap();
    assert_eq!(status_of(unknown.sign(&grant)).await, 403, "unknown key id");

    // A link issued for 2 s is refused with 410 once they have passed.
    let short = link_cli(
        &stack,
        &overrides,
        &["demo", APPOINTMENT, "--expires", "2s"],
    )
    .await;
    let (short, _) = printed_link(&short);
    assert_eq!(curl(&short, &["-r", "0-0"]).await.status, 206);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(curl(&short, &[]).await.status, 410);

    // Transcripts: WebVTT, or the stored plain text.
    let vtt = link_cli(
        &stack,
        &overrides,
        &["demo", APPOINTMENT, "--kind", "transcript"],
    )
    .await;
    let (vtt, _) = printed_link(&vtt);
    let got = curl(&vtt, &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("text/vtt; charset=utf-8"));
    assert!(
        got.body.starts_with(b"WEBVTT"),
        "{}",
        String::from_utf8_lossy(&got.body)
    );
    let text = link_cli(
        &stack,
        &overrides,
        &["demo", APPOINTMENT, "--kind", "transcript", "--plain-text"],
    )
    .await;
    let (text, _) = printed_link(&text);
    assert!(text.ends_with("?format=txt"), "{text}");
    let got = curl(&text, &[]).await;
    assert_eq!(
        got.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let stored = stack
        .store
        .artifacts("demo", APPOINTMENT)
        .await
        .unwrap()
        .into_iter()
        .find_map(|a| match a.content {
            ArtifactContent::Transcript(t) => Some(t.plain_text),
            _ => None,
        })
        .unwrap();
    assert_eq!(String::from_utf8(got.body).unwrap(), stored);
    stack.stop().await;
}

/// What tests/peers/video_seek.mjs saw.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Playback {
    duration: Option<f64>,
    target: Option<f64>,
    current_time: f64,
    ready_state: u8,
    seeked: bool,
    error: Option<String>,
    responses: Vec<MediaResponse>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediaResponse {
    status: u16,
    range: Option<String>,
    content_range: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_element_seeks_through_a_link() {
    let media = tempfile::tempdir().unwrap();
    let mp4 = small_mp4(media.path());
    let (stack, overrides, _) = captured(&mp4).await;
    let (link, _) = printed_link(&link_cli(&stack, &overrides, &["demo", APPOINTMENT]).await);

    let run = tokio::process::Command::new("node")
        .arg(peers_dir().join("video_seek.mjs"))
        .current_dir(peers_dir())
        .env("MEETFLOW_VIDEO_LINK", &link)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the browser peer finishes")
        .expect("node runs (scripts/setup.sh installs Node.js, tests/peers and Debian chromium)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "video_seek.mjs: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Playback = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("the peer's report: {e}\n{stdout}"));
    eprintln!("video_seek.mjs saw: {seen:?}");
    assert!(seen.seeked && seen.error.is_none(), "{seen:?}");
    let duration = seen.duration.expect("metadata loaded");
    assert!((duration - 4.0).abs() < 0.2, "ffmpeg made 4 s: {seen:?}");
    let target = seen.target.unwrap();
    assert!((seen.current_time - target).abs() < 0.01, "{seen:?}");
    assert!(
        seen.ready_state >= 2,
        "no frame at the new position: {seen:?}"
    );
    // Chromium's media stack fetches with Range and was answered with ranges.
    assert!(
        seen.responses
            .iter()
            .any(|r| r.status == 206 && r.range.is_some() && r.content_range.is_some()),
        "{seen:?}"
    );
    assert!(
        seen.responses
            .iter()
            .all(|r| r.status == 206 || r.status == 200),
        "{seen:?}"
    );
    stack.stop().await;
}
