//! Connections lent to one store call at a time, for both backends, without sqlx's pool.
//!
//! sqlx's pool pings every connection it takes back (`PoolConnection::return_to_pool` in
//! sqlx-core 0.8), whatever its options say, in a task it spawns for that: a round trip after
//! every statement, on top of the one before each statement that finds a broken connection.
//!
//! - A SQLite connection is a thread of sqlx's that owns the database handle. The ping after
//!   each statement was half of a store call's thread switches, for a check that cannot find
//!   anything: a file does not hang up the way a server does. Neither ping is made.
//! - A PostgreSQL connection can be dropped by the server while it sits idle (a fail-over, a
//!   restart, an idle timeout on a proxy): one unused for half a second or more is pinged
//!   before it is lent, and replaced when that fails, so a caller without a retry policy (the
//!   CLI, the artifact-link server) gets a working connection after an outage. One handed back
//!   less than half a second ago is lent as it is (HikariCP's `aliveBypassWindowMs`, the same
//!   500 ms): under load a statement is then one round trip instead of sqlx's three. The price:
//!   a connection the server drops within that half second fails its next call once, with a
//!   retryable error, and is replaced.
//!
//! A connection handed back mid-statement (a call cancelled by its activity's timeout) is safe
//! to lend again: a SQLite connection's thread runs commands in order and finishes or rolls back
//! the abandoned one before the next borrower's; a PostgreSQL connection drains what the
//! abandoned statement left unread (and sends a dropped transaction's queued ROLLBACK) before
//! it runs anything else (sqlx's `wait_until_ready`, at the start of every command). A
//! connection whose call failed on the connection itself (I/O, protocol, its SQLite thread
//! gone) is not lent again; its place is filled by a new one.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::Duration;

use sqlx::{ConnectOptions as _, Connection};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// What a backend's connections need between loans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upkeep {
    /// A connection unused for at least this long is pinged before it is lent, and dropped
    /// when that fails; `None`: never pinged.
    pub ping_when_idle_for: Option<Duration>,
    /// Reopened after this long, however busy (server-side memory, connection-balancing
    /// proxies); `None`: kept for the store's life.
    pub max_lifetime: Option<Duration>,
    /// Closed after sitting unused this long, freeing the server's backend process.
    pub idle_timeout: Option<Duration>,
}

impl Upkeep {
    /// SQLite: nothing can break a connection to a file, and an in-memory database lives only
    /// as long as its connection.
    pub(crate) const FILE: Upkeep = Upkeep {
        ping_when_idle_for: None,
        max_lifetime: None,
        idle_timeout: None,
    };
    /// PostgreSQL: HikariCP's window for skipping the ping, sqlx's pool defaults for lifetime
    /// and idle time.
    pub(crate) const SERVER: Upkeep = Upkeep {
        ping_when_idle_for: Some(Duration::from_millis(500)),
        max_lifetime: Some(Duration::from_secs(30 * 60)),
        idle_timeout: Some(Duration::from_secs(10 * 60)),
    };

    fn needs_ping<C>(&self, c: &Idle<C>, now: Instant) -> bool {
        self.ping_when_idle_for
            .is_some_and(|window| now.duration_since(c.since) >= window)
    }

    fn expired<C>(&self, c: &Idle<C>, now: Instant) -> bool {
        self.max_lifetime
            .is_some_and(|max| now.duration_since(c.opened) >= max)
            || self
                .idle_timeout
                .is_some_and(|max| now.duration_since(c.since) >= max)
    }
}

pub(crate) struct Connections<C: Connection + 'static> {
    options: C::Options,
    upkeep: Upkeep,
    /// One permit per connection that may exist; a permit holder owns a connection, taken from
    /// `idle` or opened.
    permits: Semaphore,
    size: u32,
    /// Most recently handed back last: loans take from the end, so the connections a quiet
    /// period does not need drift to the front and time out there.
    idle: Mutex<Vec<Idle<C>>>,
    acquire_timeout: Duration,
}

struct Idle<C> {
    connection: C,
    opened: Instant,
    since: Instant,
}

/// A borrowed connection, handed back when dropped.
pub(crate) struct Lent<'a, C: Connection + 'static> {
    /// The connection and when it was opened; `since` is set again when it is handed back.
    idle: Option<Idle<C>>,
    from: &'a Connections<C>,
    _permit: SemaphorePermit<'a>,
}

