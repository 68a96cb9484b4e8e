//! A private schema in the machine's PostgreSQL (127.0.0.1:5432, database `test`; override with
//! MEETFLOW_TEST_PG_URL) for one test, dropped afterwards.

use meetflow_store::ScratchSchema;

pub struct PgSchema {
    schema: ScratchSchema,
}

/// The machine's PostgreSQL, or `MEETFLOW_TEST_PG_URL`.
pub fn pg_url() -> String {
    std::env::var("MEETFLOW_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl PgSchema {
    pub async fn create() -> Self {
        let base = pg_url();
        let schema = ScratchSchema::create(&base, "e2e")
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {base} is required (scripts/setup.sh starts it): {e}")
            });
        Self { schema }
    }

    /// The URL that opens a store in this schema.
    pub fn url(&self) -> &str {
        self.schema.url()
    }

    pub async fn drop_schema(self) {
        let _ = self.schema.drop_schema().await;
    }
}
