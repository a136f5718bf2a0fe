//! The database: one connection pool for reads and one for writes, the unit of work
//! ([`Tx`]) that services open and commit, and the migrations of both backends.
//!
//! Repositories (`crate::reports`, `crate::audit`, …) are modules of functions that take
//! `&mut Conn`: an open transaction (`&mut tx`) or a connection for reads (`&mut read`).
//! A use case opens one transaction, calls as many repositories as it needs, and commits:
//! its row, its e-mails, its jobs and its audit event are written together or not at all.
//!
//! Queries are runtime strings with `$n` placeholders, which both databases accept, bound
//! through sqlx's `Any` driver. Values are kept to types both databases store alike: ids as
//! UUID text, timestamps as `BIGINT` microseconds since the Unix epoch (UTC), JSON as text.

use crate::{Result, StoreError};
use sqlx::{
    AnyConnection, AnyPool, Executor,
    any::AnyPoolOptions,
    migrate::{Migration, MigrationType, Migrator},
    pool::PoolConnection,
};
use std::{
    borrow::Cow,
    ops::{Deref, DerefMut},
    time::Duration,
};

/// A connection repositories run their statements on: a transaction's or a pooled one.
pub type Conn = AnyConnection;

/// The database behind a [`Db`]; what differs between the two in set-up lives here (and
/// the few statements that differ, next to their repository).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One migration of each tree: (version, description, SQLite SQL, PostgreSQL SQL).
/// Both trees carry the same version numbers; a test checks it.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "signing keys",
        include_str!("../migrations/sqlite/0002_signing_keys.sql"),
        include_str!("../migrations/postgres/0002_signing_keys.sql"),
    ),
    (
        3,
        "audit",
        include_str!("../migrations/sqlite/0003_audit.sql"),
        include_str!("../migrations/postgres/0003_audit.sql"),
    ),
    (
        4,
        "securitytxt watch",
        include_str!("../migrations/sqlite/0004_securitytxt_watch.sql"),
        include_str!("../migrations/postgres/0004_securitytxt_watch.sql"),
    ),
    (
        5,
        "advisories",
        include_str!("../migrations/sqlite/0005_advisories.sql"),
        include_str!("../migrations/postgres/0005_advisories.sql"),
    ),
    (
        6,
        "scores",
        include_str!("../migrations/sqlite/0006_scores.sql"),
        include_str!("../migrations/postgres/0006_scores.sql"),
    ),
    (
        7,
        "triage",
        include_str!("../migrations/sqlite/0007_triage.sql"),
        include_str!("../migrations/postgres/0007_triage.sql"),
    ),
    (
        8,
        "inbound mail",
        include_str!("../migrations/sqlite/0008_inbound_mail.sql"),
        include_str!("../migrations/postgres/0008_inbound_mail.sql"),
    ),
    (
        9,
        "reply tokens",
        include_str!("../migrations/sqlite/0009_reply_tokens.sql"),
        include_str!("../migrations/postgres/0009_reply_tokens.sql"),
    ),
    (
        10,
        "mail filters",
        include_str!("../migrations/sqlite/0010_mail_filters.sql"),
        include_str!("../migrations/postgres/0010_mail_filters.sql"),
    ),
    (
        11,
        "mail threads and reporter keys",
        include_str!("../migrations/sqlite/0011_mail_threads_and_keys.sql"),
        include_str!("../migrations/postgres/0011_mail_threads_and_keys.sql"),
    ),
    (
        12,
        "collaborators",
        include_str!("../migrations/sqlite/0012_collaborators.sql"),
        include_str!("../migrations/postgres/0012_collaborators.sql"),
    ),
    (
        13,
        "sla reminders",
        include_str!("../migrations/sqlite/0013_sla_reminders.sql"),
        include_str!("../migrations/postgres/0013_sla_reminders.sql"),
    ),
    (
        14,
        "webhooks and report milestones",
        include_str!("../migrations/sqlite/0014_webhooks.sql"),
        include_str!("../migrations/postgres/0014_webhooks.sql"),
    ),
    (
        15,
        "project sources",
        include_str!("../migrations/sqlite/0015_project_sources.sql"),
        include_str!("../migrations/postgres/0015_project_sources.sql"),
    ),
    (
        16,
        "duplicates",
        include_str!("../migrations/sqlite/0016_duplicates.sql"),
        include_str!("../migrations/postgres/0016_duplicates.sql"),
    ),
    (
        17,
        "advisory pages",
        include_str!("../migrations/sqlite/0017_advisory_pages.sql"),
        include_str!("../migrations/postgres/0017_advisory_pages.sql"),
    ),
    (
        18,
        "report search",
        include_str!("../migrations/sqlite/0018_report_search.sql"),
        include_str!("../migrations/postgres/0018_report_search.sql"),
    ),
    (
        19,
        "junk holds and bans",
        include_str!("../migrations/sqlite/0019_junk_holds_and_bans.sql"),
        include_str!("../migrations/postgres/0019_junk_holds_and_bans.sql"),
    ),
    (
        20,
        "list pages",
        include_str!("../migrations/sqlite/0020_list_pages.sql"),
        include_str!("../migrations/postgres/0020_list_pages.sql"),
    ),
    (
        21,
        "report assignees",
        include_str!("../migrations/sqlite/0021_report_assignees.sql"),
        include_str!("../migrations/postgres/0021_report_assignees.sql"),
    ),
    (
        22,
        "member invitations",
        include_str!("../migrations/sqlite/0022_member_invitations.sql"),
        include_str!("../migrations/postgres/0022_member_invitations.sql"),
    ),
    (
        23,
        "account security",
        include_str!("../migrations/sqlite/0023_account_security.sql"),
        include_str!("../migrations/postgres/0023_account_security.sql"),
    ),
];

