//! Social organisations (the registry's core record; the organisation-registry
//! issue extends it).
//!
//! Guarantees: an organisation is keyed by a valid unified social credit code
//! whose type prefix agrees with its declared type; it sits in the region tree at
//! its registering authority's region; listings are filtered by the caller's scope;
//! creation is audited.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_tx};
use duijie_domain::{OrgType, RegionCode, Scope, Uscc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Organization {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub org_type: String,
    pub reg_level: String,
    pub region_code: String,
    pub status: String,
    pub is_demo: bool,
    pub created_at: i64,
}

impl Organization {
    pub fn region(&self) -> RegionCode {
        RegionCode::try_from(self.region_code.clone()).unwrap_or_else(|_| RegionCode::national())
    }

    pub fn type_label(&self) -> &'static str {
        OrgType::parse(&self.org_type).map(|t| t.label()).unwrap_or("其他")
    }
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub credit_code: Uscc,
    pub name: String,
    pub org_type: OrgType,
    pub region: RegionCode,
    pub is_demo: bool,
}

const COLUMNS: &str = "id, credit_code, name, org_type, reg_level, region_code, status, is_demo, created_at";

pub async fn create(tx: &mut Tx, actor: &Actor, o: &NewOrganization) -> Result<i64> {
    if o.credit_code.org_type() != Some(o.org_type) {
        return Err(Error::Invalid(format!(
            "统一社会信用代码前两位应为 {}（{}）",
            o.org_type.code_prefix(),
            o.org_type.label()
        )));
    }
    let reg_level = match o.region.level() {
        duijie_domain::Level::National => "national",
        duijie_domain::Level::Province => "province",
        duijie_domain::Level::Prefecture => "prefecture",
        _ => "county",
    };
    let sql = "INSERT INTO organizations (credit_code, name, org_type, reg_level, region_code, is_demo, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(o.credit_code.as_str()).bind(&o.name).bind(o.org_type.as_str()).bind(reg_level)
        .bind(o.region.as_str()).bind(o.is_demo).bind(crate::now()).fetch_one(c).await);
    let id = match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(format!("统一社会信用代码 {} 已登记", o.credit_code))),
        other => other?,
    };
    audit::append(tx, actor, Change {
        region: o.region.as_str(),
        action: "organization.create",
        entity: "organization",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"credit_code": o.credit_code.as_str(), "name": o.name, "org_type": o.org_type.as_str(), "region_code": o.region.as_str()})),
    })
    .await?;
    Ok(id)
}

pub async fn by_credit_code(db: &Db, code: &str) -> Result<Option<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE credit_code = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(code).fetch_optional(p).await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

/// Organisations in scope: those registered in the scope's region subtree, or
/// (for an organisation user) its own organisation.
pub async fn list(db: &Db, scope: &Scope, limit: i64, offset: i64) -> Result<(Vec<Organization>, i64)> {
    let (filter, param) = match (scope.region_like(), scope.org_id()) {
        (Some(like), _) => ("region_code LIKE $1", ScopeParam::Text(like)),
        (None, Some(id)) => ("id = $1", ScopeParam::Id(id)),
        (None, None) => return Ok((Vec::new(), 0)),
    };
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE {filter} ORDER BY id LIMIT $2 OFFSET $3"));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM organizations WHERE {filter}"));
    let (rows, total) = match param {
        ScopeParam::Text(like) => (
            on_db!(db, p => sqlx::query_as(sql).bind(&like).bind(limit).bind(offset).fetch_all(p).await)?,
            on_db!(db, p => sqlx::query_scalar(count).bind(&like).fetch_one(p).await)?,
        ),
        ScopeParam::Id(id) => (
            on_db!(db, p => sqlx::query_as(sql).bind(id).bind(limit).bind(offset).fetch_all(p).await)?,
            on_db!(db, p => sqlx::query_scalar(count).bind(id).fetch_one(p).await)?,
        ),
    };
    Ok((rows, total))
}

enum ScopeParam {
    Text(String),
    Id(i64),
}
