//! Crash safety: the worker *process* is killed with SIGKILL again and again while lifecycles
//! run (approve → reschedule → cancel, with Graph slowed down to widen every window), restarted
//! each time, and every lifecycle still completes with exactly one Graph event and one mail per
//! recipient per step.

use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

use meetflow::approve;
use serde_json::json;

use crate::support::workers::{
    all_cancelled, kill9, killable_env, mails_per_key, start_worker, update_until_accepted,
};
use crate::support::{SmtpSink, Stack, approval};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_leave_one_event_and_one_mail_per_recipient_per_step() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(maildir.path());
    let env = killable_env(&smtp);
    let stack = Stack::without_worker(env.clone()).await;
    // The first two creates lose their response after Graph committed the event (the retry must
    // find it by transactionId); every other Graph call is slowed down so kills land mid-call.
    let faults = [
        json!({"method": "POST", "path": "/v1.0/users/*/events", "dropAfterCommit": true, "count": 2}),
        json!({"path": "/v1.0/users/*", "latencyMs": 400}),
    ];
    for fault in faults {
        stack.emulator.add_fault(fault).await;
    }

    let ids: Vec<String> = (0..4).map(|i| format!("crash-{i}")).collect();
    for id in &ids {
        approve::approve(&stack.client, "meetflow", &approval("demo", id))
            .await
            .unwrap();
    }
    let mut worker = start_worker(&stack, &env, 0);
    let at = |h: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(h))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let changes = {
        let ids = ids.clone();
        let (r1, r2) = (
            json!({"start": at(3), "end": at(4)}),
            json!({"start": at(5), "end": at(6)}),
        );
        let stack = &stack;
        async move {
            for id in &ids {
                let wf = format!("appointment/demo/{id}");
                update_until_accepted(stack, &wf, "reschedule", &format!("{id}-r1"), r1.clone())
                    .await;
                update_until_accepted(stack, &wf, "reschedule", &format!("{id}-r2"), r2.clone())
                    .await;
                update_until_accepted(
                    stack,
                    &wf,
                    "cancelAppointment",
                    &format!("{id}-c"),
                    json!({"reason": "crash test"}),
                )
                .await;
            }
        }
    };
    let crashes = async {
        for (n, after_ms) in [600u64, 1500, 1100, 2300, 1500].into_iter().enumerate() {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            kill9(&mut worker);
            let _ = worker.wait().await;
            worker = start_worker(&stack, &env, n + 1);
        }
    };
    tokio::join!(changes, crashes);

    all_cancelled(&stack, &ids, 8, Duration::from_secs(180)).await;
    kill9(&mut worker);

    // Graph: one event per appointment (however often the create was retried), each deleted.
    let events = stack.emulator.events().await.unwrap();
    assert_eq!(events.len(), ids.len(), "{events:#?}");
    assert!(events.iter().all(|e| e["deleted"] == true));
    let creates = stack.emulator.count("POST", "/v1.0/users/").await;
    // Each lost response forces one more create (answered by transactionId with the same
    // event); each kill can add at most one more (a create in flight when the worker died).
    let (lost_responses, kills) = (2, 5);
    assert!(
        (ids.len() + lost_responses..=ids.len() + lost_responses + kills).contains(&creates),
        "{creates} creates for {} appointments",
        ids.len()
    );

    // Mail: per appointment, recipient and SEQUENCE exactly one Message-ID; 4 steps × 2 people.
    let (mails, per_key) = mails_per_key(&smtp.maildir);
    assert_eq!(
        per_key.len(),
        ids.len() * 8,
        "one (appointment, step, recipient) each"
    );
    let duplicates = mails.len() - per_key.len();
    eprintln!(
        "crash test: {} lifecycles, 5 SIGKILLs, {creates} Graph creates for {} events, {} SMTP deliveries for {} mails ({duplicates} resent with the same Message-ID)",
        ids.len(),
        events.len(),
        mails.len(),
        per_key.len()
    );
    for id in &ids {
        assert_eq!(stack.store.count_deliveries("demo", id).await.unwrap(), 8);
    }
    stack.stop().await;
}

