//! `meetflow doctor`: one checklist of everything meetflow needs, shared parts first (store,
//! object storage, mail, Temporal, notifications), then one section per tenant (token,
//! organizer, calendar write, application access policy, recordings, transcripts). Each item
//! says ✔, ✘ with the fix an admin must make, or – when it could not be checked. Probes change
//! nothing that stays: the probe event, object and row are removed again.

pub mod graph;
mod mail;
mod notifications;
mod recordings;
pub mod render;
mod store;
mod temporal;

use meetflow_config::Config;
use serde::Serialize;

/// What one item found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    /// Only a failure has a fix, so no ✔ line can carry stale advice.
    Fail {
        fix: String,
    },
    /// Not checked: not configured, or an item it depends on failed.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub detail: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            outcome: Outcome::Ok,
            detail: detail.into(),
        }
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            outcome: Outcome::Fail { fix: fix.into() },
            detail: detail.into(),
        }
    }

    pub fn skip(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            outcome: Outcome::Skip,
            detail: detail.into(),
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fail { .. })
    }
}

/// The checks of one scope: the parts every tenant shares, or one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `None` for the shared parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub sections: Vec<Section>,
}

impl Report {
    fn new(sections: Vec<Section>) -> Self {
        let ok = !sections.iter().flat_map(|s| &s.checks).any(Check::failed);
        Self { ok, sections }
    }

    pub fn failures(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.failed())
            .count()
    }
}

/// `meetflow doctor` exits non-zero with this when any item failed (after printing the report).
#[derive(Debug, thiserror::Error)]
#[error("{0} doctor check(s) failed")]
pub struct ChecksFailed(pub usize);

/// `meetflow doctor`: prints the report (text or JSON); fails with [`ChecksFailed`] when any
/// item failed, so the exit status says it too.
pub async fn command(config: &Config, tenant: Option<&str>, json: bool) -> anyhow::Result<()> {
    let report = run(config, tenant).await?;
    if json {
        print!("{}", render::json(&report));
    } else {
        print!("{}", render::text(&report));
    }
    if report.ok {
        Ok(())
    } else {
        Err(ChecksFailed(report.failures()).into())
    }
}

/// Runs every check for `config`; `tenant` narrows the tenant sections to one.
pub async fn run(config: &Config, tenant: Option<&str>) -> anyhow::Result<Report> {
    if let Some(t) = tenant
        && config.tenant(t).is_none()
    {
        return Err(meetflow_config::ConfigError::Key {
            key: format!("tenants.{t}"),
            problem: "no such tenant in the configuration".into(),
        }
        .into());
    }
    let mut shared = vec![
        store::check(config).await,
        recordings::check(config).await,
        mail::check(config).await,
    ];
    shared.extend(temporal::check(config).await);
    shared.push(notifications::check(config));
    shared.push(notifications::subscriptions(config).await);
    let mut sections = vec![Section {
        tenant: None,
        checks: shared,
    }];
    let client = meetflow_graph::GraphClient::new(meetflow_graph::GraphEndpoints {
        authority: config.graph.authority_url.clone(),
        graph: config.graph.graph_url.clone(),
    })?;
    for (id, t) in &config.tenants {
        if tenant.is_some_and(|wanted| wanted != id) {
            continue;
        }
        sections.push(Section {
            tenant: Some(id.clone()),
            checks: graph::check(&client, id, t).await,
        });
    }
    Ok(Report::new(sections))
}
