//! The Web UI link `meetflow appointment history` prints, opened in a real browser: Debian's
//! Chromium (`--headless=new`, driven by playwright-core from tests/peers) loads the Temporal Web
//! UI that ships with the pinned Temporal CLI and must show the appointment's workflow, running,
//! with its type and history. The screenshot is kept as an artifact.

use std::time::Duration;

use meetflow_proto::v1::AppointmentPhase;
use serde::Deserialize;

use crate::lifecycle::MINUTE;
use crate::support::{Stack, approval, artifacts_dir, history_text, in_phase, peers_dir};

/// What tests/peers/web_ui_page.mjs saw.
#[derive(Debug, Deserialize)]
struct Page {
    url: String,
    title: String,
    text: String,
    /// Every expected string showed up before the peer's deadline.
    loaded: bool,
}

async fn open_in_chromium(link: &str, expect: &[&str], screenshot: &std::path::Path) -> Page {
    let run = tokio::process::Command::new("node")
        .arg(peers_dir().join("web_ui_page.mjs"))
        .current_dir(peers_dir())
        .env("MEETFLOW_UI_LINK", link)
        .env("MEETFLOW_UI_EXPECT", serde_json::to_string(expect).unwrap())
        .env("MEETFLOW_SCREENSHOT", screenshot)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser peer finishes")
        .expect("node runs (scripts/setup.sh installs Node.js, tests/peers and Debian chromium)");
    assert!(
        out.status.success(),
        "tests/peers/web_ui_page.mjs failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the peer's report: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_link_opens_the_workflow_in_the_web_ui() {
    let stack = Stack::start_with_web_ui().await;
    let ui = stack
        .config()
        .temporal
        .ui_url
        .clone()
        .expect("the dev stack's config names its Web UI");
    let id = "appointment/demo/web-ui-1";
    meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", "web-ui-1"))
        .await
        .unwrap();
    // Scheduled: the workflow now waits for the meeting's end, so the UI must call it running.
    in_phase(&stack, id, AppointmentPhase::Scheduled, MINUTE).await;

    let history = history_text(&stack, "demo", "web-ui-1").await;
    let link = history
        .lines()
        .find_map(|l| l.strip_prefix("Web UI: "))
        .unwrap_or_else(|| panic!("history prints no Web UI link:\n{history}"))
        .to_string();
    assert!(link.starts_with(&format!("{ui}/")), "{link} is not on {ui}");
    let events = meetflow::inspect::events(&stack.client, id).await.unwrap();
    let run_id = meetflow::inspect::run_id(&events)
        .expect("a started event")
        .to_string();

    let screenshot = artifacts_dir().join("web-ui-appointment-demo-web-ui-1.png");
    let _ = std::fs::remove_file(&screenshot);
    // The detail page's header (id, status) renders before its data; the type, the run id and
    // the first event only once the UI has fetched the workflow and its history.
    let expect = [
        id,
        "Running",
        "AppointmentLifecycle",
        &run_id,
        "Workflow Execution Started",
    ];
    let page = open_in_chromium(&link, &expect, &screenshot).await;
    eprintln!("Web UI screenshot: {}", screenshot.display());
    let shown = page.text.to_lowercase();
    assert!(
        page.loaded,
        "the page never showed all of {expect:?} (screenshot {}):\n{}",
        screenshot.display(),
        page.text
    );
    for want in expect {
        assert!(
            shown.contains(&want.to_lowercase()),
            "{want}:\n{}",
            page.text
        );
    }
    // The status is the workflow's: it is the badge right above the id in the page's heading.
    let lines: Vec<&str> = page
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let heading = lines
        .iter()
        .position(|l| *l == id)
        .unwrap_or_else(|| panic!("no heading with the id:\n{}", page.text));
    assert!(
        heading > 0 && lines[heading - 1].eq_ignore_ascii_case("running"),
        "status badge {:?}:\n{}",
        lines.get(heading.wrapping_sub(1)),
        page.text
    );
    // The UI kept the route (an unknown route redirects to the workflow list).
    assert_eq!(page.url, link);
    assert!(page.title.contains(id), "{}", page.title);

    let png = std::fs::read(&screenshot).expect("the screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{} is not a real screenshot ({} bytes)",
        screenshot.display(),
        png.len()
    );
    stack.stop().await;
}
