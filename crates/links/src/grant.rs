//! The grant behind an artifact link: which artifact, for whom, until when — signed.
//!
//! Token form: `{key id}.{base64url(JSON payload)}.{base64url(HMAC-SHA256)}`, the MAC taken over
//! a fixed context string, the key id and the encoded payload. The key id travels in clear so a
//! verifier picks the key without trying each one, and so rotation works: the first configured
//! key signs, every configured key verifies, and a key removed from configuration revokes every
//! link it signed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use meetflow_proto::status::ArtifactKind;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Binds a MAC to this use, so a key shared by mistake with another HMAC scheme cannot mint links.
const CONTEXT: &[u8] = b"meetflow artifact link v1\n";

/// Shorter keys make forging by brute force plausible; 32 bytes is HMAC-SHA256's block-size half.
pub const MIN_SECRET_BYTES: usize = 32;

/// Who a link is for. A client link is only issued when the tenant lets clients see artifacts,
/// and the server checks that again on every request (revoking the tenant's flag revokes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Technician,
    Client,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Technician => "technician",
            Audience::Client => "client",
        }
    }
}

impl std::str::FromStr for Audience {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "technician" => Ok(Audience::Technician),
            "client" => Ok(Audience::Client),
            other => Err(format!(
                "{other:?} is not an audience (technician or client)"
            )),
        }
    }
}

/// What a link grants: reading one artifact of one tenant until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(rename = "t")]
    pub tenant_id: String,
    #[serde(rename = "a")]
    pub appointment_id: String,
    #[serde(rename = "k")]
    pub kind: ArtifactKind,
    /// Graph's id of the recording or transcript (the store's `provider_artifact_id`).
    #[serde(rename = "i")]
    pub artifact_id: String,
    #[serde(rename = "u")]
    pub audience: Audience,
    /// Unix seconds; the link is refused from this second on.
    #[serde(rename = "e")]
    pub expires_at: u64,
}

/// Why a token was refused. Every variant but [`GrantError::Expired`] means "not a link we
/// issued" and is answered 403; an expired link is answered 410 so the PSA can say "ask for a
/// new link" instead of "forbidden".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("not an artifact link token")]
    Malformed,
    #[error("artifact link signed with an unknown key")]
    UnknownKey,
    #[error("artifact link signature does not match")]
    Tampered,
    #[error("artifact link expired")]
    Expired,
}

impl GrantError {
    /// The HTTP status the artifact endpoint answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            GrantError::Expired => 410,
            GrantError::Malformed | GrantError::UnknownKey | GrantError::Tampered => 403,
        }
    }
}

