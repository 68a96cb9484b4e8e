//! Where the tests' outside programs live: the `meetflow` binary, the npm/Node peers, and the
//! folder for what a test leaves to look at afterwards (screenshots).

use std::path::PathBuf;

/// The `meetflow` binary `scripts/setup.sh` builds (`cargo build -p meetflow`), next to this
/// test binary's `deps/` folder.
pub fn meetflow_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("meetflow"))
        .unwrap();
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p meetflow` (scripts/setup.sh does)",
        bin.display()
    );
    bin
}

/// tests/peers: the Node.js peers (playwright-core, ical.js, the Temporal TypeScript client).
pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// `MEETFLOW_TEST_ARTIFACTS`, else `test-artifacts/` in Cargo's target directory (this test
/// binary is `<target>/<profile>/deps/e2e-…`): outside the clone by default, and `/target` is
/// ignored by git when it is inside.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("MEETFLOW_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().expect("test binary path");
            exe.ancestors()
                .nth(3)
                .expect("<target>/<profile>/deps/<binary>")
                .join("test-artifacts")
        });
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
