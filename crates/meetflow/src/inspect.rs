//! Ops commands: an appointment's state (the workflow's `state` query), its history as a
//! timeline, and the list of appointments (a visibility query over the search attributes).
//! Each `*_report` returns the text the command prints, so the end-to-end tests check exactly it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures_util::StreamExt as _;
use meetflow_proto::{
    model::{AppointmentId, TenantId},
    names, v1,
};
use serde_json::{Value, json};
use temporalio_client::{
    Client, NamespacedClient as _, UntypedQuery, WorkflowFetchHistoryOptions, WorkflowListOptions,
    WorkflowQueryOptions,
};
use temporalio_common::{
    UntypedWorkflow,
    data_converters::RawValue,
    protos::temporal::api::history::v1::{HistoryEvent, history_event::Attributes},
};

use crate::timeline::{self, Decoder, render::ui_link, steps::local};

fn ids(tenant: &str, appointment: &str) -> anyhow::Result<(TenantId, AppointmentId)> {
    let t = TenantId::parse(tenant).map_err(|p| anyhow::anyhow!("tenant: {p}"))?;
    let a = AppointmentId::parse(appointment).map_err(|p| anyhow::anyhow!("appointment: {p}"))?;
    Ok((t, a))
}

pub fn workflow_id(tenant: &str, appointment: &str) -> anyhow::Result<String> {
    let (t, a) = ids(tenant, appointment)?;
    Ok(names::appointment_workflow_id(&t, &a))
}

/// The `state` query's proto3 JSON, as the workflow returned it.
pub async fn state_json(client: &Client, workflow_id: &str) -> anyhow::Result<Value> {
    let handle = client.get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let raw: RawValue = handle
        .query(
            UntypedQuery::new(names::QUERY_STATE),
            RawValue::new(vec![]),
            WorkflowQueryOptions::default(),
        )
        .await?;
    let payload = raw
        .payloads
        .first()
        .ok_or_else(|| anyhow::anyhow!("the state query returned nothing"))?;
    Ok(serde_json::from_slice(&payload.data)?)
}

/// The `state` query, as the proto3 JSON the contract defines.
pub async fn state(client: &Client, workflow_id: &str) -> anyhow::Result<v1::AppointmentState> {
    Ok(serde_json::from_value(
        state_json(client, workflow_id).await?,
    )?)
}

/// Every event of the workflow's latest run (open or closed).
pub async fn events(client: &Client, workflow_id: &str) -> anyhow::Result<Vec<HistoryEvent>> {
    let handle = client.get_workflow_handle::<UntypedWorkflow>(workflow_id);
    let mut stream = handle.fetch_history(WorkflowFetchHistoryOptions::default());
    let mut out = Vec::new();
    while let Some(e) = stream.next().await {
        out.push(e?);
    }
    Ok(out)
}

/// One line per history event of `workflow_id`: id, time, type (`history --raw`).
pub async fn history(client: &Client, workflow_id: &str) -> anyhow::Result<Vec<String>> {
    Ok(raw_lines(&events(client, workflow_id).await?))
}

/// One line per history event: id, time, type.
pub fn raw_lines(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let when = e
                .event_time
                .map(|t| {
                    chrono::DateTime::from_timestamp(t.seconds, t.nanos as u32)
                        .unwrap_or_default()
                        .to_rfc3339()
                })
                .unwrap_or_default();
            format!("{:>4}  {when}  {:?}", e.event_id, e.event_type())
        })
        .collect()
}

/// The Web UI base: `temporal.ui_url`, else the dev server's (frontend port + 1000) when the
/// address is on loopback. A remote cluster's UI cannot be guessed, so it gets no link.
pub fn ui_base(config: &meetflow_config::Config) -> Option<String> {
    if let Some(url) = &config.temporal.ui_url {
        return Some(url.clone());
    }
    let address = std::env::var("TEMPORAL_ADDRESS").unwrap_or(config.temporal.address.clone());
    let url = crate::connect::address_url(&address, false).ok()?;
    let host = url.host_str()?;
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let port = url.port()?.checked_add(1000)?;
    loopback.then(|| format!("http://{host}:{port}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Raw,
}

pub struct HistoryOptions {
    pub tz: Tz,
    pub format: Format,
    pub ui: Option<String>,
    pub decoder: Decoder,
}

/// The run the events belong to (the one the Web UI links name).
pub fn run_id(events: &[HistoryEvent]) -> Option<&str> {
    events.iter().find_map(|e| match &e.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
            Some(a.original_execution_run_id.as_str())
        }
        _ => None,
    })
}

