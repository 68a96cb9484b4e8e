use super::*;

fn load_str(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meetflow.toml");
    std::fs::write(&path, toml).unwrap();
    load(
        Some(&path),
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

const TENANT: &str = r#"
[tenants.acme]
microsoft_tenant_id = "11111111-2222-3333-4444-555555555555"
client_id = "app-1"
client_secret = { env = "ACME_SECRET" }
organizer_upn = "meetings@acme.example"
organizer_object_id = "obj-1"
[tenants.acme.capture]
first_poll_secs = 2
backoff_cap_secs = 8
window_secs = 30
"#;

#[test]
fn empty_file_is_the_embedded_default() {
    let c = load_str("", &[]).unwrap();
    assert_eq!(c.temporal.task_queue, "meetflow");
    assert_eq!(c.mail.transport, MailTransportKind::Outbox);
    assert!(c.store.url.starts_with("sqlite:"));
}

#[test]
fn tenant_settings_and_skip_reasons() {
    let c = load_str(TENANT, &[]).unwrap();
    let s = c.tenant("acme").unwrap().settings();
    assert_eq!(s.meeting_unavailable, None);
    assert_eq!(s.capture.first_poll_secs, 2);
    assert_eq!(
        s.capture.grace_after_end_secs, 300,
        "unset keys keep their defaults"
    );
    let unavailable = |toml: &str| {
        load_str(toml, &[])
            .unwrap()
            .tenant("acme")
            .unwrap()
            .settings()
            .meeting_unavailable
    };
    let no_object_id = TENANT.replace("organizer_object_id = \"obj-1\"", "");
    assert_eq!(unavailable(&no_object_id).as_deref(), Some("no_organizer"));
    assert_eq!(
        unavailable("[tenants.acme]\nteams_enabled = false\n").as_deref(),
        Some("disabled")
    );
}

#[test]
fn env_overrides_win() {
    let c = load_str(
        TENANT,
        &[
            ("MEETFLOW_STORE__URL", "postgres://db/meetflow"),
            ("MEETFLOW_TENANTS__ACME__SEND_INVITES", "false"),
            ("MEETFLOW_WORKER__GRACEFUL_SHUTDOWN_SECS", "3"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(c.store.url, "postgres://db/meetflow");
    assert!(!c.tenant("acme").unwrap().send_invites);
    assert_eq!(c.worker.graceful_shutdown_secs, 3);
}

#[test]
fn errors_name_the_key() {
    let e = load_str("[store]\nurl = \"mysql://x\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("config key `store.url`"), "{e}");
    let e = load_str("[mail]\ntransprot = \"smtp\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("config key `mail.transprot`: unknown field"),
        "{e}"
    );
    let e = load_str("[worker]\ngraceful_shutdown_secs = \"soon\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("worker.graceful_shutdown_secs"), "{e}");
    let e = load_str("[tenants.acme]\nclient_id = \"x\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tenants.acme") && e.contains("go together"),
        "{e}"
    );
    let e = load_str("[tenants.\"a/b\"]\n", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tenants.a/b"), "{e}");
    let e = load_str(&TENANT.replace("window_secs = 30", "window_secs = 1"), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tenants.acme.capture.window_secs"), "{e}");
}

#[test]
fn secrets_resolve_by_reference_and_never_print() {
    let c = load_str(TENANT, &[]).unwrap();
    let r = c.tenant("acme").unwrap().client_secret.clone().unwrap();
    let e = r
        .resolve_with("tenants.acme.client_secret", |_| None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "config key `tenants.acme.client_secret`: environment variable ACME_SECRET is not set"
    );
    let s = r
        .resolve_with("k", |n| {
            (n == "ACME_SECRET").then(|| "s3cr3t\n".to_string())
        })
        .unwrap();
    assert_eq!(s.expose(), "s3cr3t");
    assert!(!format!("{s:?} {s}").contains("s3cr3t"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("secret");
    std::fs::write(&f, "from-file\n").unwrap();
    assert_eq!(
        SecretRef::File(f).resolve("k").unwrap().expose(),
        "from-file"
    );
    let e = load_str("[tenants.acme]\nclient_secret = \"literal\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tenants.acme.client_secret"), "{e}");
}

#[test]
fn the_documented_example_is_valid() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/meetflow.example.toml");
    let c = load(Some(&path), std::iter::empty()).unwrap();
    assert_eq!(c.mail.transport, MailTransportKind::Smtp);
    assert!(
        c.tenant("acme")
            .unwrap()
            .settings()
            .meeting_unavailable
            .is_none()
    );
}
