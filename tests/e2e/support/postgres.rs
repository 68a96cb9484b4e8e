//! A private schema in the machine's PostgreSQL (127.0.0.1:5432, database `test`; override with
//! MEETFLOW_TEST_PG_URL) for one test, dropped afterwards.

use sqlx::{Connection, PgConnection};

pub struct PgSchema {
    base: String,
    schema: String,
    pub url: String,
}

impl PgSchema {
    pub async fn create() -> Self {
        let base = std::env::var("MEETFLOW_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("e2e_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&base).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {base} is required (scripts/setup.sh starts it): {e}")
        });
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
        Self {
            base,
            schema,
            url: url.to_string(),
        }
    }

    pub async fn drop_schema(self) {
        if let Ok(mut conn) = PgConnection::connect(&self.base).await {
            let _ = sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
                .execute(&mut conn)
                .await;
        }
    }
}
