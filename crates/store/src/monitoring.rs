//! The export to the national monitoring system: the records a batch is
//! computed from, the numbered batches with their rows, and the layout an
//! administrator keeps.
//!
//! Guarantees:
//! - [`lines`] reads a region's records in one transaction: the projects
//!   helping its subtree whose dates overlap the period (except those stopped
//!   before they began, as the half-year cycle counts them), and the pairings
//!   of its subtree that are consented, signed or in force. Subtrees are index
//!   ranges, never `LIKE`.
//! - A batch's number is the region's next one, computed in the `INSERT`
//!   itself; the unique index `monitoring_batches_number` refuses a second
//!   batch with the same number whatever the code does, and [`lock_region`]
//!   (taken before the previous batch is read) makes two exports of one region
//!   wait for each other instead of failing.
//! - Creating a batch writes its rows and appends its audit row
//!   (`monitoring_batch.create`, with the batch's digest) in the same
//!   transaction, so the batch's log receipt commits to what it contained.
//! - A layout is saved as a new row (the newest is in use), audited in the same transaction.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::monitoring::{Correction, OrgLine, PairingLine, Period, ProjectLine, Row};
use duijie_domain::RegionCode;
use serde::Serialize;

/// A batch as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    /// The region's batch number (第 N 批), from 1.
    pub number: i64,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "as_text")]
    pub period: Period,
    /// The layout it was written with (JSON).
    #[serde(skip)]
    pub layout: String,
    pub row_count: i64,
    pub correction_count: i64,
    /// Its corrections against the previous batch of the region and period (JSON array).
    #[serde(skip)]
    pub corrections: String,
    /// The previous batch of the same region and period, if any.
    pub previous_id: Option<i64>,
    /// SM3 over its rows (`monitoring::batch_digest`).
    pub digest: String,
    pub created_by: String,
    pub created_unit: String,
    pub created_at: i64,
}

fn as_text<S: serde::Serializer>(p: &Period, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string())
}

impl Batch {
    /// The corrections it lists.
    pub fn corrections(&self) -> Result<Vec<Correction>> {
        serde_json::from_str(&self.corrections).map_err(|e| Error::Invalid(format!("批次 {} 的更正清单无法读取：{e}", self.id)))
    }
}

impl Guarded for Batch {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, authz::Target::Region(&self.region_code))
    }
}

const BATCH: &str = "SELECT id, region_code, number, period, layout, row_count, correction_count, corrections, previous_id, digest, \
    created_by, created_unit, created_at FROM monitoring_batches";

#[derive(sqlx::FromRow)]
struct ProjectRow {
    org_id: i64,
    org_name: String,
    credit_code: String,
    org_type: String,
    region_code: String,
    status: String,
    field: String,
    funds_fen: i64,
    planned_funds_fen: i64,
    people: i64,
    beneficiaries: i64,
}

#[derive(sqlx::FromRow)]
struct PairingRow {
    org_id: i64,
    org_name: String,
    credit_code: String,
    org_type: String,
    region_code: String,
    status: String,
    signed_at: Option<i64>,
    activated_at: Option<i64>,
    fields: String,
}

fn org_line(id: i64, name: String, credit_code: String, org_type: &str) -> OrgLine {
    let org_type = duijie_domain::OrgType::parse(org_type).map(|t| t.label().to_string()).unwrap_or_else(|| org_type.to_string());
    OrgLine { id, name, credit_code, org_type }
}

/// A Beijing date of an instant.
fn beijing_day(at: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(at + 8 * 3600, 0).map(|t| t.format("%Y-%m-%d").to_string())
}

/// Locks the export of `region` until the transaction ends (PostgreSQL; a
/// SQLite transaction holds the write lock already): of two exports at once,
/// the second reads the previous batch only after the first committed.
pub async fn lock_region(tx: &mut Tx, region: &RegionCode) -> Result<()> {
    tx.lock_name(&format!("monitoring_batch:{}", region.as_str())).await
}