impl<C: Connection + 'static> Connections<C> {
    /// Opens one connection now (so a bad path, a locked file or an unreachable server fails
    /// here, and an in-memory database exists from now on); the others open when calls overlap.
    pub(crate) async fn open(
        options: C::Options,
        upkeep: Upkeep,
        size: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        let connections = Self {
            options,
            upkeep,
            permits: Semaphore::new(size as usize),
            size,
            idle: Mutex::new(Vec::new()),
            acquire_timeout,
        };
        // Lent and handed straight back: it stays idle for the first call.
        drop(connections.acquire().await?);
        Ok(connections)
    }

    /// A connection for one call: an idle one (pinged first when [`Upkeep`] says so), or a new
    /// one while fewer than `size` exist. Gives up after the acquire timeout
    /// ([`sqlx::Error::PoolTimedOut`], retryable), and fails at once once closed
    /// ([`sqlx::Error::PoolClosed`]).
    pub(crate) async fn acquire(&self) -> Result<Lent<'_, C>, sqlx::Error> {
        let deadline = Instant::now() + self.acquire_timeout;
        tokio::time::timeout_at(deadline, self.lend(deadline))
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    async fn lend(&self, deadline: Instant) -> Result<Lent<'_, C>, sqlx::Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = loop {
            let now = Instant::now();
            let Some(mut idle) = self.take_idle(now) else {
                let connection = self.connect(deadline).await?;
                break Idle {
                    connection,
                    opened: now,
                    since: now,
                };
            };
            // Dropped, not closed, when the ping fails: a broken connection has nobody to say
            // goodbye to.
            if !self.upkeep.needs_ping(&idle, now) || idle.connection.ping().await.is_ok() {
                break idle;
            }
        };
        Ok(Lent {
            idle: Some(idle),
            from: self,
            _permit: permit,
        })
    }

    /// The most recently handed back connection still within its lifetime, closing in the
    /// background those past their lifetime or idle time.
    fn take_idle(&self, now: Instant) -> Option<Idle<C>> {
        let mut idle = self.idle_list();
        let expired: Vec<Idle<C>> = idle
            .extract_if(.., |c| self.upkeep.expired(c, now))
            .collect();
        let next = idle.pop();
        drop(idle);
        if !expired.is_empty() {
            tokio::spawn(async move {
                for c in expired {
                    let _ = c.connection.close().await;
                }
            });
        }
        next
    }

    /// Opens a connection, trying again while the server refuses or drops the attempt (a
    /// fail-over in progress) until `deadline`; any other error fails at once.
    async fn connect(&self, deadline: Instant) -> Result<C, sqlx::Error> {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.options.connect().await {
                Err(sqlx::Error::Io(_)) if Instant::now() + backoff < deadline => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
                result => return result,
            }
        }
    }

    fn idle_list(&self) -> std::sync::MutexGuard<'_, Vec<Idle<C>>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for every lent connection to come back, then closes them all; later calls fail
    /// with [`sqlx::Error::PoolClosed`].
    pub(crate) async fn close(&self) {
        // Holding every permit means nothing is lent; closing the semaphore then turns waiting
        // and later callers away.
        let all = self.permits.acquire_many(self.size).await;
        self.permits.close();
        drop(all);
        let idle = std::mem::take(&mut *self.idle_list());
        for c in idle {
            // A connection that fails to close has nothing left to lose.
            let _ = c.connection.close().await;
        }
    }
}

impl<C: Connection + 'static> Lent<'_, C> {
    /// Drops the connection instead of handing it back when `result` says the connection
    /// itself failed (not merely the statement).
    pub(crate) fn check<T>(&mut self, result: &Result<T, sqlx::Error>) {
        if result.as_ref().is_err_and(crate::error::connection_lost) {
            self.idle = None;
        }
    }
}

impl<C: Connection + 'static> Deref for Lent<'_, C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.idle.as_ref().expect("lent until dropped").connection
    }
}

impl<C: Connection + 'static> DerefMut for Lent<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.idle.as_mut().expect("lent until dropped").connection
    }
}

