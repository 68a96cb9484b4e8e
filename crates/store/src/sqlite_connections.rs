//! SQLite connections lent to one store call at a time, without sqlx's pool.
//!
//! sqlx's pool pings every connection it takes back (`PoolConnection::return_to_pool` in
//! sqlx-core 0.8), whatever its options say. A SQLite connection is a thread of sqlx's that
//! owns the database handle, so that ping is a second round trip to the thread, in a task
//! spawned for it, after every statement: half of a store call's thread switches, for a check
//! that cannot find anything — a file does not hang up the way a server does, and a connection
//! handed back mid-statement (a call cancelled by its activity's timeout) is safe to lend again
//! because its thread runs commands in order, and finishes or rolls back the abandoned one
//! before the next borrower's. PostgreSQL keeps sqlx's pool, where the ping finds the
//! connections a fail-over broke.
//!
//! A connection that lost its thread ([`sqlx::Error::WorkerCrashed`]) is not lent again; its
//! place is filled by a new connection on a later call.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};
use tokio::sync::{Semaphore, SemaphorePermit};

pub(crate) struct SqliteConnections {
    options: SqliteConnectOptions,
    /// One permit per connection that may exist; a permit holder owns a connection, taken from
    /// `idle` or opened.
    permits: Semaphore,
    size: u32,
    idle: Mutex<Vec<SqliteConnection>>,
    acquire_timeout: Duration,
}

/// A borrowed connection, handed back when dropped.
pub(crate) struct Lent<'a> {
    connection: Option<SqliteConnection>,
    from: &'a SqliteConnections,
    _permit: SemaphorePermit<'a>,
}

impl SqliteConnections {
    /// Opens one connection now (so a bad path or a locked file fails here, and an in-memory
    /// database exists from now on); the others open when calls overlap.
    pub(crate) async fn open(
        options: SqliteConnectOptions,
        size: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        let first = options.connect().await?;
        Ok(Self {
            options,
            permits: Semaphore::new(size as usize),
            size,
            idle: Mutex::new(vec![first]),
            acquire_timeout,
        })
    }

    /// A connection for one call: an idle one, or a new one while fewer than `size` exist.
    /// Waits up to the acquire timeout for one to be handed back
    /// ([`sqlx::Error::PoolTimedOut`], retryable), and fails at once once closed
    /// ([`sqlx::Error::PoolClosed`]).
    pub(crate) async fn acquire(&self) -> Result<Lent<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.options.connect().await?,
        };
        Ok(Lent {
            connection: Some(connection),
            from: self,
            _permit: permit,
        })
    }

    /// Waits for every lent connection to come back, then closes them all; later calls fail
    /// with [`sqlx::Error::PoolClosed`].
    pub(crate) async fn close(&self) {
        // Holding every permit means nothing is lent; closing the semaphore then turns waiting
        // and later callers away.
        let all = self.permits.acquire_many(self.size).await;
        self.permits.close();
        drop(all);
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for connection in idle {
            // A connection that fails to close has nothing left to lose.
            let _ = connection.close().await;
        }
    }
}

impl Lent<'_> {
    /// Drops the connection instead of handing it back when `result` says its thread is gone.
    pub(crate) fn check<T>(&mut self, result: &Result<T, sqlx::Error>) {
        if matches!(result, Err(sqlx::Error::WorkerCrashed)) {
            self.connection = None;
        }
    }
}

impl Deref for Lent<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.connection.as_ref().expect("lent until dropped")
    }
}

impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.connection.as_mut().expect("lent until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.from
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(connection);
        }
        // The permit goes back after the connection, so its next holder finds one idle.
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    fn memory() -> SqliteConnectOptions {
        SqliteConnectOptions::from_str("sqlite::memory:").unwrap()
    }

    async fn connections(size: u32) -> SqliteConnections {
        SqliteConnections::open(memory(), size, Duration::from_millis(200))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_in_memory_database_outlives_its_calls() {
        let c = connections(1).await;
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut *c.acquire().await.unwrap())
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *c.acquire().await.unwrap())
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut *c.acquire().await.unwrap())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn a_call_waits_for_a_connection_then_times_out() {
        let c = connections(1).await;
        let held = c.acquire().await.unwrap();
        assert!(matches!(
            c.acquire().await.map(|_| ()),
            Err(sqlx::Error::PoolTimedOut)
        ));
        drop(held);
        c.acquire().await.unwrap();
    }

    #[tokio::test]
    async fn connections_open_as_calls_overlap_up_to_the_size() {
        let c = connections(2).await;
        let a = c.acquire().await.unwrap();
        let b = c.acquire().await.unwrap();
        assert!(matches!(
            c.acquire().await.map(|_| ()),
            Err(sqlx::Error::PoolTimedOut)
        ));
        drop((a, b));
        assert_eq!(c.idle.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_crashed_connection_is_replaced() {
        let c = connections(1).await;
        let mut lent = c.acquire().await.unwrap();
        lent.check(&Err::<(), _>(sqlx::Error::WorkerCrashed));
        drop(lent);
        assert!(c.idle.lock().unwrap().is_empty());
        sqlx::query("SELECT 1")
            .execute(&mut *c.acquire().await.unwrap())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn closing_waits_for_lent_connections_and_turns_later_calls_away() {
        let c = std::sync::Arc::new(connections(2).await);
        let lent = c.acquire().await.unwrap();
        let closing = tokio::spawn({
            let c = c.clone();
            async move { c.close().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !closing.is_finished(),
            "close must wait for the lent connection"
        );
        drop(lent);
        closing.await.unwrap();
        assert!(matches!(
            c.acquire().await.map(|_| ()),
            Err(sqlx::Error::PoolClosed)
        ));
    }
}
