//! Recordings and transcripts captured after a meeting, one row per provider artifact.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::connect::on_pool;
use crate::error::corrupt;
use crate::{ArtifactKind, Store, StoreError};

/// One captured artifact, keyed by (`tenant_id`, `appointment_id`, kind, `provider_artifact_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    pub tenant_id: String,
    pub appointment_id: String,
    /// Graph's id of the callRecording / callTranscript.
    pub provider_artifact_id: String,
    /// Graph's `createdDateTime` of the artifact.
    pub created_date_time: Option<DateTime<Utc>>,
    /// Whether the PSA may show it to the client contact (from tenant settings at capture time).
    pub client_visible: bool,
    pub content: ArtifactContent,
}

/// What was captured; the variant decides the kind, so a transcript without text cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArtifactContent {
    Transcript(Transcript),
    Recording(Recording),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The WebVTT document as Graph returned it.
    pub vtt: String,
    /// The spoken text without timings, for search and display.
    pub plain_text: String,
    pub cues: Vec<TranscriptCue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptCue {
    pub speaker: Option<String>,
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// Graph's `recordingContentUrl`.
    pub content_url: String,
    /// Where the downloaded copy lives (object-store URL or path); `None` until downloaded.
    pub storage_location: Option<String>,
    /// Size of the downloaded copy in bytes.
    pub size_bytes: Option<u64>,
}

impl ArtifactRecord {
    pub fn kind(&self) -> ArtifactKind {
        match self.content {
            ArtifactContent::Transcript(_) => ArtifactKind::Transcript,
            ArtifactContent::Recording(_) => ArtifactKind::Recording,
        }
    }
}

macro_rules! artifact_columns {
    () => {
        "tenant_id, appointment_id, kind, provider_artifact_id, created_date_time, client_visible, \
         vtt, plain_text, cues, content_url, storage_location, size_bytes"
    };
}

// A later write that only knows the link (e.g. a re-listing) must not forget a download already
// made, hence the COALESCEs.
const UPSERT: &str = concat!(
    "INSERT INTO artifacts (",
    artifact_columns!(),
    ", created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
     ON CONFLICT (tenant_id, appointment_id, kind, provider_artifact_id) DO UPDATE SET \
       created_date_time = COALESCE(excluded.created_date_time, artifacts.created_date_time), \
       client_visible = excluded.client_visible, \
       vtt = excluded.vtt, \
       plain_text = excluded.plain_text, \
       cues = excluded.cues, \
       content_url = excluded.content_url, \
       storage_location = COALESCE(excluded.storage_location, artifacts.storage_location), \
       size_bytes = COALESCE(excluded.size_bytes, artifacts.size_bytes), \
       updated_at = excluded.updated_at"
);

const BY_APPOINTMENT: &str = concat!(
    "SELECT ",
    artifact_columns!(),
    " FROM artifacts WHERE tenant_id = $1 AND appointment_id = $2 \
      ORDER BY kind, created_date_time IS NULL, created_date_time, provider_artifact_id"
);

const BY_KEY: &str = concat!(
    "SELECT ",
    artifact_columns!(),
    " FROM artifacts WHERE tenant_id = $1 AND appointment_id = $2 AND kind = $3 \
      AND provider_artifact_id = $4"
);

/// The flat row; [`ArtifactRecord`] is its checked form.
#[derive(sqlx::FromRow)]
struct ArtifactRow {
    tenant_id: String,
    appointment_id: String,
    kind: String,
    provider_artifact_id: String,
    created_date_time: Option<DateTime<Utc>>,
    client_visible: bool,
    vtt: Option<String>,
    plain_text: Option<String>,
    cues: Option<String>,
    content_url: Option<String>,
    storage_location: Option<String>,
    size_bytes: Option<i64>,
}

impl TryFrom<ArtifactRow> for ArtifactRecord {
    type Error = StoreError;

