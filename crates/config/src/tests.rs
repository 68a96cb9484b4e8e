use super::*;
use meetflow_proto::status::SkipReason;

fn load_str(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meetflow.toml");
    std::fs::write(&path, toml).unwrap();
    load(
        Some(&path),
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

/// The load error's text for a configuration that must be refused.
fn refused(toml: &str) -> String {
    load_str(toml, &[]).unwrap_err().to_string()
}

const TENANT: &str = r#"
[tenants.acme]
microsoft_tenant_id = "11111111-2222-3333-4444-555555555555"
client_id = "app-1"
client_secret = { env = "ACME_SECRET" }
organizer_upn = "meetings@acme.example"
organizer_object_id = "0a1b2c3d-0000-4000-8000-00000000000a"
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
    assert!(!c.store.url.is_postgres());
    assert_eq!(c.mail.from.as_str(), "meetings@meetflow.localhost");
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
    let no_object_id = TENANT.replace(
        "organizer_object_id = \"0a1b2c3d-0000-4000-8000-00000000000a\"",
        "",
    );
    assert_eq!(unavailable(&no_object_id), Some(SkipReason::NoOrganizer));
    assert_eq!(
        unavailable("[tenants.acme]\nteams_enabled = false\n"),
        Some(SkipReason::Disabled)
    );
    assert_eq!(
        unavailable("[tenants.acme]\n"),
        Some(SkipReason::NotConfigured)
    );
    let acme = c.tenant("acme").unwrap();
    assert_eq!(
        acme.organizer().unwrap().object_id.as_str(),
        "0a1b2c3d-0000-4000-8000-00000000000a"
    );
}

#[test]
fn env_overrides_win() {
    let c = load_str(
        TENANT,
        &[
            ("MEETFLOW_STORE__URL", "postgres://db/meetflow"),
            (
                "MEETFLOW_TENANTS__ACME__EXCHANGE_SENDS_INVITATIONS",
                "false",
            ),
            ("MEETFLOW_WORKER__GRACEFUL_SHUTDOWN_SECS", "3"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(c.store.url.expose(), "postgres://db/meetflow");
    assert!(!c.tenant("acme").unwrap().exchange_sends_invitations);
    assert_eq!(c.worker.graceful_shutdown_secs, 3);
}

#[test]
fn errors_name_the_key() {
    let e = refused("[store]\nurl = \"mysql://x\"\n");
    assert!(e.starts_with("config key `store.url`"), "{e}");
    let e = refused("[mail]\nfrom = \"meetings at acme\"\n");
    assert!(e.starts_with("config key `mail.from`"), "{e}");
    let e = refused("[storage]\nurl = \"/var/lib/x\"\n");
    assert!(e.starts_with("config key `storage.url`"), "{e}");
    let e = refused("[mail]\ntransprot = \"smtp\"\n");
    assert!(
        e.starts_with("config key `mail.transprot`: unknown field"),
        "{e}"
    );
    let e = refused("[worker]\ngraceful_shutdown_secs = \"soon\"\n");
    assert!(e.contains("worker.graceful_shutdown_secs"), "{e}");
    let e = refused("[tenants.acme]\nclient_id = \"x\"\n");
    assert!(
        e.contains("tenants.acme") && e.contains("go together"),
        "{e}"
    );
    let e = refused("[tenants.\"a/b\"]\n");
    assert!(e.contains("tenants.a/b"), "{e}");
    let e = refused(&TENANT.replace("window_secs = 30", "window_secs = 1"));
    assert!(e.contains("tenants.acme.capture.window_secs"), "{e}");
}

/// The organizer is used to create the Graph event: a wrong value must stop the worker from
/// starting, not surface after the event exists.
#[test]
fn a_bad_organizer_is_refused_at_load() {
    let e = refused(&TENANT.replace("meetings@acme.example", "meetings at acme"));
    assert!(
        e.starts_with("config key `tenants.acme.organizer_upn`: \"meetings at acme\" is not a valid email address"),
        "{e}"
    );
    let e = refused(&TENANT.replace("0a1b2c3d-0000-4000-8000-00000000000a", "obj-1"));
    assert!(
        e.starts_with(
            "config key `tenants.acme.organizer_object_id`: \"obj-1\" is not an Entra object id"
        ),
        "{e}"
    );
}

#[test]
fn send_invites_default_and_exchange_invitations_are_separate_settings() {
    let s = load_str(TENANT, &[])
        .unwrap()
        .tenant("acme")
        .unwrap()
        .settings();
    assert!(s.exchange_sends_invitations && s.send_invites_default);
    let s = load_str(
        &format!("{TENANT}\n"),
        &[("MEETFLOW_TENANTS__ACME__SEND_INVITES_DEFAULT", "false")],
    )
    .unwrap()
    .tenant("acme")
    .unwrap()
    .settings();
    assert!(s.exchange_sends_invitations && !s.send_invites_default);
    // The old key meant the Exchange flag; it is refused rather than silently misread.
    let e = refused("[tenants.acme]\nsend_invites = false\n");
    assert!(
        e.contains("tenants.acme.send_invites") && e.contains("unknown field"),
        "{e}"
    );
    // Settings recorded in older histories (`send_invites` = the Exchange flag) still read.
    let old: TenantSettings = serde_json::from_value(serde_json::json!({
        "meeting_unavailable": null, "organizer_upn": "m@acme.example",
        "organizer_object_id": "obj", "send_invites": true, "download_recordings": false,
        "expose_in_portal": false, "capture": CaptureSchedule::default(),
    }))
    .unwrap();
    assert!(old.exchange_sends_invitations && old.send_invites_default);
    assert_eq!(old.attempt_timeout_secs, DEFAULT_ATTEMPT_TIMEOUT_SECS);
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
    let e = refused("[tenants.acme]\nclient_secret = \"literal\"\n");
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
