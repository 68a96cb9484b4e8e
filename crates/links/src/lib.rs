//! Artifact links: what a PSA user gets instead of an `s3://` or `file://` URI.
//!
//! - [`grant`]: the token in `GET /artifacts/{token}`, an HMAC-SHA256-signed, expiring grant for
//!   one artifact of one tenant, verified in constant time against every configured key
//!   (rotation: the first key signs, all verify).
//! - [`range`]: the single `Range: bytes=…` forms a browser's media element sends, resolved
//!   against an object's length.
//! - [`expiry`]: `--expires 90m`-style durations.

pub mod expiry;
pub mod grant;
pub mod range;

pub use grant::{Audience, Grant, GrantError, SigningKey, SigningKeys};
pub use range::{ByteRange, RangeRequest};
