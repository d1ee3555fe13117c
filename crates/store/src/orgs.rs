//! Social organisations: the registry's records, their members, attachments,
//! credit-list status and the approval of self-applications.
//!
//! Guarantees: an organisation is keyed by a valid unified social credit code
//! whose type prefix agrees with its declared type (51/52/53); it sits in the
//! region tree at its registering authority's region; listings are filtered by
//! the caller's scope; every change is audited with before and after, and bumps
//! `updated_at` so that the search index can follow.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::org::{Approval, CreditList, OrgStatus};
use duijie_domain::{OrgType, RegionCode, Scope, Uscc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Organization {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub org_type: OrgType,
    pub reg_level: String,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    #[sqlx(try_from = "String")]
    pub status: OrgStatus,
    pub is_demo: bool,
    pub created_at: i64,
    pub supervisor: String,
    pub fields: String,
    pub rating: String,
    pub party_org: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub credit_list: String,
    pub credit_list_reason: String,
    #[sqlx(try_from = "String")]
    pub approval: Approval,
    pub approval_note: String,
    pub provenance: String,
    pub updated_at: i64,
}

impl Guarded for Organization {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, authz::Target::Organization { id: self.id, region: self.region() })
    }
}

impl Organization {
    pub fn region(&self) -> &RegionCode {
        &self.region_code
    }

    pub fn type_label(&self) -> &'static str {
        self.org_type.label()
    }

    pub fn credit_list(&self) -> Option<CreditList> {
        CreditList::parse(&self.credit_list).ok().flatten()
    }

    /// The profile as it can be edited (and compared on re-import).
    pub fn profile(&self) -> OrgProfile {
        OrgProfile {
            name: self.name.clone(),
            supervisor: self.supervisor.clone(),
            fields: self.fields.clone(),
            rating: self.rating.clone(),
            party_org: self.party_org,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            address: self.address.clone(),
            status: self.status,
        }
    }
}

/// The editable part of an organisation's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgProfile {
    pub name: String,
    pub supervisor: String,
    /// `、`-joined fields of work (see `duijie_domain::org::FIELDS`).
    pub fields: String,
    pub rating: String,
    pub party_org: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub status: OrgStatus,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub credit_code: Uscc,
    pub org_type: OrgType,
    pub region: RegionCode,
    pub profile: OrgProfile,
    /// Approved when an officer creates it, pending for a self-application.
    pub approval: Approval,
    pub is_demo: bool,
    /// Where the record came from (file, sheet, row) when imported.
    pub provenance: String,
}

pub(crate) const COLUMNS: &str = "id, credit_code, name, org_type, reg_level, region_code, status, is_demo, created_at, \
    supervisor, fields, rating, party_org, contact_name, contact_phone, address, credit_list, credit_list_reason, \
    approval, approval_note, provenance, updated_at";

pub fn reg_level_of(region: &RegionCode) -> &'static str {
    match region.level() {
        duijie_domain::Level::National => "national",
        duijie_domain::Level::Province => "province",
        duijie_domain::Level::Prefecture => "prefecture",
        _ => "county",
    }
}

/// Chinese label of a registration level.
pub fn reg_level_label(level: &str) -> &'static str {
    match level {
        "national" => "全国",
        "province" => "省级",
        "prefecture" => "市级",
        _ => "县级",
    }
}

/// Checks that the credit code's type prefix agrees with the declared type.
pub fn check_type(code: &Uscc, org_type: OrgType) -> std::result::Result<(), String> {
    if code.org_type() == Some(org_type) {
        Ok(())
    } else {
        Err(format!("统一社会信用代码前两位应为 {}（{}）", org_type.code_prefix(), org_type.label()))
    }
}

