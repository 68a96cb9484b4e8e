//! What ops sees: `history` as a timeline (checked against a golden file), `status` in words and
//! `list` by tenant and phase, for an appointment approved, rescheduled and cancelled.

use std::path::PathBuf;

use meetflow::{inspect, timeline};
use meetflow_proto::v1::AppointmentPhase;
use serde_json::json;
use temporalio_common::protos::temporal::api::enums::v1::EventType;

use crate::lifecycle::{MINUTE, hours, update};
use crate::support::{Stack, approval, eventually, history_text, in_phase, state_when};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(format!("{name}.txt"))
}

/// Ids, times, latencies and Message-IDs differ on every run; the steps and their order do not.
/// Invitations to the participants of one step run in parallel, so their lines are sorted.
fn normalise(text: &str) -> String {
    let rules = [
        (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
        (r"\d{2}:\d{2}:\d{2}", "hh:mm:ss"),
        (r"\d{2}:\d{2}", "hh:mm"),
        // A range that ends the next day names the end's date too; whether it does depends on
        // the hour the test runs at.
        (r"–YYYY-MM-DD hh:mm", "–hh:mm"),
        (r"\bCES?T\b", "CET"),
        (r"#\d+ *", "#N "),
        (r"event \d+\)", "event N)"),
        (r"\d+ ms", "N ms"),
        (r"<[0-9a-f]+@", "<MESSAGE-ID@"),
        (r"AAMk[A-Za-z0-9+/=_-]+", "<event-id>"),
        (r"MSo[A-Za-z0-9+/=_-]+", "<online-meeting-id>"),
        (r"/[0-9a-f-]{36}/history", "/<run-id>/history"),
    ];
    let mut out = text.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j < lines.len() && lines[j].contains("invitation to") {
            j += 1;
        }
        lines[i..j].sort();
        i = j.max(i + 1);
    }
    lines.join("\n") + "\n"
}

