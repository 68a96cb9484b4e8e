//! Workflow and handler inputs arrive as raw payloads and are decoded here, so that a payload
//! the SDK cannot deserialize becomes a specific, immediate error instead of a workflow task
//! that is retried forever.

use serde_json::Value;
use temporalio_common::data_converters::RawValue;

/// The JSON inside a handler's single argument; no argument (or `null`) is `Value::Null`.
pub fn json_argument(raw: &RawValue) -> Result<Value, String> {
    match raw.payloads.as_slice() {
        [] => Ok(Value::Null),
        [p] => {
            let encoding = p.metadata.get("encoding").map(Vec::as_slice);
            match encoding {
                Some(b"json/plain") => serde_json::from_slice(&p.data)
                    .map_err(|e| format!("input: not valid JSON: {e}")),
                Some(b"binary/null") => Ok(Value::Null),
                None if p.data.is_empty() => Ok(Value::Null),
                Some(other) => Err(format!(
                    "input: unsupported payload encoding {:?}; send plain JSON (json/plain), the default of every Temporal SDK and the CLI",
                    String::from_utf8_lossy(other)
                )),
                None => Err("input: payload has no encoding; send plain JSON (json/plain)".into()),
            }
        }
        many => Err(format!("input: expected one argument, got {}", many.len())),
    }
}
