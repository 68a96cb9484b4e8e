use sha2::{Digest, Sha256};

/// A stable Message-ID for a delivery key (appointment, step, recipient): every attempt at the
/// same delivery carries the same id, so a duplicate that slips through the exactly-once
/// bookkeeping (see docs/invitations.md) is recognisable to receivers.
///
/// The key is hashed so the id reveals nothing about tenants, appointments or recipients.
pub fn message_id_for(delivery_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(delivery_key.as_bytes());
    format!("<{}@{}>", hex::encode(&digest[..16]), domain.trim())
}

/// Accepts `<left@right>` or the bare `left@right`; returns the bracketed form.
pub(crate) fn normalise(id: &str) -> Option<String> {
    let bare = id.trim();
    let bare = bare
        .strip_prefix('<')
        .and_then(|b| b.strip_suffix('>'))
        .unwrap_or(bare);
    let (left, right) = bare.split_once('@')?;
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '@' | '"' | '\\'))
    };
    (valid(left) && valid(right)).then(|| format!("<{bare}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_id_different_key_different_id() {
        let a = message_id_for("t1/a1/approved/jane@example.com", "mail.example");
        assert_eq!(
            a,
            message_id_for("t1/a1/approved/jane@example.com", "mail.example")
        );
        assert_ne!(
            a,
            message_id_for("t1/a1/cancelled/jane@example.com", "mail.example")
        );
        assert!(a.starts_with('<') && a.ends_with("@mail.example>"));
        assert!(!a.contains("jane"));
    }

    #[test]
    fn normalise_brackets_and_rejects_garbage() {
        assert_eq!(normalise("x@y").as_deref(), Some("<x@y>"));
        assert_eq!(normalise("<x@y>").as_deref(), Some("<x@y>"));
        assert_eq!(normalise("x y@z"), None);
        assert_eq!(normalise("no-at"), None);
        assert_eq!(normalise("<a@b@c>"), None);
        assert_eq!(normalise("a@b\r\nBcc: evil@x"), None);
    }
}
