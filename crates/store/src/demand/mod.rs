//! The demand library (需求项目库): demands recorded by county bureaus for a
//! county, township, village or household, their approval and lifecycle, and
//! the personal data of households.
//!
//! Guarantees:
//! - Every step goes through `duijie_domain::demand::advance`, is recorded in
//!   `demand_events` with who and when, audited with before and after, and
//!   bumps `updated_at` (the search index and the matching catalogue follow it).
//! - A household's name, ID number and phone are written only sealed with
//!   SM4-GCM (`duijie_domain::sealing`) plus a masked copy for display; the
//!   audit trail records only the masked values. [`household_full`] opens them
//!   and appends an audit row naming who looked, in the same transaction.
//! - Listings take a `Scope`: officers see demands of their subtree; everyone
//!   logged in (and the public view) sees published ones only, without
//!   personal data.

pub mod catalog;
pub mod matching;
pub mod supply;

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use chrono::NaiveDate;
use duijie_domain::demand::{self, Status, Step, Target};
use duijie_domain::sealing::Sealer;
use duijie_domain::{RegionCode, Scope};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Demand {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub field: String,
    #[sqlx(try_from = "String")]
    pub target_kind: Target,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    #[sqlx(try_from = "String")]
    pub county_code: RegionCode,
    pub beneficiary_group: String,
    pub beneficiary_count: i64,
    pub funds_fen: i64,
    pub mode: String,
    pub urgency: i64,
    pub deadline: String,
    pub is_wish: bool,
    pub contact_name: String,
    pub contact_phone: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    #[sqlx(try_from = "String")]
    pub unit_region: RegionCode,
    pub created_by: String,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
    pub matched_at: Option<i64>,
    pub started_at: Option<i64>,
    pub done_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub close_reason: String,
    pub provenance: String,
    pub is_demo: bool,
    pub updated_at: i64,
}

impl Guarded for Demand {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let region = self.region();
        match action {
            Action::ViewDemand | Action::ViewDemandParties | Action::OpenDemandFile => {
                let household = self.target() == demand::Target::Household;
                authz::decide(who, action, authz::Target::Demand { region, public: self.status().is_public(), household })
            }
            _ => authz::decide(who, action, authz::Target::Region(region)),
        }
    }

    fn is_public(&self) -> bool {
        self.status().is_public()
    }
}

impl Demand {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn target(&self) -> Target {
        self.target_kind
    }

    pub fn region(&self) -> &RegionCode {
        &self.region_code
    }

    pub fn unit_region(&self) -> &RegionCode {
        &self.unit_region
    }

    pub fn deadline(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok()
    }
}

pub(crate) const COLUMNS: &str = "id, title, description, field, target_kind, region_code, county_code, beneficiary_group, \
    beneficiary_count, funds_fen, mode, urgency, deadline, is_wish, contact_name, contact_phone, status, unit_region, created_by, \
    created_at, submitted_at, published_at, published_by, matched_at, started_at, done_at, closed_at, close_reason, provenance, \
    is_demo, updated_at";

/// A household's personal data as typed (never stored like this).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Household {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

impl Household {
    /// Seals each value and keeps a masked copy for display.
    pub fn seal(&self, sealer: &Sealer) -> SealedHousehold {
        SealedHousehold {
            name_sealed: sealer.seal(self.name.trim()),
            id_sealed: sealer.seal(self.id_number.trim()),
            phone_sealed: sealer.seal(self.phone.trim()),
            masked: Household { name: demand::mask_name(&self.name), id_number: demand::mask_id(&self.id_number), phone: demand::mask_phone(&self.phone) },
        }
    }
}

/// A household as it is stored: sealed values and masked copies.
#[derive(Debug, Clone)]
pub struct SealedHousehold {
    name_sealed: String,
    id_sealed: String,
    phone_sealed: String,
    masked: Household,
}

