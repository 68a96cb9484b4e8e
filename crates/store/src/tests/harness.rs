use std::future::Future;

use sqlx::Executor;

use crate::connect::on_pool;
use crate::{ScratchSchema, Store};

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A store on an isolated database, plus the URL that reaches the same database again.
pub struct TestDb {
    pub store: Store,
    pub url: String,
}

impl TestDb {
    /// Rows in `table`, counted behind the API's back.
    pub async fn rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        on_pool!(self.store, pool => sqlx::query_scalar(&sql).fetch_one(pool).await)
            .expect("count rows")
    }

    /// Runs raw SQL (e.g. to bypass the API's upserts) and returns the database's verdict.
    pub async fn raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        on_pool!(self.store, pool => pool.execute(sql).await.map(|_| ()))
    }
}

/// Runs `scenario` against a fresh database of `kind` and removes the database afterwards, even
/// when the scenario panics.
pub async fn run<F, Fut>(kind: Kind, scenario: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            // A missing parent directory: connect must create it.
            let path = dir.path().join("nested").join("meetflow.db");
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let store = Store::connect(&url).await.expect("connect to SQLite");
            let outcome = tokio::spawn(scenario(TestDb {
                store: store.clone(),
                url,
            }))
            .await;
            store.close().await;
            finish(outcome);
        }
        Kind::Postgres => {
            let base = pg_url();
            let schema = ScratchSchema::create(&base, "store_test")
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required by the store tests and is not reachable at {} \
                         ({e}). Start it, or point MEETFLOW_TEST_PG_URL at a server where the \
                         user may create schemas.",
                        redacted(&base)
                    )
                });
            let url = schema.url().to_owned();
            let outcome = match Store::connect(&url).await {
                Ok(store) => {
                    let outcome = tokio::spawn(scenario(TestDb {
                        store: store.clone(),
                        url,
                    }))
                    .await;
                    store.close().await;
                    Ok(outcome)
                }
                Err(e) => Err(e),
            };
            schema.drop_schema().await.expect("drop test schema");
            finish(outcome.expect("connect to PostgreSQL and migrate the test schema"));
        }
    }
}

fn finish(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("scenario did not finish: {e}"),
        }
    }
}

pub fn pg_url() -> String {
    std::env::var("MEETFLOW_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "(unparsable URL)".to_owned(),
    }
}
