//! Step histories: who moved a record from which status to which, when, and why
//! (`demand_events`, `pairing_events`).
//!
//! Guarantees: one shape and one pair of statements for every history table;
//! rows are appended in the caller's transaction (so a step and its history
//! land together) and read back in the order they were written.

use crate::audit::Actor;
use crate::db::{Db, Tx};
use crate::{Result, on_db, on_tx_exec};
use serde::Serialize;

/// A history table and the column naming its record.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    Demand,
    Pairing,
}

impl Of {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Of::Demand => ("demand_events", "demand_id"),
            Of::Pairing => ("pairing_events", "pairing_id"),
        }
    }
}

/// One step in a record's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub at: i64,
    pub actor: String,
    /// Empty for the step that created the record.
    pub from_status: String,
    pub to_status: String,
    pub note: String,
}

/// Appends one step in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(tx: &mut Tx, of: Of, id: i64, actor: &Actor, from: &str, to: &str, note: &str, at: i64) -> Result<()> {
    let (table, column) = of.table();
    let sql = sqlx::AssertSqlSafe(format!("INSERT INTO {table} ({column}, at, actor, from_status, to_status, note) VALUES ($1,$2,$3,$4,$5,$6)"));
    on_tx_exec!(tx, c => sqlx::query(sql).bind(id).bind(at).bind(&actor.unit).bind(from).bind(to).bind(note).execute(c).await)?;
    Ok(())
}

/// A record's history, oldest first.
pub async fn of(db: &Db, of: Of, id: i64) -> Result<Vec<Event>> {
    let (table, column) = of.table();
    let sql = sqlx::AssertSqlSafe(format!("SELECT at, actor, from_status, to_status, note FROM {table} WHERE {column} = $1 ORDER BY id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}
