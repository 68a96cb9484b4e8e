//! The control API through the typed client: request log, reset, settings, faults, meetings,
//! and refusals.

use meetflow_graph_emulator::control_api::{ArtifactKind, NewArtifact, SettingsPatch};
use meetflow_graph_emulator::{ControlError, Fault, Settings};

use crate::support::*;

#[tokio::test]
async fn control_api_reports_requests_and_resets() {
    let g = Graph::start().await;
    g.create_online_event().await;
    let log = g.control.requests().await.unwrap();
    assert_eq!(log.len(), 2, "token + create; control calls are not logged");
    assert_eq!(log[0].body["client_secret"], "<redacted>");
    assert_eq!(log[1].headers["authorization"], "Bearer <redacted>");
    assert_eq!(log[1].status, 201);
    assert_eq!(
        log[1].body["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );

    let since = g.control.requests_since(log[0].seq).await.unwrap();
    assert_eq!(since.len(), 1);

    g.control.reset().await.unwrap();
    assert!(g.control.events().await.unwrap().is_empty());
    // Tokens were forgotten too.
    assert_eq!(g.probe().await.0, 401);
    g.emulator.shutdown().await;
}

#[tokio::test]
async fn settings_and_faults_round_trip() {
    let g = Graph::start().await;
    assert_eq!(g.control.settings().await.unwrap(), Settings::default());
    let patch = SettingsPatch {
        page_size: Some(3),
        ..Default::default()
    };
    let settings = g.control.update_settings(&patch).await.unwrap();
    assert_eq!(settings.page_size, 3);
    assert_eq!(settings.token_lifetime_secs, 3599, "the rest is unchanged");

    let fault = Fault::on("/v1.0/users/*").status(503).times(2);
    let added = g.control.add_fault(&fault).await.unwrap();
    assert_ne!(added.id, 0, "the emulator numbers its rules");
    assert_eq!(g.probe().await.0, 503);
    let remaining = g.control.faults().await.unwrap();
    assert_eq!(remaining[0].count, Some(1));
    g.control.clear_faults().await.unwrap();
    assert!(g.control.faults().await.unwrap().is_empty());
    assert_eq!(g.probe().await.0, 200);
}

#[tokio::test]
async fn meetings_show_their_artifacts_and_unknown_ones_are_refused() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();
    // A join URL addresses the meeting as well as its id or its event's id.
    g.control.end_meeting(join_url).await.unwrap();
    let later = NewArtifact::recording().available_after_secs(3600.0);
    let added = g.control.add_artifact(join_url, &later).await.unwrap();
    assert_eq!(added.kind, ArtifactKind::Recording);
    assert_eq!(added.organizer, ORGANIZER);

    let meetings = g.control.meetings().await.unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].join_url, join_url);
    assert!(meetings[0].ended_at.is_some());
    assert_eq!(meetings[0].artifacts[0].id, added.id);
    assert!(!meetings[0].artifacts[0].available);

    let err = g.control.end_meeting("no-such-meeting").await.unwrap_err();
    assert!(
        matches!(err, ControlError::Refused { status: 404, .. }),
        "{err}"
    );
}
