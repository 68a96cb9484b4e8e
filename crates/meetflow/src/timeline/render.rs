//! Steps → text for people (one line each, operator's time zone) or JSON lines for machines.

use chrono_tz::Tz;
use serde_json::json;

use super::{Step, steps::local};

/// One section per workflow: a heading with the workflow id and its Web UI link, then a line
/// per step. Child sections are indented so the parent's steps stay scannable.
pub fn render_text(
    workflow_id: &str,
    ui_link: Option<&str>,
    steps: &[Step],
    tz: Tz,
    indent: usize,
) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{workflow_id}  (times in {tz})\n");
    if let Some(link) = ui_link {
        out.push_str(&format!("{pad}Web UI: {link}\n"));
    }
    for s in steps {
        out.push_str(&format!(
            "{pad}{}  #{:<4} {}\n",
            local(s.time, tz),
            s.event_id,
            s.text
        ));
    }
    out
}

/// One JSON object per line and step, with the workflow it belongs to.
pub fn render_json(workflow_id: &str, steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| {
            let mut v = json!(s);
            v["workflow_id"] = json!(workflow_id);
            format!("{v}\n")
        })
        .collect()
}

/// The Temporal Web UI page of a run: `{ui}/namespaces/{ns}/workflows/{id}/{run}/history`.
pub fn ui_link(ui: &str, namespace: &str, workflow_id: &str, run_id: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{}/namespaces/{}/workflows/{}/{}/history",
        ui.trim_end_matches('/'),
        enc(namespace),
        enc(workflow_id),
        enc(run_id)
    )
}