/// The records of `region`'s subtree for `period` (see the module header).
pub async fn lines(tx: &mut Tx, region: &RegionCode, period: &Period) -> Result<(Vec<ProjectLine>, Vec<PairingLine>)> {
    let [low, high] = crate::subtree(region);
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT p.org_id, o.name AS org_name, o.credit_code, o.org_type, p.region_code, p.status, p.field, p.actual_funds_fen AS funds_fen, \
         p.funds_fen AS planned_funds_fen, p.people, p.beneficiaries FROM projects p JOIN organizations o ON o.id = p.org_id \
         WHERE {} AND (p.start_date = '' OR p.start_date <= $1) AND (p.end_date = '' OR p.end_date >= $2) \
         AND NOT (p.status = 'stopped' AND p.started_at IS NULL) ORDER BY p.id",
        crate::in_subtree("p.region_code", 3)
    ));
    let rows: Vec<ProjectRow> = on_tx!(tx, c => sqlx::query_as(sql).bind(period.to()).bind(period.from()).bind(&low).bind(&high).fetch_all(c).await)?;
    let mut projects = Vec::with_capacity(rows.len());
    for r in rows {
        let region = RegionCode::parse(&r.region_code).map_err(|_| Error::Invalid(format!("项目的区划代码无效：{}", r.region_code)))?;
        projects.push(ProjectLine {
            org: org_line(r.org_id, r.org_name, r.credit_code, &r.org_type),
            region,
            done: r.status == duijie_domain::project::Status::Done.as_str(),
            field: r.field,
            funds_fen: r.funds_fen,
            planned_funds_fen: r.planned_funds_fen,
            people: r.people,
            beneficiaries: r.beneficiaries,
        });
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT pr.org_id, o.name AS org_name, o.credit_code, o.org_type, pr.region_code, pr.status, pr.signed_at, pr.activated_at, pr.fields \
         FROM pairings pr JOIN organizations o ON o.id = pr.org_id \
         WHERE {} AND pr.status IN ('consented', 'signed', 'active') ORDER BY pr.id",
        crate::in_subtree("pr.region_code", 1)
    ));
    let rows: Vec<PairingRow> = on_tx!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await)?;
    let mut pairings = Vec::with_capacity(rows.len());
    for r in rows {
        use duijie_domain::pairing::Status;
        let status = Status::parse(&r.status).ok_or_else(|| Error::Invalid(format!("结对状态无效：{}", r.status)))?;
        let region = RegionCode::parse(&r.region_code).map_err(|_| Error::Invalid(format!("结对的区划代码无效：{}", r.region_code)))?;
        let signed = match status {
            Status::Signed => r.signed_at,
            Status::Active => r.signed_at.or(r.activated_at),
            _ => None,
        };
        pairings.push(PairingLine { org: org_line(r.org_id, r.org_name, r.credit_code, &r.org_type), region, status, signed_on: signed.and_then(beijing_day), fields: r.fields });
    }
    Ok((projects, pairings))
}

/// The newest batch of `region` and `period`, read inside the export's transaction.
pub async fn latest(tx: &mut Tx, region: &RegionCode, period: &Period) -> Result<Option<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!("{BATCH} WHERE region_code = $1 AND period = $2 ORDER BY number DESC LIMIT 1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(region.as_str()).bind(period.to_string()).fetch_optional(c).await)?)
}

fn parse_rows(contents: Vec<String>) -> Result<Vec<Row>> {
    contents.iter().map(|c| serde_json::from_str(c).map_err(|e| Error::Invalid(format!("批次中的一行无法读取：{e}")))).collect()
}

const ROWS: &str = "SELECT content FROM monitoring_batch_rows WHERE batch_id = $1 ORDER BY position";

/// The rows of a batch, in the file's order (inside a transaction).
pub async fn rows_tx(tx: &mut Tx, batch_id: i64) -> Result<Vec<Row>> {
    parse_rows(on_tx!(tx, c => sqlx::query_scalar(ROWS).bind(batch_id).fetch_all(c).await)?)
}

