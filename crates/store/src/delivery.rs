//! Mails by delivery key, so a retried send activity never mails twice.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::connect::on_pool;
use crate::{Store, StoreError};
use meetflow_proto::text_enum;

text_enum! {
    pub enum DeliveryState {
        /// About to be handed to the mail transport; may or may not have left.
        Pending => "pending",
        /// Accepted by the mail transport. Final.
        Sent => "sent",
    }
}

/// One mail to one recipient for one step of an appointment's life.
///
/// The caller derives `key` deterministically (tenant, appointment, step, recipient), and keeps
/// `message_id` stable across retries so that a mail sent twice after a crash still threads as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Delivery {
    #[sqlx(rename = "delivery_key")]
    pub key: String,
    pub tenant_id: String,
    pub appointment_id: String,
    /// e.g. `approve`, `reschedule-1`, `cancel`.
    pub step: String,
    pub recipient: String,
    /// The RFC 5322 Message-ID the mail carries (or will carry).
    pub message_id: String,
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
}

macro_rules! delivery_columns {
    () => {
        "delivery_key, tenant_id, appointment_id, step, recipient, message_id, state"
    };
}

/// What [`Store::claim_delivery`] found for a delivery key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No attempt before this one: the delivery is recorded as pending now.
    New,
    /// An earlier attempt recorded it and may have handed the mail over already.
    Pending,
    /// An earlier attempt sent it, with this Message-ID. Final.
    Sent { message_id: String },
}

// The only change a repeat may make is pending → sent (with the Message-ID that actually left).
// Anything else keeps the stored row: a retried "pending" after the send must not reopen it, and
// a key reused for another recipient or step must not overwrite it. A row comes back only when
// the statement inserted or changed it, which needs the same identity; otherwise the stored row
// is read to tell a repeat from a conflict. Written as `pending`, it is a claim: a row comes back
// only when the key was new, as a `pending` never changes a stored row.
const RECORD: &str = concat!(
    "INSERT INTO deliveries (",
    delivery_columns!(),
    ", created_at, updated_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) \
     ON CONFLICT (delivery_key) DO UPDATE SET \
       message_id = excluded.message_id, \
       state = excluded.state, \
       updated_at = excluded.updated_at, \
       sent_at = excluded.sent_at \
     WHERE deliveries.state = 'pending' AND excluded.state = 'sent' \
       AND deliveries.tenant_id = excluded.tenant_id \
       AND deliveries.appointment_id = excluded.appointment_id \
       AND deliveries.step = excluded.step \
       AND deliveries.recipient = excluded.recipient \
     RETURNING delivery_key"
);

const BY_KEY: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM deliveries WHERE delivery_key = $1"
);

const COUNT_BY_APPOINTMENT: &str =
    "SELECT COUNT(*) FROM deliveries WHERE tenant_id = $1 AND appointment_id = $2";

impl Store {
    pub async fn delivery(&self, key: &str) -> Result<Option<Delivery>, StoreError> {
        Ok(on_pool!(self, "delivery", pool => sqlx::query_as(BY_KEY)
            .bind(key)
            .fetch_optional(pool)
            .await)?)
    }

    /// Records a delivery by its key. Repeats are no-ops; `Pending` → `Sent` is the one transition
    /// (and takes the given `message_id`); a `Sent` delivery never goes back.
    ///
    /// Fails with [`StoreError::DeliveryKeyConflict`] when the key is already recorded for another
    /// tenant, appointment, step or recipient.
    pub async fn record_delivery(&self, d: &Delivery) -> Result<(), StoreError> {
        if !self.write_delivery("record_delivery", d, d.state).await? {
            self.stored_as(d).await?;
        }
        Ok(())
    }

    /// Claims a delivery key before its mail is sent: records `d` as pending unless the key is
    /// recorded already, and says what an earlier attempt left (`d.state` is not read). One
    /// statement on a first attempt; a retry reads the stored row too.
    ///
    /// Fails with [`StoreError::DeliveryKeyConflict`] when the key is already recorded for another
    /// tenant, appointment, step or recipient.
    pub async fn claim_delivery(&self, d: &Delivery) -> Result<Claim, StoreError> {
        if self
            .write_delivery("claim_delivery", d, DeliveryState::Pending)
            .await?
        {
            return Ok(Claim::New);
        }
        let stored = self.stored_as(d).await?;
        Ok(match stored.state {
            DeliveryState::Pending => Claim::Pending,
            DeliveryState::Sent => Claim::Sent {
                message_id: stored.message_id,
            },
        })
    }

    /// [`RECORD`] of `d` in `state`: whether it inserted or changed the row.
    async fn write_delivery(
        &self,
        operation: &'static str,
        d: &Delivery,
        state: DeliveryState,
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        let sent_at = (state == DeliveryState::Sent).then_some(now);
        let written: Option<String> = on_pool!(self, operation, pool => sqlx::query_scalar(RECORD)
            .bind(&d.key)
            .bind(&d.tenant_id)
            .bind(&d.appointment_id)
            .bind(&d.step)
            .bind(&d.recipient)
            .bind(&d.message_id)
            .bind(state.as_str())
            .bind(now)
            .bind(sent_at)
            .fetch_optional(pool)
            .await)?;
        Ok(written.is_some())
    }

    /// The stored row of `d`'s key, when it is recorded for the same tenant, appointment, step
    /// and recipient.
    async fn stored_as(&self, d: &Delivery) -> Result<Delivery, StoreError> {
        match self.delivery(&d.key).await? {
            Some(s)
                if (&s.tenant_id, &s.appointment_id, &s.step, &s.recipient)
                    == (&d.tenant_id, &d.appointment_id, &d.step, &d.recipient) =>
            {
                Ok(s)
            }
            _ => Err(StoreError::DeliveryKeyConflict { key: d.key.clone() }),
        }
    }

    /// How many deliveries (pending or sent) an appointment has.
    pub async fn count_deliveries(
        &self,
        tenant_id: &str,
        appointment_id: &str,
    ) -> Result<u64, StoreError> {
        let count: i64 = on_pool!(self, "count_deliveries", pool => sqlx::query_scalar(COUNT_BY_APPOINTMENT)
            .bind(tenant_id)
            .bind(appointment_id)
            .fetch_one(pool)
            .await)?;
        u64::try_from(count).map_err(|e| crate::error::corrupt("COUNT(*)", e))
    }
}