pub async fn create(tx: &mut Tx, actor: &Actor, o: &NewOrganization) -> Result<i64> {
    let id = insert(tx, o).await?;
    let after = get_tx(tx, id).await?.map(|a| serde_json::json!(a));
    audit::append(tx, actor, Change {
        region: o.region.as_str(),
        action: "organization.create",
        entity: "organization",
        entity_id: &id.to_string(),
        before: None,
        after,
    })
    .await?;
    Ok(id)
}

/// Inserts without its own audit row (bulk imports audit the whole batch).
pub(crate) async fn insert(tx: &mut Tx, o: &NewOrganization) -> Result<i64> {
    check_type(&o.credit_code, o.org_type).map_err(Error::Invalid)?;
    let p = &o.profile;
    let now = crate::now();
    let sql = "INSERT INTO organizations (credit_code, name, org_type, reg_level, region_code, status, is_demo, created_at, \
               supervisor, fields, rating, party_org, contact_name, contact_phone, address, approval, provenance, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$8) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(o.credit_code.as_str()).bind(&p.name).bind(o.org_type.as_str()).bind(reg_level_of(&o.region))
        .bind(o.region.as_str()).bind(p.status.as_str()).bind(o.is_demo).bind(now)
        .bind(&p.supervisor).bind(&p.fields).bind(&p.rating).bind(p.party_org).bind(&p.contact_name)
        .bind(&p.contact_phone).bind(&p.address).bind(o.approval.as_str()).bind(&o.provenance)
        .fetch_one(c).await);
    match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => Err(Error::Conflict(format!("统一社会信用代码 {} 已登记", o.credit_code))),
        other => other,
    }
}

pub(crate) async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// One organisation by its credit code, to be opened by a decision like a load by id.
pub async fn by_credit_code(db: &Db, code: &str) -> Result<Option<Unchecked<Organization>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE credit_code = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(code).fetch_optional(p).await)?.map(Unchecked::new))
}

/// One organisation by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Organization>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// An organisation's name: public, as in the registry (a public page names who took a demand).
pub async fn name(db: &Db, id: i64) -> Result<Option<String>> {
    Ok(on_db!(db, p => sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(p).await)?)
}

/// The organisations with these ids, in the order given.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Organization>> {
    crate::db::by_ids(db, &format!("SELECT {COLUMNS} FROM organizations"), "id", ids, |o: &Organization| o.id).await
}

/// Organisations changed at or after `since` (Unix seconds), for the search index.
pub async fn changed_since(db: &Db, since: i64) -> Result<Vec<Organization>> {
    let mut all = Vec::new();
    changed_in_pages(db, since, crate::db::PAGE, crate::db::gather(&mut all)).await?;
    Ok(all)
}

/// Organisations changed at or after `since`, `page` at a time in order of change (see [`crate::db::in_pages`]).
pub async fn changed_in_pages(db: &Db, since: i64, page: i64, each: impl FnMut(Vec<Organization>) -> Result<()>) -> Result<()> {
    crate::db::in_pages(db, &format!("SELECT {COLUMNS} FROM organizations"), "", since, page, |o: &Organization| (o.updated_at, o.id), each).await
}

/// Organisations in scope: those registered in the scope's region subtree, or
/// (for an organisation user) its own organisation.
pub async fn list(db: &Db, scope: &Scope, limit: i64, offset: i64) -> Result<(Vec<Organization>, i64)> {
    let (filter, param) = match (scope.region().map(crate::subtree), scope.org_id()) {
        (Some(range), _) => (crate::in_subtree("region_code", 1), ScopeParam::Range(range)),
        (None, Some(id)) => ("id = $1 AND $2 = $2".to_string(), ScopeParam::Id(id)),
        (None, None) => return Ok((Vec::new(), 0)),
    };
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE {filter} ORDER BY id LIMIT $3 OFFSET $4"));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM organizations WHERE {filter}"));
    let (rows, total) = match param {
        ScopeParam::Range([low, high]) => (
            on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).bind(offset).fetch_all(p).await)?,
            on_db!(db, p => sqlx::query_scalar(count).bind(&low).bind(&high).fetch_one(p).await)?,
        ),
        ScopeParam::Id(id) => (
            on_db!(db, p => sqlx::query_as(sql).bind(id).bind(0_i64).bind(limit).bind(offset).fetch_all(p).await)?,
            on_db!(db, p => sqlx::query_scalar(count).bind(id).bind(0_i64).fetch_one(p).await)?,
        ),
    };
    Ok((rows, total))
}

