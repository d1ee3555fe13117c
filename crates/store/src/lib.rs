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

pub mod actions;
pub mod audit;
pub mod catalog;
pub mod db;
pub mod demand;
pub mod designations;
pub mod history;
pub mod imports;
pub mod inbox;
pub mod liaisons;
pub mod demo;
pub mod orgs;
pub mod pairing;
pub mod reference;
pub mod regions;
pub mod search;
pub mod sessions;
pub mod testing;
pub mod throttle;
pub mod users;

pub use audit::Actor;
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

impl Error {
    /// Whether the error is a uniqueness violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
