//! Choosing the backend from the URL, opening its connections and migrating it.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};

use crate::StoreError;
use crate::connections::{Connections, Upkeep};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long a call waits for a pooled connection (and, at start-up, for the server) before it
/// fails with a retryable error; long enough to ride out a PostgreSQL fail-over.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite has one writer at a time; concurrent writers wait this long for the lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// WAL lets readers run beside the writer, so a few connections help; more only queue on the lock.
const SQLITE_FILE_CONNECTIONS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 10;

/// The durable record of meetings, artifacts, deliveries and tenant settings.
///
/// Cheap to clone (the clones share their connections). Every write is an upsert keyed by a
/// natural key, so an activity that crashed half-way can repeat the call safely.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
}

#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(Arc<Connections<SqliteConnection>>),
    Postgres(Arc<Connections<PgConnection>>),
}

/// Runs the same expression against whichever backend the store holds: `$pool` is a lent
/// `&mut SqliteConnection` or `&mut PgConnection` ([`Connections`]), and `$body` a
/// `Result<_, sqlx::Error>`. The SQL is written once with `$n` placeholders, which sqlx accepts
/// on both SQLite and PostgreSQL; only the types differ.
///
/// With an operation name first, the call runs in a `store` span of that operation
/// ([`Store::span`]): every query the worker makes is one.
macro_rules! on_pool {
    ($store:expr, $operation:expr, $pool:ident => $body:expr) => {
        ::tracing::Instrument::instrument(
            async { $crate::connect::on_pool!($store, $pool => $body) },
            $store.span($operation),
        )
        .await
    };
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::connect::Backend::Sqlite(connections) => {
                $crate::connect::on_lent!(connections, $pool => $body)
            }
            $crate::connect::Backend::Postgres(connections) => {
                $crate::connect::on_lent!(connections, $pool => $body)
            }
        }
    };
}
pub(crate) use on_pool;

/// `$body` with `$pool` bound to a connection lent by `$connections`, which is handed back, or
/// dropped when the body's error says the connection itself failed.
macro_rules! on_lent {
    ($connections:expr, $pool:ident => $body:expr) => {
        match $connections.acquire().await {
            Ok(mut lent) => {
                let result = {
                    let $pool = &mut *lent;
                    $body
                };
                lent.check(&result);
                result
            }
            Err(e) => Err(e),
        }
    };
}
pub(crate) use on_lent;

// Pool options can carry a password; never print them.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `url` and brings its schema up to date.
    ///
    /// - `sqlite:///var/lib/meetflow/meetflow.db?mode=rwc` (or `sqlite:relative.db`): the file and
    ///   its parent directory are created when missing; WAL journal.
    /// - `sqlite::memory:`: a private in-memory database, gone when the store is dropped.
    /// - `postgres://user:password@host:5432/db` (or `postgresql://`): production.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = match Scheme::of(url)? {
            Scheme::Sqlite => Backend::Sqlite(Arc::new(open_sqlite(url).await?)),
            Scheme::Postgres => Backend::Postgres(Arc::new(open_postgres(url).await?)),
        };
        match &backend {
            Backend::Sqlite(connections) => {
                SQLITE_MIGRATIONS
                    .run_direct(&mut *connections.acquire().await?)
                    .await?
            }
            Backend::Postgres(connections) => {
                POSTGRES_MIGRATIONS
                    .run_direct(&mut *connections.acquire().await?)
                    .await?
            }
        }
        Ok(Store { backend })
    }

    /// `"sqlite"` or `"postgres"`, for logs and health output.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The span of one store call: its operation and backend, never a key or a row (rows hold
    /// names, addresses and join links).
    pub(crate) fn span(&self, operation: &'static str) -> tracing::Span {
        tracing::info_span!(
            "store",
            otel.name = %format_args!("store {operation}"),
            otel.kind = "client",
            operation,
            backend = self.backend_name(),
        )
    }

    /// Waits for in-flight calls and closes every connection (graceful shutdown).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(connections) => connections.close().await,
            Backend::Postgres(connections) => connections.close().await,
        }
    }
}

enum Scheme {
    Sqlite,
    Postgres,
}

impl Scheme {
    fn of(url: &str) -> Result<Scheme, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Scheme::Sqlite),
            "postgres" | "postgresql" => Ok(Scheme::Postgres),
            _ => Err(StoreError::UnsupportedUrl {
                // Only echo something that looks like a scheme: without one, the text before the
                // first colon may be a user name or worse.
                scheme: if !scheme.is_empty()
                    && scheme.len() <= 16
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                {
                    scheme.to_owned()
                } else {
                    "(none)".to_owned()
                },
            }),
        }
    }
}

async fn open_sqlite(url: &str) -> Result<Connections<SqliteConnection>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::InvalidUrl)?
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);

    if is_in_memory(url) {
        // An in-memory database lives only as long as a connection to it: keep exactly one open
        // for the life of the store. One connection also avoids shared-cache table locks, which
        // fail at once instead of waiting for `busy_timeout`.
        return Ok(Connections::open(options, Upkeep::FILE, 1, ACQUIRE_TIMEOUT).await?);
    }

    if let Some(dir) = options
        .get_filename()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
    }
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // With WAL, NORMAL loses at most the last transactions on power loss, never consistency;
        // the activities that wrote them are retried by Temporal anyway.
        .synchronous(SqliteSynchronous::Normal);
    Ok(Connections::open(
        options,
        Upkeep::FILE,
        SQLITE_FILE_CONNECTIONS,
        ACQUIRE_TIMEOUT,
    )
    .await?)
}

fn is_in_memory(url: &str) -> bool {
    let rest = url["sqlite:".len()..].trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

async fn open_postgres(url: &str) -> Result<Connections<PgConnection>, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(StoreError::InvalidUrl)?;
    Ok(Connections::open(
        options,
        Upkeep::SERVER,
        POSTGRES_CONNECTIONS,
        ACQUIRE_TIMEOUT,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_urls() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://shared?mode=memory&cache=shared"));
        assert!(!is_in_memory(
            "sqlite:///var/lib/meetflow/meetflow.db?mode=rwc"
        ));
        assert!(!is_in_memory("sqlite:memory.db"));
    }

    #[test]
    fn scheme_selects_backend() {
        assert!(matches!(Scheme::of("sqlite::memory:"), Ok(Scheme::Sqlite)));
        assert!(matches!(Scheme::of("SQLite:x.db"), Ok(Scheme::Sqlite)));
        assert!(matches!(
            Scheme::of("postgres://h/db"),
            Ok(Scheme::Postgres)
        ));
        assert!(matches!(
            Scheme::of("postgresql://h/db"),
            Ok(Scheme::Postgres)
        ));
    }

    #[test]
    fn unsupported_scheme_never_echoes_credentials() {
        let scheme_of = |url| match Scheme::of(url) {
            Err(StoreError::UnsupportedUrl { scheme }) => scheme,
            _ => panic!("{url} should be rejected"),
        };
        assert_eq!(scheme_of("mysql://root:hunter2@h/db"), "mysql");
        assert_eq!(scheme_of("/var/lib/meetflow.db"), "(none)");
        assert_eq!(scheme_of("admin hunter2:x@host"), "(none)");
    }
}
