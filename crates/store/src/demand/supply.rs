//! The supply library (供给项目库): what organisations offer — fields, target
//! regions, funds and people, period, and how many demands each offer can take.
//!
//! Guarantees: only an approved, active organisation on no credit list
//! publishes an offer; an offer's capacity is never exceeded (confirmed matches
//! count against it); officers curate offers (feature, hide with a reason)
//! and every change is audited and bumps `updated_at`.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::RegionCode;
use duijie_domain::matching::OfferStatus;
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Offer {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    #[sqlx(try_from = "String")]
    pub org_region: RegionCode,
    pub title: String,
    pub description: String,
    pub fields: String,
    pub target_regions: String,
    pub funds_fen: i64,
    pub people: i64,
    pub period_start: String,
    pub period_end: String,
    pub capacity: i64,
    /// Confirmed matches against this offer: a counter that confirmation
    /// raises under the row lock, never above `capacity` (a CHECK in the schema).
    pub taken: i64,
    #[sqlx(try_from = "String")]
    pub status: OfferStatus,
    pub hidden_reason: String,
    pub featured: bool,
    pub created_by: String,
    pub created_at: i64,
    pub is_demo: bool,
    pub updated_at: i64,
}

impl Guarded for Offer {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let published = self.status == OfferStatus::Published;
        match action {
            Action::ViewOffer => authz::decide(who, action, authz::Target::Offer { org_id: self.org_id, org_region: &self.org_region, published }),
            _ => authz::decide(who, action, authz::Target::Organization { id: self.org_id, region: &self.org_region }),
        }
    }

    fn is_public(&self) -> bool {
        self.status == OfferStatus::Published
    }
}

impl Offer {
    pub fn fields_list(&self) -> Vec<String> {
        self.fields.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    pub fn regions_list(&self) -> Vec<String> {
        self.target_regions.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    pub fn capacity_left(&self) -> i64 {
        self.capacity - self.taken
    }

    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

pub(crate) const SELECT: &str = "SELECT f.id, f.org_id, o.name AS org_name, f.org_region, f.title, f.description, f.fields, \
    f.target_regions, f.funds_fen, f.people, f.period_start, f.period_end, f.capacity, \
    f.taken, f.status, f.hidden_reason, \
    f.featured, f.created_by, f.created_at, f.is_demo, f.updated_at FROM offers f JOIN organizations o ON o.id = f.org_id";

/// An offer as published.
#[derive(Debug, Clone, Default)]
pub struct NewOffer {
    pub org_id: i64,
    pub title: String,
    pub description: String,
    /// `、`-joined fields (checked).
    pub fields: String,
    /// Region codes (natural length); empty means anywhere.
    pub target_regions: Vec<String>,
    pub funds_fen: i64,
    pub people: i64,
    pub period_start: String,
    pub period_end: String,
    pub capacity: i64,
    pub is_demo: bool,
}

/// One offer by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Offer>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE f.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// Offers by id, in the order given (ids without an offer are left out).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Offer>> {
    crate::db::by_ids(db, SELECT, "f.id", ids, |f: &Offer| f.id).await
}

pub(crate) async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Offer>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE f.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Publishes an offer for an organisation that may take new work.
pub async fn create(tx: &mut Tx, actor: &Actor, n: &NewOffer) -> Result<i64> {
    let org = crate::orgs::get_tx(tx, n.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    if let Some(why) = crate::pairing::refusal(&org) {
        return Err(Error::Invalid(why));
    }
    if n.fields.trim().is_empty() {
        return Err(Error::Invalid("请选择供给项目的帮扶领域".into()));
    }
    if !(1..=10_000).contains(&n.capacity) {
        return Err(Error::Invalid("可承接需求数应为 1–10000".into()));
    }
    let now = crate::now();
    let sql = "INSERT INTO offers (org_id, org_region, title, description, fields, target_regions, funds_fen, people, period_start, \
               period_end, capacity, status, created_by, created_at, is_demo, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'published',$12,$13,$14,$13) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(org.id).bind(org.region_code.as_str()).bind(n.title.trim())
        .bind(n.description.trim()).bind(&n.fields).bind(n.target_regions.join("、")).bind(n.funds_fen).bind(n.people)
        .bind(&n.period_start).bind(&n.period_end).bind(n.capacity).bind(&actor.unit).bind(now).bind(n.is_demo)
        .fetch_one(c).await)?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: org.region_code.as_str(), action: "offer.create", entity: "offer", entity_id: &id.to_string(), before: None, after: after.map(|o| serde_json::json!(o)) }).await?;
    Ok(id)
}

/// Closes (the organisation), hides with a reason or features (an officer), or republishes.
pub async fn set_status(tx: &mut Tx, actor: &Actor, id: i64, status: OfferStatus, reason: &str, featured: Option<bool>) -> Result<Offer> {
    tx.lock(Locked::Offer, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("供给项目不存在".into()))?;
    if status == OfferStatus::Hidden && reason.trim().is_empty() {
        return Err(Error::Invalid("请写明下架原因".into()));
    }
    let sql = "UPDATE offers SET status = $1, hidden_reason = $2, featured = $3, updated_at = $4 WHERE id = $5";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(status.as_str()).bind(reason.trim()).bind(featured.unwrap_or(before.featured)).bind(crate::now()).bind(id).execute(c).await)?;
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("供给项目不存在".into()))?;
    audit::append(tx, actor, Change {
        region: before.org_region.as_str(),
        action: "offer.status",
        entity: "offer",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(after)),
    })
    .await?;
    Ok(after)
}

/// Offers of one organisation, or published ones of organisations registered
/// in `region`'s subtree (officers), newest first.
pub async fn list(db: &Db, org_id: Option<i64>, region: Option<&duijie_domain::RegionCode>, published_only: bool, limit: i64, offset: i64) -> Result<(Vec<Offer>, i64)> {
    let mut clauses: Vec<String> = Vec::new();
    if published_only {
        clauses.push("f.status = 'published'".into());
    }
    let arg_org = org_id.unwrap_or(0);
    let [low, high] = crate::subtree(region.unwrap_or(&duijie_domain::RegionCode::national()));
    clauses.push(if org_id.is_some() { "f.org_id = $1".into() } else { "$1 = $1".into() });
    clauses.push(crate::in_subtree("f.org_region", 2));
    let filter = clauses.join(" AND ");
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE {filter} ORDER BY f.featured DESC, f.id DESC LIMIT $4 OFFSET $5"));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM offers f WHERE {filter}"));
    let rows = on_db!(db, p => sqlx::query_as(sql).bind(arg_org).bind(&low).bind(&high).bind(limit).bind(offset).fetch_all(p).await)?;
    let total: i64 = on_db!(db, p => sqlx::query_scalar(count).bind(arg_org).bind(&low).bind(&high).fetch_one(p).await)?;
    Ok((rows, total))
}

/// Offers changed at or after `since`, for the catalogue and the search index.
pub async fn changed_since(db: &Db, since: i64) -> Result<Vec<Offer>> {
    let mut all = Vec::new();
    changed_in_pages(db, since, crate::db::PAGE, crate::db::gather(&mut all)).await?;
    Ok(all)
}

/// Offers changed at or after `since`, `page` at a time in order of change (see [`crate::db::in_pages`]).
pub async fn changed_in_pages(db: &Db, since: i64, page: i64, each: impl FnMut(Vec<Offer>) -> Result<()>) -> Result<()> {
    crate::db::in_pages(db, SELECT, "f.", since, page, |f: &Offer| (f.updated_at, f.id), each).await
}
