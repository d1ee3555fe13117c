//! Designations of regions (国家乡村振兴重点帮扶县, 原国家级贫困县, 东中西部…).
//!
//! Guarantees: designations are dated data with a source, never code. A region has
//! at most one *current* designation of each kind; ending one keeps the row (with
//! who, when and why), so the rows of a region are its full history. Every add and
//! end is written to the audit trail in the same transaction.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::RegionCode;
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use chrono::NaiveDate;
use serde::Serialize;

/// A kind of designation, e.g. `national_key` 国家乡村振兴重点帮扶县.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Kind {
    pub key: String,
    pub name: String,
    pub description: String,
    pub sort: i64,
}

/// The kinds that ship with the product; more can be added as data.
pub const BUILTIN_KINDS: &[(&str, &str, &str)] = &[
    ("national_key", "国家乡村振兴重点帮扶县", "中央农办、国家乡村振兴局 2021 年 8 月公布的 160 个重点帮扶县"),
    ("provincial_key", "省级乡村振兴重点帮扶县", "各省自行确定的省级重点帮扶县"),
    ("former_poverty", "原国家级贫困县", "832 个原国家扶贫开发工作重点县和连片特困地区县"),
    ("three_areas", "三区三州", "深度贫困地区"),
    ("border", "边疆地区", "陆地边境县"),
    ("ethnic", "民族地区", "民族自治地方"),
    ("revolutionary_base", "革命老区", "革命老区县（市、区）"),
    ("zone_east", "东部地区", "东中西部划分"),
    ("zone_central", "中部地区", "东中西部划分"),
    ("zone_west", "西部地区", "东中西部划分"),
];

/// A designation row, current (`ended_at` empty) or historical.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Designation {
    pub id: i64,
    pub region_code: String,
    pub kind: String,
    pub kind_name: String,
    pub valid_from: Option<NaiveDate>,
    pub source: String,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub ended_by: Option<String>,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

impl Guarded for Designation {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        match RegionCode::parse(&self.region_code) {
            Ok(region) => authz::decide(who, action, authz::Target::Region(&region)),
            Err(_) => Decision::NotFound,
        }
    }
}

/// What to designate.
#[derive(Debug, Clone)]
pub struct NewDesignation {
    pub region_code: String,
    pub kind: String,
    pub valid_from: Option<NaiveDate>,
    pub source: String,
    pub note: String,
}

const SELECT: &str = "SELECT d.id, d.region_code, d.kind, k.name AS kind_name, d.valid_from, d.source, d.note, \
    d.created_by, d.created_at, d.ended_by, d.ended_at, d.end_reason FROM designations d JOIN designation_kinds k ON k.key = d.kind";

pub async fn kinds(db: &Db) -> Result<Vec<Kind>> {
    let sql = "SELECT key, name, description, sort FROM designation_kinds ORDER BY sort";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}

/// All designations of one region, current first, then history, newest first.
pub async fn of_region(db: &Db, code: &str) -> Result<Vec<Designation>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.region_code = $1 ORDER BY (CASE WHEN d.ended_at IS NULL THEN 0 ELSE 1 END), k.sort, d.id DESC"
    ));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(code).fetch_all(p).await)?)
}

/// Current designations of every region whose code starts with `prefix` and has
/// exactly `code_len` characters (e.g. the counties of a prefecture).
pub async fn current_under(db: &Db, prefix: &str, code_len: i64) -> Result<Vec<Designation>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.ended_at IS NULL AND d.region_code LIKE $1 AND LENGTH(d.region_code) = $2 ORDER BY d.region_code, k.sort"
    ));
    let like = format!("{prefix}%");
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(like).bind(code_len).fetch_all(p).await)?)
}

/// Current designations of one kind in a region subtree.
pub async fn current_of_kind(db: &Db, kind: &str, region: &duijie_domain::RegionCode) -> Result<Vec<Designation>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.ended_at IS NULL AND d.kind = $1 AND {} ORDER BY d.region_code",
        crate::in_subtree("d.region_code", 2)
    ));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(kind).bind(&low).bind(&high).fetch_all(p).await)?)
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Designation>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// One designation by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Designation>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

async fn current_id(tx: &mut Tx, code: &str, kind: &str) -> Result<Option<i64>> {
    let sql = "SELECT id FROM designations WHERE region_code = $1 AND kind = $2 AND ended_at IS NULL";
    Ok(on_tx!(tx, c => sqlx::query_scalar(sql).bind(code).bind(kind).fetch_optional(c).await)?)
}

/// Adds a current designation; refuses a second current one of the same kind.
pub async fn add(tx: &mut Tx, actor: &Actor, d: &NewDesignation) -> Result<i64> {
    if current_id(tx, &d.region_code, &d.kind).await?.is_some() {
        return Err(Error::Conflict("该地区已有同类认定，请先撤销原认定".into()));
    }
    let known: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT key FROM designation_kinds WHERE key = $1")
        .bind(&d.kind).fetch_optional(c).await)?;
    if known.is_none() {
        return Err(Error::Invalid(format!("未知的认定类别：{}", d.kind)));
    }
    let sql = "INSERT INTO designations (region_code, kind, valid_from, source, note, created_by, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(&d.region_code).bind(&d.kind).bind(d.valid_from).bind(&d.source).bind(&d.note)
        .bind(&actor.name).bind(crate::now()).fetch_one(c).await)?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change {
        region: &d.region_code,
        action: "designation.add",
        entity: "designation",
        entity_id: &id.to_string(),
        before: None,
        after: after.map(|a| serde_json::json!(a)),
    })
    .await?;
    Ok(id)
}

/// Ends a current designation, keeping it as history.
pub async fn end(tx: &mut Tx, actor: &Actor, id: i64, reason: &str) -> Result<()> {
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("认定记录不存在".into()))?;
    if before.ended_at.is_some() {
        return Err(Error::Conflict("该认定已撤销".into()));
    }
    let sql = "UPDATE designations SET ended_by = $1, ended_at = $2, end_reason = $3 WHERE id = $4";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.name).bind(crate::now()).bind(reason).bind(id).execute(c).await)?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change {
        region: &before.region_code.clone(),
        action: "designation.end",
        entity: "designation",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: after.map(|a| serde_json::json!(a)),
    })
    .await?;
    Ok(())
}

/// Adds each designation that is not already current; returns (added, unchanged).
/// All or nothing: the caller's transaction commits or drops the whole list.
pub async fn add_many(tx: &mut Tx, actor: &Actor, list: &[NewDesignation]) -> Result<(usize, usize)> {
    let mut added = 0;
    let mut unchanged = 0;
    for d in list {
        if current_id(tx, &d.region_code, &d.kind).await?.is_some() {
            unchanged += 1;
        } else {
            add(tx, actor, d).await?;
            added += 1;
        }
    }
    Ok((added, unchanged))
}
