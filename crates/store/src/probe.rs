//! A write probe for `meetflow doctor`: proves the store is reachable, migrated and writable.

use chrono::Utc;
use sqlx::Connection as _;

use crate::connect::on_pool;
use crate::{Store, StoreError};

// A delivery row under the caller's probe key (one nobody else writes), inside a transaction
// that is rolled back: nothing stays behind, whatever fails in between.
const INSERT: &str = "INSERT INTO deliveries (delivery_key, tenant_id, appointment_id, step, \
     recipient, message_id, state, created_at, updated_at) \
     VALUES ($1, 'meetflow-doctor', 'probe', 'probe', 'probe', 'probe', 'pending', $2, $2)";
const SELECT: &str = "SELECT delivery_key FROM deliveries WHERE delivery_key = $1";

impl Store {
    /// Inserts a probe row under `key`, reads it back and rolls the transaction back.
    pub async fn probe(&self, key: &str) -> Result<(), StoreError> {
        let found: Option<String> = on_pool!(self, pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query(INSERT)
                .bind(key)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
            let found = sqlx::query_scalar(SELECT)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, sqlx::Error>(found)
        }
        .await)?;
        match found {
            Some(k) if k == key => Ok(()),
            _ => Err(crate::error::corrupt(
                "deliveries.delivery_key",
                "the probe row written was not read back",
            )),
        }
    }
}
