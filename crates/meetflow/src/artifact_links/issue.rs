//! `meetflow appointment link`: a signed, expiring URL per stored artifact of one kind.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use meetflow_config::Config;
use meetflow_links::{Audience, Grant, SigningKeys};
use meetflow_store::{ArtifactContent, ArtifactKind, ArtifactRecord, Store};

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub tenant_id: String,
    pub appointment_id: String,
    pub kind: ArtifactKind,
    pub audience: Audience,
    /// `None`: `artifacts.default_expiry_secs`.
    pub expires_in_secs: Option<u64>,
    /// Transcripts as plain text instead of WebVTT.
    pub plain_text: bool,
}

/// One issued link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLink {
    pub url: String,
    pub artifact_id: String,
    pub expires_at: DateTime<Utc>,
}

/// The links and a note when the lifetime asked for was capped.
#[derive(Debug)]
pub struct Issued {
    pub links: Vec<IssuedLink>,
    pub capped_to_secs: Option<u64>,
}

/// Links to every stored artifact of the requested kind, signed at `now` (Unix seconds).
pub async fn issue(
    config: &Config,
    keys: &SigningKeys,
    store: &Store,
    request: &LinkRequest,
    now: u64,
) -> anyhow::Result<Issued> {
    let base = config.artifacts.link_base()?;
    let tenant = config
        .tenant(&request.tenant_id)
        .with_context(|| format!("tenant {:?} is not configured", request.tenant_id))?;
    if request.audience == Audience::Client && !tenant.client_links {
        bail!(
            "tenant {:?} does not allow client links (tenants.{}.client_links = false)",
            request.tenant_id,
            request.tenant_id
        );
    }
    let asked = request
        .expires_in_secs
        .unwrap_or(config.artifacts.default_expiry_secs);
    let max = config.artifacts.max_expiry_secs;
    let lifetime = asked.min(max);
    let artifacts: Vec<ArtifactRecord> = store
        .artifacts(&request.tenant_id, &request.appointment_id)
        .await?
        .into_iter()
        .filter(|a| a.kind() == request.kind)
        .collect();
    if artifacts.is_empty() {
        bail!(
            "appointment {:?} of tenant {:?} has no stored {}",
            request.appointment_id,
            request.tenant_id,
            request.kind
        );
    }
    let servable: Vec<&ArtifactRecord> = artifacts
        .iter()
        .filter(|a| match &a.content {
            ArtifactContent::Recording(r) => r.storage_location.is_some(),
            ArtifactContent::Transcript(_) => true,
        })
        .collect();
    if servable.is_empty() {
        bail!(
            "no {} of appointment {:?} has been copied into storage (tenant download_recordings off, or the capture has not finished)",
            request.kind,
            request.appointment_id
        );
    }
    let visible: Vec<&ArtifactRecord> = servable
        .into_iter()
        .filter(|a| request.audience == Audience::Technician || a.client_visible)
        .collect();
    if visible.is_empty() {
        bail!(
            "no {} of appointment {:?} was captured as visible to the client (tenants.{}.expose_in_portal)",
            request.kind,
            request.appointment_id,
            request.tenant_id
        );
    }
    let expires_at = now + lifetime;
    let links = visible
        .into_iter()
        .map(|a| {
            let token = keys.sign(&Grant {
                tenant_id: a.tenant_id.clone(),
                appointment_id: a.appointment_id.clone(),
                kind: request.kind,
                artifact_id: a.provider_artifact_id.clone(),
                audience: request.audience,
                expires_at,
            });
            let format = if request.plain_text && request.kind == ArtifactKind::Transcript {
                "?format=txt"
            } else {
                ""
            };
            IssuedLink {
                url: format!("{base}/artifacts/{token}{format}"),
                artifact_id: a.provider_artifact_id.clone(),
                expires_at: DateTime::from_timestamp(expires_at as i64, 0).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Issued {
        links,
        capped_to_secs: (asked > max).then_some(max),
    })
}

/// One line per link: the URL, then what it is and until when (tab-separated for scripts).
pub fn render(issued: &Issued, request: &LinkRequest) -> String {
    let mut out = String::new();
    for link in &issued.links {
        out.push_str(&format!(
            "{}\t{} {}\t{}\texpires {}\n",
            link.url,
            request.kind,
            link.artifact_id,
            request.audience.as_str(),
            link.expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    out
}
