//! The PSA backend's side: `@temporalio/client` from npm with the TypeScript client's codec
//! (clients/typescript/src/codec.ts, built here), run by Node's test runner against this stack. It starts an
//! approval the Rust worker must decrypt, reads the `state` query the worker encrypted, and
//! payloads sealed by either side open on the other.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use meetflow::codec_server::wire;
use meetflow_proto::v1::AppointmentPhase;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use super::{ENCRYPT_KEY_ID, KEYS, codec_on};
use crate::lifecycle::MINUTE;
use crate::support::{Stack, approval, in_phase};

fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// `npm run build` of clients/typescript: the codec the peer test imports is the client's own,
/// so the bytes checked here are the ones a PSA backend sends.
async fn build_typescript_client() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/typescript");
    let out = tokio::process::Command::new("npm")
        .args(["run", "--silent", "build"])
        .current_dir(&dir)
        .output()
        .await
        .expect("npm runs (clients/typescript needs its packages: scripts/setup.sh)");
    assert!(
        out.status.success(),
        "npm run build in clients/typescript failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_payload(text: &str) -> Payload {
    Payload {
        metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
        data: text.as_bytes().to_vec(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codec_typescript_client_shares_the_encrypted_workflows() {
    build_typescript_client().await;
    let keys = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(codec_on(keys.path())).await;
    let codec = meetflow::connect::codec(&stack.config().codec)
        .unwrap()
        .expect("codec on");
    let sealed_by_rust = codec.seal(&json_payload(r#"{"sealedBy":"rust"}"#)).unwrap();
    let node_out = keys.path().join("sealed-by-node.json");
    let input = approval("demo", "ts-1");
    let key_map: BTreeMap<&str, String> = KEYS
        .iter()
        .map(|(id, k)| (*id, STANDARD.encode(k)))
        .collect();

    let run = tokio::process::Command::new("node")
        .arg("--test")
        .arg(peers_dir().join("codec_client.test.mjs"))
        .current_dir(peers_dir())
        .env("MEETFLOW_TEMPORAL_ADDRESS", stack.temporal_address())
        .env("MEETFLOW_TASK_QUEUE", &stack.config().temporal.task_queue)
        .env(
            "MEETFLOW_CODEC_KEYS",
            serde_json::to_string(&key_map).unwrap(),
        )
        .env("MEETFLOW_CODEC_ENCRYPT_KEY_ID", ENCRYPT_KEY_ID)
        .env("MEETFLOW_APPROVAL", input.to_string())
        .env("MEETFLOW_RUST_SEALED", wire::render(&[sealed_by_rust]))
        .env("MEETFLOW_NODE_SEALED_OUT", &node_out)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("node --test finishes")
        .expect(
            "node runs (tests/peers needs `npm ci --prefix tests/peers`, done by scripts/setup.sh)",
        );
    assert!(
        out.status.success(),
        "node --test tests/peers/codec_client.test.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The approval node sealed was opened by the worker, which ran it to the end.
    in_phase(
        &stack,
        "appointment/demo/ts-1",
        AppointmentPhase::Scheduled,
        MINUTE,
    )
    .await;
    // And a payload node sealed opens here.
    let sealed_by_node = std::fs::read(&node_out).expect("node wrote its payload");
    let [sealed_by_node] = <[_; 1]>::try_from(wire::parse(&sealed_by_node).unwrap()).unwrap();
    let opened = codec.open(sealed_by_node).unwrap();
    assert_eq!(opened, json_payload(r#"{"sealedBy":"node"}"#));
    stack.stop().await;
}
