//! The records meetflow keeps outside Temporal: Temporal history lasts days, the PSA needs
//! meetings and their artifacts for years.
//!
//! One [`Store`] over SQLite (the embedded default) or PostgreSQL (production), chosen by the URL
//! given to [`Store::connect`], which also applies the migrations under `migrations/<backend>/`.
//! Every write is an upsert on a natural key, because activities retry and may crash at any line:
//!
//! | table             | natural key                                                  |
//! |-------------------|--------------------------------------------------------------|
//! | `meetings`        | (tenant, appointment)                                        |
//! | `artifacts`       | (tenant, appointment, kind, provider artifact id)            |
//! | `deliveries`      | delivery key                                                 |
//! | `subscriptions`   | (tenant, resource); creates keyed by the keeper's generation |
//! | `attendance_records` | (tenant, appointment, report id, participant id)          |
//! | `attendance_summaries` | (tenant, appointment)                                   |

mod artifact;
mod attendance;
mod connect;
mod connections;
mod delivery;
mod error;
mod meeting;
mod probe;
mod scratch;
mod subscription;

#[cfg(test)]
mod tests;

pub use artifact::{ArtifactContent, ArtifactRecord, Recording, Transcript, TranscriptCue};
pub use attendance::AttendanceRecord;
pub use connect::Store;
pub use delivery::{Claim, Delivery, DeliveryState};
pub use error::StoreError;
pub use meetflow_proto::UnknownVariant;
pub use meetflow_proto::status::{ArtifactKind, MeetingStatus};
pub use meeting::MeetingRecord;
pub use scratch::ScratchSchema;
pub use subscription::SubscriptionRecord;
