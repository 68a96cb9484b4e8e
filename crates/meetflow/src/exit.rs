//! How the binary's outcomes become exit statuses, shared with the tests that run commands as
//! processes.

/// 2: the input or configuration was refused; 1: anything else (a failed doctor check too).
pub fn status(e: &anyhow::Error) -> u8 {
    let refused = e.downcast_ref::<crate::approve::Rejected>().is_some()
        || e.downcast_ref::<crate::approve::AlreadyApproved>()
            .is_some()
        || e.downcast_ref::<meetflow_config::ConfigError>().is_some();
    if refused { 2 } else { 1 }
}