/// What a demand needs; checked by the web layer before it comes here.
#[derive(Debug, Clone)]
pub struct NewDemand {
    pub title: String,
    pub description: String,
    pub field: String,
    pub target: Target,
    pub region: RegionCode,
    pub beneficiary_group: String,
    pub beneficiary_count: i64,
    pub funds_fen: i64,
    /// `relief` or `capacity`.
    pub mode: String,
    pub urgency: i64,
    pub deadline: Option<NaiveDate>,
    pub is_wish: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub household: Option<SealedHousehold>,
    /// The recording unit's region.
    pub unit_region: RegionCode,
    pub provenance: String,
    pub is_demo: bool,
}

/// One demand by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Demand>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM demands WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// The demands with these ids, in the order given (ids that do not exist are left out).
/// For one page of a list whose ids come from the matching catalogue.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Demand>> {
    crate::db::by_ids(db, &format!("SELECT {COLUMNS} FROM demands"), "id", ids, |d: &Demand| d.id).await
}

pub(crate) async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Demand>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM demands WHERE id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Records a draft demand (and its household, sealed).
pub async fn create(tx: &mut Tx, actor: &Actor, n: &NewDemand) -> Result<i64> {
    create_at(tx, actor, n, crate::now()).await
}

/// Records a draft demand as of `now` (the demo data's demands are recorded
/// on the day they were submitted, so that their history reads in order).
pub(crate) async fn create_at(tx: &mut Tx, actor: &Actor, n: &NewDemand, now: i64) -> Result<i64> {
    check(n)?;
    let county: String = n.region.as_str().chars().take(6).collect();
    let deadline = n.deadline.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let sql = "INSERT INTO demands (title, description, field, target_kind, region_code, county_code, beneficiary_group, beneficiary_count, \
               funds_fen, mode, urgency, deadline, is_wish, contact_name, contact_phone, status, unit_region, created_by, created_at, \
               provenance, is_demo, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,'draft',$16,$17,$18,$19,$20,$18) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.title.trim()).bind(n.description.trim()).bind(&n.field).bind(n.target.as_str()).bind(n.region.as_str()).bind(&county)
        .bind(&n.beneficiary_group).bind(n.beneficiary_count).bind(n.funds_fen).bind(&n.mode).bind(n.urgency).bind(&deadline)
        .bind(n.is_wish).bind(n.contact_name.trim()).bind(n.contact_phone.trim()).bind(n.unit_region.as_str()).bind(&actor.unit)
        .bind(now).bind(&n.provenance).bind(n.is_demo).fetch_one(c).await)?;
    if let Some(h) = &n.household {
        put_household(tx, id, h).await?;
    }
    event(tx, id, actor, "", "draft", "录入需求", now).await?;
    let after = get_tx(tx, id).await?;
    let household = household_masked_tx(tx, id).await?;
    audit::append(tx, actor, Change {
        region: n.region.as_str(),
        action: "demand.create",
        entity: "demand",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"demand": after, "household": household})),
    })
    .await?;
    Ok(id)
}

fn check(n: &NewDemand) -> Result<()> {
    if n.region.level() != n.target.level() {
        return Err(Error::Invalid(format!("需求对象为{}时，应选择{}区划", n.target.label(), n.target.level().label())));
    }
    if (n.target == Target::Household) != n.household.is_some() {
        return Err(Error::Invalid("帮扶到户的需求须填写户主信息；其他需求不填写".into()));
    }
    if n.is_wish && n.funds_fen > demand::WISH_LIMIT_FEN {
        return Err(Error::Invalid("微心愿的预计金额不超过 0.5 万元".into()));
    }
    Ok(())
}

async fn put_household(tx: &mut Tx, id: i64, h: &SealedHousehold) -> Result<()> {
    let sql = "INSERT INTO demand_households (demand_id, name_sealed, id_sealed, phone_sealed, name_masked, id_masked, phone_masked) \
               VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (demand_id) DO UPDATE SET name_sealed = excluded.name_sealed, \
               id_sealed = excluded.id_sealed, phone_sealed = excluded.phone_sealed, name_masked = excluded.name_masked, \
               id_masked = excluded.id_masked, phone_masked = excluded.phone_masked";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(id)
        .bind(&h.name_sealed).bind(&h.id_sealed).bind(&h.phone_sealed)
        .bind(&h.masked.name).bind(&h.masked.id_number).bind(&h.masked.phone)
        .execute(c).await)?;
    Ok(())
}

