//! After the meeting: the end timer, capture of recordings and transcripts, change notifications.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_moves_the_end_timer() {
    let stack = Stack::start_with(fast_capture(2)).await;
    let id = "appointment/demo/timer-1";
    approve_scheduled(&stack, id, &short_meeting("timer-1", 3)).await;
    let moved = reschedule(&stack, id, secs(2), secs(8)).await;
    assert_eq!(moved, Ok(json!({"sequence": 1})));
    // The old end (+3 s, +1 s grace) passes without ending the meeting…
    tokio::time::sleep(Duration::from_secs(6)).await;
    let s = inspect::state(&stack.client, id).await.unwrap();
    assert_eq!(
        s.phase,
        AppointmentPhase::Scheduled as i32,
        "ended at the old time: {s:?}"
    );
    // …the new one does.
    let s = state_when(&stack, id, MINUTE, "done after the new end", |s| {
        s.phase == AppointmentPhase::Done as i32
    })
    .await;
    assert_eq!(s.capture_status, "nothing_captured");
    save_history(&stack, id, "end-timer-moved").await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_meeting_transcript_then_recording_are_captured_once() {
    let mut overrides = fast_capture(40);
    overrides.push((
        "MEETFLOW_TENANTS__DEMO__DOWNLOAD_RECORDINGS".into(),
        "true".into(),
    ));
    overrides.push((
        "MEETFLOW_TENANTS__DEMO__EXPOSE_IN_PORTAL".into(),
        "true".into(),
    ));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/cap-1";
    let s = approve_scheduled(&stack, id, &short_meeting("cap-1", 2)).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };

    let artifacts = [
        json!({"kind": "transcript", "availableAfterSecs": 4}),
        json!({"kind": "recording", "availableAfterSecs": 9, "sizeBytes": 3_000_000}),
    ];
    for artifact in artifacts {
        stack
            .emulator
            .add_artifact(&meeting.event_id, artifact)
            .await;
    }
    // Capture finishes once attendance is in too.
    stack
        .emulator
        .add_attendance_report(&meeting.event_id, attendance_report(&[(0, 30)], &[(0, 30)]))
        .await;

    let s = state_when(&stack, id, MINUTE, "done", |s| {
        s.phase == AppointmentPhase::Done as i32
    })
    .await;
    assert_eq!(s.capture_status, "complete", "{s:?}");
    assert_eq!(s.artifacts.len(), 2, "{:?}", s.artifacts);
    let recording = s.artifacts.iter().find(|a| a.kind == "recording").unwrap();
    assert!(recording.location.starts_with("file://"), "{recording:?}");

    // Each transcript's content was fetched exactly once, although polls continued after it.
    let content = stack
        .emulator
        .requests_to("GET", "/v1.0/users/")
        .await
        .unwrap();
    let transcript_fetches = content
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap().contains("/transcripts/")
                && r["path"].as_str().unwrap().ends_with("/content")
        })
        .count();
    assert_eq!(transcript_fetches, 1);
    let lists = content
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/recordings"))
        .count();
    assert!(lists >= 2, "polled more than once: {lists}");

    let stored = stack.store.artifacts("demo", "cap-1").await.unwrap();
    assert_eq!(stored.len(), 2);
    for a in &stored {
        assert!(a.client_visible);
        match &a.content {
            meetflow_store::ArtifactContent::Transcript(t) => {
                assert!(t.vtt.starts_with("WEBVTT"));
                assert!(!t.cues.is_empty() && !t.plain_text.is_empty());
            }
            meetflow_store::ArtifactContent::Recording(r) => {
                assert_eq!(r.size_bytes, Some(3_000_000))
            }
        }
    }
    let row = stack
        .store
        .get_meeting("demo", "cap-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "captured");
    save_history(&stack, id, "capture-parent").await;
    save_history(&stack, "capture/demo/cap-1", "capture-child").await;

    // `history` follows the child: its steps come indented after the parent's.
    let history = history_text(&stack, "demo", "cap-1").await;
    let child = history
        .split_once("\n    capture/demo/cap-1  (times in UTC)\n")
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("no capture section in {history}"));
    assert!(
        history.contains("child RecordingCapture completed: complete"),
        "{history}"
    );
    assert!(
        child.contains(" recording ") && child.contains(" captured to "),
        "{child}"
    );
    assert!(
        child.trim_end().ends_with("workflow completed: complete"),
        "{child}"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_change_notification_makes_capture_poll_at_once() {
    let secrets = tempfile::tempdir().unwrap();
    let client_state = secrets.path().join("client-state");
    std::fs::write(&client_state, "meetflow-e2e-client-state").unwrap();
    let listen = format!("127.0.0.1:{}", meetflow::process::free_port().unwrap());
    let mut overrides: Vec<(String, String)> = [
        ("GRACE_AFTER_END_SECS", 1),
        // The first scheduled poll comes far too late for this test: only the notification can
        // make capture finish in time.
        ("FIRST_POLL_SECS", 60),
        ("BACKOFF_CAP_SECS", 60),
        ("WINDOW_SECS", 120),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            format!("MEETFLOW_TENANTS__DEMO__CAPTURE__{k}"),
            v.to_string(),
        )
    })
    .collect();
    overrides.push(("MEETFLOW_NOTIFICATIONS__LISTEN".into(), listen.clone()));
    overrides.push((
        "MEETFLOW_NOTIFICATIONS__CLIENT_STATE".into(),
        format!("{{ file = \"{}\" }}", client_state.display()),
    ));
    let stack = Stack::start_with(overrides).await;
    let id = "appointment/demo/notify-1";
    let s = approve_scheduled(&stack, id, &short_meeting("notify-1", 2)).await;
    let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("no meeting")
    };
    for kind in ["transcript", "recording"] {
        stack
            .emulator
            .add_artifact(&meeting.event_id, json!({"kind": kind}))
            .await;
    }
    stack
        .emulator
        .add_attendance_report(&meeting.event_id, attendance_report(&[(0, 30)], &[(0, 30)]))
        .await;
    state_when(&stack, id, MINUTE, "capturing", |s| {
        s.phase == AppointmentPhase::Capturing as i32
    })
    .await;

    let http = reqwest::Client::new();
    let url = format!("http://{listen}/notifications");
    let handshake = http
        .post(format!(
            "{url}?validationToken=Validation%3A+Testing+reachability"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    assert_eq!(
        handshake.text().await.unwrap(),
        "Validation: Testing reachability"
    );
    let notification = |client_state: &str| {
        json!({"value": [{
            "subscriptionId": "sub-1", "changeType": "created", "clientState": client_state,
            "resource": format!("communications/onlineMeetings('{}')/recordings('r1')", meeting.online_meeting_id),
            "tenantId": "11111111-1111-4111-8111-111111111111"
        }]})
    };
    let forged = http
        .post(&url)
        .json(&notification("guessed"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let genuine = http
        .post(&url)
        .json(&notification("meetflow-e2e-client-state"))
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 202);

    // Well before the first scheduled poll (60 s after the end): only the notification can do it.
    let done = in_phase(&stack, id, AppointmentPhase::Done, Duration::from_secs(45)).await;
    assert_eq!(done.capture_status, "complete");
    stack.stop().await;
}

/// Attendance: the technician joined late and left early while the client was there the whole
/// hour → the stored intervals, 29 minutes rounded up to the tenant's quarter hour, no no-show;
/// the client never joined → nothing billable, no-show. Records come one per page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_gives_billable_time_and_client_no_show() {
    let stack = Stack::start_with(fast_capture(30)).await;
    stack.emulator.settings(json!({"pageSize": 1})).await;
    // Teams produces the first report only after capture's first polls: they find none yet.
    let mut late = attendance_report(&[(12, 41)], &[(0, 60)]);
    late["availableAfterSecs"] = json!(6);
    let cases = [
        ("att-late", late),
        ("att-noshow", attendance_report(&[(0, 30)], &[])),
    ];
    let mut late_meeting = String::new();
    for (appointment, report) in &cases {
        let id = format!("appointment/demo/{appointment}");
        let s = approve_scheduled(&stack, &id, &short_meeting(appointment, 2)).await;
        let Some(Outcome::Created(meeting)) = s.meeting.and_then(|m| m.outcome) else {
            panic!("no meeting")
        };
        for kind in ["transcript", "recording"] {
            stack
                .emulator
                .add_artifact(&meeting.event_id, json!({"kind": kind}))
                .await;
        }
        stack
            .emulator
            .add_attendance_report(&meeting.event_id, report.clone())
            .await;
        if *appointment == "att-late" {
            late_meeting = meeting.online_meeting_id.clone();
        }
    }

    let late = in_phase(
        &stack,
        "appointment/demo/att-late",
        AppointmentPhase::Done,
        MINUTE,
    )
    .await;
    assert_eq!(late.capture_status, "complete", "{late:?}");
    let a = late.attendance.expect("attendance in the state query");
    assert_eq!(a.billable_seconds, 30 * 60, "29 minutes, rounded up: {a:?}");
    let (from, to) = (a.billable_from.unwrap(), a.billable_to.unwrap());
    assert_eq!(to.seconds - from.seconds, 29 * 60);
    assert!(!a.client_no_show);
    assert_eq!(a.participants, 2);
    let records = stack
        .store
        .attendance_records("demo", "att-late")
        .await
        .unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let tech = records
        .iter()
        .find(|r| r.attendee_role == meetflow_proto::attendance::AttendeeRole::Technician)
        .unwrap();
    assert_eq!(tech.total_seconds, 29 * 60);
    assert_eq!(tech.meeting_role.as_deref(), Some("Presenter"));
    assert_eq!(tech.intervals.len(), 1);
    assert_eq!(
        (tech.intervals[0].leave() - tech.intervals[0].join()).num_minutes(),
        29
    );
    let stored = stack
        .store
        .attendance_summary("demo", "att-late")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.billable_seconds, 30 * 60);
    // One record per page: the records were read across pages.
    assert!(
        stack
            .emulator
            .requests_to("GET", "/v1.0/users/")
            .await
            .unwrap()
            .iter()
            .any(
                |r| r["path"].as_str().unwrap().ends_with("/attendanceRecords")
                    && r["query"].as_str().unwrap_or("").contains("skiptoken")
            ),
        "records were not paged"
    );
    let report_lists = stack
        .emulator
        .requests_to("GET", "/v1.0/users/")
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap().ends_with("/attendanceReports")
                && r["path"].as_str().unwrap().contains(&late_meeting)
        })
        .count();
    assert!(
        report_lists >= 2,
        "asked again after an empty answer: {report_lists}"
    );
    save_history(&stack, "appointment/demo/att-late", "attendance-parent").await;
    save_history(&stack, "capture/demo/att-late", "attendance-child").await;

    let noshow = in_phase(
        &stack,
        "appointment/demo/att-noshow",
        AppointmentPhase::Done,
        MINUTE,
    )
    .await;
    let a = noshow.attendance.expect("attendance in the state query");
    assert!(a.client_no_show, "{a:?}");
    assert_eq!(a.billable_seconds, 0);
    assert_eq!(a.billable_from, None);
    assert_eq!(a.participants, 1);
    // `history` shows the capture child's attendance step.
    let history = history_text(&stack, "demo", "att-noshow").await;
    assert!(
        history.contains("attendance: 1 participants, 0 s billable, client no-show"),
        "{history}"
    );
    stack.stop().await;
}
