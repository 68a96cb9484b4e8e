use super::harness::TestDb;
use super::{meeting, on_both_backends};
use crate::{Store, StoreError};

/// Files under `migrations/<backend>/`.
const MIGRATIONS: i64 = 4;

on_both_backends!(
    migrations_create_every_table,
    reconnect_keeps_schema_and_data
);

async fn migrations_create_every_table(db: TestDb) {
    for table in [
        "meetings",
        "artifacts",
        "deliveries",
        "subscriptions",
        "attendance_records",
        "attendance_summaries",
    ] {
        assert_eq!(db.rows(table).await, 0, "{table} exists and starts empty");
    }
    assert_eq!(db.rows("_sqlx_migrations").await, MIGRATIONS);
}

async fn reconnect_keeps_schema_and_data(db: TestDb) {
    db.store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();

    // Migrations run again on every start; a second worker must find them applied.
    let again = Store::connect(&db.url).await.expect("reconnect");
    assert_eq!(
        again.get_meeting("t1", "a1").await.unwrap(),
        Some(meeting("t1", "a1"))
    );
    assert_eq!(db.rows("_sqlx_migrations").await, MIGRATIONS);
    again.close().await;
}

#[tokio::test]
async fn in_memory_sqlite_keeps_data_for_the_life_of_the_store() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend_name(), "sqlite");
    store.upsert_meeting(&meeting("t1", "a1")).await.unwrap();
    // The pool must not have dropped (and so emptied) the database between calls.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(store.get_meeting("t1", "a1").await.unwrap().is_some());

    // A second in-memory store is a different database.
    let other = Store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(other.get_meeting("t1", "a1").await.unwrap(), None);
}

#[tokio::test]
async fn unsupported_url_names_the_scheme_only() {
    let err = Store::connect("mysql://root:hunter2@127.0.0.1/db")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl { ref scheme } if scheme == "mysql"));
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn unreachable_postgres_is_a_retryable_error_without_the_password() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let err = Store::connect("postgres://meetflow:hunter2@127.0.0.1:1/meetflow")
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
}
