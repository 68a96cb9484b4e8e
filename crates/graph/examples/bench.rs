//! Benchmark (not a test): token economy under concurrency, client overhead per call, and
//! memory while streaming a 1 GiB recording. Emulator in-process on loopback.
//!
//! `cargo run -p meetflow-graph --example bench --release`

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use meetflow_graph::{
    AppCredentials, ClientSecret, GraphClient, GraphEndpoints, GraphErrorKind,
    join_web_url_filter_query,
};
use meetflow_graph_emulator::control_api::NewArtifact;
use meetflow_graph_emulator::{Emulator, Seed, SeedTenant};

const TENANTS: usize = 10;
const OPERATIONS: usize = 1000;
const CALLERS: usize = 32;
const OVERHEAD_CALLS: usize = 2000;
const RECORDING: u64 = 1 << 30;
const NO_SUCH_MEETING: &str = "https://teams.microsoft.com/l/meetup-join/none";

fn tenant_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn organizer_id(i: usize) -> String {
    format!("11111111-0000-4000-8000-{i:012}")
}

fn seed() -> Seed {
    (0..TENANTS).fold(Seed::default(), |seed, i| {
        seed.tenant(
            SeedTenant::new(tenant_id(i))
                .app("bench-app", "bench-secret")
                .organizer(&organizer_id(i), &format!("organizer@t{i}.example")),
        )
    })
}

fn app(i: usize) -> AppCredentials {
    AppCredentials {
        tenant_id: tenant_id(i),
        client_id: "bench-app".into(),
        client_secret: ClientSecret::new("bench-secret".into()),
    }
}

/// Peak resident set size so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let emulator = Emulator::start("127.0.0.1:0".parse().unwrap(), seed())
        .await
        .expect("emulator");
    let endpoints = GraphEndpoints {
        authority: emulator.authority_url(),
        graph: emulator.graph_url(),
    };
    let client = GraphClient::new(endpoints.clone()).expect("client");

    // 1. Token requests per 1,000 operations, 10 tenants, 32 concurrent callers. Each operation
    // looks up a meeting that does not exist: Graph answers 200 with an empty list, which the
    // client reports as `NotFound`; anything else is a failure.
    let started = Instant::now();
    let failures = stream::iter(0..OPERATIONS)
        .map(|i| {
            let client = client.clone();
            async move {
                let t = i % TENANTS;
                client
                    .find_online_meeting(&app(t), &organizer_id(t), NO_SUCH_MEETING)
                    .await
            }
        })
        .buffer_unordered(CALLERS)
        .filter(|r| {
            let failed = r
                .as_ref()
                .err()
                .is_none_or(|e| e.kind() != GraphErrorKind::NotFound);
            std::future::ready(failed)
        })
        .count()
        .await;
    let elapsed = started.elapsed();
    println!(
        "tokens: {} token requests for {OPERATIONS} Graph operations across {TENANTS} tenants, {CALLERS} concurrent callers ({failures} failures, {:.0} ops/s)",
        client.token_requests(),
        OPERATIONS as f64 / elapsed.as_secs_f64()
    );

    // 2. Client overhead per call: the client vs a bare reqwest GET with a ready token, both
    // looking up the meeting of one event.
    let app0 = app(0);
    let upn = "organizer@t0.example";
    let organizer = organizer_id(0);
    let created = client
        .create_event(
            &app0,
            upn,
            &meetflow_graph::NewEvent {
                subject: "bench".into(),
                body_html: String::new(),
                start: chrono::Utc::now(),
                end: chrono::Utc::now() + chrono::Duration::hours(1),
                attendees: vec![],
                transaction_id: meetflow_graph::transaction_id("bench", "recording"),
            },
        )
        .await
        .unwrap();
    let join_url = created.join_url.as_deref().unwrap();
    let bare = reqwest::Client::new();
    let scope = format!(
        "{}/.default",
        endpoints.graph.origin().ascii_serialization()
    );
    let (_, token) = emulator
        .request_token(&tenant_id(0), "bench-app", "bench-secret", &scope)
        .await;
    let bearer = token["access_token"].as_str().unwrap().to_owned();
    let lookup_url = format!(
        "{}/users/{organizer}/onlineMeetings?{}",
        emulator.graph_url(),
        join_web_url_filter_query(join_url)
    );
    for _ in 0..100 {
        client
            .find_online_meeting(&app0, &organizer, join_url)
            .await
            .unwrap();
    }
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / OVERHEAD_CALLS as f64;
    let started = Instant::now();
    for _ in 0..OVERHEAD_CALLS {
        let r = bare
            .get(&lookup_url)
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        let _: serde_json::Value = r.json().await.unwrap();
    }
    let bare_us = per_call(started.elapsed());
    let started = Instant::now();
    for _ in 0..OVERHEAD_CALLS {
        client
            .find_online_meeting(&app0, &organizer, join_url)
            .await
            .unwrap();
    }
    let client_us = per_call(started.elapsed());
    println!(
        "overhead: {client_us:.1} µs/call via GraphClient, {bare_us:.1} µs/call bare reqwest, client overhead {:.1} µs/call (sequential, loopback, emulator in-process)",
        client_us - bare_us
    );

    // 3. Peak RSS while streaming a 1 GiB recording.
    let meeting = client
        .find_online_meeting(&app0, &organizer, join_url)
        .await
        .unwrap();
    emulator
        .control()
        .add_artifact(&meeting.id, &NewArtifact::recording().size_bytes(RECORDING))
        .await
        .unwrap();
    let recording = client
        .list_recordings(&app0, &organizer, &meeting.id)
        .await
        .unwrap()
        .remove(0);
    let before = peak_rss_kib();
    let started = Instant::now();
    let mut content = client
        .recording_content(&app0, &organizer, &meeting.id, &recording.id, None)
        .await
        .unwrap();
    let mut total = 0u64;
    while let Some(chunk) = content.stream.next().await {
        total += chunk.unwrap().len() as u64;
    }
    let elapsed = started.elapsed();
    let after = peak_rss_kib();
    assert_eq!(total, RECORDING);
    println!(
        "streaming: {} MiB in {:.1} s ({:.0} MiB/s); peak RSS {} MiB before, {} MiB after, growth {:.1} MiB",
        total >> 20,
        elapsed.as_secs_f64(),
        (total >> 20) as f64 / elapsed.as_secs_f64(),
        before / 1024,
        after / 1024,
        (after.saturating_sub(before)) as f64 / 1024.0
    );
    emulator.shutdown().await;
}
