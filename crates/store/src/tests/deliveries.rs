use super::harness::TestDb;
use super::on_both_backends;
use crate::{Claim, Delivery, DeliveryState, StoreError};

on_both_backends!(
    pending_then_sent_and_never_back,
    a_claim_says_what_earlier_attempts_left,
    a_claim_of_a_key_used_for_another_recipient_is_a_conflict,
    key_reused_for_another_recipient_is_a_conflict,
    concurrent_records_of_one_key_keep_one_row_and_end_sent,
    count_is_per_appointment,
);

fn delivery(recipient: &str, message_id: &str, state: DeliveryState) -> Delivery {
    Delivery {
        key: format!("t1/a1/approve/{recipient}"),
        tenant_id: "t1".to_owned(),
        appointment_id: "a1".to_owned(),
        step: "approve".to_owned(),
        recipient: recipient.to_owned(),
        message_id: message_id.to_owned(),
        state,
    }
}

async fn pending_then_sent_and_never_back(db: TestDb) {
    let pending = delivery(
        "client@example.com",
        "<m1@meetflow>",
        DeliveryState::Pending,
    );
    db.store.record_delivery(&pending).await.unwrap();
    db.store.record_delivery(&pending).await.unwrap();
    assert_eq!(
        db.store.delivery(&pending.key).await.unwrap(),
        Some(pending.clone())
    );

    // A retry that made up a new Message-ID while still pending keeps the first one.
    let retry = delivery(
        "client@example.com",
        "<m2@meetflow>",
        DeliveryState::Pending,
    );
    db.store.record_delivery(&retry).await.unwrap();
    assert_eq!(
        db.store.delivery(&pending.key).await.unwrap(),
        Some(pending.clone())
    );

    let sent = delivery("client@example.com", "<m1@meetflow>", DeliveryState::Sent);
    db.store.record_delivery(&sent).await.unwrap();
    assert_eq!(
        db.store.delivery(&sent.key).await.unwrap(),
        Some(sent.clone())
    );

    // A crashed attempt replaying "pending" after the send must not reopen the delivery.
    db.store.record_delivery(&pending).await.unwrap();
    db.store.record_delivery(&retry).await.unwrap();
    assert_eq!(db.store.delivery(&sent.key).await.unwrap(), Some(sent));
    assert_eq!(db.rows("deliveries").await, 1);
}

async fn key_reused_for_another_recipient_is_a_conflict(db: TestDb) {
    let original = delivery(
        "client@example.com",
        "<m1@meetflow>",
        DeliveryState::Pending,
    );
    db.store.record_delivery(&original).await.unwrap();

    let mut clash = delivery("tech@example.com", "<m9@meetflow>", DeliveryState::Sent);
    clash.key = original.key.clone();
    let err = db.store.record_delivery(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::DeliveryKeyConflict { ref key } if *key == original.key));
    assert!(!err.is_retryable());
    assert_eq!(
        db.store.delivery(&original.key).await.unwrap(),
        Some(original)
    );
}

async fn concurrent_records_of_one_key_keep_one_row_and_end_sent(db: TestDb) {
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let store = db.store.clone();
            let state = if i % 2 == 0 {
                DeliveryState::Pending
            } else {
                DeliveryState::Sent
            };
            tokio::spawn(async move {
                let d = delivery("client@example.com", "<m1@meetflow>", state);
                for _ in 0..3 {
                    store.record_delivery(&d).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(db.rows("deliveries").await, 1);
    let stored = db
        .store
        .delivery("t1/a1/approve/client@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, DeliveryState::Sent);
}

async fn count_is_per_appointment(db: TestDb) {
    for recipient in ["client@example.com", "tech@example.com"] {
        let d = delivery(recipient, &format!("<{recipient}>"), DeliveryState::Sent);
        db.store.record_delivery(&d).await.unwrap();
        db.store.record_delivery(&d).await.unwrap();
    }
    let mut elsewhere = delivery("client@example.com", "<x>", DeliveryState::Sent);
    elsewhere.appointment_id = "a2".to_owned();
    elsewhere.key = "t1/a2/approve/client@example.com".to_owned();
    db.store.record_delivery(&elsewhere).await.unwrap();

    assert_eq!(db.store.count_deliveries("t1", "a1").await.unwrap(), 2);
    assert_eq!(db.store.count_deliveries("t1", "a2").await.unwrap(), 1);
    assert_eq!(db.store.count_deliveries("t2", "a1").await.unwrap(), 0);
}

async fn a_claim_says_what_earlier_attempts_left(db: TestDb) {
    let first = delivery("client@example.com", "<m1@meetflow>", DeliveryState::Sent);
    assert_eq!(db.store.claim_delivery(&first).await.unwrap(), Claim::New);
    // The claim records pending whatever state it is given.
    let pending = delivery(
        "client@example.com",
        "<m1@meetflow>",
        DeliveryState::Pending,
    );
    assert_eq!(
        db.store.delivery(&first.key).await.unwrap(),
        Some(pending.clone())
    );
    // A retry (new Message-ID or not) finds it pending and keeps the first Message-ID.
    let retry = delivery(
        "client@example.com",
        "<m2@meetflow>",
        DeliveryState::Pending,
    );
    assert_eq!(
        db.store.claim_delivery(&retry).await.unwrap(),
        Claim::Pending
    );
    assert_eq!(db.store.delivery(&first.key).await.unwrap(), Some(pending));

    db.store.record_delivery(&first).await.unwrap();
    assert_eq!(
        db.store.claim_delivery(&retry).await.unwrap(),
        Claim::Sent {
            message_id: "<m1@meetflow>".to_owned()
        }
    );
    assert_eq!(db.store.delivery(&first.key).await.unwrap(), Some(first));
    assert_eq!(db.rows("deliveries").await, 1);
}

async fn a_claim_of_a_key_used_for_another_recipient_is_a_conflict(db: TestDb) {
    let original = delivery("client@example.com", "<m1@meetflow>", DeliveryState::Sent);
    db.store.record_delivery(&original).await.unwrap();

    let mut clash = delivery("tech@example.com", "<m9@meetflow>", DeliveryState::Pending);
    clash.key = original.key.clone();
    let err = db.store.claim_delivery(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::DeliveryKeyConflict { ref key } if *key == original.key));
    assert_eq!(
        db.store.delivery(&original.key).await.unwrap(),
        Some(original)
    );
}
