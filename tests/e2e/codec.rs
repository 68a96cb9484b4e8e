//! Payload encryption end to end (`[codec]`, docs/codec.md): what Temporal stores holds no
//! personal data or secret, the codec server answers what the Web UI asks, and a TypeScript
//! `@temporalio/client` with the documented codec shares the workflows with the Rust worker.

mod history_scan;
mod typescript;
mod ui;

use std::path::Path;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::Value;

use crate::support::Stack;

/// Two keys, as after a rotation: `2026-01` seals, `2025-12` still opens older payloads.
pub(crate) const KEYS: [(&str, [u8; 32]); 2] = [("2025-12", [0x11; 32]), ("2026-01", [0x22; 32])];
pub(crate) const ENCRYPT_KEY_ID: &str = "2026-01";

/// `MEETFLOW_CODEC__*` overrides turning the codec on with [`KEYS`], each in a secret file in
/// `dir` (which must outlive the stack).
pub(crate) fn codec_on(dir: &Path) -> Vec<(String, String)> {
    let keys: Vec<String> = KEYS
        .iter()
        .map(|(id, key)| {
            let file = dir.join(format!("codec-key-{id}"));
            std::fs::write(&file, STANDARD.encode(key)).unwrap();
            format!(
                r#"{{ id = "{id}", key = {{ file = "{}" }} }}"#,
                file.display()
            )
        })
        .collect();
    vec![
        ("MEETFLOW_CODEC__ENABLED".into(), "true".into()),
        (
            "MEETFLOW_CODEC__ENCRYPT_KEY_ID".into(),
            format!("\"{ENCRYPT_KEY_ID}\""),
        ),
        (
            "MEETFLOW_CODEC__KEYS".into(),
            format!("[{}]", keys.join(", ")),
        ),
    ]
}

/// The history as the server keeps it, through the `temporal` CLI (`workflow show -o json`):
/// nothing of meetflow's own decoding is involved. With `codec_endpoint` the CLI decodes
/// payloads through that codec server, as the Web UI does.
pub(crate) async fn history_json(stack: &Stack, id: &str, codec_endpoint: Option<&str>) -> Value {
    let cli = meetflow::process::temporal_cli().expect("temporal CLI");
    let mut cmd = tokio::process::Command::new(cli);
    cmd.args(["workflow", "show", "-o", "json", "-w", id])
        .args(["--address", &stack.temporal_address()]);
    if let Some(endpoint) = codec_endpoint {
        cmd.args(["--codec-endpoint", endpoint]);
    }
    let out = cmd.output().await.expect("temporal workflow show runs");
    assert!(
        out.status.success(),
        "temporal workflow show: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("history JSON")
}

/// Every place in `history` where one of `needles` is readable: in a string as it is, or in
/// the bytes a base64 string decodes to (payload data and metadata are base64 in the JSON).
/// Each finding is `needle at json.path`.
pub(crate) fn readable(history: &Value, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    walk(history, "$", &mut |path, node| {
        let Value::String(text) = node else { return };
        let decoded = STANDARD
            .decode(text)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        for n in needles {
            if text.contains(n) || decoded.contains(n) {
                found.push(format!("{n:?} at {path}"));
            }
        }
        if has_jwt(text) || has_jwt(&decoded) {
            found.push(format!("a bearer token (JWT) at {path}"));
        }
    });
    found
}

/// Visits every node of `v` with its JSON path.
fn walk(v: &Value, path: &str, visit: &mut impl FnMut(&str, &Value)) {
    visit(path, v);
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), visit);
            }
        }
        Value::Object(fields) => {
            for (k, item) in fields {
                walk(item, &format!("{path}.{k}"), visit);
            }
        }
        _ => {}
    }
}

/// `eyJ….eyJ….`: a JWT's JSON header and claims. Base64 of ciphertext never has the dot, so
/// random sealed bytes do not match by chance.
fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(at, _)| {
        let rest = &text[at + 3..];
        let header_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        rest[header_len..].starts_with(".eyJ")
    })
}

/// Every payload in `history` (an object with `metadata.encoding`), with its JSON path.
pub(crate) fn payloads(history: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(history, "$", &mut |path, node| {
        if node.pointer("/metadata/encoding").is_some() {
            out.push((path.to_string(), node.clone()));
        }
    });
    out
}

/// A payload's `encoding`, decoded from the JSON's base64.
pub(crate) fn encoding_of(payload: &Value) -> String {
    let b64 = payload["metadata"]["encoding"].as_str().unwrap_or_default();
    String::from_utf8(STANDARD.decode(b64).unwrap_or_default()).unwrap_or_default()
}

#[test]
fn jwt_detection() {
    assert!(has_jwt("Bearer eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0."));
    assert!(!has_jwt("qeyJ4xZ/+eyJ="));
}
