//! The database handle: SQLite or PostgreSQL behind one type.
//!
//! Guarantees: `Db::connect` selects the backend from the URL (`postgres://` or
//! `postgresql://` for PostgreSQL, `sqlite:` or a plain path for SQLite, whose
//! parent directory is created), applies that backend's migrations, carries
//! audit rows that are not yet leaves over into the verifiable log, and turns on
//! the settings the rest of the code relies on (SQLite: WAL, foreign keys, a busy
//! timeout, and write transactions that take the write lock at BEGIN so that two
//! writers never deadlock on an upgrade).
//!
//! Concurrency: a state change reads the record it changes only after
//! [`Tx::lock`] (PostgreSQL: `SELECT … FOR NO KEY UPDATE`, which does not block
//! inserts that merely reference the row; SQLite: the write lock that
//! `BEGIN IMMEDIATE` already holds), so its checks see the latest committed
//! state. Locks are taken in one order — demand, its matches, the offer;
//! adjustment, pairing; and the audit head last (every audit append takes it) —
//! so that two writers do not wait on each other in a cycle. A deadlock or
//! serialisation failure that happens anyway is retryable
//! ([`crate::Error::is_retryable`]); the web layer runs the request again.

use crate::Result;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on one of the two backends.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Rows whose id is one of `ids`, in the order of `ids` (ids without a row
/// are left out): one query whatever the number. `select` is the query up to
/// its `WHERE`, `id_column` the column the ids are matched against, `id_of`
/// reads it back from a row.
pub(crate) async fn by_ids<T>(db: &Db, select: &str, id_column: &str, ids: &[i64], id_of: impl Fn(&T) -> i64) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = sqlx::AssertSqlSafe(format!("{select} WHERE {id_column} IN ({})", marks.join(",")));
    let mut rows: Vec<T> = crate::on_db!(db, p => {
        let mut q = sqlx::query_as(sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })?;
    let position: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| position.get(&id_of(r)).copied());
    Ok(rows)
}

/// Rows per page when reading what changed.
pub const PAGE: i64 = 10_000;

/// A page handler for [`in_pages`] that keeps every row in `all`.
pub(crate) fn gather<T>(all: &mut Vec<T>) -> impl FnMut(Vec<T>) -> Result<()> + '_ {
    move |page| {
        all.extend(page);
        Ok(())
    }
}

/// Rows stamped at or after `since` (their `updated_at`), handed to `each` a
/// page of `page` rows at a time in order of (`updated_at`, id) — so memory
/// holds one page however many rows changed, and a reader that stops midway
/// has seen exactly the rows up to the last one handed over. `select` is the
/// query up to its `WHERE`; `alias` prefixes its columns (`"f."` or "");
/// `key` reads (`updated_at`, id) back from a row.
pub(crate) async fn in_pages<T>(
    db: &Db,
    select: &str,
    alias: &str,
    since: i64,
    page: i64,
    key: impl Fn(&T) -> (i64, i64),
    mut each: impl FnMut(Vec<T>) -> Result<()>,
) -> Result<()>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    // Two seeks on the (updated_at, id) index: the rest of the current second, then
    // what follows it. (A row-value comparison would do as one on PostgreSQL, but
    // SQLite walks the second from its start, which a bulk import makes long.)
    let same_second = format!("{select} WHERE {alias}updated_at = $1 AND {alias}id > $2 ORDER BY {alias}updated_at, {alias}id LIMIT $3");
    let later = format!("{select} WHERE {alias}updated_at > $1 AND $2 = $2 ORDER BY {alias}updated_at, {alias}id LIMIT $3");
    let mut cursor = (since, i64::MIN);
    let mut rest_of_second = since > i64::MIN;
    loop {
        let sql = if rest_of_second { &same_second } else { &later };
        let (at, after) = if rest_of_second { cursor } else { (cursor.0, 0) };
        let rows: Vec<T> = crate::on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(at).bind(after).bind(page).fetch_all(p).await)?;
        let full = rows.len() as i64 == page;
        if let Some(last) = rows.last() {
            cursor = key(last);
            each(rows)?;
        }
        if !full {
            if !rest_of_second {
                return Ok(());
            }
            // The second is done: go on with the later ones.
            rest_of_second = false;
        } else {
            rest_of_second = true;
        }
    }
}

