use std::path::Path;

use crate::{Config, ConfigError, load};

/// base64 of 32 bytes of 0x07 and of 0x09.
const KEY_A: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
const KEY_B: &str = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";

/// Loads `toml` with every `@name@` replaced by the path of a secret file holding `name`'s value;
/// the files live as long as the returned folder.
fn load_with_files(
    toml: &str,
    files: &[(&str, &str)],
) -> (tempfile::TempDir, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = toml.to_string();
    for (name, value) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        text = text.replace(&format!("@{name}@"), &path.display().to_string());
    }
    let path = dir.path().join("meetflow.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = load(Some(&path), std::iter::empty());
    (dir, loaded)
}

const TWO_KEYS: &str = r#"
[codec]
enabled = true
encrypt_key_id = "2026-02"
keys = [
  { id = "2026-01", key = { file = "@a@" } },
  { id = "2026-02", key = { file = "@b@" } },
]
"#;

#[test]
fn off_by_default_and_keys_unread_when_off() {
    let c = load(None, std::iter::empty()).unwrap();
    assert!(!c.codec.enabled);
    assert!(c.codec.resolve().unwrap().is_none());
    let off = TWO_KEYS.replace("enabled = true", "enabled = false");
    let c = load_with_files(&off, &[]).1.unwrap();
    assert!(c.codec.resolve().unwrap().is_none());
}

#[test]
fn keys_resolve_and_the_newest_encrypts() {
    let (_dir, c) = load_with_files(TWO_KEYS, &[("a", KEY_A), ("b", KEY_B)]);
    let c = c.unwrap();
    let keys = c.codec.resolve().unwrap().unwrap();
    assert_eq!(keys.encrypt_key_id, "2026-02");
    assert_eq!(keys.keys[0], ("2026-01".to_string(), [7; 32]));
    assert_eq!(keys.keys[1], ("2026-02".to_string(), [9; 32]));
    let debug = format!("{keys:?} {c:?}");
    assert!(
        !debug.contains("[7, 7") && !debug.contains(KEY_A),
        "{debug}"
    );
    // Without encrypt_key_id the first key encrypts.
    let first = TWO_KEYS.replace("encrypt_key_id = \"2026-02\"\n", "");
    let (_dir, c) = load_with_files(&first, &[("a", KEY_A), ("b", KEY_B)]);
    let c = c.unwrap();
    assert_eq!(
        c.codec.resolve().unwrap().unwrap().encrypt_key_id,
        "2026-01"
    );
}

#[test]
fn bad_keys_are_refused_by_path_without_their_value() {
    let refused = |toml: &str, b: &str| {
        load_with_files(toml, &[("a", KEY_A), ("b", b)])
            .1
            .unwrap_err()
            .to_string()
    };
    let not_base64 = "this-is-not-base64-and-is-secret!";
    let e = refused(TWO_KEYS, not_base64);
    assert!(e.starts_with("config key `codec.keys[1].key`: "), "{e}");
    assert!(
        e.contains("not base64") && !e.contains("secret!") && !e.contains('!'),
        "{e}"
    );
    let short = "c2hvcnQtYnV0LXNlY3JldA==";
    let e = refused(TWO_KEYS, short);
    assert!(
        e.contains("codec.keys[1].key") && e.contains("16 bytes"),
        "{e}"
    );
    assert!(!e.contains(short), "{e}");
    let e = refused(
        &TWO_KEYS.replace("id = \"2026-02\"", "id = \"2026-01\""),
        KEY_B,
    );
    assert!(e.contains("codec.keys[1].id") && e.contains("twice"), "{e}");
    let e = refused(
        &TWO_KEYS.replace("encrypt_key_id = \"2026-02\"", "encrypt_key_id = \"k9\""),
        KEY_B,
    );
    assert!(
        e.contains("codec.encrypt_key_id") && e.contains("k9"),
        "{e}"
    );
    let e = refused(&TWO_KEYS.replace("id = \"2026-01\"", "id = \"a b\""), KEY_B);
    assert!(e.contains("codec.keys[0].id"), "{e}");
    let e = refused("[codec]\nenabled = true\n", KEY_B);
    assert!(
        e.contains("codec.keys") && e.contains("at least one"),
        "{e}"
    );
}

#[test]
fn env_overrides_turn_it_on() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    std::fs::write(&key, KEY_A).unwrap();
    let env = [
        ("MEETFLOW_CODEC__ENABLED", "true".to_string()),
        (
            "MEETFLOW_CODEC__KEYS",
            format!(
                r#"[{{ id = "k1", key = {{ file = "{}" }} }}]"#,
                key.display()
            ),
        ),
    ];
    let c = load(None, env.map(|(k, v)| (k.to_string(), v))).unwrap();
    assert_eq!(c.codec.resolve().unwrap().unwrap().encrypt_key_id, "k1");
}

#[test]
fn the_documented_codec_section_resolves() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/meetflow.example.toml");
    let mut c = load(Some(&path), std::iter::empty()).unwrap();
    assert!(
        !c.codec.keys.is_empty(),
        "the example documents [codec] keys"
    );
    c.codec.enabled = true;
    let keys = c
        .codec
        .resolve_with(|_| Some(KEY_A.to_string()))
        .unwrap()
        .unwrap();
    assert_eq!(keys.keys.len(), c.codec.keys.len());
}
