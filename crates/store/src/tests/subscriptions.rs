use chrono::Duration;

use super::harness::TestDb;
use super::{at, on_both_backends};

on_both_backends!(
    a_generation_is_begun_created_renewed_and_replaced,
    a_stale_generation_cannot_record_its_id,
);

async fn a_generation_is_begun_created_renewed_and_replaced(db: TestDb) {
    let s = &db.store;
    assert_eq!(s.subscription("t1", "recordings").await.unwrap(), None);
    s.begin_subscription("t1", "recordings", 1, "state-1")
        .await
        .unwrap();
    let row = s.subscription("t1", "recordings").await.unwrap().unwrap();
    assert_eq!((row.generation, row.subscription_id.as_deref()), (1, None));
    assert_eq!(row.client_state, "state-1");
    assert!(
        !format!("{row:?}").contains("state-1"),
        "Debug hides the secret"
    );

    s.record_subscription_created("t1", "recordings", 1, "sub-1", at(9))
        .await
        .unwrap();
    s.record_subscription_error("t1", "recordings", "graph_throttled", "later")
        .await
        .unwrap();
    s.record_subscription_renewed("t1", "recordings", "sub-1", at(9) + Duration::hours(47))
        .await
        .unwrap();
    // A renewal of an id the row no longer holds changes nothing.
    s.record_subscription_renewed("t1", "recordings", "sub-0", at(20))
        .await
        .unwrap();
    let row = s.subscription("t1", "recordings").await.unwrap().unwrap();
    assert_eq!(row.subscription_id.as_deref(), Some("sub-1"));
    assert_eq!(row.expires_at, Some(at(9) + Duration::hours(47)));
    assert_eq!(row.renewals, 1);
    assert_eq!(row.last_error_code, None, "a renewal clears the last error");

    // The next generation forgets the previous subscription and its secret.
    s.begin_subscription("t1", "recordings", 2, "state-2")
        .await
        .unwrap();
    let row = s.subscription("t1", "recordings").await.unwrap().unwrap();
    assert_eq!((row.generation, row.subscription_id.as_deref()), (2, None));
    assert_eq!((row.client_state.as_str(), row.renewals), ("state-2", 0));
    s.begin_subscription("t1", "transcripts", 1, "state-t")
        .await
        .unwrap();
    assert_eq!(s.subscriptions().await.unwrap().len(), 2);
    s.delete_subscription("t1", "recordings").await.unwrap();
    assert_eq!(s.subscriptions().await.unwrap().len(), 1);
}

async fn a_stale_generation_cannot_record_its_id(db: TestDb) {
    let s = &db.store;
    s.begin_subscription("t1", "transcripts", 2, "state-2")
        .await
        .unwrap();
    // A late attempt of generation 1 (a lost worker) must not claim the row.
    s.record_subscription_created("t1", "transcripts", 1, "sub-old", at(9))
        .await
        .unwrap();
    let row = s.subscription("t1", "transcripts").await.unwrap().unwrap();
    assert_eq!(row.subscription_id, None);
}