/// The rows of a batch, in the file's order.
pub async fn rows(db: &Db, batch_id: i64) -> Result<Vec<Row>> {
    parse_rows(on_db!(db, p => sqlx::query_scalar(ROWS).bind(batch_id).fetch_all(p).await)?)
}

/// What a new batch holds.
pub struct NewBatch<'a> {
    pub region: &'a RegionCode,
    pub period: &'a Period,
    /// The layout it is written with (JSON).
    pub layout: &'a str,
    pub rows: &'a [Row],
    pub corrections: &'a [Correction],
    pub previous: Option<&'a Batch>,
    pub digest: &'a str,
}

/// Records a batch as the region's next number, with its rows and its audit row.
pub async fn create(tx: &mut Tx, actor: &Actor, b: &NewBatch<'_>) -> Result<Batch> {
    let corrections = serde_json::to_string(b.corrections).map_err(|e| Error::Invalid(e.to_string()))?;
    let sql = "INSERT INTO monitoring_batches (region_code, number, period, layout, row_count, correction_count, corrections, previous_id, digest, \
               created_by, created_unit, created_at) \
               SELECT $1, COALESCE(MAX(number), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM monitoring_batches WHERE region_code = $1 \
               RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(b.region.as_str()).bind(b.period.to_string()).bind(b.layout)
        .bind(b.rows.len() as i64).bind(b.corrections.len() as i64).bind(&corrections).bind(b.previous.map(|p| p.id)).bind(b.digest)
        .bind(&actor.name).bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?;
    let insert = "INSERT INTO monitoring_batch_rows (batch_id, row_key, position, content, digest) VALUES ($1, $2, $3, $4, $5)";
    for (i, r) in b.rows.iter().enumerate() {
        on_tx_exec!(tx, c => sqlx::query(insert).bind(id).bind(r.key()).bind(i as i64).bind(r.content()).bind(r.digest()).execute(c).await)?;
    }
    let sql = sqlx::AssertSqlSafe(format!("{BATCH} WHERE id = $1"));
    let batch: Batch = on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_one(c).await)?;
    let after = serde_json::json!({
        "number": batch.number, "period": b.period.to_string(), "rows": batch.row_count, "corrections": batch.correction_count,
        "previous_number": b.previous.map(|p| p.number), "digest": b.digest,
    });
    audit::append(tx, actor, Change { region: b.region.as_str(), action: "monitoring_batch.create", entity: "monitoring_batch", entity_id: &id.to_string(), before: None, after: Some(after) }).await?;
    Ok(batch)
}

/// One batch by id, to be opened by a decision.
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Batch>>> {
    let sql = sqlx::AssertSqlSafe(format!("{BATCH} WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// The batches of `region`'s subtree, newest first (at most `limit`).
pub async fn list(db: &Db, region: &RegionCode, limit: i64) -> Result<Vec<Batch>> {
    let [low, high] = crate::subtree(region);
    let sql = sqlx::AssertSqlSafe(format!("{BATCH} WHERE {} ORDER BY created_at DESC, id DESC LIMIT $3", crate::in_subtree("region_code", 1)));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).fetch_all(p).await)?)
}

/// The layout in use, if an administrator saved one: (JSON, who, when).
pub async fn layout(db: &Db) -> Result<Option<(String, String, i64)>> {
    let sql = "SELECT definition, saved_by, saved_at FROM monitoring_layouts ORDER BY id DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_optional(p).await)?)
}

/// Saves a layout (checked by the caller) as the one in use.
pub async fn save_layout(tx: &mut Tx, actor: &Actor, json: &str) -> Result<i64> {
    let sql = "INSERT INTO monitoring_layouts (definition, saved_by, saved_at) VALUES ($1, $2, $3) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(json).bind(&actor.name).bind(crate::now()).fetch_one(c).await)?;
    let after = serde_json::from_str::<serde_json::Value>(json).unwrap_or(serde_json::Value::Null);
    audit::append(tx, actor, Change { region: "", action: "monitoring_layout.save", entity: "monitoring_layout", entity_id: &id.to_string(), before: None, after: Some(after) }).await?;
    Ok(id)
}