/// `meetflow appointment history`: the appointment's timeline, then its capture child's (when
/// the parent started one), each with its Web UI link.
pub async fn history_report(
    client: &Client,
    tenant: &str,
    appointment: &str,
    opts: &HistoryOptions,
) -> anyhow::Result<String> {
    let (t, a) = ids(tenant, appointment)?;
    let parent = names::appointment_workflow_id(&t, &a);
    let child = names::capture_workflow_id(&t, &a);
    let mut out = String::new();
    let mut sections = vec![(parent, 0)];
    let mut i = 0;
    while let Some((id, indent)) = sections.get(i).cloned() {
        i += 1;
        let events = events(client, &id).await?;
        if opts.format == Format::Raw {
            for line in raw_lines(&events) {
                out.push_str(&format!("{}{line}\n", " ".repeat(indent)));
            }
            continue;
        }
        let steps = timeline::steps(&events, &opts.decoder, opts.tz);
        // Only a parent that started the child has one to follow: asking the server for a
        // workflow that never existed would only turn into an error to swallow.
        if indent == 0
            && steps
                .iter()
                .any(|s| s.detail["workflow_id"] == json!(child))
        {
            sections.push((child.clone(), 4));
        }
        match opts.format {
            Format::Json => out.push_str(&timeline::render_json(&id, &steps)),
            _ => {
                let link = opts
                    .ui
                    .as_deref()
                    .zip(run_id(&events))
                    .map(|(ui, run)| ui_link(ui, &client.namespace(), &id, run));
                if indent > 0 {
                    out.push('\n');
                }
                out.push_str(&timeline::render_text(
                    &id,
                    link.as_deref(),
                    &steps,
                    opts.tz,
                    indent,
                ));
            }
        }
    }
    Ok(out)
}

/// `meetflow appointment status`: the state in words — with the timers still to fire and the
/// run's Web UI link (`ui`), both read from the history — or (`json`) the query's JSON.
pub async fn status_report(
    client: &Client,
    tenant: &str,
    appointment: &str,
    tz: Tz,
    json: bool,
    ui: Option<&str>,
) -> anyhow::Result<String> {
    let id = workflow_id(tenant, appointment)?;
    let state = state_json(client, &id).await?;
    if json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&state)?));
    }
    let mut out = crate::summary::status_text(&state, tz);
    let events = events(client, &id).await?;
    for (purpose, fires) in pending_timers(&events, tz) {
        out.push_str(&format!(
            "next timer: \"{purpose}\" at {}\n",
            local(fires, tz)
        ));
    }
    if let Some((ui, run)) = ui.zip(run_id(&events)) {
        out.push_str(&format!(
            "Web UI:   {}\n",
            ui_link(ui, &client.namespace(), &id, run)
        ));
    }
    Ok(out)
}

/// The timers that have neither fired nor been cancelled, named as the timeline names them; of
/// several with one purpose only the newest counts (a reschedule starts a new "meeting end"
/// timer and the workflow ignores the old one when it fires).
fn pending_timers(events: &[HistoryEvent], tz: Tz) -> Vec<(String, DateTime<Utc>)> {
    let mut waiting: HashMap<&str, i64> = HashMap::new();
    for e in events {
        match &e.attributes {
            Some(Attributes::TimerStartedEventAttributes(a)) => {
                waiting.insert(&a.timer_id, e.event_id);
            }
            Some(Attributes::TimerFiredEventAttributes(a)) => {
                waiting.remove(a.timer_id.as_str());
            }
            Some(Attributes::TimerCanceledEventAttributes(a)) => {
                waiting.remove(a.timer_id.as_str());
            }
            _ => {}
        }
    }
    let started: HashSet<i64> = waiting.into_values().collect();
    // Payloads play no part in a timer's purpose, so no key is needed to read them.
    let mut newest: Vec<(String, DateTime<Utc>)> = Vec::new();
    for s in timeline::steps(events, &Decoder::plain(), tz) {
        if s.kind != "timer" || !started.contains(&s.event_id) {
            continue;
        }
        let (Some(purpose), Ok(fires)) = (
            s.detail["timer"].as_str(),
            serde_json::from_value(s.detail["fires_at"].clone()),
        ) else {
            continue;
        };
        newest.retain(|(p, _)| p != purpose);
        newest.push((purpose.to_string(), fires));
    }
    newest
}