enum ScopeParam {
    Range([String; 2]),
    Id(i64),
}

async fn audited_update(tx: &mut Tx, actor: &Actor, id: i64, action: &str, sql: &'static str, bind: impl FnOnce(UpdateQuery) -> UpdateQuery) -> Result<()> {
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    let q = bind(UpdateQuery::default());
    on_tx_exec!(tx, c => {
        let mut query = sqlx::query(sql);
        for v in &q.text {
            query = match v {
                Val::Text(s) => query.bind(s.clone()),
                Val::Bool(b) => query.bind(*b),
            };
        }
        query.bind(crate::now()).bind(id).execute(c).await
    })?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action,
        entity: "organization",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: after.map(|a| serde_json::json!(a)),
    })
    .await
}

/// Values bound, in order, before `updated_at` and `id`.
#[derive(Default)]
pub(crate) struct UpdateQuery {
    text: Vec<Val>,
}

enum Val {
    Text(String),
    Bool(bool),
}

impl UpdateQuery {
    fn s(mut self, v: &str) -> Self {
        self.text.push(Val::Text(v.to_string()));
        self
    }
    fn b(mut self, v: bool) -> Self {
        self.text.push(Val::Bool(v));
        self
    }
}

/// Replaces the editable profile.
pub async fn update_profile(tx: &mut Tx, actor: &Actor, id: i64, p: &OrgProfile) -> Result<()> {
    let sql = "UPDATE organizations SET name = $1, supervisor = $2, fields = $3, rating = $4, party_org = $5, \
               contact_name = $6, contact_phone = $7, address = $8, status = $9, updated_at = $10 WHERE id = $11";
    audited_update(tx, actor, id, "organization.update", sql, |q| {
        q.s(&p.name).s(&p.supervisor).s(&p.fields).s(&p.rating).b(p.party_org).s(&p.contact_name).s(&p.contact_phone).s(&p.address).s(p.status.as_str())
    })
    .await
}

/// Puts an organisation on a credit list, or takes it off (`None`).
pub async fn set_credit_list(tx: &mut Tx, actor: &Actor, id: i64, list: Option<CreditList>, reason: &str) -> Result<()> {
    let sql = "UPDATE organizations SET credit_list = $1, credit_list_reason = $2, updated_at = $3 WHERE id = $4";
    let key = list.map(|l| l.as_str()).unwrap_or("");
    audited_update(tx, actor, id, "organization.credit_list", sql, |q| q.s(key).s(reason)).await
}

/// Approves a self-application, returns it with a reason, or resubmits it
/// (pending).
///
/// A decision (approved or returned) locks the organisation first and is
/// `Changed` when the application was approved meanwhile.
pub async fn set_approval(tx: &mut Tx, actor: &Actor, id: i64, approval: Approval, note: &str) -> Result<()> {
    if approval != Approval::Pending {
        tx.lock(Locked::Organization, id).await?;
        let now = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
        if now.approval == Approval::Approved {
            return Err(Error::changed(format!("{} 已审核通过", now.name), Approval::Approved.as_str(), "已审核通过"));
        }
    }
    let sql = "UPDATE organizations SET approval = $1, approval_note = $2, updated_at = $3 WHERE id = $4";
    audited_update(tx, actor, id, "organization.approval", sql, |q| q.s(approval.as_str()).s(note)).await
}

