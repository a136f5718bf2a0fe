//! Throw-away databases for tests, shared by this crate's conformance tests and the
//! binary's integration tests (feature `testing`).
//!
//! PostgreSQL is found at `EMBARGO_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each [`TestDb`] is a fresh database on
//! that server, dropped when the test ends. An unreachable server fails the test. Only a
//! developer without PostgreSQL may set `EMBARGO_TEST_SKIP_POSTGRES=1` to skip those runs;
//! with `CI=true` that switch is ignored.

use crate::Db;
use sqlx::{Connection, Executor};
use std::path::PathBuf;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The backends a test should run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL unless a developer opted out (never in CI).
    pub fn all() -> Vec<Backend> {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let skip = std::env::var("EMBARGO_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1");
        if skip && !ci {
            eprintln!("EMBARGO_TEST_SKIP_POSTGRES=1: PostgreSQL runs skipped");
            vec![Backend::Sqlite]
        } else {
            vec![Backend::Sqlite, Backend::Postgres]
        }
    }
}

/// A fresh, empty database; removed on drop.
#[derive(Debug)]
pub struct TestDb {
    pub backend: Backend,
    /// The URL the application under test should use.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("embargo-test-{tag}"));
                std::fs::create_dir_all(&dir).expect("create temporary directory");
                let url = format!("sqlite:{}", dir.join("embargo.db").display());
                TestDb {
                    backend,
                    url,
                    cleanup: Cleanup::Dir(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("EMBARGO_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
                let name = format!("embargo_test_{tag}");
                let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(conn) => conn,
                    Err(e) => panic!(
                        "PostgreSQL is unreachable at {admin_url}: {e}. Start it, point \
                         EMBARGO_TEST_POSTGRES_URL at a server, or (outside CI only) set \
                         EMBARGO_TEST_SKIP_POSTGRES=1"
                    ),
                };
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create test database");
                let _ = conn.close().await;
                let url = match admin_url.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("EMBARGO_TEST_POSTGRES_URL must end in /DATABASE"),
                };
                TestDb {
                    backend,
                    url,
                    cleanup: Cleanup::Database { admin_url, name },
                }
            }
        }
    }

    /// A migrated connection pool on this database.
    pub async fn store(&self) -> Db {
        let store = Db::connect(&self.url, 8)
            .await
            .expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                // Drop runs outside async; a short-lived thread with its own runtime keeps
                // the server from filling up with test databases.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = conn.execute(sqlx::AssertSqlSafe(sql)).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
