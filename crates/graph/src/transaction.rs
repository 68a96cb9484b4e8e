//! Deterministic `transactionId`s: the same appointment always yields the same id, in every
//! process and after every restart, so a retried create is recognised by Graph.

/// Namespace for meetflow's UUIDv5 transaction ids (fixed forever: changing it would let a
/// retry after an upgrade create a second meeting).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6d65_6574_666c_4f77_9a1e_7c3b_0d2e_5f41);

/// UUIDv5 of (`tenant`, `appointment`). The two parts are length-prefixed so that
/// ("a/b", "c") and ("a", "b/c") cannot collide.
pub fn transaction_id(tenant: &str, appointment: &str) -> String {
    let name = format!(
        "{}:{tenant}{}:{appointment}",
        tenant.len(),
        appointment.len()
    );
    uuid::Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_distinct() {
        let a = transaction_id("tenant-1", "appt-42");
        assert_eq!(a, transaction_id("tenant-1", "appt-42"));
        assert_ne!(a, transaction_id("tenant-1", "appt-43"));
        assert_ne!(transaction_id("a/b", "c"), transaction_id("a", "b/c"));
        // Pinned: a change here would break idempotency across a deploy.
        assert_eq!(a, "3d556aa5-92ac-5480-add5-c6faf2a4244e");
    }
}
