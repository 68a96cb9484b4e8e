//! TLS in front of the Temporal dev server: a test PKI made with rcgen, and HAProxy (Debian
//! `haproxy`) terminating TLS on a free port and forwarding the gRPC stream to the dev server.
//!
//! HAProxy rather than stunnel4: gRPC clients refuse a TLS connection that did not negotiate
//! ALPN `h2` (tonic's `H2NotNegotiated`, grpc-go since 1.67), and stunnel 5 has no ALPN.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio::process::{Child, Command};

/// The name in the server certificate; the test connects to 127.0.0.1 and verifies this name.
pub const SERVER_NAME: &str = "temporal.meetflow.test";

/// PEM files in one folder: the server's CA, the server's certificate and key (one file, as
/// HAProxy wants it), the CA for client certificates, a client certificate and key, and a CA
/// that signed nothing here.
pub struct Pki {
    pub ca: PathBuf,
    pub server_bundle: PathBuf,
    pub client_ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub unrelated_ca: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    names: Vec<String>,
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
    issuer: &CertifiedIssuer<'static, KeyPair>,
) -> (String, String) {
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    pub fn create(dir: &Path) -> Self {
        let server_ca = ca("meetflow test server CA");
        let client_ca = ca("meetflow test client CA");
        let (server_cert, server_key) = leaf(
            vec![SERVER_NAME.into()],
            SERVER_NAME,
            ExtendedKeyUsagePurpose::ServerAuth,
            &server_ca,
        );
        let (client_cert, client_key) = leaf(
            Vec::new(),
            "meetflow-worker",
            ExtendedKeyUsagePurpose::ClientAuth,
            &client_ca,
        );
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Self {
            ca: write("ca.pem", server_ca.pem()),
            server_bundle: write("server.pem", format!("{server_cert}{server_key}")),
            client_ca: write("client-ca.pem", client_ca.pem()),
            client_cert: write("client.pem", client_cert),
            client_key: write("client.key", client_key),
            unrelated_ca: write("unrelated-ca.pem", ca("meetflow test unrelated CA").pem()),
        }
    }
}

/// HAProxy accepting TLS (ALPN h2, client certificate required) on a free loopback port and
/// forwarding to `upstream`. Stopped on drop.
pub struct TlsTerminator {
    pub address: String,
    child: Child,
}

impl TlsTerminator {
    pub async fn start(pki: &Pki, upstream: &str, dir: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("haproxy.cfg");
        std::fs::write(
            &config,
            format!(
                "global\n  maxconn 256\n\
                 defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n\
                 frontend tls\n  bind 127.0.0.1:{port} ssl crt {bundle} ca-file {client_ca} verify required alpn h2\n  default_backend temporal\n\
                 backend temporal\n  server dev {upstream}\n",
                bundle = pki.server_bundle.display(),
                client_ca = pki.client_ca.display(),
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy runs (Debian haproxy; scripts/setup.sh installs it)");
        let address = format!("127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(&address).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "haproxy did not listen on {address}: {}",
                std::fs::read_to_string(dir.join("haproxy.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { address, child }
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
