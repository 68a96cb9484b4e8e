//! Locating and running the independent test peers installed by the set-up script
//! (`.venv` from requirements-test.txt, `tests/peers/node_modules` from package-lock.json).
//!
//! Shared by the integration tests of `meetflow-ics` and `meetflow-mail` via `#[path]`.
//! A missing peer is a test failure, never a skip: the interop evidence must not silently vanish.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SETUP_HINT: &str = "run the project's set-up script (it creates .venv with \
`.venv/bin/pip install -r requirements-test.txt` and runs `npm ci --prefix tests/peers`)";

/// The workspace root: both crates live two levels below it.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

pub fn peers_dir() -> PathBuf {
    workspace_root().join("tests/peers")
}

/// `MEETFLOW_PYTHON`, else `<workspace>/.venv/bin/python`; checked to have `module`.
pub fn python_with(module: &str) -> PathBuf {
    let python = std::env::var_os("MEETFLOW_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let probe = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output();
    match probe {
        Ok(out) if out.status.success() => python,
        Ok(out) => panic!(
            "Python at {} cannot import `{module}`: {}\n{SETUP_HINT}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "cannot run Python at {}: {e}\n{SETUP_HINT}",
            python.display()
        ),
    }
}

/// `node`, checked to find `package` in tests/peers/node_modules.
pub fn node_with(package: &str) -> PathBuf {
    let installed = peers_dir().join("node_modules").join(package);
    assert!(
        installed.is_dir(),
        "npm package `{package}` is not installed in {}\n{SETUP_HINT}",
        peers_dir().display()
    );
    let node = PathBuf::from("node");
    match Command::new(&node).arg("--version").output() {
        Ok(out) if out.status.success() => node,
        _ => panic!("Node.js (`node`) is not on PATH\n{SETUP_HINT}"),
    }
}

/// Runs a peer script from tests/peers and returns its stdout, failing loudly otherwise.
pub fn run(interpreter: &Path, script: &str, args: &[&Path]) -> Vec<u8> {
    let output: Output = Command::new(interpreter)
        .arg(peers_dir().join(script))
        .args(args)
        .current_dir(peers_dir())
        .output()
        .unwrap_or_else(|e| panic!("running {script}: {e}"));
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