impl Dialect {
    /// Picks the backend from a database URL: `sqlite:…` or `postgres://…`.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// This backend's migration tree.
    pub fn migrator(self) -> Migrator {
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, description, sqlite, postgres)| {
                let sql = match self {
                    Self::Sqlite => sqlite,
                    Self::Postgres => postgres,
                };
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(sql),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
    }

    /// Per-connection settings. SQLite: write-ahead log, full fsync on commit (no
    /// acknowledged write is lost on power failure), foreign keys, and a busy timeout so
    /// writers queue instead of failing.
    pub(crate) async fn prepare(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Self::Sqlite {
            for pragma in [
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 10000",
            ] {
                conn.execute(pragma).await?;
            }
        }
        Ok(())
    }

    /// Claims one due security.txt watch, like `jobs::lease` does jobs.
    pub(crate) fn claim_watch_sql(self) -> &'static str {
        match self {
            Self::Sqlite => {
                "UPDATE securitytxt_watches SET next_check_at = $1 \
                 WHERE project_id = (SELECT project_id FROM securitytxt_watches \
                   WHERE next_check_at <= $2 ORDER BY next_check_at, project_id LIMIT 1) \
                 RETURNING project_id, url, state"
            }
            Self::Postgres => {
                "UPDATE securitytxt_watches SET next_check_at = $1 \
                 WHERE project_id = (SELECT project_id FROM securitytxt_watches \
                   WHERE next_check_at <= $2 ORDER BY next_check_at, project_id LIMIT 1 \
                   FOR UPDATE SKIP LOCKED) \
                 RETURNING project_id, url, state"
            }
        }
    }
}

/// SQLite or PostgreSQL behind one pool for reads and one for writes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    /// Where every write goes. SQLite has one writer at a time: a pool of exactly one
    /// connection queues writers in order (the pool is fair) instead of letting them poll
    /// the database's busy handler, which sleeps in growing steps and wrecks tail latency;
    /// and that one connection's page cache stays warm, where writes spread over several
    /// connections would each re-read the pages the others changed. On PostgreSQL writers
    /// run concurrently, so this is the read pool itself.
    pub(crate) writer: AnyPool,
    dialect: Dialect,
}

impl Db {
    /// Connects to `url`. SQLite files are created when missing (their directory must exist).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres://".into(),
            ))
        })?;
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = |max: u32, acquire: Duration| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(acquire)
                // A SQLite connection is a file handle in this process: it cannot go stale
                // the way a network connection can, so a ping before each use is a wasted
                // round trip to the connection's worker thread.
                .test_before_acquire(dialect == Dialect::Postgres)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move { dialect.prepare(conn).await })
                })
        };
        let pool = options(max_connections, Duration::from_secs(15))
            .connect(&url)
            .await?;
        let writer = match dialect {
            // Writers wait their turn rather than fail: a minute is far beyond any real
            // queue, yet still ends a wait on a wedged connection.
            Dialect::Sqlite => options(1, Duration::from_secs(60)).connect(&url).await?,
            Dialect::Postgres => pool.clone(),
        };
        Ok(Self {
            pool,
            writer,
            dialect,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The read pool itself, for tests that change rows behind the repositories' back (a
    /// tampered audit log, a hand-edited column).
    #[cfg(feature = "testing")]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a unit of work that writes (on SQLite, after the writers before it). Dropped
    /// without [`Tx::commit`], it rolls back.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`): a unit of
    /// work that reads before it writes would otherwise fail with `SQLITE_BUSY_SNAPSHOT` when
    /// another process (the command line, a second server) committed in between, and no
    /// busy timeout can save it. Taken first, the lock makes such writers wait their turn.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.dialect {
            Dialect::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.writer.begin().await?,
        };
        Ok(Tx(tx))
    }

    /// A connection for reads (each statement sees the latest committed data).
    pub async fn read(&self) -> Result<Read> {
        Ok(Read(self.pool.acquire().await?))
    }

    /// Applies pending migrations of this backend's tree.
    pub async fn migrate(&self) -> Result<()> {
        self.dialect.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// A cheap round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// A unit of work: every repository call made through it commits together, or not at all.
#[derive(Debug)]
pub struct Tx(sqlx::Transaction<'static, sqlx::Any>);

impl Tx {
    pub async fn commit(self) -> Result<()> {
        Ok(self.0.commit().await?)
    }

    pub async fn rollback(self) -> Result<()> {
        Ok(self.0.rollback().await?)
    }
}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// A pooled connection for reads.
#[derive(Debug)]
pub struct Read(PoolConnection<sqlx::Any>);

impl Deref for Read {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl DerefMut for Read {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}