impl<C: Connection + 'static> Drop for Lent<'_, C> {
    fn drop(&mut self) {
        if let Some(mut idle) = self.idle.take() {
            idle.since = Instant::now();
            self.from.idle_list().push(idle);
        }
        // The permit goes back after the connection, so its next holder finds one idle.
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use sqlx::postgres::{PgConnectOptions, PgConnection};
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

    use super::*;
    use crate::tests::harness::pg_url;

    fn memory() -> SqliteConnectOptions {
        SqliteConnectOptions::from_str("sqlite::memory:").unwrap()
    }

    async fn connections(size: u32) -> Connections<SqliteConnection> {
        Connections::open(memory(), Upkeep::FILE, size, Duration::from_millis(200))
            .await
            .unwrap()
    }

    async fn server(upkeep: Upkeep) -> Connections<PgConnection> {
        let options = PgConnectOptions::from_str(&pg_url()).unwrap();
        Connections::open(options, upkeep, 2, Duration::from_secs(5))
            .await
            .expect("PostgreSQL at MEETFLOW_TEST_PG_URL (default 127.0.0.1:5432/test)")
    }

    async fn backend_pid(c: &Connections<PgConnection>) -> i32 {
        sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *c.acquire().await.unwrap())
            .await
            .unwrap()
    }

    /// Ends the backend `pid` from another connection and waits until the server lists it no
    /// more.
    async fn terminate(pid: i32) {
        let mut admin = PgConnection::connect(&pg_url()).await.unwrap();
        let signalled: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        assert!(signalled);
        for _ in 0..100 {
            let left: i64 =
                sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
                    .bind(pid)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if left == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("backend {pid} still listed 5 s after pg_terminate_backend");
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
        assert_eq!(c.idle_list().len(), 2);
    }

    #[tokio::test]
    async fn a_crashed_connection_is_replaced() {
        let c = connections(1).await;
        let mut lent = c.acquire().await.unwrap();
        lent.check(&Err::<(), _>(sqlx::Error::WorkerCrashed));
        drop(lent);
        assert!(c.idle_list().is_empty());
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

    /// Connections pinged after `ping_when_idle_for` unused, whose one connection's backend the
    /// server has just ended (as a fail-over or restart does), and that backend's pid.
    async fn with_its_backend_ended(
        ping_when_idle_for: Duration,
    ) -> (Connections<PgConnection>, i32) {
        let c = server(Upkeep {
            ping_when_idle_for: Some(ping_when_idle_for),
            ..Upkeep::SERVER
        })
        .await;
        let before = backend_pid(&c).await;
        terminate(before).await;
        (c, before)
    }

    /// Once the connection has been unused for the window, the ping before its next loan finds
    /// its backend gone, and the call gets a new connection instead of the broken one's error.
    #[tokio::test]
    async fn a_connection_the_server_dropped_is_replaced_before_it_is_lent() {
        let (c, before) = with_its_backend_ended(Duration::from_millis(100)).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let after = backend_pid(&c).await;
        assert_ne!(before, after);
        c.close().await;
    }

    /// Within the window (or with no ping at all, as for SQLite) the same call fails with the
    /// broken connection's error, which is what the ping is for; the connection is then
    /// replaced.
    #[tokio::test]
    async fn a_connection_used_within_the_window_is_lent_unchecked() {
        let (c, before) = with_its_backend_ended(Duration::from_secs(60)).await;
        let mut lent = c.acquire().await.unwrap();
        let failed = sqlx::query("SELECT 1").execute(&mut *lent).await;
        assert!(failed.is_err(), "the terminated backend answered");
        lent.check(&failed);
        drop(lent);
        assert_ne!(backend_pid(&c).await, before);
        c.close().await;
    }

    /// Connections past their idle time are closed instead of lent; a new one is opened.
    #[tokio::test]
    async fn an_idle_connection_past_its_idle_time_is_not_lent() {
        let upkeep = Upkeep {
            idle_timeout: Some(Duration::from_millis(100)),
            ..Upkeep::SERVER
        };
        let c = server(upkeep).await;
        let before = backend_pid(&c).await;
        assert_eq!(
            backend_pid(&c).await,
            before,
            "a fresh connection is reused"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_ne!(backend_pid(&c).await, before);
        c.close().await;
    }
}
