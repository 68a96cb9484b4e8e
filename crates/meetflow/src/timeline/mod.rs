//! An appointment's history as ops reads it: one step per thing that happened (approved, Graph
//! event created, invitation mailed, reschedule accepted, timer set, child started, …) instead of
//! Temporal's event list. [`steps`] maps events to steps and [`render`] prints them; both are pure
//! functions over recorded events, so they are tested without a server.

pub mod render;
pub mod steps;

pub use render::{render_json, render_text};
pub use steps::{Step, steps};

use meetflow_codec::EncryptionCodec;
use serde_json::Value;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// What a payload says, as JSON. Reading a history needs no workflow types: every meetflow
/// payload is `json/plain` (or sealed around one), so JSON is enough to name what happened.
pub struct Decoder {
    codec: Option<EncryptionCodec>,
}

/// Shown instead of a sealed payload's contents when this CLI has no key for it.
pub const ENCRYPTED: &str = "(encrypted)";

impl Decoder {
    /// `codec`: the `[codec]` the worker seals payloads with (`connect::codec`); `None` when off.
    pub fn new(codec: Option<EncryptionCodec>) -> Self {
        Self { codec }
    }

    pub fn plain() -> Self {
        Self::new(None)
    }

    pub fn decode(&self, payload: &Payload) -> Value {
        let opened;
        let payload = if meetflow_codec::is_sealed(payload) {
            match self.codec.as_ref().map(|c| c.open(payload.clone())) {
                Some(Ok(p)) => {
                    opened = p;
                    &opened
                }
                _ => return Value::String(ENCRYPTED.into()),
            }
        } else {
            payload
        };
        let encoding = payload
            .metadata
            .get("encoding")
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .unwrap_or_default();
        match encoding.as_str() {
            "json/plain" => serde_json::from_slice(&payload.data).unwrap_or(Value::Null),
            "binary/null" => Value::Null,
            other => Value::String(format!("({other} payload)")),
        }
    }

    /// The first payload of a `Payloads`, or `null`.
    pub fn first(
        &self,
        payloads: Option<&temporalio_common::protos::temporal::api::common::v1::Payloads>,
    ) -> Value {
        payloads
            .and_then(|p| p.payloads.first())
            .map(|p| self.decode(p))
            .unwrap_or(Value::Null)
    }
}

/// The operator's time zone: `--tz`, else `TZ`, else UTC. A `--tz` chrono-tz does not know is
/// an error, so a typo never shows times an hour off; a `TZ` it cannot read (a POSIX rule such
/// as `CET-1CEST`, a path) falls back to UTC, which every line then names.
pub fn time_zone(flag: Option<&str>) -> anyhow::Result<chrono_tz::Tz> {
    if let Some(name) = flag {
        return name
            .parse()
            .map_err(|_| anyhow::anyhow!("--tz {name:?} is not an IANA time zone name"));
    }
    let env = std::env::var("TZ").unwrap_or_default();
    Ok(env
        .trim_start_matches(':')
        .parse()
        .unwrap_or(chrono_tz::UTC))
}

#[cfg(test)]
mod tests;
