//! A cache of each tenant's non-secret settings, so the PSA and operators can see what a worker
//! last applied. Secrets (client secrets, tokens) must never be passed here.

use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::connect::on_pool;
use crate::{Store, StoreError};

const PUT: &str = "INSERT INTO tenant_settings (tenant_id, settings, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (tenant_id) DO UPDATE SET \
                     settings = excluded.settings, updated_at = excluded.updated_at";

const GET: &str = "SELECT settings FROM tenant_settings WHERE tenant_id = $1";

impl Store {
    /// Stores `settings` (any serde type, as JSON) for `tenant_id`, replacing what was there.
    pub async fn put_tenant_settings<T: Serialize>(
        &self,
        tenant_id: &str,
        settings: &T,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(settings).map_err(|source| StoreError::Json {
            what: "tenant settings",
            source,
        })?;
        let now = Utc::now();
        on_pool!(self, pool => sqlx::query(PUT)
            .bind(tenant_id)
            .bind(&json)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn tenant_settings<T: DeserializeOwned>(
        &self,
        tenant_id: &str,
    ) -> Result<Option<T>, StoreError> {
        let json: Option<String> = on_pool!(self, pool => sqlx::query_scalar(GET)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?;
        json.map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|source| StoreError::Json {
                what: "tenant settings",
                source,
            })
    }
}
