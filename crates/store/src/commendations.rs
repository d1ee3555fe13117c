//! Commendations (表彰): a department's commendation and the organisations it
//! commends.
//!
//! Guarantees: a commendation is written with all its organisations and its
//! audit row (`commendation.create`) in one transaction, or not at all; the
//! primary key refuses an organisation named twice in one commendation.
//! Lists of a region are index ranges over the issuing region's subtree.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Result, on_db, on_tx, on_tx_exec};
use duijie_domain::RegionCode;
use serde::Serialize;

/// A commendation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Commendation {
    pub id: i64,
    pub region_code: String,
    pub title: String,
    pub doc_no: String,
    pub issued_on: String,
    pub created_by: String,
    pub created_unit: String,
    pub created_at: i64,
}

/// One organisation a commendation names.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Commended {
    pub commendation_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub citation: String,
}

/// What a new commendation holds (checked by the caller).
pub struct NewCommendation<'a> {
    pub region: &'a RegionCode,
    pub title: &'a str,
    pub doc_no: &'a str,
    pub issued_on: &'a str,
    /// (organisation id, what it is commended for)
    pub orgs: &'a [(i64, String)],
}

const COMMENDATION: &str = "SELECT id, region_code, title, doc_no, issued_on, created_by, created_unit, created_at FROM commendations";

/// Records a commendation with its organisations and its audit row.
pub async fn create(tx: &mut Tx, actor: &Actor, c: &NewCommendation<'_>) -> Result<i64> {
    let sql = "INSERT INTO commendations (region_code, title, doc_no, issued_on, created_by, created_unit, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let id: i64 = on_tx!(tx, t => sqlx::query_scalar(sql).bind(c.region.as_str()).bind(c.title).bind(c.doc_no).bind(c.issued_on)
        .bind(&actor.name).bind(&actor.unit).bind(crate::now()).fetch_one(t).await)?;
    for (org, citation) in c.orgs {
        on_tx_exec!(tx, t => sqlx::query("INSERT INTO commendation_orgs (commendation_id, org_id, citation) VALUES ($1, $2, $3)")
            .bind(id).bind(org).bind(citation).execute(t).await)?;
    }
    let after = serde_json::json!({"title": c.title, "doc_no": c.doc_no, "issued_on": c.issued_on,
        "orgs": c.orgs.iter().map(|(o, why)| serde_json::json!({"org_id": o, "citation": why})).collect::<Vec<_>>()});
    audit::append(tx, actor, Change { region: c.region.as_str(), action: "commendation.create", entity: "commendation", entity_id: &id.to_string(), before: None, after: Some(after) }).await?;
    Ok(id)
}

/// The commendations issued within `region`'s subtree, newest first (at most `limit`).
pub async fn list(db: &Db, region: &RegionCode, limit: i64) -> Result<Vec<Commendation>> {
    let [low, high] = crate::subtree(region);
    let sql = sqlx::AssertSqlSafe(format!("{COMMENDATION} WHERE {} ORDER BY issued_on DESC, id DESC LIMIT $3", crate::in_subtree("region_code", 1)));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).fetch_all(p).await)?)
}

/// The organisations named by the commendations [`list`] gives for the same
/// `region` and `limit`, in one query.
pub async fn commended(db: &Db, region: &RegionCode, limit: i64) -> Result<Vec<Commended>> {
    let [low, high] = crate::subtree(region);
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT c.commendation_id, c.org_id, o.name AS org_name, c.citation FROM commendation_orgs c JOIN organizations o ON o.id = c.org_id \
         WHERE c.commendation_id IN (SELECT id FROM commendations WHERE {} ORDER BY issued_on DESC, id DESC LIMIT $3) ORDER BY o.name",
        crate::in_subtree("region_code", 1)
    ));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).fetch_all(p).await)?)
}

/// The commendations of one organisation, newest first, with what it was commended for.
pub async fn of_org(db: &Db, org_id: i64) -> Result<Vec<(Commendation, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        c: Commendation,
        citation: String,
    }
    let sql = "SELECT c.id, c.region_code, c.title, c.doc_no, c.issued_on, c.created_by, c.created_unit, c.created_at, o.citation \
               FROM commendations c JOIN commendation_orgs o ON o.commendation_id = c.id WHERE o.org_id = $1 ORDER BY c.issued_on DESC, c.id DESC";
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.c, r.citation)).collect())
}