/// The masked household of a demand, if it has one.
pub async fn household_masked(db: &Db, id: i64) -> Result<Option<Household>> {
    let sql = "SELECT name_masked, id_masked, phone_masked FROM demand_households WHERE demand_id = $1";
    let row: Option<(String, String, String)> = on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    Ok(row.map(|(name, id_number, phone)| Household { name, id_number, phone }))
}

async fn household_masked_tx(tx: &mut Tx, id: i64) -> Result<Option<Household>> {
    let sql = "SELECT name_masked, id_masked, phone_masked FROM demand_households WHERE demand_id = $1";
    let row: Option<(String, String, String)> = on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?;
    Ok(row.map(|(name, id_number, phone)| Household { name, id_number, phone }))
}

/// Opens a household's personal data for an officer (the caller has checked
/// `ViewHousehold`) and records the view in the audit trail.
pub async fn household_full(tx: &mut Tx, actor: &Actor, sealer: &Sealer, demand: &Demand) -> Result<Option<Household>> {
    let sql = "SELECT name_sealed, id_sealed, phone_sealed FROM demand_households WHERE demand_id = $1";
    let row: Option<(String, String, String)> = on_tx!(tx, c => sqlx::query_as(sql).bind(demand.id).fetch_optional(c).await)?;
    let Some((n, i, p)) = row else { return Ok(None) };
    let open = |s: &str| sealer.open(s).map_err(|e| Error::Invalid(e.to_string()));
    let h = Household { name: open(&n)?, id_number: open(&i)?, phone: open(&p)? };
    audit::append(tx, actor, Change {
        region: demand.region_code.as_str(),
        action: "demand.household.view",
        entity: "demand",
        entity_id: &demand.id.to_string(),
        before: None,
        after: Some(serde_json::json!({"viewed": ["姓名", "身份证号", "电话"]})),
    })
    .await?;
    Ok(Some(h))
}

async fn event(tx: &mut Tx, id: i64, actor: &Actor, from: &str, to: &str, note: &str, at: i64) -> Result<()> {
    crate::history::record(tx, crate::history::Of::Demand, id, actor, from, to, note, at).await
}

/// Takes one step; the caller has checked who may take it. Refusals are `Invalid`.
/// The demand is locked first ([`Tx::lock`]); a step its current status does
/// not allow is `Changed`, carrying that status.
pub async fn step(tx: &mut Tx, actor: &Actor, id: i64, step: Step, note: &str, at: i64) -> Result<Demand> {
    tx.lock(Locked::Demand, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("需求不存在".into()))?;
    let to = demand::advance(before.status(), step).map_err(|m| changed(&before, m))?;
    if step == Step::Return && note.trim().is_empty() {
        return Err(Error::Invalid("请写明退回修改的原因".into()));
    }
    let column = match step {
        Step::Submit => "submitted_at = $3",
        Step::Approve => "published_at = $3, published_by = $4",
        Step::Take => "matched_at = $3",
        Step::Start => "started_at = $3",
        Step::Finish => "done_at = $3",
        Step::Withdraw | Step::Expire => "closed_at = $3, close_reason = $5",
        Step::Return => "submitted_at = NULL",
        // The match is dissolved: the demand counts as unmatched again.
        Step::Reopen => "matched_at = NULL, started_at = NULL",
    };
    // Compare-and-set: the status is still the one checked above (the lock makes this hold; the
    // condition keeps it true even for a caller that did not lock).
    let from = before.status().as_str();
    let sql = sqlx::AssertSqlSafe(format!("UPDATE demands SET status = $1, {column}, updated_at = $3 WHERE id = $2 AND status = '{from}'"));
    let n = on_tx_exec!(tx, c => {
        let q = sqlx::query(sql).bind(to.as_str()).bind(id).bind(at);
        // PostgreSQL refuses unused parameters: bind only what the statement writes.
        match step {
            Step::Approve => q.bind(&actor.unit).execute(c).await,
            Step::Withdraw | Step::Expire => q.bind(&actor.unit).bind(note.trim()).execute(c).await,
            _ => q.execute(c).await,
        }
    })?;
    if n == 0 {
        let now = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("需求不存在".into()))?;
        return Err(changed(&now, crate::CHANGED_BY_OTHERS.into()));
    }
    event(tx, id, actor, before.status().as_str(), to.as_str(), if note.trim().is_empty() { step.label() } else { note.trim() }, at).await?;
    if matches!(step, Step::Withdraw | Step::Expire) {
        // Offers to take a demand that is gone are answered, not left waiting.
        let sql = "UPDATE matches SET status = 'declined', decided_by = $1, decided_at = $2, decline_reason = $3 WHERE demand_id = $4 AND status = 'pending'";
        let reason = if step == Step::Withdraw { "需求已撤回" } else { "需求已过截止日期" };
        on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.unit).bind(at).bind(reason).bind(id).execute(c).await)?;
    }
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("需求不存在".into()))?;
    let action = if step == Step::Reopen { "demand.reopen".to_string() } else { format!("demand.{}", to.as_str()) };
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action: &action,
        entity: "demand",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(after)),
    })
    .await?;
    Ok(after)
}

