//! Fresh databases for tests, fast.
//!
//! Guarantees: each call returns a database nobody else uses, already migrated
//! and holding the full reference data and the demo data, on SQLite
//! ([`fresh_sqlite`]) or on the PostgreSQL server named by `DUIJIE_TEST_PG_URL`
//! ([`fresh_postgres`]). The expensive load happens once per test process into a
//! template that is then copied (a file copy on SQLite, `CREATE DATABASE …
//! TEMPLATE` on PostgreSQL).

use crate::{Db, Result, demo, reference};
use std::path::PathBuf;
use tokio::sync::OnceCell;

static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A test database and what keeps it alive.
pub struct TestDb {
    pub db: Db,
    /// The URL, for commands run as separate processes.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

async fn load_everything(db: &Db) -> Result<()> {
    reference::ensure_loaded(db).await?;
    demo::ensure_loaded(db).await?;
    Ok(())
}

/// A fresh SQLite database in its own temporary directory.
pub async fn fresh_sqlite() -> Result<TestDb> {
    let template = SQLITE_TEMPLATE
        .get_or_try_init(|| async {
            let dir = tempfile::tempdir().map_err(|e| crate::Error::Invalid(e.to_string()))?.keep();
            let path = dir.join("template.db");
            let db = Db::connect(&format!("sqlite://{}", path.display())).await?;
            load_everything(&db).await?;
            if let Db::Sqlite(p) = &db {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await?;
            }
            db.close().await;
            Ok::<_, crate::Error>(path)
        })
        .await?;
    let dir = tempfile::tempdir().map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let path = dir.path().join("duijie.db");
    std::fs::copy(template, &path).map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let url = format!("sqlite://{}", path.display());
    Ok(TestDb { db: Db::connect(&url).await?, url, _dir: Some(dir) })
}

/// The PostgreSQL server for tests, e.g. `postgres://postgres@127.0.0.1:5432`.
pub fn pg_server() -> Option<String> {
    std::env::var("DUIJIE_TEST_PG_URL").ok().filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('/').to_string())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), &duijie_domain::crypto::random_token()[..10])
}

/// A fresh PostgreSQL database; `None` when `DUIJIE_TEST_PG_URL` is not set.
pub async fn fresh_postgres() -> Result<Option<TestDb>> {
    let Some(server) = pg_server() else { return Ok(None) };
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await?;
    let template = PG_TEMPLATE
        .get_or_try_init(|| async {
            let name = unique("duijie_tmpl");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
            let db = Db::connect(&format!("{server}/{name}")).await?;
            load_everything(&db).await?;
            db.close().await;
            Ok::<_, crate::Error>(name)
        })
        .await?;
    let name = unique("duijie_t");
    // Copying from a template fails while another copy is in progress; retry.
    let mut attempt = 0;
    loop {
        let sql = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}"));
        match sqlx::query(sql).execute(&admin).await {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                attempt += 1;
                tracing::debug!("template busy: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    admin.close().await;
    let url = format!("{server}/{name}");
    Ok(Some(TestDb { db: Db::connect(&url).await?, url, _dir: None }))
}
