use std::collections::HashMap;

use temporalio_common::{
    data_converters::{PayloadCodec, SerializationContextData},
    protos::temporal::api::common::v1::Payload,
};

use crate::{CodecError, ENCODING, EncryptionCodec, KEY_ID_METADATA, Keyring, is_sealed};

const OLD: [u8; 32] = [1; 32];
const NEW: [u8; 32] = [2; 32];

fn codec(encrypt_with: &str, keys: &[(&str, [u8; 32])]) -> EncryptionCodec {
    let keys = keys.iter().map(|(id, k)| (id.to_string(), *k));
    EncryptionCodec::new(Keyring::new(encrypt_with, keys).unwrap())
}

fn json(text: &str) -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_string(), b"json/plain".to_vec())]),
        data: text.as_bytes().to_vec(),
        ..Default::default()
    }
}

fn meta<'a>(p: &'a Payload, key: &str) -> &'a [u8] {
    p.metadata.get(key).map(Vec::as_slice).unwrap_or_default()
}

#[test]
fn round_trip_restores_the_inner_payload_and_hides_it() {
    let c = codec("k1", &[("k1", OLD)]);
    let plain = json(r#"{"email":"ana.client@customer.example"}"#);
    let sealed = c.seal(&plain).unwrap();
    assert_eq!(meta(&sealed, "encoding"), ENCODING.as_bytes());
    assert_eq!(meta(&sealed, KEY_ID_METADATA), b"k1");
    assert_eq!(
        sealed.metadata.len(),
        2,
        "nothing of the inner metadata leaks"
    );
    let hay = String::from_utf8_lossy(&sealed.data);
    assert!(!hay.contains("ana.client") && !hay.contains("json/plain"));
    assert_eq!(c.open(sealed).unwrap(), plain);
}

#[test]
fn each_payload_gets_its_own_nonce() {
    let c = codec("k1", &[("k1", OLD)]);
    let p = json("1");
    let (a, b) = (c.seal(&p).unwrap(), c.seal(&p).unwrap());
    assert_ne!(a.data[..12], b.data[..12]);
    assert_ne!(a.data, b.data);
}

#[test]
fn rotation_old_key_decrypts_new_key_encrypts() {
    let before = codec("old", &[("old", OLD)]);
    let sealed_before = before.seal(&json("\"kept for years\"")).unwrap();
    let after = codec("new", &[("old", OLD), ("new", NEW)]);
    assert_eq!(after.encrypt_key_id(), "new");
    assert_eq!(
        after.open(sealed_before).unwrap(),
        json("\"kept for years\"")
    );
    let sealed_after = after.seal(&json("2")).unwrap();
    assert_eq!(meta(&sealed_after, KEY_ID_METADATA), b"new");
    // The new key really is the one used: the old-only codec cannot read it.
    assert!(matches!(
        before.open(sealed_after),
        Err(CodecError::UnknownKey(id)) if id == "new"
    ));
}

#[test]
fn unknown_key_id_is_named_and_the_key_is_not() {
    let writer = codec("retired", &[("retired", OLD)]);
    let sealed = writer.seal(&json("1")).unwrap();
    let reader = codec("k2", &[("k2", NEW)]);
    let message = reader.open(sealed).unwrap_err().to_string();
    assert!(message.contains("\"retired\""), "{message}");
    assert!(!message.contains("k2"), "{message}");
    let debug = format!("{reader:?}");
    assert!(debug.contains("k2") && !debug.contains("2, 2"), "{debug}");
}

#[test]
fn tampered_or_truncated_ciphertext_fails() {
    let c = codec("k1", &[("k1", OLD)]);
    let sealed = c.seal(&json("\"pay 100\"")).unwrap();
    for i in [0, 12, sealed.data.len() - 1] {
        let mut bad = sealed.clone();
        bad.data[i] ^= 0x01;
        assert!(
            matches!(c.open(bad), Err(CodecError::Tampered(_))),
            "flipped byte {i}"
        );
    }
    let mut short = sealed.clone();
    short.data.truncate(5);
    assert!(matches!(c.open(short), Err(CodecError::Tampered(_))));
    // The same id with different key bytes is caught too, not decrypted into garbage.
    let impostor = codec("k1", &[("k1", NEW)]);
    assert!(matches!(
        impostor.open(sealed),
        Err(CodecError::Tampered(_))
    ));
}

#[test]
fn payloads_not_ours_pass_through() {
    let c = codec("k1", &[("k1", OLD)]);
    let plain = json("{\"written\":\"before the codec\"}");
    assert!(!is_sealed(&plain));
    assert_eq!(c.open(plain.clone()).unwrap(), plain);
    let binary = Payload {
        metadata: HashMap::from([("encoding".to_string(), b"binary/null".to_vec())]),
        ..Default::default()
    };
    assert_eq!(c.open(binary.clone()).unwrap(), binary);
    let no_id = Payload {
        metadata: HashMap::from([("encoding".to_string(), ENCODING.as_bytes().to_vec())]),
        data: vec![0; 40],
        ..Default::default()
    };
    assert!(matches!(c.open(no_id), Err(CodecError::NoKeyId)));
}

#[test]
fn keyring_refuses_inconsistent_keys() {
    let err = |enc: &str, ids: &[&str]| {
        Keyring::new(enc, ids.iter().map(|id| (id.to_string(), OLD)))
            .unwrap_err()
            .to_string()
    };
    assert!(err("k9", &["k1"]).contains("\"k9\""));
    assert!(err("k1", &["k1", "k1"]).contains("twice"));
    assert!(err("", &[""]).contains("empty"));
}

#[test]
fn sealed_failure_messages_open_with_their_causes() {
    use temporalio_common::protos::temporal::api::failure::v1::Failure;
    let c = codec("k1", &[("k1", OLD)]);
    let sealed = |message: &str| Failure {
        message: "Encoded failure".into(),
        encoded_attributes: Some(
            c.seal(&json(&format!(
                r#"{{"message":"{message}","stack_trace":"at x"}}"#
            )))
            .unwrap(),
        ),
        ..Default::default()
    };
    let mut outer = sealed("start is in the past");
    outer.cause = Some(Box::new(sealed("root cause")));
    c.open_failure(&mut outer).unwrap();
    assert_eq!(outer.message, "start is in the past");
    assert_eq!(outer.stack_trace, "at x");
    assert_eq!(outer.cause.unwrap().message, "root cause");
    let mut plain = Failure {
        message: "not encoded".into(),
        ..Default::default()
    };
    c.open_failure(&mut plain).unwrap();
    assert_eq!(plain.message, "not encoded");
}

#[tokio::test]
async fn sdk_codec_interface_round_trips_batches() {
    let c = codec("k1", &[("k1", OLD)]);
    let ctx = SerializationContextData::None;
    let batch = vec![json("1"), json("\"two\""), Payload::default()];
    let sealed = c.encode(&ctx, batch.clone()).await.unwrap();
    assert!(sealed.iter().all(is_sealed));
    assert_eq!(c.decode(&ctx, sealed).await.unwrap(), batch);
}
