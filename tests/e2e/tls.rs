//! TLS to the Temporal frontend: HAProxy terminates TLS in front of the dev server's gRPC port
//! and requires a client certificate (mTLS), with a CA, server and client certificate the test
//! makes. The worker connects through `[temporal]`'s `tls_…` keys, the CLI through Temporal's
//! own `TEMPORAL_TLS_*` variables; an approval made by the CLI completes on the worker. A
//! server certificate from a CA the client does not trust, and a missing client certificate,
//! each fail with an error that says so.

use std::{path::Path, process::Output, time::Duration};

use meetflow_proto::v1::AppointmentPhase;

use crate::support::tls::{Pki, SERVER_NAME, TlsTerminator};
use crate::support::workers::start_worker;
use crate::support::{Stack, approval, in_phase, meetflow_binary};

/// `meetflow appointment approve --file …` with the stack's configuration and `env`.
async fn approve_cli(stack: &Stack, file: &Path, env: &[(&str, &Path)], address: &str) -> Output {
    let mut cmd = tokio::process::Command::new(meetflow_binary());
    cmd.args(["appointment", "approve", "--file"])
        .arg(file)
        .env("MEETFLOW_CONFIG", stack.config_path())
        .env("TEMPORAL_ADDRESS", address)
        .env("TEMPORAL_TLS_SERVER_NAME", SERVER_NAME)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the CLI answers promptly")
        .expect("the CLI runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_and_cli_reach_temporal_over_mtls_and_a_wrong_ca_is_refused_clearly() {
    let stack = Stack::without_worker(Vec::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::create(dir.path());
    let tls = TlsTerminator::start(&pki, &stack.temporal_address(), dir.path()).await;

    let path = |p: &Path| p.display().to_string();
    let env = vec![
        (
            "MEETFLOW_TEMPORAL__ADDRESS".to_string(),
            tls.address.clone(),
        ),
        ("MEETFLOW_TEMPORAL__TLS_CA_PATH".into(), path(&pki.ca)),
        (
            "MEETFLOW_TEMPORAL__TLS_SERVER_NAME".into(),
            SERVER_NAME.into(),
        ),
        (
            "MEETFLOW_TEMPORAL__TLS_CLIENT_CERT_PATH".into(),
            path(&pki.client_cert),
        ),
        (
            "MEETFLOW_TEMPORAL__TLS_CLIENT_KEY_PATH".into(),
            path(&pki.client_key),
        ),
    ];
    let mut worker = start_worker(&stack, &env, 0);

    let file = dir.path().join("approval.json");
    std::fs::write(&file, approval("demo", "tls-1").to_string()).unwrap();
    let mtls = [
        ("TEMPORAL_TLS_SERVER_CA_CERT_PATH", pki.ca.as_path()),
        ("TEMPORAL_TLS_CLIENT_CERT_PATH", pki.client_cert.as_path()),
        ("TEMPORAL_TLS_CLIENT_KEY_PATH", pki.client_key.as_path()),
    ];
    let out = approve_cli(&stack, &file, &mtls, &tls.address).await;
    assert!(
        out.status.success(),
        "approve over mTLS: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Observed through a plain connection to the dev server: the worker, which knows only the
    // TLS address, did the work.
    let state = in_phase(
        &stack,
        "appointment/demo/tls-1",
        AppointmentPhase::Scheduled,
        Duration::from_secs(60),
    )
    .await;
    assert!(state.meeting.is_some(), "a Teams meeting: {state:?}");
    assert_eq!(stack.emulator.events().await.unwrap().len(), 1);

    // A server certificate from a CA this client does not trust.
    std::fs::write(&file, approval("demo", "tls-2").to_string()).unwrap();
    let wrong_ca = [
        (
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
            pki.unrelated_ca.as_path(),
        ),
        ("TEMPORAL_TLS_CLIENT_CERT_PATH", pki.client_cert.as_path()),
        ("TEMPORAL_TLS_CLIENT_KEY_PATH", pki.client_key.as_path()),
    ];
    let out = approve_cli(&stack, &file, &wrong_ca, &tls.address).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "error: connecting to Temporal at https://{}/ over TLS (server name: {SERVER_NAME}; \
         trusted CA: the configured CA file; client certificate: yes)",
        tls.address
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(
        stderr.contains("UnknownIssuer"),
        "names the cause: {stderr}"
    );

    // No client certificate: the terminator refuses the handshake.
    let no_client_cert = [("TEMPORAL_TLS_SERVER_CA_CERT_PATH", pki.ca.as_path())];
    let out = approve_cli(&stack, &file, &no_client_cert, &tls.address).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("client certificate: none"), "{stderr}");
    assert!(
        stack
            .store
            .get_meeting("demo", "tls-2")
            .await
            .unwrap()
            .is_none(),
        "nothing approved without a trusted connection"
    );

    meetflow::process::stop(&mut worker, Duration::from_secs(20)).await;
    tls.stop().await;
    stack.stop().await;
}
