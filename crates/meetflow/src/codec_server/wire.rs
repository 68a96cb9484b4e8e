//! The protocol's body: `Payloads` in proto3 JSON — metadata values and data as base64. Public
//! for the tests, which hand payloads to the TypeScript codec in this form.

use std::collections::{BTreeMap, HashMap};

use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use serde::{Deserialize, Serialize};
use temporalio_common::protos::temporal::api::common::v1::Payload;

#[derive(Deserialize, Serialize)]
struct Payloads {
    #[serde(default)]
    payloads: Vec<JsonPayload>,
}

/// Other fields (e.g. `externalPayloads`) are not meetflow's and are ignored.
#[derive(Deserialize, Serialize)]
struct JsonPayload {
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    #[serde(default)]
    data: String,
}

pub fn parse(body: &[u8]) -> Result<Vec<Payload>, String> {
    let parsed: Payloads = serde_json::from_slice(body)
        .map_err(|e| format!("body is not {{\"payloads\": [...]}}: {e}"))?;
    parsed
        .payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let metadata = p
                .metadata
                .into_iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        bytes(&v, &format!("payloads[{i}].metadata.{k}"))?,
                    ))
                })
                .collect::<Result<HashMap<_, _>, String>>()?;
            Ok(Payload {
                metadata,
                data: bytes(&p.data, &format!("payloads[{i}].data"))?,
                ..Default::default()
            })
        })
        .collect()
}

pub fn render(payloads: &[Payload]) -> String {
    let payloads = payloads
        .iter()
        .map(|p| JsonPayload {
            metadata: p
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), STANDARD.encode(v)))
                .collect(),
            data: STANDARD.encode(&p.data),
        })
        .collect();
    serde_json::to_string(&Payloads { payloads }).expect("plain strings serialize")
}

/// Proto3 JSON parsers accept standard and URL-safe base64, padded or not.
fn bytes(text: &str, field: &str) -> Result<Vec<u8>, String> {
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| format!("{field} is not base64"))
}
