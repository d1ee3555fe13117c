//! The audit trail: who changed what, when, from what to what.
//!
//! Guarantees:
//! - Rows are only ever appended (the schema refuses UPDATE and DELETE).
//! - Each row carries `hash = SM3(prev_hash ‖ canonical row)`, where the canonical
//!   row is a JSON array of every other column, so changing any byte of any row,
//!   removing a row, or reordering rows breaks the chain at that row.
//! - `audit_head` holds the sequence number and hash of the last row; appends
//!   take its row lock first, so appends are serialised on both backends, and
//!   removing rows from the end is detected by comparing with the head.
//! - [`verify`] reports the first broken link.
//! - Each row is also the next leaf of the verifiable log ([`crate::log`]),
//!   added in the same transaction under the same lock.

use crate::db::{Db, Tx};
use crate::{Result, on_db, on_tx, on_tx_exec};
use duijie_domain::crypto::sm3_hex;
use serde::Serialize;
use sqlx::Row;

/// The genesis hash that the first row's `prev_hash` refers to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted: a user with their unit, or the system itself.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub unit: String,
}

impl Actor {
    /// The command line or the platform itself (migrations, reference data, demo).
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: "system".into(), unit: what.into() }
    }
}

/// One change to record.
pub struct Change<'a> {
    /// The region the changed record belongs to (for scoped audit views).
    pub region: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub unit: String,
    pub region_code: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn row_hash(prev: &str, r: &AuditRow) -> String {
    let canonical = serde_json::json!([
        r.seq, r.at, r.actor_id, r.actor, r.unit, r.region_code, r.action, r.entity, r.entity_id, r.before_json, r.after_json
    ]);
    sm3_hex(format!("{prev}\n{canonical}").as_bytes())
}

/// Appends one change inside the caller's transaction.
pub async fn append(tx: &mut Tx, actor: &Actor, change: Change<'_>) -> Result<()> {
    let bump = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";
    let (seq, prev): (i64, String) = on_tx!(tx, c => sqlx::query_as(bump).fetch_one(c).await)?;
    let mut row = AuditRow {
        seq,
        at: crate::now(),
        actor_id: actor.user_id,
        actor: actor.name.clone(),
        unit: actor.unit.clone(),
        region_code: change.region.to_string(),
        action: change.action.to_string(),
        entity: change.entity.to_string(),
        entity_id: change.entity_id.to_string(),
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        prev_hash: prev.clone(),
        hash: String::new(),
    };
    row.hash = row_hash(&prev, &row);
    let insert = "INSERT INTO audit_log (seq, at, actor_id, actor, unit, region_code, action, entity, entity_id, \
                  before_json, after_json, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)";
    on_tx_exec!(tx, c => sqlx::query(insert)
        .bind(row.seq).bind(row.at).bind(row.actor_id).bind(&row.actor).bind(&row.unit)
        .bind(&row.region_code).bind(&row.action).bind(&row.entity).bind(&row.entity_id)
        .bind(&row.before_json).bind(&row.after_json).bind(&row.prev_hash).bind(&row.hash)
        .execute(c).await)?;
    let head = "UPDATE audit_head SET hash = $1 WHERE id = 1";
    on_tx_exec!(tx, c => sqlx::query(head).bind(&row.hash).execute(c).await)?;
    crate::log::add_leaf(tx, &row).await
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verification {
    /// Every row links; `rows` were checked.
    Intact { rows: i64 },
    /// The first row (by sequence) where the chain breaks, and why.
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain in order and reports the first broken link.
pub async fn verify(db: &Db) -> Result<Verification> {
    const PAGE: i64 = 5_000;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    loop {
        let sql = "SELECT seq, at, actor_id, actor, unit, region_code, action, entity, entity_id, before_json, \
                   after_json, prev_hash, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2";
        let rows: Vec<AuditRow> =
            on_db!(db, p => sqlx::query_as(sql).bind(expected_seq).bind(PAGE).fetch_all(p).await)?;
        let n = rows.len() as i64;
        for r in rows {
            if r.seq != expected_seq {
                return Ok(Verification::Broken { seq: expected_seq, reason: format!("第 {expected_seq} 条记录缺失") });
            }
            if r.prev_hash != prev {
                return Ok(Verification::Broken { seq: r.seq, reason: "与前一条记录的哈希不衔接".into() });
            }
            if row_hash(&prev, &r) != r.hash {
                return Ok(Verification::Broken { seq: r.seq, reason: "记录内容与其哈希不符（被改动）".into() });
            }
            prev = r.hash;
            expected_seq += 1;
        }
        if n < PAGE {
            break;
        }
    }
    let head = "SELECT seq, hash FROM audit_head WHERE id = 1";
    let row = on_db!(db, p => sqlx::query(head).fetch_one(p).await.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1))))?;
    let last = expected_seq - 1;
    if row.0 != last || row.1 != prev {
        let seq = row.0.min(last) + 1;
        return Ok(Verification::Broken { seq, reason: format!("链尾不一致：应有 {} 条记录，实有 {last} 条", row.0) });
    }
    Ok(Verification::Intact { rows: last })
}

/// The most recent audit rows whose region lies in `region`'s subtree, newest first.
pub async fn recent(db: &Db, region: &duijie_domain::RegionCode, limit: i64, offset: i64) -> Result<(Vec<AuditRow>, i64)> {
    search(db, region, &Filter::default(), limit, offset).await
}

/// What the audit page narrows the trail to; an empty field matches every row.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Rows at or after / at or before (Unix seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Part of the person's name.
    pub actor: String,
    /// One action, by its machine name.
    pub action: String,
    /// One kind of record, and optionally one record of it.
    pub entity: String,
    pub entity_id: String,
}

/// The audit rows of `region`'s subtree that match `f`, newest first, one page and the total.
pub async fn search(db: &Db, region: &duijie_domain::RegionCode, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<AuditRow>, i64)> {
    let [low, high] = crate::subtree(region);
    let within = crate::in_subtree("region_code", 1);
    let filters = "at >= $3 AND at <= $4 AND ($5 = '' OR actor LIKE $6) AND ($7 = '' OR action = $7) \
                   AND ($8 = '' OR entity = $8) AND ($9 = '' OR entity_id = $9)";
    let actor_like = format!("%{}%", f.actor.trim().replace(['%', '_'], ""));
    let (from, to) = (f.from.unwrap_or(i64::MIN), f.to.unwrap_or(i64::MAX));
    let (actor, action, entity, entity_id) = (f.actor.trim(), f.action.trim(), f.entity.trim(), f.entity_id.trim());
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT seq, at, actor_id, actor, unit, region_code, action, entity, entity_id, before_json, after_json, \
         prev_hash, hash FROM audit_log WHERE {within} AND {filters} ORDER BY seq DESC LIMIT $10 OFFSET $11"
    ));
    let rows = on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).bind(actor).bind(&actor_like).bind(action).bind(entity).bind(entity_id).bind(limit).bind(offset).fetch_all(p).await)?;
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM audit_log WHERE {within} AND {filters}"));
    let total: i64 = on_db!(db, p => sqlx::query_scalar(count).bind(&low).bind(&high).bind(from).bind(to).bind(actor).bind(&actor_like).bind(action).bind(entity).bind(entity_id).fetch_one(p).await)?;
    Ok((rows, total))
}
