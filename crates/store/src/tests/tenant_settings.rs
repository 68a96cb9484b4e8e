use serde::{Deserialize, Serialize};

use super::harness::TestDb;
use super::on_both_backends;

on_both_backends!(settings_round_trip_and_replace);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Settings {
    organizer_upn: String,
    send_invites: bool,
}

async fn settings_round_trip_and_replace(db: TestDb) {
    assert_eq!(
        db.store.tenant_settings::<Settings>("t1").await.unwrap(),
        None
    );
    let first = Settings {
        organizer_upn: "a@contoso.example".to_owned(),
        send_invites: true,
    };
    db.store.put_tenant_settings("t1", &first).await.unwrap();
    db.store.put_tenant_settings("t1", &first).await.unwrap();
    assert_eq!(db.store.tenant_settings("t1").await.unwrap(), Some(first));

    let second = Settings {
        organizer_upn: "b@contoso.example".to_owned(),
        send_invites: false,
    };
    db.store.put_tenant_settings("t1", &second).await.unwrap();
    assert_eq!(db.store.tenant_settings("t1").await.unwrap(), Some(second));
    assert_eq!(db.rows("tenant_settings").await, 1);

    // Stored JSON that no longer matches the type is reported, not panicked on.
    db.raw("UPDATE tenant_settings SET settings = '{\"organizer_upn\": 1}'")
        .await
        .unwrap();
    let err = db
        .store
        .tenant_settings::<Settings>("t1")
        .await
        .unwrap_err();
    assert!(matches!(err, crate::StoreError::Json { .. }), "{err}");
}
