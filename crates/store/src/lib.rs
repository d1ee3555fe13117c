//! Duijie's storage: one code base over SQLite (the embedded default) and
//! PostgreSQL (production).
//!
//! Guarantees:
//! - Every SQL statement is written once, with `$n` placeholders, and runs on both
//!   backends; each backend has its own migrations.
//! - Every write that changes a record goes through a [`db::Tx`] that also appends
//!   to the SM3-chained audit trail ([`audit`]) before it commits, so a change and
//!   its audit row land together or not at all.
//! - Functions that list or load records scoped to a user take a
//!   [`duijie_domain::Scope`] and filter in SQL.
//! - A state change is decided on the latest committed state (the row is
//!   locked before it is read, see [`db`]) and written as a compare-and-set;
//!   the invariants that span rows are also constraints of the schema
//!   (migration 0005). A change that someone else made impossible first is
//!   [`Error::Changed`], never a database error.

pub mod actions;
pub mod audit;
pub mod catalog;
pub mod commendations;
pub mod complaints;
pub mod db;
pub mod demand;
pub mod designations;
pub mod history;
pub mod idempotency;
pub mod imports;
pub mod inbox;
pub mod liaisons;
pub mod log;
pub mod monitoring;
pub mod demo;
pub mod orgs;
pub mod pairing;
pub mod projects;
pub mod reference;
pub mod regions;
pub mod reports;
pub mod search;
pub mod supervision;
pub mod sessions;
pub mod testing;
pub mod throttle;
pub mod users;

pub use audit::Actor;

/// A region's subtree as a half-open range of codes, `[low, high)`: SQL
/// filters with `code >= low AND code < high` ([`in_subtree`]), which uses the
/// column's index on both backends (a `LIKE '5306%'` does not on SQLite, nor
/// on PostgreSQL outside the C collation). The only place a region code
/// becomes a condition: everything outside this crate passes a
/// [`duijie_domain::RegionCode`] or a [`duijie_domain::Scope`].
///
/// Codes are digits only, so the codes that begin with `5306` are exactly
/// those from `5306` up to, not including, `5307` (and `5309…` stops below
/// `531`); a code of nines, or the whole country, has no digit to raise and
/// ends below `A`, which sorts after every digit in every collation.
pub(crate) fn subtree(region: &duijie_domain::RegionCode) -> [String; 2] {
    let code = region.as_str();
    let high = match code.rfind(|c: char| c != '9') {
        Some(i) => format!("{}{}", &code[..i], char::from(code.as_bytes()[i] + 1)),
        None => "A".to_string(),
    };
    [code.to_string(), high]
}

/// The condition that `column` lies in the subtree bound to `$low` and `$low + 1` (see [`subtree`]).
pub(crate) fn in_subtree(column: &str, low: usize) -> String {
    format!("({column} >= ${low} AND {column} < ${})", low + 1)
}
pub use db::{Db, Tx};

/// Storage errors. Constraint violations that a person can fix are surfaced
/// separately from faults of the database itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
    /// The record is no longer in the state the operation needs (usually
    /// because someone else acted on it first); carries the record's current
    /// state (`{"status": …, "status_label": …}`) so the caller can show it.
    #[error("{message}")]
    Changed { message: String, current: serde_json::Value },
    #[error("{0}")]
    Invalid(String),
    #[error("参考数据读取失败：{0}")]
    Reference(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Seconds since the Unix epoch, the storage representation of instants.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What a person reads when someone else changed the record first.
pub const CHANGED_BY_OTHERS: &str = "该记录已被他人处理，请刷新";

impl Error {
    /// Whether the error is a uniqueness violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// The record changed under the caller: `message` says why in Chinese,
    /// `status` and `label` are its current state.
    pub fn changed(message: impl Into<String>, status: &str, label: &str) -> Error {
        Error::Changed { message: message.into(), current: serde_json::json!({"status": status, "status_label": label}) }
    }

    /// Whether running the same transaction again may succeed: a PostgreSQL
    /// serialisation failure (40001) or deadlock (40P01), or SQLite busy/locked.
    pub fn is_retryable(&self) -> bool {
        let Error::Database(sqlx::Error::Database(e)) = self else { return false };
        matches!(e.code().as_deref(), Some("40001" | "40P01" | "5" | "6" | "261" | "262" | "517"))
    }

    /// A uniqueness violation becomes `Changed` with the given message and
    /// current state; every other error passes through.
    pub fn unique_as_changed(self, message: &str, status: &str, label: &str) -> Error {
        if self.is_unique_violation() { Error::changed(message, status, label) } else { self }
    }
}