/// `Changed` with the demand's current status.
pub(crate) fn changed(d: &Demand, message: String) -> Error {
    Error::changed(message, d.status().as_str(), d.status().label())
}

pub use crate::history::Event;

/// The demand's history, oldest first.
pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>> {
    crate::history::of(db, crate::history::Of::Demand, id).await
}

/// Filters of the demand list; empty means any.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub field: String,
    /// Region subtree (any code form).
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub wish: Option<bool>,
}

/// Demands the scope may see, newest first: for officers, their subtree; for
/// everyone else, published ones only.
pub async fn list(db: &Db, scope: &Scope, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Demand>, i64)> {
    let mut clauses = vec![match scope.region() {
        Some(_) => crate::in_subtree("region_code", 1),
        None => "status IN ('published','taken','in_progress','done') AND $1 = $2".to_string(),
    }];
    let mut text_args: Vec<String> = match scope.region() {
        Some(r) => crate::subtree(r).into(),
        None => vec![String::new(), String::new()],
    };
    if Status::parse(&f.status).is_some() {
        text_args.push(f.status.clone());
        clauses.push(format!("status = ${}", text_args.len()));
    }
    if duijie_domain::org::FIELDS.contains(&f.field.as_str()) {
        text_args.push(f.field.clone());
        clauses.push(format!("field = ${}", text_args.len()));
    }
    if let Ok(r) = RegionCode::parse(&f.region) {
        text_args.extend(crate::subtree(&r));
        clauses.push(crate::in_subtree("region_code", text_args.len() - 1));
    }
    match f.wish {
        Some(true) => clauses.push("is_wish = TRUE".into()),
        Some(false) => clauses.push("is_wish = FALSE".into()),
        None => {}
    }
    let filter = clauses.join(" AND ");
    let n = text_args.len();
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM demands WHERE {filter} ORDER BY id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM demands WHERE {filter}"));
    let rows: Vec<Demand> = on_db!(db, p => {
        let mut q = sqlx::query_as(sql);
        for a in &text_args {
            q = q.bind(a.clone());
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })?;
    let total: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar(count);
        for a in &text_args {
            q = q.bind(a.clone());
        }
        q.fetch_one(p).await
    })?;
    Ok((rows, total))
}

/// Demands changed at or after `since`, for the catalogue and the search index.
pub async fn changed_since(db: &Db, since: i64) -> Result<Vec<Demand>> {
    let mut all = Vec::new();
    changed_in_pages(db, since, crate::db::PAGE, crate::db::gather(&mut all)).await?;
    Ok(all)
}