/// Runs the same expression against whichever pool `db` holds.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs the same expression against whichever connection `tx` holds
/// (`$conn` is `&mut Connection`, usable as an executor).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Like [`on_db!`] for statements that return no rows: yields the affected row count.
#[macro_export]
macro_rules! on_db_exec {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => ($body).map(|r| r.rows_affected()),
            $crate::db::Db::Postgres($pool) => ($body).map(|r| r.rows_affected()),
        }
    };
}

/// Like [`on_tx!`] for statements that return no rows: yields the affected row count.
#[macro_export]
macro_rules! on_tx_exec {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                ($body).map(|r| r.rows_affected())
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                ($body).map(|r| r.rows_affected())
            }
        }
    };
}

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") { Backend::Postgres } else { Backend::Sqlite }
    }
}

impl Db {
    /// Connects and migrates. See the module header for the URL forms.
    pub async fn connect(url: &str) -> Result<Db> {
        let db = match Backend::of_url(url) {
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                Db::Postgres(pool)
            }
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
                if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| crate::Error::Invalid(format!("无法创建数据目录 {}：{e}", parent.display())))?;
                }
                let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(15));
                let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
                Db::Sqlite(pool)
            }
        };
        db.migrate().await?;
        // Audit rows written before the verifiable log existed become its first leaves.
        let carried = crate::log::catch_up(&db).await?;
        if carried > 0 {
            tracing::info!(carried, "审计记录已接入可验证日志");
        }
        Ok(db)
    }

    async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Closes every connection (used before copying a SQLite file).
    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }

    /// Reads a `meta` value.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM meta WHERE key = $1";
        Ok(on_db!(self, p => sqlx::query_scalar::<_, String>(sql).bind(key).fetch_optional(p).await)?)
    }
}

/// Tables whose rows a state change locks before it reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    Demand,
    Match,
    Offer,
    Pairing,
    Batch,
    Adjustment,
    Organization,
    Complaint,
}

impl Locked {
    fn table(self) -> &'static str {
        match self {
            Locked::Demand => "demands",
            Locked::Match => "matches",
            Locked::Offer => "offers",
            Locked::Pairing => "pairings",
            Locked::Batch => "pairing_batches",
            Locked::Adjustment => "pairing_adjustments",
            Locked::Organization => "organizations",
            Locked::Complaint => "complaints",
        }
    }
}

impl Tx {
    /// Whether this transaction runs on PostgreSQL (where rows must be locked
    /// explicitly; a SQLite transaction holds the database's write lock).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    /// Locks one row until the transaction ends, so that what is read next is
    /// the latest committed state and nobody changes it meanwhile. On SQLite
    /// the transaction already holds the database's write lock.
    pub async fn lock(&mut self, what: Locked, id: i64) -> Result<()> {
        if let Tx::Postgres(t) = self {
            let sql = sqlx::AssertSqlSafe(format!("SELECT id FROM {} WHERE id = $1 FOR NO KEY UPDATE", what.table()));
            sqlx::query(sql).bind(id).fetch_optional(&mut **t).await?;
        }
        Ok(())
    }

    /// Locks a name (`project_natures:53`) until the transaction ends, for a
    /// change that has no row to lock yet (it replaces a set of rows). On
    /// SQLite the transaction already holds the database's write lock.
    pub async fn lock_name(&mut self, name: &str) -> Result<()> {
        if let Tx::Postgres(t) = self {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(name).execute(&mut **t).await?;
        }
        Ok(())
    }

    /// Locks the rows `select_ids` returns (a `SELECT id FROM … WHERE …
    /// ORDER BY id` with `$1` bound to `arg`), in that order.
    pub(crate) async fn lock_all(&mut self, select_ids: &'static str, arg: i64) -> Result<()> {
        if let Tx::Postgres(t) = self {
            let sql = sqlx::AssertSqlSafe(format!("{select_ids} FOR NO KEY UPDATE"));
            sqlx::query(sql).bind(arg).fetch_all(&mut **t).await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Writes a `meta` value.
    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        let sql = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on_tx_exec!(self, c => sqlx::query(sql).bind(key).bind(value).execute(c).await)?;
        Ok(())
    }
}
