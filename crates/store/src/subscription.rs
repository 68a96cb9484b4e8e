//! One row per (tenant, resource): the Graph subscription a `SubscriptionKeeper` keeps, with
//! the `clientState` its notifications carry.
//!
//! Graph's create is not idempotent, so the create activity writes the row first (the new
//! `generation` and `clientState`, no subscription id yet), then creates, then records the id
//! it got: a retry of the same generation finds that id and reuses it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::connect::on_pool;
use crate::{Store, StoreError};

/// A tenant's subscription on one resource. `client_state` is a secret: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SubscriptionRecord {
    pub tenant_id: String,
    /// `recordings` or `transcripts` (meetflow_proto::status::SubscribedResource).
    pub resource: String,
    /// The keeper's count of creates when this subscription was made.
    #[sqlx(try_from = "i64")]
    pub generation: u64,
    /// Graph's id; `None` between writing the row and Graph's answer (or after a failure).
    pub subscription_id: Option<String>,
    pub client_state: String,
    pub expires_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "i64")]
    pub renewals: u64,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    /// When it was created or last renewed (or failed to be).
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for SubscriptionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionRecord")
            .field("tenant_id", &self.tenant_id)
            .field("resource", &self.resource)
            .field("generation", &self.generation)
            .field("subscription_id", &self.subscription_id)
            .field("client_state", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("renewals", &self.renewals)
            .field("last_error_code", &self.last_error_code)
            .finish_non_exhaustive()
    }
}

macro_rules! subscription_columns {
    () => {
        "tenant_id, resource, generation, subscription_id, client_state, expires_at, renewals, \
         last_error_code, last_error_message, updated_at"
    };
}

const BY_KEY: &str = concat!(
    "SELECT ",
    subscription_columns!(),
    " FROM subscriptions WHERE tenant_id = $1 AND resource = $2"
);

const ALL: &str = concat!(
    "SELECT ",
    subscription_columns!(),
    " FROM subscriptions ORDER BY tenant_id, resource"
);

// A new generation replaces whatever the row held: the old subscription is deleted at Graph
// before (by the caller), and its clientState must stop being accepted.
const BEGIN: &str = "INSERT INTO subscriptions (tenant_id, resource, generation, subscription_id, \
     client_state, expires_at, renewals, created_at, updated_at) \
     VALUES ($1, $2, $3, NULL, $4, NULL, 0, $5, $5) \
     ON CONFLICT (tenant_id, resource) DO UPDATE SET \
       generation = excluded.generation, subscription_id = NULL, \
       client_state = excluded.client_state, expires_at = NULL, renewals = 0, \
       last_error_code = NULL, last_error_message = NULL, updated_at = excluded.updated_at";

const CREATED: &str = "UPDATE subscriptions SET subscription_id = $4, expires_at = $5, \
     updated_at = $6 WHERE tenant_id = $1 AND resource = $2 AND generation = $3";

const RENEWED: &str = "UPDATE subscriptions SET expires_at = $4, renewals = renewals + 1, \
     last_error_code = NULL, last_error_message = NULL, updated_at = $5 \
     WHERE tenant_id = $1 AND resource = $2 AND subscription_id = $3";

const FAILED: &str = "UPDATE subscriptions SET last_error_code = $3, last_error_message = $4, \
     updated_at = $5 WHERE tenant_id = $1 AND resource = $2";

const DELETE: &str = "DELETE FROM subscriptions WHERE tenant_id = $1 AND resource = $2";

/// A generation as its `BIGINT` column holds it (read back through `#[sqlx(try_from = "i64")]`).
fn column_generation(generation: u64) -> Result<i64, StoreError> {
    i64::try_from(generation).map_err(|e| crate::error::corrupt("generation", e))
}

impl Store {
    pub async fn subscription(
        &self,
        tenant_id: &str,
        resource: &str,
    ) -> Result<Option<SubscriptionRecord>, StoreError> {
        Ok(
            on_pool!(self, "subscription", pool => sqlx::query_as(BY_KEY)
            .bind(tenant_id)
            .bind(resource)
            .fetch_optional(pool)
            .await)?,
        )
    }

    /// Every tenant's subscriptions (the receiver's clientStates, `subscriptions list`).
    pub async fn subscriptions(&self) -> Result<Vec<SubscriptionRecord>, StoreError> {
        Ok(on_pool!(self, "subscriptions", pool => sqlx::query_as(ALL)
            .fetch_all(pool)
            .await)?)
    }

    /// Starts `generation` with a fresh `client_state`, forgetting the previous subscription.
    pub async fn begin_subscription(
        &self,
        tenant_id: &str,
        resource: &str,
        generation: u64,
        client_state: &str,
    ) -> Result<(), StoreError> {
        let generation = column_generation(generation)?;
        on_pool!(self, "begin_subscription", pool => sqlx::query(BEGIN)
            .bind(tenant_id)
            .bind(resource)
            .bind(generation)
            .bind(client_state)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Records the id Graph gave `generation`'s subscription (a no-op once a newer generation
    /// began).
    pub async fn record_subscription_created(
        &self,
        tenant_id: &str,
        resource: &str,
        generation: u64,
        subscription_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let generation = column_generation(generation)?;
        on_pool!(self, "record_subscription_created", pool => sqlx::query(CREATED)
            .bind(tenant_id)
            .bind(resource)
            .bind(generation)
            .bind(subscription_id)
            .bind(expires_at)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Records a renewal of `subscription_id` (a no-op for one the row no longer holds).
    pub async fn record_subscription_renewed(
        &self,
        tenant_id: &str,
        resource: &str,
        subscription_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, "record_subscription_renewed", pool => sqlx::query(RENEWED)
            .bind(tenant_id)
            .bind(resource)
            .bind(subscription_id)
            .bind(expires_at)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Keeps the last failure of a create, renewal or reauthorization for `subscriptions list`.
    pub async fn record_subscription_error(
        &self,
        tenant_id: &str,
        resource: &str,
        code: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, "record_subscription_error", pool => sqlx::query(FAILED)
            .bind(tenant_id)
            .bind(resource)
            .bind(code)
            .bind(message)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Forgets the tenant's subscription on `resource` (deleted at Graph by the caller).
    pub async fn delete_subscription(
        &self,
        tenant_id: &str,
        resource: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, "delete_subscription", pool => sqlx::query(DELETE)
            .bind(tenant_id)
            .bind(resource)
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }
}