/// Compares with `tests/golden/{name}.txt`; `MEETFLOW_UPDATE_GOLDEN=1` rewrites it.
fn check_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("MEETFLOW_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (MEETFLOW_UPDATE_GOLDEN=1 writes it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (MEETFLOW_UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_status_and_list_tell_an_approve_reschedule_cancel() {
    let stack = Stack::start().await;
    let id = "appointment/demo/ops-1";
    meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", "ops-1"))
        .await
        .unwrap();
    // Each change waits for the previous step's mails so the history's order is the same on
    // every run (a change accepted mid-step interleaves its events with the step's).
    let mails = |n: usize| {
        state_when(&stack, id, MINUTE, "mails sent", move |s| {
            s.phase == AppointmentPhase::Scheduled as i32 && s.mails.len() == n
        })
    };
    mails(2).await;
    let start = (chrono::Utc::now() + hours(3)).to_rfc3339();
    let end = (chrono::Utc::now() + hours(4)).to_rfc3339();
    let moved = update(
        &stack,
        id,
        "reschedule",
        json!({"start": start, "end": end, "reason": "clash"}),
    )
    .await;
    assert_eq!(moved, Ok(json!({"sequence": 1})));
    mails(4).await;

    let tz = chrono_tz::Europe::Berlin;
    let status = inspect::status_report(
        &stack.client,
        "demo",
        "ops-1",
        tz,
        false,
        Some("http://127.0.0.1:8233"),
    )
    .await
    .unwrap();
    eprintln!("{status}");
    // Only the rescheduled end counts, not the first approval's timer the workflow now ignores.
    assert_eq!(status.matches("next timer:").count(), 1, "{status}");
    assert!(
        status.contains("next timer: \"meeting end\" at 2026-"),
        "{status}"
    );
    assert!(
        status.contains("Web UI:   http://127.0.0.1:8233/namespaces/default/workflows/appointment%2Fdemo%2Fops-1/"),
        "{status}"
    );
    assert!(status.contains("phase:    scheduled"), "{status}");
    assert!(status.contains("meeting:  event AAMk"), "{status}");
    assert!(
        status.contains("join https://teams.microsoft.com/"),
        "{status}"
    );
    assert!(
        status.contains("rescheduled  SEQUENCE 1  ana.client@customer.example  <"),
        "{status}"
    );
    assert!(status.contains("mails:    4"), "{status}");

    let listed = eventually(MINUTE, "listed as scheduled", || async {
        let rows = inspect::list(&stack.client, Some("demo"), Some("scheduled")).await?;
        Ok(rows.into_iter().find(|r| r.appointment_id == "ops-1"))
    })
    .await;
    assert_eq!(
        (listed.tenant_id.as_str(), listed.status.as_str()),
        ("demo", "running")
    );

    let cancel = update(
        &stack,
        id,
        "cancelAppointment",
        json!({"reason": "no longer needed"}),
    )
    .await;
    assert_eq!(cancel, Ok(json!({"sequence": 2})));
    in_phase(&stack, id, AppointmentPhase::Cancelled, MINUTE).await;
    // The cancel's mails follow the phase; the golden history is of the closed workflow.
    eventually(MINUTE, "workflow closed", || async {
        let events = inspect::events(&stack.client, id).await?;
        let closed = events
            .last()
            .is_some_and(|e| e.event_type() == EventType::WorkflowExecutionCompleted);
        Ok(closed.then_some(()))
    })
    .await;
    let listed = eventually(MINUTE, "listed as cancelled", || async {
        let text =
            inspect::list_report(&stack.client, Some("demo"), Some("cancelled"), tz, false).await?;
        Ok(text.contains("ops-1").then_some(text))
    })
    .await;
    eprintln!("{listed}");
    assert!(listed.contains("cancelled"), "{listed}");
    let other_tenant = inspect::list(&stack.client, Some("acme"), None)
        .await
        .unwrap();
    assert!(other_tenant.iter().all(|r| r.appointment_id != "ops-1"));

    let opts = inspect::HistoryOptions {
        tz,
        format: inspect::Format::Text,
        ui: Some("http://127.0.0.1:8233".into()),
        decoder: timeline::Decoder::plain(),
    };
    let history = inspect::history_report(&stack.client, "demo", "ops-1", &opts)
        .await
        .unwrap();
    eprintln!("{history}");
    check_golden("history-reschedule-cancel", &normalise(&history));

    let json_opts = inspect::HistoryOptions {
        format: inspect::Format::Json,
        ..opts
    };
    let lines = inspect::history_report(&stack.client, "demo", "ops-1", &json_opts)
        .await
        .unwrap();
    let steps: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        steps.len(),
        history.lines().count() - 2,
        "one object per step"
    );
    assert!(
        steps
            .iter()
            .any(|s| s["detail"]["sequence"] == 2 && s["kind"] == "update")
    );
    stack.stop().await;
}

/// A throttled Graph create that a retry fixed: `history` shows the attempts and the failure.
/// Two 429s, because the Graph client waits out one short Retry-After inside the attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_shows_a_throttled_create_fixed_by_its_retry() {
    let stack = Stack::start().await;
    let fault = json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 429,
                       "code": "ApplicationThrottled", "retryAfter": "1", "count": 2});
    stack.emulator.add_fault(fault).await;
    meetflow::approve::approve(&stack.client, "meetflow", &approval("demo", "ops-429"))
        .await
        .unwrap();
    in_phase(
        &stack,
        "appointment/demo/ops-429",
        AppointmentPhase::Scheduled,
        MINUTE,
    )
    .await;
    let history = history_text(&stack, "demo", "ops-429").await;
    let created = history
        .lines()
        .find(|l| l.contains("Graph event created: "))
        .unwrap_or_else(|| panic!("{history}"));
    assert!(
        created.contains("— attempt 2, ")
            && created.contains("earlier attempt failed: graph_throttled"),
        "{created}"
    );
    stack.stop().await;
}
