//! A throw-away PostgreSQL schema, so that a run of the store's tests, an end-to-end test or
//! `meetflow bench --store-url` gets tables of its own in a shared database and leaves nothing
//! behind.

use sqlx::postgres::PgConnection;
use sqlx::{Connection as _, Executor as _};

use crate::StoreError;

/// A schema `<prefix>_<random>` in the database of a PostgreSQL URL, created by
/// [`ScratchSchema::create`] and removed with everything in it by [`ScratchSchema::drop_schema`].
pub struct ScratchSchema {
    base: String,
    name: String,
    url: String,
}

impl ScratchSchema {
    /// Creates the schema in the database at `base` (a `postgres://` URL whose user may create
    /// schemas there). `prefix` is a plain identifier (letters, digits, `_`).
    pub async fn create(base: &str, prefix: &str) -> Result<ScratchSchema, StoreError> {
        assert!(
            !prefix.is_empty()
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "a schema prefix is a plain identifier"
        );
        let mut url = url::Url::parse(base)
            .map_err(|e| StoreError::InvalidUrl(sqlx::Error::Configuration(e.into())))?;
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(base).await?;
        admin
            .execute(format!("CREATE SCHEMA {name}").as_str())
            .await?;
        let _ = admin.close().await;
        // Every connection of a store opened on this URL gets the schema first on its
        // `search_path` through the startup options, so migrations and queries land in it.
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={name}"));
        Ok(ScratchSchema {
            base: base.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    /// The URL that opens a store in this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the schema and everything in it (`DROP SCHEMA … CASCADE`).
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        let mut admin = PgConnection::connect(&self.base).await?;
        admin
            .execute(format!("DROP SCHEMA {} CASCADE", self.name).as_str())
            .await?;
        let _ = admin.close().await;
        Ok(())
    }
}