/// One HMAC key. `Debug` shows the id only.
#[derive(Clone)]
pub struct SigningKey {
    id: String,
    secret: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// `id` travels in clear in every token: 1–32 of `[A-Za-z0-9_-]` (no `.`, the separator).
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, String> {
        let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if id.is_empty() || id.len() > 32 || !id.bytes().all(plain) {
            return Err(format!("{id:?} is not a key id (1–32 of A–Z a–z 0–9 _ -)"));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the secret is {} bytes; at least {MIN_SECRET_BYTES} are needed",
                secret.len()
            ));
        }
        Ok(Self {
            id: id.to_owned(),
            secret,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(CONTEXT);
        mac.update(self.id.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac
    }
}

/// The configured keys: the first signs, all verify. Never empty.
#[derive(Debug, Clone)]
pub struct SigningKeys(Vec<SigningKey>);

impl SigningKeys {
    pub fn new(keys: Vec<SigningKey>) -> Result<Self, String> {
        if keys.is_empty() {
            return Err("at least one signing key is needed".into());
        }
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|earlier| earlier.id == k.id) {
                return Err(format!("key id {:?} is used twice", k.id));
            }
        }
        Ok(Self(keys))
    }

    /// The key new links are signed with.
    pub fn signing(&self) -> &SigningKey {
        &self.0[0]
    }

    /// The token for `grant`, signed with the first key.
    pub fn sign(&self, grant: &Grant) -> String {
        let key = self.signing();
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(grant).expect("a grant serializes"));
        let tag = URL_SAFE_NO_PAD.encode(key.mac(&payload).finalize().into_bytes());
        format!("{}.{payload}.{tag}", key.id)
    }

    /// The grant `token` carries, if one of the keys signed it and it has not expired at `now`
    /// (Unix seconds). The MAC is compared in constant time, before the payload is parsed.
    pub fn verify(&self, token: &str, now: u64) -> Result<Grant, GrantError> {
        let mut parts = token.split('.');
        let (Some(id), Some(payload), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(GrantError::Malformed);
        };
        let key = self
            .0
            .iter()
            .find(|k| k.id == id)
            .ok_or(GrantError::UnknownKey)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| GrantError::Malformed)?;
        key.mac(payload)
            .verify_slice(&tag)
            .map_err(|_| GrantError::Tampered)?;
        let grant: Grant = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(GrantError::Malformed)?;
        if now >= grant.expires_at {
            return Err(GrantError::Expired);
        }
        Ok(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, fill: u8) -> SigningKey {
        SigningKey::new(id, vec![fill; 32]).unwrap()
    }

    fn grant() -> Grant {
        Grant {
            tenant_id: "contoso".into(),
            appointment_id: "appt-1".into(),
            kind: ArtifactKind::Recording,
            artifact_id: "rec-1".into(),
            audience: Audience::Technician,
            expires_at: 2_000,
        }
    }

    #[test]
    fn a_signed_grant_verifies_until_it_expires() {
        let keys = SigningKeys::new(vec![key("k1", 1)]).unwrap();
        let token = keys.sign(&grant());
        assert_eq!(keys.verify(&token, 1_999), Ok(grant()));
        assert_eq!(keys.verify(&token, 2_000), Err(GrantError::Expired));
        assert_eq!(GrantError::Expired.http_status(), 410);
    }

    #[test]
    fn rotation_new_key_signs_old_key_still_verifies() {
        let old = SigningKeys::new(vec![key("2026-11", 1)]).unwrap();
        let rotated = SigningKeys::new(vec![key("2026-12", 2), key("2026-11", 1)]).unwrap();
        let before = old.sign(&grant());
        assert_eq!(rotated.verify(&before, 0), Ok(grant()));
        let after = rotated.sign(&grant());
        assert!(after.starts_with("2026-12."), "{after}");
        // Dropping the old key from configuration revokes what it signed.
        let retired = SigningKeys::new(vec![key("2026-12", 2)]).unwrap();
        assert_eq!(retired.verify(&before, 0), Err(GrantError::UnknownKey));
        assert_eq!(retired.verify(&after, 0), Ok(grant()));
    }

    #[test]
    fn any_changed_byte_is_refused_with_403() {
        let keys = SigningKeys::new(vec![key("k1", 1)]).unwrap();
        let token = keys.sign(&grant());
        let (id, rest) = token.split_once('.').unwrap();
        let (payload, tag) = rest.split_once('.').unwrap();
        // Another tenant's grant under the original MAC.
        let mut other = grant();
        other.tenant_id = "fabrikam".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
        let forged = format!("{id}.{forged_payload}.{tag}");
        assert_eq!(keys.verify(&forged, 0), Err(GrantError::Tampered));
        // Every single-character change of the payload or tag.
        for i in id.len() + 1..token.len() {
            let mut bytes = token.clone().into_bytes();
            if bytes[i] == b'.' {
                continue;
            }
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            let err = keys.verify(&changed, 0).unwrap_err();
            assert_eq!(err.http_status(), 403, "{changed}: {err:?}");
        }
        // Another key with the same id (a different deployment) does not verify.
        let stranger = SigningKeys::new(vec![key("k1", 9)]).unwrap();
        assert_eq!(stranger.verify(&token, 0), Err(GrantError::Tampered));
        // The original payload with an empty tag.
        assert_eq!(
            keys.verify(&format!("{id}.{payload}."), 0),
            Err(GrantError::Tampered)
        );
    }

    #[test]
    fn malformed_tokens() {
        let keys = SigningKeys::new(vec![key("k1", 1)]).unwrap();
        for bad in ["", "k1", "k1.x", "k1.x.y.z", "k1.e30.!!!"] {
            assert_eq!(keys.verify(bad, 0), Err(GrantError::Malformed), "{bad:?}");
        }
        assert_eq!(keys.verify("k1..", 0), Err(GrantError::Tampered));
        assert_eq!(keys.verify("nope.e30.AAAA", 0), Err(GrantError::UnknownKey));
    }

    #[test]
    fn keys_are_checked_and_never_shown() {
        assert!(SigningKey::new("k1", vec![0; 31]).is_err());
        assert!(SigningKey::new("a.b", vec![0; 32]).is_err());
        assert!(SigningKey::new("", vec![0; 32]).is_err());
        assert!(SigningKeys::new(vec![]).is_err());
        assert!(SigningKeys::new(vec![key("k", 1), key("k", 2)]).is_err());
        let shown = format!("{:?}", SigningKeys::new(vec![key("k1", 0x41)]).unwrap());
        assert!(
            shown.contains("k1") && !shown.contains("65") && !shown.contains("AAAA"),
            "{shown}"
        );
    }
}
