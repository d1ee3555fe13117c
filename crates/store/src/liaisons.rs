//! Liaison officers (联络员) of prefectures and counties.
//!
//! Guarantees: a liaison officer belongs to a prefecture or county and to one of
//! the two departments; the liaison of a county shown to organisations is the
//! county's own plus its prefecture's; changes are audited.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::{Level, RegionCode};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Liaison {
    pub id: i64,
    pub region_code: String,
    pub department: String,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Guarded for Liaison {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        match RegionCode::parse(&self.region_code) {
            Ok(region) => authz::decide(who, action, authz::Target::Region(&region)),
            Err(_) => Decision::NotFound,
        }
    }
}

/// Chinese label of a liaison's department.
pub fn department_label(d: &str) -> &'static str {
    if d == "civil_affairs" { "民政部门" } else { "乡村振兴部门" }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewLiaison {
    pub region: RegionCode,
    /// `civil_affairs` or `rural_revitalization`.
    pub department: String,
    pub name: String,
    pub title: String,
    pub phone: String,
}

const COLUMNS: &str = "id, region_code, department, name, title, phone, created_at, updated_at";

pub async fn add(tx: &mut Tx, actor: &Actor, l: &NewLiaison) -> Result<i64> {
    if !matches!(l.region.level(), Level::Prefecture | Level::County) {
        return Err(Error::Invalid("联络员只登记到市（州）和县（市、区）".into()));
    }
    if !matches!(l.department.as_str(), "civil_affairs" | "rural_revitalization") {
        return Err(Error::Invalid("部门应为民政部门或乡村振兴部门".into()));
    }
    let now = crate::now();
    let sql = "INSERT INTO liaison_officers (region_code, department, name, title, phone, created_at, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(l.region.as_str()).bind(&l.department).bind(&l.name)
        .bind(&l.title).bind(&l.phone).bind(now).fetch_one(c).await)?;
    audit::append(tx, actor, Change {
        region: l.region.as_str(),
        action: "liaison.create",
        entity: "liaison",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!(l)),
    })
    .await?;
    Ok(id)
}

/// One liaison by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Liaison>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM liaison_officers WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

pub async fn remove(tx: &mut Tx, actor: &Actor, l: &Liaison) -> Result<()> {
    on_tx_exec!(tx, c => sqlx::query("DELETE FROM liaison_officers WHERE id = $1").bind(l.id).execute(c).await)?;
    audit::append(tx, actor, Change {
        region: &l.region_code,
        action: "liaison.remove",
        entity: "liaison",
        entity_id: &l.id.to_string(),
        before: Some(serde_json::json!(l)),
        after: None,
    })
    .await
}

/// The liaison officers an organisation looking at `code` should call: those of
/// the county and of its prefecture.
pub async fn for_region(db: &Db, code: &RegionCode) -> Result<Vec<Liaison>> {
    let mut codes: Vec<String> = code.ancestry().iter().filter(|c| matches!(c.level(), Level::Prefecture | Level::County)).map(|c| c.as_str().to_string()).collect();
    let Some(first) = codes.first().cloned() else { return Ok(Vec::new()) };
    codes.resize(2, first);
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM liaison_officers WHERE region_code IN ($1, $2) ORDER BY LENGTH(region_code) DESC, department, id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&codes[0]).bind(&codes[1]).fetch_all(p).await)?)
}

/// All liaison officers in a region subtree.
pub async fn in_scope(db: &Db, region: &RegionCode) -> Result<Vec<Liaison>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM liaison_officers WHERE {} ORDER BY region_code, department, id", crate::in_subtree("region_code", 1)));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}