    fn try_from(row: ArtifactRow) -> Result<Self, StoreError> {
        let content = match row.kind.parse().map_err(|e| corrupt("artifacts.kind", e))? {
            ArtifactKind::Transcript => ArtifactContent::Transcript(Transcript {
                vtt: row.vtt.ok_or_else(|| corrupt("artifacts.vtt", "missing"))?,
                plain_text: row
                    .plain_text
                    .ok_or_else(|| corrupt("artifacts.plain_text", "missing"))?,
                cues: serde_json::from_str(
                    &row.cues
                        .ok_or_else(|| corrupt("artifacts.cues", "missing"))?,
                )
                .map_err(|e| corrupt("artifacts.cues", e))?,
            }),
            ArtifactKind::Recording => ArtifactContent::Recording(Recording {
                content_url: row
                    .content_url
                    .ok_or_else(|| corrupt("artifacts.content_url", "missing"))?,
                storage_location: row.storage_location,
                size_bytes: row
                    .size_bytes
                    .map(u64::try_from)
                    .transpose()
                    .map_err(|e| corrupt("artifacts.size_bytes", e))?,
            }),
        };
        Ok(ArtifactRecord {
            tenant_id: row.tenant_id,
            appointment_id: row.appointment_id,
            provider_artifact_id: row.provider_artifact_id,
            created_date_time: row.created_date_time,
            client_visible: row.client_visible,
            content,
        })
    }
}

/// The nullable columns each kind fills.
#[derive(Default)]
struct ContentColumns<'a> {
    vtt: Option<&'a str>,
    plain_text: Option<&'a str>,
    cues: Option<String>,
    content_url: Option<&'a str>,
    storage_location: Option<&'a str>,
    size_bytes: Option<i64>,
}

impl<'a> ContentColumns<'a> {
    fn of(content: &'a ArtifactContent) -> Result<Self, StoreError> {
        Ok(match content {
            ArtifactContent::Transcript(t) => ContentColumns {
                vtt: Some(&t.vtt),
                plain_text: Some(&t.plain_text),
                cues: Some(
                    serde_json::to_string(&t.cues).map_err(|source| StoreError::Json {
                        what: "transcript cues",
                        source,
                    })?,
                ),
                ..Default::default()
            },
            ArtifactContent::Recording(r) => ContentColumns {
                content_url: Some(&r.content_url),
                storage_location: r.storage_location.as_deref(),
                size_bytes: r
                    .size_bytes
                    .map(|size| {
                        i64::try_from(size).map_err(|_| StoreError::OutOfRange {
                            field: "size_bytes",
                            value: size,
                        })
                    })
                    .transpose()?,
                ..Default::default()
            },
        })
    }
}

impl Store {
    /// Inserts or updates the artifact keyed by (tenant, appointment, kind, provider id).
    ///
    /// Repeating a call is a no-op. A recording's download location and size, once stored, survive
    /// a later write without them. Fails with [`StoreError::MeetingNotFound`] when the
    /// appointment has no stored meeting.
    pub async fn upsert_artifact(&self, a: &ArtifactRecord) -> Result<(), StoreError> {
        let columns = ContentColumns::of(&a.content)?;
        let now = Utc::now();
        on_pool!(self, "upsert_artifact", pool => sqlx::query(UPSERT)
            .bind(&a.tenant_id)
            .bind(&a.appointment_id)
            .bind(a.kind().as_str())
            .bind(&a.provider_artifact_id)
            .bind(a.created_date_time)
            .bind(a.client_visible)
            .bind(columns.vtt)
            .bind(columns.plain_text)
            .bind(&columns.cues)
            .bind(columns.content_url)
            .bind(columns.storage_location)
            .bind(columns.size_bytes)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(|e| match e.as_database_error() {
            Some(db) if db.is_foreign_key_violation() => StoreError::MeetingNotFound {
                tenant_id: a.tenant_id.clone(),
                appointment_id: a.appointment_id.clone(),
            },
            _ => e.into(),
        })?;
        Ok(())
    }

    /// All artifacts of an appointment: recordings first, each kind oldest first (undated last).
    pub async fn artifacts(
        &self,
        tenant_id: &str,
        appointment_id: &str,
    ) -> Result<Vec<ArtifactRecord>, StoreError> {
        let rows: Vec<ArtifactRow> = on_pool!(self, "artifacts", pool => sqlx::query_as(BY_APPOINTMENT)
            .bind(tenant_id)
            .bind(appointment_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(ArtifactRecord::try_from).collect()
    }

    /// One artifact by its natural key; lets capture skip what it already fetched.
    pub async fn artifact(
        &self,
        tenant_id: &str,
        appointment_id: &str,
        kind: ArtifactKind,
        provider_artifact_id: &str,
    ) -> Result<Option<ArtifactRecord>, StoreError> {
        let row: Option<ArtifactRow> = on_pool!(self, "artifact", pool => sqlx::query_as(BY_KEY)
            .bind(tenant_id)
            .bind(appointment_id)
            .bind(kind.as_str())
            .bind(provider_artifact_id)
            .fetch_optional(pool)
            .await)?;
        row.map(ArtifactRecord::try_from).transpose()
    }
}