/// The visibility query for `list`; the values were checked as ids, so quoting them is safe.
pub fn list_query(tenant: Option<&str>, phase: Option<&str>) -> anyhow::Result<String> {
    let mut terms = vec![format!("WorkflowType = '{}'", names::APPOINTMENT_WORKFLOW)];
    if let Some(t) = tenant {
        let t = TenantId::parse(t).map_err(|p| anyhow::anyhow!("tenant: {p}"))?;
        terms.push(format!("{} = '{}'", names::SA_TENANT_ID, t.as_str()));
    }
    if let Some(p) = phase {
        let known = [
            "approving",
            "scheduled",
            "ended",
            "capturing",
            "done",
            "cancelled",
        ];
        anyhow::ensure!(known.contains(&p), "phase: one of {}", known.join(", "));
        terms.push(format!("{} = '{p}'", names::SA_APPOINTMENT_PHASE));
    }
    Ok(terms.join(" AND "))
}

/// One row of `list`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Listed {
    pub tenant_id: String,
    pub appointment_id: String,
    pub phase: String,
    /// When the workflow started (the approval).
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub status: String,
}

pub async fn list(
    client: &Client,
    tenant: Option<&str>,
    phase: Option<&str>,
) -> anyhow::Result<Vec<Listed>> {
    let query = list_query(tenant, phase)?;
    let mut stream = client.list_workflows(query, WorkflowListOptions::default());
    let decoder = Decoder::plain();
    let mut out = Vec::new();
    while let Some(w) = stream.next().await {
        let w = w?;
        let raw = w.raw();
        let sa = |k: &str| {
            raw.search_attributes
                .as_ref()
                .and_then(|s| s.indexed_fields.get(k))
                .map(|p| decoder.decode(p).as_str().unwrap_or_default().to_string())
                .unwrap_or_default()
        };
        out.push(Listed {
            tenant_id: sa(names::SA_TENANT_ID),
            appointment_id: sa(names::SA_APPOINTMENT_ID),
            phase: sa(names::SA_APPOINTMENT_PHASE),
            approved_at: w.start_time().map(chrono::DateTime::from),
            status: format!("{:?}", w.status()).to_lowercase(),
        });
    }
    Ok(out)
}

/// `meetflow appointment list`.
pub async fn list_report(
    client: &Client,
    tenant: Option<&str>,
    phase: Option<&str>,
    tz: Tz,
    json: bool,
) -> anyhow::Result<String> {
    let rows = list(client, tenant, phase).await?;
    let mut out = String::new();
    for r in rows {
        if json {
            out.push_str(&format!("{}\n", serde_json::to_string(&r)?));
        } else {
            let at = r.approved_at.map(|t| local(t, tz)).unwrap_or_default();
            out.push_str(&format!(
                "{:<12} {:<24} {:<10} approved {at}  ({})\n",
                r.tenant_id, r.appointment_id, r.phase, r.status
            ));
        }
    }
    Ok(out)
}

/// The CLI's flags → [`HistoryOptions`], with the `[codec]` keys so sealed payloads are read.
pub fn history_options(
    config: &meetflow_config::Config,
    tz: Option<&str>,
    json: bool,
    raw: bool,
    ui: Option<String>,
) -> anyhow::Result<HistoryOptions> {
    Ok(HistoryOptions {
        tz: timeline::time_zone(tz)?,
        format: match (json, raw) {
            (_, true) => Format::Raw,
            (true, _) => Format::Json,
            _ => Format::Text,
        },
        ui: ui.or_else(|| ui_base(config)),
        decoder: Decoder::new(crate::connect::codec(&config.codec)?),
    })
}
