use std::path::PathBuf;

/// Everything the store can fail with.
///
/// Messages never carry the connection URL: a PostgreSQL URL may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported store URL scheme `{scheme}`: expected `sqlite:` (e.g. sqlite:///var/lib/meetflow/meetflow.db?mode=rwc) or `postgres://`"
    )]
    UnsupportedUrl { scheme: String },

    #[error("invalid store URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),

    #[error("cannot create the directory {path} for the SQLite database: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("store migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("store database error: {0}")]
    Database(#[from] sqlx::Error),

    /// An artifact names an appointment the store has no meeting for; artifacts only exist for
    /// meetings, so the meeting must be upserted first.
    #[error("no meeting stored for tenant `{tenant_id}` appointment `{appointment_id}`")]
    MeetingNotFound {
        tenant_id: String,
        appointment_id: String,
    },

    /// The delivery key is already taken by a different (tenant, appointment, step, recipient):
    /// the caller's key derivation collides, and recording it would silently drop a mail.
    #[error("delivery key `{key}` is already recorded for a different recipient or step")]
    DeliveryKeyConflict { key: String },

    #[error("stored value in {column} is invalid: {reason}")]
    Corrupt {
        column: &'static str,
        reason: String,
    },

    #[error("{field} = {value} does not fit the store's signed 64-bit column")]
    OutOfRange { field: &'static str, value: u64 },

    #[error("{what} does not (de)serialize as JSON: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl StoreError {
    /// Whether retrying the same call later may succeed (for the activity retry policy): lost
    /// connections, pool exhaustion, lock contention and serialization failures are transient;
    /// constraint violations, bad input and bad configuration are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(e) => is_transient(e),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => is_transient(e),
            _ => false,
        }
    }
}

fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                is_transient_sqlstate(pg.code())
            } else {
                db.try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .and_then(|_| db.code())
                    .and_then(|code| code.parse().ok())
                    .is_some_and(is_transient_sqlite_code)
            }
        }
        _ => false,
    }
}

/// Whether `e` means the connection itself is gone (its I/O, its protocol state, its SQLite
/// thread, or the server ending the session), so it must not be used again.
pub(crate) fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some_and(|pg| ends_session(pg.code())),
        _ => false,
    }
}

/// 08xxx connection exceptions, 57P0x operator intervention (the server shutting down,
/// restarting or refusing connections for now, the database dropped): the session is over.
fn ends_session(sqlstate: &str) -> bool {
    ["08", "57P"].iter().any(|p| sqlstate.starts_with(p))
}

/// A session-ending SQLSTATE ([`ends_session`]), 40001 serialization_failure, 40P01
/// deadlock_detected, 53xxx insufficient resources (e.g. too many connections).
fn is_transient_sqlstate(code: &str) -> bool {
    ends_session(code) || matches!(code, "40001" | "40P01") || code.starts_with("53")
}

/// SQLite reports extended result codes; the low byte is the primary code.
fn is_transient_sqlite_code(code: i64) -> bool {
    const SQLITE_BUSY: i64 = 5;
    const SQLITE_LOCKED: i64 = 6;
    matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED)
}

pub(crate) fn corrupt(column: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        column,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_transient_sqlite_code, is_transient_sqlstate};

    #[test]
    fn transient_sqlstates() {
        for code in ["40001", "40P01", "08006", "53300", "57P01"] {
            assert!(is_transient_sqlstate(code), "{code} should be transient");
        }
        for code in ["23505", "23503", "42P01", "22001"] {
            assert!(!is_transient_sqlstate(code), "{code} should be permanent");
        }
    }

    #[test]
    fn transient_sqlite_codes() {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE
        for code in [5, 6, 517, 262] {
            assert!(is_transient_sqlite_code(code), "{code} should be transient");
        }
        // SQLITE_CONSTRAINT, _UNIQUE, _FOREIGNKEY
        for code in [19, 2067, 787] {
            assert!(
                !is_transient_sqlite_code(code),
                "{code} should be permanent"
            );
        }
    }
}