/// Demands changed at or after `since`, `page` at a time in order of change (see [`crate::db::in_pages`]).
pub async fn changed_in_pages(db: &Db, since: i64, page: i64, each: impl FnMut(Vec<Demand>) -> Result<()>) -> Result<()> {
    crate::db::in_pages(db, &format!("SELECT {COLUMNS} FROM demands"), "", since, page, |d: &Demand| (d.updated_at, d.id), each).await
}

/// Published demands whose deadline has passed: they expire (run by the hourly job).
pub async fn expire_overdue(tx: &mut Tx, today: NaiveDate) -> Result<usize> {
    let sql = "SELECT id FROM demands WHERE status = 'published' AND deadline <> '' AND deadline < $1";
    let ids: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar(sql).bind(today.format("%Y-%m-%d").to_string()).fetch_all(c).await)?;
    let actor = Actor::system("需求到期");
    for id in &ids {
        step(tx, &actor, *id, Step::Expire, "截止日期已过，未能对接", crate::now()).await?;
    }
    Ok(ids.len())
}

/// Tells the recording county bureau about its published, unmatched demands
/// whose deadline falls within `days` of `today`; once per demand and deadline.
pub async fn remind_expiring(tx: &mut Tx, today: NaiveDate, days: i64) -> Result<usize> {
    use crate::inbox::{self, Notice, Recipient};
    let until = today + chrono::Duration::days(days);
    let sql = "SELECT id, title, unit_region, deadline FROM demands WHERE status = 'published' AND deadline <> '' AND deadline >= $1 AND deadline <= $2";
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let rows: Vec<(i64, String, String, String)> = on_tx!(tx, c => sqlx::query_as(sql).bind(fmt(today)).bind(fmt(until)).fetch_all(c).await)?;
    let mut added = 0;
    for (id, title, unit, deadline) in rows {
        let to = Recipient::Unit { region: unit, role: Some(duijie_domain::Role::RuralRevitalization) };
        let n = Notice {
            kind: "demand.expiring".into(),
            title: format!("需求即将到期：{title}（{deadline} 截止，尚未对接）"),
            body: "可联系推荐的社会组织或从供给项目库点单；到期未对接的需求将标为已过期。".into(),
            link: format!("/demands/{id}"),
            dedup_key: Some(format!("demand-expiring:{id}:{deadline}")),
        };
        if inbox::notify(tx, &to, &n).await? {
            added += 1;
        }
    }
    Ok(added)
}

/// Adds a photo or document to a demand.
pub async fn add_file(tx: &mut Tx, actor: &Actor, demand: &Demand, file_name: &str, content_type: &str, bytes: &[u8]) -> Result<i64> {
    let sql = "INSERT INTO demand_files (demand_id, file_name, content_type, bytes, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(demand.id).bind(file_name).bind(content_type).bind(bytes).bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?;
    audit::append(tx, actor, Change {
        region: demand.region_code.as_str(),
        action: "demand.file.add",
        entity: "demand",
        entity_id: &demand.id.to_string(),
        before: None,
        after: Some(serde_json::json!({"file": file_name, "bytes": bytes.len()})),
    })
    .await?;
    Ok(id)
}

/// A demand's file (without its bytes in the listing).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DemandFile {
    pub id: i64,
    pub demand_id: i64,
    pub file_name: String,
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

pub async fn files_of(db: &Db, demand_id: i64) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT id, file_name FROM demand_files WHERE demand_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(demand_id).fetch_all(p).await)?)
}

pub async fn file(db: &Db, id: i64) -> Result<Option<DemandFile>> {
    let sql = "SELECT id, demand_id, file_name, content_type, bytes FROM demand_files WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

/// Demands waiting for approval (submitted) whose recording unit lies in
/// `region`'s subtree, counted by recording unit: who may approve which is
/// the caller's rule (`authz::decide_demand_approval`), decided once per unit.
pub async fn submitted_by_unit(db: &Db, region: &RegionCode) -> Result<Vec<(String, i64)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT unit_region, COUNT(*) FROM demands WHERE status = 'submitted' AND {} GROUP BY unit_region",
        crate::in_subtree("unit_region", 1)
    ));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}