/// The emulator's log of recording-content GETs: (status, `Range` header).
async fn recording_gets(stack: &Stack) -> Vec<(u64, Option<String>)> {
    stack
        .emulator
        .requests_to("GET", "/v1.0/users/")
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            path.contains("/recordings/") && path.ends_with("/content")
        })
        .map(|r| {
            let range = r["headers"]["range"].as_str().map(String::from);
            (r["status"].as_u64().unwrap_or_default(), range)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_copy_killed_mid_stream_resumes_where_storage_left_it() {
    use crate::lifecycle::{attendance_report, fast_capture, short_meeting};
    use meetflow_proto::v1::{AppointmentPhase, meeting_outcome::Outcome};

    const MIB: u64 = 1024 * 1024;
    let segment = meetflow_recordings::SEGMENT_SIZE as u64;
    // Three staging segments and a bit, at 4 MiB/s: the kill lands after the first segment.
    let size = 3 * segment + 123_457;
    let mut env = fast_capture(600);
    env.push((
        "MEETFLOW_TENANTS__DEMO__DOWNLOAD_RECORDINGS".into(),
        "true".into(),
    ));
    let stack = Stack::without_worker(env.clone()).await;
    let recordings = stack.outbox().with_file_name("recordings");
    let id = "appointment/demo/resume-1";
    approve::approve(&stack.client, "meetflow", &short_meeting("resume-1", 3))
        .await
        .unwrap();
    let mut worker = start_worker(&stack, &env, 0);
    let s = crate::support::in_phase(&stack, id, AppointmentPhase::Scheduled, MINUTE).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };
    stack
        .emulator
        .add_artifact(
            &meeting.event_id,
            json!({"kind": "recording", "sizeBytes": size, "bytesPerSec": 4 * MIB}),
        )
        .await;
    // Capture is complete once it has a transcript and attendance too.
    stack
        .emulator
        .add_artifact(&meeting.event_id, json!({"kind": "transcript"}))
        .await;
    stack
        .emulator
        .add_attendance_report(&meeting.event_id, attendance_report(&[(0, 30)], &[(0, 30)]))
        .await;

    // SIGKILL once a segment is durable and the download is still running. A durable segment
    // is a whole file named by its offset: the folder store first writes a segment to a
    // temporary `<offset>#<n>` beside it, and a kill then leaves nothing to resume from.
    crate::support::eventually(Duration::from_secs(90), "a staged segment", || async {
        let staged = crate::support::files_under(&recordings).iter().any(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            p.to_string_lossy().contains(".staging/")
                && name.bytes().all(|b| b.is_ascii_digit())
                && std::fs::metadata(p).is_ok_and(|m| m.len() == segment)
        });
        Ok(staged.then_some(()))
    })
    .await;
    kill9(&mut worker);
    let _ = worker.wait().await;
    let mut worker = start_worker(&stack, &env, 1);

    // Temporal notices the lost attempt at the heartbeat timeout (60 s); the retry completes.
    let deadline = std::time::Instant::now() + 3 * MINUTE;
    let done = loop {
        let s = meetflow::inspect::state(&stack.client, id).await.unwrap();
        if s.phase == AppointmentPhase::Done as i32 {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not done within 3 min: phase {}, capture {:?}; recording GETs (status, Range): {:?}; \
             stored: {:?}; worker logs in {}",
            s.phase,
            s.capture_status,
            recording_gets(&stack).await,
            crate::support::files_under(&recordings),
            crate::support::workers::worker_log(&stack, 1).display()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert_eq!(done.capture_status, "complete", "{done:?}");
    kill9(&mut worker);

    // The emulator's log: the first GET whole, the retry only after the staged segments.
    let gets = recording_gets(&stack).await;
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0], (200, None), "{gets:?}");
    let (status, range) = &gets[1];
    let range = range.as_deref().expect("the retry sends a Range");
    let from: u64 = range
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an open range: {range}"));
    assert!(from > 0, "{range}");
    // One byte before a segment boundary: what was not yet durable, plus that byte.
    assert_eq!((from + 1) % segment, 0, "{range}");
    assert_eq!(*status, 206, "{gets:?}");

    // Byte-identical to what the emulator serves, and no staging left behind.
    let stored = crate::support::files_under(&recordings);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let bytes = std::fs::read(&stored[0]).unwrap();
    assert_eq!(bytes.len() as u64, size);
    let source: Vec<u8> = (0..size)
        .map(meetflow_graph_emulator::synthetic_byte)
        .collect();
    assert!(
        bytes == source,
        "the stored recording differs from the source"
    );
    println!(
        "resume: killed mid-copy; the retry asked for {range} of {size} bytes ({} MiB again)",
        (size - from) / MIB
    );
    stack.stop().await;
}
