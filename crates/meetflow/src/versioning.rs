//! The worker's build id and its Worker Versioning opt-in (docs/versioning.md).
//!
//! Every workflow task a worker completes carries its build id in the history, so an operator
//! can tell which build made each decision. With `worker.deployment_name` set, the worker joins
//! that Worker Deployment and Temporal routes tasks by version: new appointments go to the
//! deployment's current version, and running ones follow it on their next task
//! (auto-upgrade, see [`deployment_options`]).

use meetflow_config::WorkerConfig;
use temporalio_common::worker::{
    VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion, build_id_from_current_exe,
};

/// `worker.build_id`, or the crate version plus the SDK's checksum of this executable: readable
/// in a history, and different for every binary even when the version was not bumped.
pub fn build_id(config: &WorkerConfig) -> String {
    match &config.build_id {
        Some(id) => id.to_string(),
        None => format!(
            "{}+{}",
            env!("CARGO_PKG_VERSION"),
            build_id_from_current_exe()
        ),
    }
}

/// Auto-upgrade rather than pinned: an appointment's workflow lives from approval until its
/// recordings are captured, often weeks. Pinning would keep every old build's workers running
/// until its last appointment ends; auto-upgrade moves running workflows to the current build,
/// which the patching API (`workflows/src/lifecycle/patches.rs`) and the replay test over saved
/// histories make safe.
pub fn deployment_options(config: &WorkerConfig) -> WorkerDeploymentOptions {
    let build_id = build_id(config);
    match &config.deployment_name {
        None => WorkerDeploymentOptions::from_build_id(build_id),
        Some(name) => WorkerDeploymentOptions::new(
            WorkerDeploymentVersion::builder()
                .deployment_name(name.to_string())
                .build_id(build_id)
                .build(),
        )
        .use_worker_versioning(true)
        .default_versioning_behavior(VersioningBehavior::AutoUpgrade)
        .build(),
    }
}

#[cfg(test)]
mod tests {
    use meetflow_config::{BuildId, DeploymentName};

    use super::*;

    #[test]
    fn the_default_build_id_names_the_version_and_the_binary() {
        let id = build_id(&WorkerConfig::default());
        let (version, checksum) = id.split_once('+').unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        assert_eq!(checksum, build_id_from_current_exe());
    }

    #[test]
    fn versioning_is_opted_in_only_with_a_deployment_name() {
        let mut config = WorkerConfig {
            build_id: Some(BuildId::parse("2026.12.1").unwrap()),
            ..WorkerConfig::default()
        };
        let plain = deployment_options(&config);
        assert!(!plain.use_worker_versioning);
        assert_eq!(plain.version.build_id, "2026.12.1");

        config.deployment_name = Some(DeploymentName::parse("meetflow").unwrap());
        let versioned = deployment_options(&config);
        assert!(versioned.use_worker_versioning);
        assert_eq!(versioned.version.deployment_name, "meetflow");
        assert_eq!(
            versioned.default_versioning_behavior,
            Some(VersioningBehavior::AutoUpgrade)
        );
    }
}