/// Marks an organisation changed (e.g. after an enrolment) for the search index.
pub async fn touch(tx: &mut Tx, id: i64) -> Result<()> {
    let sql = "UPDATE organizations SET updated_at = $1 WHERE id = $2";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(crate::now()).bind(id).execute(c).await)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub credit_code: String,
    pub created_at: i64,
}

pub async fn add_member(tx: &mut Tx, actor: &Actor, org: &Organization, name: &str, credit_code: &str) -> Result<i64> {
    let sql = "INSERT INTO org_members (org_id, name, credit_code, created_at) VALUES ($1,$2,$3,$4) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(org.id).bind(name).bind(credit_code).bind(crate::now()).fetch_one(c).await)?;
    audit::append(tx, actor, Change {
        region: org.region_code.as_str(),
        action: "organization.member.add",
        entity: "org_member",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"org_id": org.id, "name": name, "credit_code": credit_code})),
    })
    .await?;
    Ok(id)
}

pub async fn members_of(db: &Db, org_id: i64) -> Result<Vec<Member>> {
    let sql = "SELECT id, org_id, name, credit_code, created_at FROM org_members WHERE org_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

pub async fn add_attachment(tx: &mut Tx, actor: &Actor, org: &Organization, kind: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Result<i64> {
    let sql = "INSERT INTO attachments (org_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(org.id).bind(kind).bind(file_name).bind(content_type)
        .bind(bytes).bind(&actor.name).bind(crate::now()).fetch_one(c).await)?;
    audit::append(tx, actor, Change {
        region: org.region_code.as_str(),
        action: "organization.attachment.add",
        entity: "attachment",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"org_id": org.id, "kind": kind, "file_name": file_name, "bytes": bytes.len(),
            "sm3": duijie_domain::crypto::sm3_hex(bytes)})),
    })
    .await?;
    Ok(id)
}

pub async fn attachments_of(db: &Db, org_id: i64) -> Result<Vec<Attachment>> {
    let sql = "SELECT id, org_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at FROM attachments WHERE org_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?)
}

pub async fn attachment(db: &Db, id: i64) -> Result<Option<Attachment>> {
    let sql = "SELECT id, org_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at FROM attachments WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

/// Every organisation (for checking credit codes on import).
pub async fn all(db: &Db) -> Result<Vec<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations ORDER BY id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}

/// Applications not yet approved (pending or returned) of organisations
/// registered in `region`'s subtree, by code (through `organizations_awaiting`,
/// which holds only these: the approved majority is never read).
pub async fn awaiting_approval(db: &Db, region: &RegionCode) -> Result<Vec<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM organizations WHERE approval <> 'approved' AND {} ORDER BY region_code, credit_code",
        crate::in_subtree("region_code", 1)
    ));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}

/// Organisations registered in `region`'s subtree, by code.
pub async fn in_region(db: &Db, region: &RegionCode) -> Result<Vec<Organization>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE {} ORDER BY region_code, credit_code", crate::in_subtree("region_code", 1)));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}

/// The approved, active organisations that report in a report collected by
/// `region`: those registered at `region` itself (`within` false: a
/// province's 全省性社会组织), or anywhere in its subtree (`within` true).
/// (id, registering region), by id.
pub async fn reporting(db: &Db, region: &RegionCode, within: bool) -> Result<Vec<(i64, String)>> {
    const ACTIVE: &str = "approval = 'approved' AND status = 'active' ORDER BY id";
    let [low, high] = crate::subtree(region);
    Ok(if within {
        let sql = sqlx::AssertSqlSafe(format!("SELECT id, region_code FROM organizations WHERE {} AND {ACTIVE}", crate::in_subtree("region_code", 1)));
        on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?
    } else {
        let sql = sqlx::AssertSqlSafe(format!("SELECT id, region_code FROM organizations WHERE region_code = $1 AND {ACTIVE}"));
        on_db!(db, p => sqlx::query_as(sql).bind(&low).fetch_all(p).await)?
    })
}
