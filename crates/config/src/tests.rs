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

/// `toml` without the line that sets `key`.
fn without_key(toml: &str, key: &str) -> String {
    toml.lines()
        .filter(|l| !l.trim_start().starts_with(&format!("{key} ")))
        .collect::<Vec<_>>()
        .join("\n")
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
    assert_eq!(
        unavailable(&no_object_id),
        None,
        "the worker looks the object id up from the UPN"
    );
    let no_upn = without_key(TENANT, "organizer_upn");
    assert_eq!(unavailable(&no_upn), Some(SkipReason::NoOrganizer));
    assert_eq!(
        load_str(&no_object_id, &[])
            .unwrap()
            .tenant("acme")
            .unwrap()
            .organizer()
            .unwrap()
            .object_id(),
        None
    );
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
        acme.organizer().unwrap().object_id().unwrap().as_str(),
        "0a1b2c3d-0000-4000-8000-00000000000a"
    );
}

#[test]
fn env_overrides_win() {
    let c = load_str(
        TENANT,
        &[
            (
                "MEETFLOW_STORE__URL",
                "postgres://db/meetflow?sslmode=verify-full",
            ),
            (
                "MEETFLOW_TENANTS__ACME__EXCHANGE_SENDS_INVITATIONS",
                "false",
            ),
            ("MEETFLOW_WORKER__GRACEFUL_SHUTDOWN_SECS", "3"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.store.url.expose(),
        "postgres://db/meetflow?sslmode=verify-full"
    );
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
    assert_eq!(
        e,
        "config key `tenants.acme.capture.window_secs`: 1 is less than first_poll_secs (2)"
    );
}

/// Every numeric key refuses a value beyond its range, naming the key and the range.
#[test]
fn every_number_is_bounded() {
    let cases = [
        (
            "[worker]\ngraceful_shutdown_secs = 3601",
            "worker.graceful_shutdown_secs",
            "0..=3600",
        ),
        (
            "[worker]\nmax_concurrent_activities = 0",
            "worker.max_concurrent_activities",
            "1..=1000",
        ),
        (
            "[worker]\nmax_concurrent_workflow_tasks = 1",
            "worker.max_concurrent_workflow_tasks",
            "2..=1000",
        ),
        (
            "[worker]\nmax_cached_workflows = 100001",
            "worker.max_cached_workflows",
            "0..=100000",
        ),
        ("[mail.smtp]\nport = 0", "mail.smtp.port", "1..=65535"),
        (
            "[mail.smtp]\ntimeout_secs = 0",
            "mail.smtp.timeout_secs",
            "1..=600",
        ),
        (
            "[mail.smtp]\npool_max_size = 101",
            "mail.smtp.pool_max_size",
            "1..=100",
        ),
        (
            "[tenants.acme]\nactivity_attempt_timeout_secs = 0",
            "tenants.acme.activity_attempt_timeout_secs",
            "1..=3600",
        ),
        // Once a panic inside workflow code (chrono overflow of end + grace).
        (
            "[tenants.acme.capture]\ngrace_after_end_secs = 1000000000000000000",
            "tenants.acme.capture.grace_after_end_secs",
            "0..=86400",
        ),
        (
            "[tenants.acme.capture]\nfirst_poll_secs = 0",
            "tenants.acme.capture.first_poll_secs",
            "1..=86400",
        ),
        (
            "[tenants.acme.capture]\nbackoff_cap_secs = 604801",
            "tenants.acme.capture.backoff_cap_secs",
            "1..=604800",
        ),
        (
            "[tenants.acme.capture]\nwindow_secs = 9223372036854775807",
            "tenants.acme.capture.window_secs",
            "1..=2592000",
        ),
    ];
    for (toml, key, range) in cases {
        let e = refused(toml);
        assert!(
            e.starts_with(&format!("config key `{key}`: "))
                && e.ends_with(&format!("is out of range: must be {range}")),
            "{toml}: {e}"
        );
    }
    // Through the environment too.
    let e = load_str("", &[("MEETFLOW_MAIL__SMTP__TIMEOUT_SECS", "601")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "config key `mail.smtp.timeout_secs`: 601 is out of range: must be 1..=600"
    );
}

/// The largest value of every key loads (the workflow-side arithmetic with these values is
/// tested in workflows/tests/limits.rs).
#[test]
fn the_largest_values_load() {
    use crate::bounds::*;
    let toml = format!(
        "[worker]\ngraceful_shutdown_secs = {}\nmax_concurrent_activities = {}\n\
         max_concurrent_workflow_tasks = {}\nmax_cached_workflows = {}\n\
         [mail.smtp]\nport = {}\ntimeout_secs = {}\npool_max_size = {}\n\
         [tenants.acme]\nactivity_attempt_timeout_secs = {}\n\
         [tenants.acme.capture]\ngrace_after_end_secs = {}\nfirst_poll_secs = {}\n\
         backoff_cap_secs = {}\nwindow_secs = {}\n",
        GRACEFUL_SHUTDOWN_SECS.end(),
        CONCURRENT_ACTIVITIES.end(),
        CONCURRENT_WORKFLOW_TASKS.end(),
        CACHED_WORKFLOWS.end(),
        SMTP_PORT.end(),
        SMTP_TIMEOUT_SECS.end(),
        SMTP_POOL_MAX_SIZE.end(),
        ATTEMPT_TIMEOUT_SECS.end(),
        GRACE_AFTER_END_SECS.end(),
        FIRST_POLL_SECS.end(),
        BACKOFF_CAP_SECS.end(),
        WINDOW_SECS.end(),
    );
    let c = load_str(&toml, &[]).unwrap();
    assert_eq!(
        c.tenant("acme").unwrap().settings().capture.window_secs,
        2_592_000
    );
}

/// A PostgreSQL store beyond loopback needs verified TLS, or an explicit opt-out.
#[test]
fn remote_postgres_needs_verify_full() {
    let e = refused("[store]\nurl = \"postgres://meetflow:hunter2@db.internal/meetflow\"\n");
    assert!(
        e.starts_with("config key `store.url`: the PostgreSQL server db.internal is not on loopback: add sslmode=verify-full"),
        "{e}"
    );
    assert!(
        e.ends_with("or set store.allow_insecure_tls = true") && !e.contains("hunter2"),
        "{e}"
    );
    let c = load_str(
        "[store]\nurl = \"postgres://db.internal/meetflow\"\nallow_insecure_tls = true\n",
        &[],
    )
    .unwrap();
    assert!(c.store.allow_insecure_tls);
    load_str(
        "[store]\nurl = \"postgres://postgres@127.0.0.1:5432/test\"\n",
        &[],
    )
    .unwrap();
}

/// No error, in `Display` or `Debug`, repeats a value that may be a secret: a secret written
/// into the file by mistake must not reach a log through the error that refuses it.
#[test]
fn errors_never_repeat_a_secret() {
    let files = [
        (
            "[tenants.acme]\nclient_secret = \"hunter2\"\n",
            "tenants.acme.client_secret",
        ),
        (
            "[tenants.acme]\nclient_secret = 420042\n",
            "tenants.acme.client_secret",
        ),
        (
            "[tenants.acme]\nclient_secret = { value = \"hunter2\" }\n",
            "tenants.acme.client_secret",
        ),
        (
            "[tenants.acme]\nclient_secret = { env = \"A\", file = \"hunter2\" }\n",
            "tenants.acme.client_secret",
        ),
        (
            "[tenants.acme]\nclient_secret = [\"hunter2\"]\n",
            "tenants.acme.client_secret",
        ),
        (
            "[mail.smtp]\npassword = \"hunter2\"\n",
            "mail.smtp.password",
        ),
        (
            "[notifications]\nclient_state = \"hunter2\"\n",
            "notifications.client_state",
        ),
        (
            "[store]\nurl = \"mysql://root:hunter2@db/x\"\n",
            "store.url",
        ),
        (
            "[store]\nurl = \"postgres://root:hunter2@db/x\"\n",
            "store.url",
        ),
        ("[store]\nurl = 420042\n", "store.url"),
        (
            "[storage]\nurl = \"s3://AKIA:hunter2@bucket/x\"\n",
            "storage.url",
        ),
        (
            "[storage]\nurl = \"gs://u:hunter2@bucket\"\n",
            "storage.url",
        ),
        (
            "[graph]\ngraph_url = \"https://u:hunter2@graph.example/v1.0\"\n",
            "graph.graph_url",
        ),
        (
            "[graph]\nauthority_url = \"not a url hunter2\"\n",
            "graph.authority_url",
        ),
        ("[temporal]\napi_key_env = 420042\n", "temporal.api_key_env"),
    ];
    let check = |e: ConfigError, key: &str, what: &str| {
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("420042"),
                "{what}: {shown}"
            );
            assert!(shown.contains(key), "{what}: {shown}");
        }
    };
    for (toml, key) in files {
        check(load_str(toml, &[]).unwrap_err(), key, toml);
    }
    let vars = [
        (
            "MEETFLOW_TENANTS__ACME__CLIENT_SECRET",
            "hunter2",
            "tenants.acme.client_secret",
        ),
        (
            "MEETFLOW_MAIL__SMTP__PASSWORD",
            "hunter2",
            "mail.smtp.password",
        ),
        (
            "MEETFLOW_STORE__URL",
            "postgres://u:hunter2@db.internal/x",
            "store.url",
        ),
    ];
    for (var, value, key) in vars {
        check(load_str("", &[(var, value)]).unwrap_err(), key, var);
    }
    // A syntax error on a secret's line: the file is named, the value is not repeated.
    let e = load_str("[tenants.acme]\nclient_secret = \"hunter2\n", &[]).unwrap_err();
    assert!(e.to_string().contains("is not valid TOML"), "{e}");
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    // What stays readable: the key and what to write instead.
    let e = refused("[tenants.acme]\nclient_secret = \"hunter2\"\n");
    assert_eq!(
        e,
        "config key `tenants.acme.client_secret`: a secret is never written in the file (got a string); refer to it as { env = <variable name> } or { file = <path> }"
    );
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

#[test]
fn telemetry_export_is_off_until_an_endpoint_is_set() {
    let c = load_str("", &[]).unwrap();
    assert_eq!(c.telemetry.otlp_endpoint, None);
    assert_eq!(c.telemetry.service_name, "meetflow");
    let c = load_str("[telemetry]\notlp_endpoint = \"\"\n", &[]).unwrap();
    assert_eq!(c.telemetry.otlp_endpoint, None, "empty means off");
    let c = load_str(
        "",
        &[
            ("MEETFLOW_TELEMETRY__OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("MEETFLOW_TELEMETRY__SERVICE_NAME", "meetflow-eu"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.telemetry.otlp_endpoint.unwrap().traces_url(),
        "http://127.0.0.1:4318/v1/traces"
    );
    assert_eq!(c.telemetry.service_name, "meetflow-eu");
}

#[test]
fn telemetry_keys_are_checked_at_load() {
    let e = refused("[telemetry]\notlp_endpoint = \"collector:4318\"\n");
    assert!(
        e.contains("telemetry.otlp_endpoint") && e.contains("http"),
        "{e}"
    );
    let e = refused("[telemetry]\notlp_endpoint = \"https://u:hunter2@otel.example\"\n");
    assert!(e.contains("credentials") && !e.contains("hunter2"), "{e}");
    let e = refused("[telemetry]\nservice_name = \" \"\n");
    assert!(e.contains("telemetry.service_name"), "{e}");
}

#[test]
fn artifact_links_section() {
    let c = load_str("", &[]).unwrap();
    assert!(c.artifacts.listen.is_empty(), "off by default");
    assert!(c.artifacts.resolve_keys().is_err(), "no keys configured");
    assert!(c.artifacts.link_base().is_err());
    let c = load_str(
        r#"
[artifacts]
public_url = "https://meet.example/psa/"
signing_keys = [
  { id = "new", secret = { env = "LINK_NEW" } },
  { id = "old", secret = { env = "LINK_OLD" } },
]
default_expiry_secs = 600
max_expiry_secs = 86400
"#,
        &[],
    )
    .unwrap();
    assert_eq!(c.artifacts.link_base().unwrap(), "https://meet.example/psa");
    let new = "A".repeat(44);
    let keys = c
        .artifacts
        .resolve_keys_with(|name| match name {
            "LINK_NEW" => Some(new.clone()),
            "LINK_OLD" => Some("B".repeat(44)),
            _ => None,
        })
        .unwrap();
    let ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["new", "old"], "the first signs: order is kept");
    let err = c
        .artifacts
        .resolve_keys_with(|name| (name == "LINK_NEW").then(|| "not*base64 s3cr3t".to_string()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("artifacts.signing_keys[0].secret"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    let short = c
        .artifacts
        .resolve_keys_with(|_| Some("c2hvcnQ=".to_string()))
        .unwrap_err()
        .to_string();
    assert!(short.contains("5 bytes; at least 32"), "{short}");
    let tenant = load_str(TENANT, &[]).unwrap();
    assert!(
        !tenant.tenant("acme").unwrap().client_links,
        "client links are opt-in"
    );
}

#[test]
fn artifact_links_are_checked_at_load() {
    let e = refused("[artifacts]\ndefault_expiry_secs = 7200\nmax_expiry_secs = 3600\n");
    assert!(e.contains("artifacts.default_expiry_secs"), "{e}");
    let e = refused("[artifacts]\nmax_expiry_secs = 10\n");
    assert!(
        e.contains("artifacts.max_expiry_secs") && e.contains("60..="),
        "{e}"
    );
    let e = refused("[artifacts]\npublic_url = \"https://u:pw@x.example\"\n");
    assert!(
        e.contains("artifacts.public_url") && !e.contains("pw"),
        "{e}"
    );
    // Serving needs keys, checked at load rather than at the first request.
    let e = refused("[artifacts]\nlisten = \"127.0.0.1:0\"\n");
    assert!(e.contains("artifacts.signing_keys"), "{e}");
    let e = refused(
        "[artifacts]\nlisten = \"127.0.0.1:0\"\nsigning_keys = [{ id = \"k\", secret = { env = \"MEETFLOW_TEST_UNSET_LINK_KEY\" } }]\n",
    );
    assert!(e.contains("artifacts.signing_keys[0].secret"), "{e}");
}

#[test]
fn the_documented_artifacts_section_resolves() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/meetflow.example.toml");
    let c = load(Some(&path), std::iter::empty()).unwrap();
    assert!(c.artifacts.listen.is_empty(), "off in the example");
    assert!(!c.tenant("acme").unwrap().client_links);
    let keys = c
        .artifacts
        .resolve_keys_with(|_| Some("A".repeat(44)))
        .unwrap();
    assert_eq!(keys[0].0, "2026-12", "the first key signs");
    assert_eq!(
        c.artifacts.link_base().unwrap(),
        "https://meet.acme.example/psa"
    );
}

#[test]
fn ingress_section_and_keys() {
    let c = load_str("", &[]).unwrap();
    assert_eq!(c.ingress.listen, "");
    assert_eq!(c.ingress.replay_window_secs, 300);
    let c = load_str(
        r#"
[ingress]
listen = "127.0.0.1:8083"
rate_per_sec = 5
[tenants.acme]
ingress_keys = [
  { id = "2026-12", secret = { env = "ACME_INGRESS_NEW" } },
  { id = "2026-06", secret = { file = "/run/secrets/acme-ingress" } },
]
"#,
        &[],
    )
    .unwrap();
    assert_eq!(c.ingress.rate_per_sec, 5);
    let keys = &c.tenants["acme"].ingress_keys;
    assert_eq!(keys[0].id, "2026-12");
    assert_eq!(keys[0].secret, SecretRef::Env("ACME_INGRESS_NEW".into()));
    assert_eq!(
        c.ingress.max_body_bytes,
        IngressConfig::default().max_body_bytes
    );
}

#[test]
fn ingress_keys_and_limits_are_checked_at_load() {
    let twice = r#"
[tenants.acme]
ingress_keys = [{ id = "k", secret = { env = "A" } }, { id = "k", secret = { env = "B" } }]
"#;
    let e = refused(twice);
    assert!(
        e.contains("tenants.acme.ingress_keys[1].id") && e.contains("used twice"),
        "{e}"
    );
    let e =
        refused("[tenants.acme]\ningress_keys = [{ id = \"a b\", secret = { env = \"A\" } }]\n");
    assert!(e.contains("tenants.acme.ingress_keys[0].id"), "{e}");
    // A key written into the file is refused without being repeated.
    let e = refused("[tenants.acme]\ningress_keys = [{ id = \"k\", secret = \"hunter2\" }]\n");
    assert!(e.contains("ingress_keys") && !e.contains("hunter2"), "{e}");
    for (toml, key) in [
        ("[ingress]\nmax_body_bytes = 10", "ingress.max_body_bytes"),
        (
            "[ingress]\nreplay_window_secs = 0",
            "ingress.replay_window_secs",
        ),
        ("[ingress]\nrate_per_sec = 0", "ingress.rate_per_sec"),
        ("[ingress]\nrate_burst = 0", "ingress.rate_burst"),
        (
            "[ingress]\nrequest_timeout_secs = 0",
            "ingress.request_timeout_secs",
        ),
        (
            "[ingress]\nidempotency_ttl_secs = 0",
            "ingress.idempotency_ttl_secs",
        ),
        (
            "[ingress]\npublic_url = \"meetflow:8083\"",
            "ingress.public_url",
        ),
    ] {
        let e = refused(toml);
        assert!(e.contains(key), "{toml}: {e}");
    }
}

#[test]
fn kept_subscriptions_need_a_listener_and_a_plain_public_url() {
    let e = refused("[notifications]\npublic_url = \"https://meetflow.example.com\"\n");
    assert!(
        e.contains("notifications.public_url") && e.contains("notifications.listen"),
        "{e}"
    );
    for bad in [
        "ftp://meetflow.example.com",
        "https://u:pw@meetflow.example.com",
        "https://meetflow.example.com/?a=1",
    ] {
        let e = refused(&format!(
            "[notifications]\nlisten = \"127.0.0.1:0\"\npublic_url = \"{bad}\"\n"
        ));
        assert!(
            e.contains("notifications.public_url") && !e.contains("pw"),
            "{bad}: {e}"
        );
    }
    // With kept subscriptions no configured clientState is needed: theirs are in the store.
    let c = load_str(
        "[notifications]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://meetflow.example.com/psa/\"\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        c.notifications.notification_url().unwrap().as_str(),
        "https://meetflow.example.com/psa/notifications"
    );
    let e = refused("[notifications]\nlisten = \"127.0.0.1:0\"\n");
    assert!(e.contains("notifications.client_state"), "{e}");
    assert_eq!(Config::default().notifications.notification_url(), None);
}

/// The TOML of deploy/k8s/worker/configmap.yaml (the block under `meetflow.toml: |`).
fn kubernetes_configmap_toml() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/k8s/worker/configmap.yaml");
    let yaml = std::fs::read_to_string(path).unwrap();
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "meetflow.toml: |");
    lines.next().expect("the ConfigMap holds meetflow.toml");
    lines
        .take_while(|l| l.is_empty() || l.starts_with("    "))
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_kubernetes_configmap_is_valid_and_its_secret_files_resolve() {
    // The pod mounts the Secret at /run/secrets/meetflow; here a folder holds the same keys.
    let secrets = tempfile::tempdir().unwrap();
    let toml = kubernetes_configmap_toml();
    let names: std::collections::BTreeSet<&str> = toml
        .split("/run/secrets/meetflow/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(names.contains("smtp-password") && names.contains("codec-key-2026-02"));
    for name in &names {
        // Keys are base64 of 32 bytes; the rest any non-empty text.
        std::fs::write(secrets.path().join(name), format!("{}=\n", "A".repeat(43))).unwrap();
    }
    let toml = toml.replace(
        "/run/secrets/meetflow",
        &secrets.path().display().to_string(),
    );
    let c = load_str(&toml, &[]).unwrap();
    assert_eq!(c.mail.transport, MailTransportKind::Smtp);
    c.mail
        .smtp
        .password
        .as_ref()
        .unwrap()
        .resolve("mail.smtp.password")
        .unwrap();
    // Each tenant's subscriptions carry its own clientState; no shared fallback.
    assert!(c.notifications.client_state.is_none());
    c.tenant("acme")
        .unwrap()
        .notification_client_state
        .as_ref()
        .unwrap()
        .resolve("tenants.acme.notification_client_state")
        .unwrap();
    assert_eq!(
        c.codec.resolve().unwrap().unwrap().encrypt_key_id,
        "2026-02"
    );
    assert_eq!(c.artifacts.resolve_keys().unwrap().len(), 1);
    let tenant = c.tenant("acme").unwrap();
    tenant
        .client_secret
        .as_ref()
        .unwrap()
        .resolve("tenants.acme.client_secret")
        .unwrap();
}

#[test]
fn temporal_tls_keys_turn_tls_on_and_mtls_needs_both_files() {
    let c = load_str("", &[]).unwrap();
    assert!(!c.temporal.tls_wanted());
    let c = load_str(
        "[temporal]\ntls_ca_path = \"/etc/ca.pem\"\ntls_server_name = \"temporal.internal\"\n",
        &[],
    )
    .unwrap();
    assert!(c.temporal.tls_wanted());
    assert_eq!(
        c.temporal.tls_server_name.as_deref(),
        Some("temporal.internal")
    );
    let c = load_str(
        "",
        &[
            ("MEETFLOW_TEMPORAL__TLS_CLIENT_CERT_PATH", "/c.pem"),
            ("MEETFLOW_TEMPORAL__TLS_CLIENT_KEY_PATH", "/k.pem"),
        ],
    )
    .unwrap();
    assert!(c.temporal.tls_wanted());
    let e = refused("[temporal]\ntls_client_cert_path = \"/c.pem\"\n");
    assert_eq!(
        e,
        "config key `temporal.tls_client_key_path`: required with temporal.tls_client_cert_path (mTLS needs both)"
    );
    let e = refused("[temporal]\ntls_client_key_path = \"/k.pem\"\n");
    assert!(e.contains("`temporal.tls_client_cert_path`"), "{e}");
}

#[test]
fn grpc_compression_is_off_unless_asked_and_unknown_kinds_are_refused() {
    assert_eq!(
        load_str("", &[]).unwrap().temporal.grpc_compression,
        GrpcCompression::None
    );
    let c = load_str("", &[("MEETFLOW_TEMPORAL__GRPC_COMPRESSION", "gzip")]).unwrap();
    assert_eq!(c.temporal.grpc_compression, GrpcCompression::Gzip);
    let e = refused("[temporal]\ngrpc_compression = \"zstd\"\n");
    assert!(e.contains("temporal.grpc_compression"), "{e}");
    assert!(e.contains("none") && e.contains("gzip"), "{e}");
}

#[test]
fn worker_versioning_names_load_from_the_environment_and_bad_ones_name_the_key() {
    let c = load_str(
        "",
        &[
            ("MEETFLOW_WORKER__BUILD_ID", "2026.12.1"),
            ("MEETFLOW_WORKER__DEPLOYMENT_NAME", "meetflow"),
        ],
    )
    .unwrap();
    assert_eq!(c.worker.build_id.unwrap().as_str(), "2026.12.1");
    assert_eq!(c.worker.deployment_name.unwrap().as_str(), "meetflow");
    assert!(load_str("", &[]).unwrap().worker.deployment_name.is_none());

    let e = load_str("", &[("MEETFLOW_WORKER__DEPLOYMENT_NAME", "meetflow.prod")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("worker.deployment_name"), "{e}");
    assert!(e.contains("'.'"), "{e}");
}
