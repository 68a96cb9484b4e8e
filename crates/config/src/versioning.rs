//! How a worker names its build to Temporal, and whether it opts in to Worker Versioning
//! (docs/versioning.md). Both names are checked when the configuration loads: Temporal refuses
//! a bad one only when the worker first polls, which would look like a connection problem.

use meetflow_proto::{model::quoted, string_newtype_serde};
use serde::{Deserialize, Serialize};

/// Temporal's limit on build ids and deployment names (frontend `limit.workerBuildIdSize`).
const MAX_LEN: usize = 255;

/// The build a worker runs, as Temporal records it on every workflow task the worker completes
/// (`WorkflowTaskCompleted.worker_version`), so a history shows which build made each decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BuildId(String);
string_newtype_serde!(BuildId);
impl BuildId {
    pub fn parse(s: &str) -> Result<Self, String> {
        check_name(s).map(Self)
    }
}

/// A Worker Deployment: the workers of every build of one service. Temporal writes a version as
/// `<deployment>.<build id>`, so the name cannot hold a `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeploymentName(String);
string_newtype_serde!(DeploymentName);
impl DeploymentName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = check_name(s)?;
        if name.contains('.') {
            return Err(format!(
                "{} contains a '.', which Temporal uses between deployment name and build id",
                quoted(s)
            ));
        }
        Ok(Self(name))
    }
}

fn check_name(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > MAX_LEN {
        return Err(format!("is longer than {MAX_LEN} bytes"));
    }
    // Shown in CLI output, the Web UI and log lines: printable and without spaces, so a name
    // copied from one into a command works.
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{} holds whitespace or control characters",
            quoted(s)
        ));
    }
    // Temporal reserves the `__` prefix for its own versions (e.g. `__unversioned__`).
    if s.starts_with("__") {
        return Err(format!(
            "{} starts with `__`, which Temporal reserves",
            quoted(s)
        ));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_ids_take_versions_hashes_and_image_tags() {
        for ok in ["0.1.0+1a2b3c4d", "2026-12-01.3", "sha-0b2f4f5", "v1"] {
            assert_eq!(BuildId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn bad_build_ids_say_why() {
        assert_eq!(BuildId::parse("").unwrap_err(), "is empty");
        assert!(BuildId::parse("a b").unwrap_err().contains("whitespace"));
        assert!(
            BuildId::parse("__unversioned__")
                .unwrap_err()
                .contains("reserves")
        );
        assert!(
            BuildId::parse(&"x".repeat(256))
                .unwrap_err()
                .contains("255")
        );
        assert!(BuildId::parse(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn a_deployment_name_cannot_hold_the_version_separator() {
        assert!(DeploymentName::parse("meetflow").is_ok());
        let err = DeploymentName::parse("meetflow.prod").unwrap_err();
        assert!(err.contains("'.'"), "{err}");
    }
}
