//! Pairing records (结对帮扶): batches (lists), pairings of every kind, their
//! steps and files.
//!
//! Guarantees:
//! - A pairing is created only for an approved, active organisation on no credit
//!   list (`duijie_domain::org::may_take_new_work`), naming a region of the level
//!   its kind requires, and only once while an earlier one of the same
//!   organisation, target and kind is open.
//! - Every step goes through `duijie_domain::pairing::advance`, records who and
//!   when in the pairing's own columns and in `pairing_events`, is audited with
//!   before and after, and notifies the other side in the inbox — all in the
//!   caller's transaction.
//! - Once a batch is published its list changes only through approved
//!   adjustments ([`adjust`]); the list keeps `listed_at`/`delisted_at`, so the
//!   list of any past moment can be read back ([`list_as_of`]).
//! - Listings are filtered by the caller's scope: officers see pairings whose
//!   target or whose organisation lies in their subtree; organisations their own.
//! - Under concurrency a step locks the pairing before it reads it (publishing
//!   locks the batch, then its pairings in id order), and writes its new status
//!   only where the old one still stands; a step that the current state does
//!   not allow is `Changed`, carrying that state.

pub mod adjust;
pub mod coverage;
pub mod list;
pub mod plan;
pub mod remind;
pub mod team;

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::orgs::{self, Organization};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use chrono::NaiveDate;
use duijie_domain::pairing::{Consents, Kind, Status, Step, advance};
use duijie_domain::{RegionCode, Role, Scope};
use serde::Serialize;

/// A list of pairings issued together (第一批…), with its signing deadline.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    pub name: String,
    /// The issuing level: '' national, '53' Yunnan.
    pub region_code: String,
    pub doc_no: String,
    /// ISO date.
    pub sign_deadline: String,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
    pub is_demo: bool,
    pub created_by: String,
    pub created_at: i64,
}

impl Batch {
    pub fn deadline(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.sign_deadline, "%Y-%m-%d").ok()
    }

    pub fn region(&self) -> RegionCode {
        RegionCode::try_from(self.region_code.clone()).unwrap_or_else(|_| RegionCode::national())
    }

    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }
}

/// What a new batch needs.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub name: String,
    pub region: RegionCode,
    pub doc_no: String,
    pub sign_deadline: NaiveDate,
    pub is_demo: bool,
}

const BATCH_COLUMNS: &str =
    "id, name, region_code, doc_no, sign_deadline, published_at, published_by, is_demo, created_by, created_at";

pub async fn create_batch(tx: &mut Tx, actor: &Actor, b: &NewBatch) -> Result<i64> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::Invalid("批次名称应为 1–60 字，例如“第一批”".into()));
    }
    let sql = "INSERT INTO pairing_batches (name, region_code, doc_no, sign_deadline, is_demo, created_by, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(name).bind(b.region.as_str()).bind(b.doc_no.trim()).bind(b.sign_deadline.format("%Y-%m-%d").to_string())
        .bind(b.is_demo).bind(&actor.unit).bind(crate::now()).fetch_one(c).await);
    let id = match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(format!("本级已有名为“{name}”的批次"))),
        other => other?,
    };
    let after = batch_tx(tx, id).await?.map(|b| serde_json::json!(b));
    audit::append(tx, actor, Change { region: b.region.as_str(), action: "pairing_batch.create", entity: "pairing_batch", entity_id: &id.to_string(), before: None, after }).await?;
    Ok(id)
}

pub async fn batches(db: &Db) -> Result<Vec<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {BATCH_COLUMNS} FROM pairing_batches ORDER BY region_code, id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}

pub async fn batch(db: &Db, id: i64) -> Result<Option<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {BATCH_COLUMNS} FROM pairing_batches WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

pub(crate) async fn batch_tx(tx: &mut Tx, id: i64) -> Result<Option<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {BATCH_COLUMNS} FROM pairing_batches WHERE id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Publishes a batch at `at`: its agreed pairings go on the list; proposals still
/// waiting for consent are withdrawn (they can be added later by adjustment).
pub async fn publish_batch(tx: &mut Tx, actor: &Actor, id: i64, at: i64) -> Result<usize> {
    tx.lock(Locked::Batch, id).await?;
    let before = batch_tx(tx, id).await?.ok_or_else(|| Error::Invalid("批次不存在".into()))?;
    if before.is_published() {
        return Err(Error::changed("该批次名单已发布", "published", "已发布"));
    }
    tx.lock_all("SELECT id FROM pairings WHERE batch_id = $1 ORDER BY id", id).await?;
    let sql = "UPDATE pairing_batches SET published_at = $1, published_by = $2 WHERE id = $3 AND published_at IS NULL";
    if on_tx_exec!(tx, c => sqlx::query(sql).bind(at).bind(&actor.unit).bind(id).execute(c).await)? == 0 {
        return Err(Error::changed(crate::CHANGED_BY_OTHERS, "published", "已发布"));
    }
    let pending = ids_in_batch(tx, id, &[Status::Proposed]).await?;
    for pid in pending {
        apply_step(tx, actor, pid, Step::Withdraw, "名单发布时双方尚未都同意，提议撤回", at).await?;
    }
    let covering = ids_in_batch(tx, id, &[Status::Consented, Status::Signed, Status::Active]).await?;
    let sql = "UPDATE pairings SET listed_at = $1, updated_at = $1 WHERE id = $2";
    for pid in &covering {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(at).bind(*pid).execute(c).await)?;
    }
    let after = batch_tx(tx, id).await?.map(|b| serde_json::json!(b));
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action: "pairing_batch.publish",
        entity: "pairing_batch",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after,
    })
    .await?;
    Ok(covering.len())
}

async fn ids_in_batch(tx: &mut Tx, batch_id: i64, statuses: &[Status]) -> Result<Vec<i64>> {
    let marks: Vec<String> = (0..statuses.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = sqlx::AssertSqlSafe(format!("SELECT id FROM pairings WHERE batch_id = $1 AND status IN ({}) ORDER BY id", marks.join(",")));
    Ok(on_tx!(tx, c => {
        let mut q = sqlx::query_scalar(sql).bind(batch_id);
        for s in statuses {
            q = q.bind(s.as_str());
        }
        q.fetch_all(c).await
    })?)
}

/// A pairing with the names people read.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Pairing {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    pub org_id: i64,
    pub org_name: String,
    pub org_credit_code: String,
    pub org_supervisor: String,
    #[sqlx(try_from = "String")]
    pub org_region: RegionCode,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    #[sqlx(try_from = "String")]
    pub county_code: RegionCode,
    pub target_label: String,
    pub member_id: Option<i64>,
    pub team_id: Option<i64>,
    pub fields: String,
    pub commitments: String,
    pub funds_fen: i64,
    pub people: i64,
    pub term_start: String,
    pub term_end: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub plan_id: Option<i64>,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub org_consent_by: Option<String>,
    pub org_consent_at: Option<i64>,
    pub county_consent_by: Option<String>,
    pub county_consent_at: Option<i64>,
    pub signed_file_id: Option<i64>,
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
    pub activated_by: Option<String>,
    pub activated_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub close_reason: String,
    pub listed_at: Option<i64>,
    pub delisted_at: Option<i64>,
    pub provenance: String,
    pub is_demo: bool,
    pub updated_at: i64,
    /// The target village's name ("" for a county; villages are not in the region tree).
    pub village_name: String,
    /// Group pairing: the team's name, its lead organisation's name ("" outside a
    /// team) and this member's role in it (分工; its funds share is `funds_fen`).
    pub team_name: String,
    pub team_lead: String,
    pub team_role: String,
}

impl Guarded for Pairing {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let (org_region, target) = (self.org_region(), self.target());
        match action {
            Action::ViewPairing | Action::ConsentAsOrg | Action::ConsentAsCounty | Action::SignAgreement | Action::ManagePairing => {
                authz::decide(who, action, authz::Target::Pairing { org_id: self.org_id, org_region, target })
            }
            _ => authz::decide(who, action, authz::Target::Region(target)),
        }
    }
}

impl Pairing {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn consents(&self) -> Consents {
        Consents { org: self.org_consent_at.is_some(), county: self.county_consent_at.is_some() }
    }

    /// How people read the pairing's target: 云南省昭通市彝良县, or for a village
    /// 云南省昭通市彝良县洛泽河镇花桥村 (never its bare code).
    pub fn place(&self, tree: &crate::regions::RegionTree) -> String {
        let target = self.target();
        match target.parent() {
            Some(township) if !self.village_name.is_empty() => format!("{}{}", tree.full_name(&township), self.village_name),
            _ => tree.full_name(target),
        }
    }

    pub fn target(&self) -> &RegionCode {
        &self.region_code
    }

    pub fn org_region(&self) -> &RegionCode {
        &self.org_region
    }

    pub fn county(&self) -> RegionCode {
        self.county_code.clone()
    }
}

pub(crate) const SELECT: &str = "SELECT p.id, p.batch_id, b.name AS batch_name, p.kind, p.org_id, o.name AS org_name, \
    o.credit_code AS org_credit_code, o.supervisor AS org_supervisor, p.org_region, p.region_code, p.county_code, \
    p.target_label, p.member_id, p.team_id, p.fields, p.commitments, p.funds_fen, p.people, p.term_start, p.term_end, \
    p.status, p.plan_id, p.proposed_by, p.proposed_at, p.org_consent_by, p.org_consent_at, p.county_consent_by, \
    p.county_consent_at, p.signed_file_id, p.signed_by, p.signed_at, p.activated_by, p.activated_at, p.closed_by, \
    p.closed_at, p.close_reason, p.listed_at, p.delisted_at, p.provenance, p.is_demo, p.updated_at, \
    COALESCE(v.name, '') AS village_name, COALESCE(t.name, '') AS team_name, COALESCE(lo.name, '') AS team_lead, p.team_role \
    FROM pairings p JOIN organizations o ON o.id = p.org_id JOIN pairing_batches b ON b.id = p.batch_id \
    LEFT JOIN regions v ON v.code = p.region_code AND v.level = 'village' \
    LEFT JOIN pairing_teams t ON t.id = p.team_id LEFT JOIN organizations lo ON lo.id = t.lead_org_id";

/// One pairing by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Pairing>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

pub(crate) async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Pairing>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// The organisation of a pairing the caller has opened: the party named in its agreement.
pub async fn party(db: &Db, p: &Pairing) -> Result<Option<Organization>> {
    Ok(orgs::get(db, p.org_id).await?.map(Unchecked::unscoped))
}

/// What a new pairing needs.
#[derive(Debug, Clone, Default)]
pub struct NewPairing {
    pub batch_id: i64,
    pub kind: Option<Kind>,
    pub org_id: i64,
    /// The county (kind `county`) or village (every other kind).
    pub region: Option<RegionCode>,
    pub target_label: String,
    pub member_id: Option<i64>,
    pub team_id: Option<i64>,
    /// The member's role in its team (分工).
    pub team_role: String,
    /// `、`-joined fields; empty takes the organisation's own.
    pub fields: String,
    pub commitments: String,
    pub funds_fen: i64,
    pub people: i64,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub plan_id: Option<i64>,
    /// The organisation proposes it itself (its consent is given).
    pub org_consents: bool,
    /// The county's officer proposes it (the county's consent is given).
    pub county_consents: bool,
    pub provenance: String,
    pub is_demo: bool,
}

/// Why an organisation may not take a new pairing now, in Chinese.
pub fn refusal(org: &Organization) -> Option<String> {
    if let Err(m) = duijie_domain::org::may_take_new_work(org.credit_list()) {
        return Some(m);
    }
    if org.approval != duijie_domain::org::Approval::Approved {
        return Some("该组织登记尚未审核通过，不能结对".into());
    }
    if org.status != duijie_domain::org::OrgStatus::Active {
        return Some("该组织已注销，不能结对".into());
    }
    None
}

impl Batch {
    /// Whether `region` may be paired on this batch's list: a batch holds only
    /// pairings within its issuing region, so whoever may see the batch sees
    /// every pairing on it.
    pub fn covers(&self, region: &RegionCode) -> bool {
        self.region().contains(region)
    }
}

/// Proposes a pairing in an unpublished batch (see the module header for what is refused).
pub async fn propose(tx: &mut Tx, actor: &Actor, n: &NewPairing) -> Result<i64> {
    let batch = batch_tx(tx, n.batch_id).await?.ok_or_else(|| Error::Invalid("批次不存在".into()))?;
    if batch.is_published() {
        return Err(Error::Invalid(format!("“{}”名单已发布，新增结对需提交调整申请", batch.name)));
    }
    insert(tx, actor, n, None).await
}

/// Inserts a pairing after every check but the batch's publication (adjustments
/// add to published lists); `listed_at` puts it on the list at once.
pub(crate) async fn insert(tx: &mut Tx, actor: &Actor, n: &NewPairing, listed_at: Option<i64>) -> Result<i64> {
    let kind = n.kind.ok_or_else(|| Error::Invalid("请选择结对类型".into()))?;
    let region = n.region.clone().ok_or_else(|| Error::Invalid("请选择结对地区".into()))?;
    let org = orgs::get_tx(tx, n.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    if let Some(why) = refusal(&org) {
        return Err(Error::Invalid(why));
    }
    if region.level() != kind.target_level() {
        return Err(Error::Invalid(format!("{}结对应选择{}", kind.label(), kind.target_level().label())));
    }
    let batch = batch_tx(tx, n.batch_id).await?.ok_or_else(|| Error::Invalid("批次不存在".into()))?;
    if !batch.covers(&region) {
        let issuer = if batch.region_code.is_empty() { "全国".to_string() } else { region_name(tx, &batch.region()).await? };
        return Err(Error::Invalid(format!("“{}”是{issuer}的名单，只能包含{issuer}范围内的结对", batch.name)));
    }
    let known: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT code FROM regions WHERE code = $1")
        .bind(region.as_str()).fetch_optional(c).await)?;
    if known.is_none() {
        return Err(Error::Invalid(if kind.target_level() == duijie_domain::Level::Village {
            format!("村级区划 {region} 不存在或尚未导入（请联系平台运维人员导入村级区划）")
        } else {
            format!("区划 {region} 不存在")
        }));
    }
    // 会员企业—村: the chosen member enterprise names the pairing unless a label is typed.
    let member_name: Option<String> = match (kind, n.member_id) {
        (Kind::EnterpriseVillage, Some(m)) if n.target_label.trim().is_empty() => {
            on_tx!(tx, c => sqlx::query_scalar("SELECT name FROM org_members WHERE id = $1").bind(m).fetch_optional(c).await)?
        }
        _ => None,
    };
    let label = member_name.as_deref().unwrap_or(n.target_label.trim());
    if let Some(prompt) = kind.label_prompt()
        && label.is_empty()
    {
        return Err(Error::Invalid(format!("请填写{prompt}")));
    }
    if label.chars().count() > 100 {
        return Err(Error::Invalid("结对对象说明不能超过 100 字".into()));
    }
    if kind == Kind::Household && label.chars().filter(char::is_ascii_digit).count() >= 15 {
        return Err(Error::Invalid("帮扶户请用户编号或化名标识，不要填写身份证号".into()));
    }
    if kind == Kind::PartyBranch && !org.party_org {
        return Err(Error::Invalid("该组织登记信息中未建立党组织，不能开展党组织结对共建".into()));
    }
    if kind == Kind::EnterpriseVillage {
        let member = n.member_id.ok_or_else(|| Error::Invalid("请选择会员企业".into()))?;
        let owner: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT org_id FROM org_members WHERE id = $1")
            .bind(member).fetch_optional(c).await)?;
        if owner != Some(org.id) {
            return Err(Error::Invalid("所选会员企业不属于该组织".into()));
        }
    }
    let dup = "SELECT COUNT(*) FROM pairings WHERE org_id = $1 AND region_code = $2 AND kind = $3 AND target_label = $4 \
               AND status IN ('proposed','consented','signed','active')";
    let n_dup: i64 = on_tx!(tx, c => sqlx::query_scalar(dup).bind(org.id).bind(region.as_str()).bind(kind.as_str()).bind(label).fetch_one(c).await)?;
    if n_dup > 0 {
        return Err(Error::Conflict("该组织与该对象已有未结束的结对或提议".into()));
    }
    let fields = if n.fields.trim().is_empty() { org.fields.clone() } else { duijie_domain::org::parse_fields(&n.fields).map_err(Error::Invalid)? };
    let date = |d: &Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    if let (Some(a), Some(b)) = (n.term_start, n.term_end)
        && b < a
    {
        return Err(Error::Invalid("结对期限的结束日期早于开始日期".into()));
    }
    let now = crate::now();
    let status = if n.org_consents && n.county_consents { Status::Consented } else { Status::Proposed };
    let who = &actor.unit;
    let (oc_by, oc_at) = if n.org_consents { (Some(who.as_str()), Some(now)) } else { (None, None) };
    let (cc_by, cc_at) = if n.county_consents { (Some(who.as_str()), Some(now)) } else { (None, None) };
    let county = region.as_str().chars().take(6).collect::<String>();
    let sql = "INSERT INTO pairings (batch_id, kind, org_id, org_region, region_code, county_code, target_label, member_id, \
               team_id, fields, commitments, funds_fen, people, term_start, term_end, status, plan_id, proposed_by, proposed_at, \
               org_consent_by, org_consent_at, county_consent_by, county_consent_at, listed_at, provenance, is_demo, team_role, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$19) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.batch_id).bind(kind.as_str()).bind(org.id).bind(org.region_code.as_str()).bind(region.as_str()).bind(&county)
        .bind(label).bind(n.member_id).bind(n.team_id).bind(&fields).bind(n.commitments.trim()).bind(n.funds_fen).bind(n.people)
        .bind(date(&n.term_start)).bind(date(&n.term_end)).bind(status.as_str()).bind(n.plan_id).bind(who).bind(now)
        .bind(oc_by).bind(oc_at).bind(cc_by).bind(cc_at).bind(listed_at).bind(&n.provenance).bind(n.is_demo)
        .bind(n.team_role.trim()).fetch_one(c).await)?;
    event(tx, id, actor, "", status.as_str(), "提出结对", now).await?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change {
        region: region.as_str(),
        action: "pairing.propose",
        entity: "pairing",
        entity_id: &id.to_string(),
        before: None,
        after: after.as_ref().map(|p| serde_json::json!(p)),
    })
    .await?;
    if let Some(p) = after {
        let target = p.target();
        if !n.org_consents {
            let place = region_name(tx, target).await?;
            notice(tx, &Recipient::Org(org.id), &p, "pairing.proposed", format!("结对提议待您确认：与{place}")).await?;
        }
        if !n.county_consents {
            let to = Recipient::Unit { region: county, role: Some(Role::RuralRevitalization) };
            notice(tx, &to, &p, "pairing.proposed", format!("结对提议待县级确认：{}", p.org_name)).await?;
        }
    }
    Ok(id)
}

/// Full name of a region as the inbox shows it.
pub(crate) async fn region_name(tx: &mut Tx, code: &RegionCode) -> Result<String> {
    let mut names = Vec::new();
    // From the province down: the national level is not part of a place's name.
    for c in code.ancestry().into_iter().filter(|c| c.level() != duijie_domain::Level::National) {
        let n: Option<String> = on_tx!(tx, t => sqlx::query_scalar("SELECT name FROM regions WHERE code = $1").bind(c.as_str()).fetch_optional(t).await)?;
        if let Some(n) = n.filter(|n| !matches!(n.as_str(), "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划")) {
            names.push(n);
        }
    }
    Ok(if names.is_empty() { code.to_string() } else { names.concat() })
}

pub(crate) async fn notice(tx: &mut Tx, to: &Recipient, p: &Pairing, kind: &str, title: String) -> Result<()> {
    let body = format!("{}（{}，{}）", p.org_name, p.kind.label(), p.batch_name);
    inbox::notify(tx, to, &Notice { kind: kind.into(), title, body, link: format!("/pairing/{}", p.id), dedup_key: None }).await?;
    Ok(())
}

async fn event(tx: &mut Tx, id: i64, actor: &Actor, from: &str, to: &str, note: &str, at: i64) -> Result<()> {
    crate::history::record(tx, crate::history::Of::Pairing, id, actor, from, to, note, at).await
}

/// Takes one step (see `duijie_domain::pairing::advance`); refusals are `Invalid`
/// with the reason in Chinese. Ending a listed pairing of a published batch is
/// refused here: that is an adjustment.
pub async fn step(tx: &mut Tx, actor: &Actor, id: i64, step: Step, note: &str) -> Result<Pairing> {
    tx.lock(Locked::Pairing, id).await?;
    if matches!(step, Step::End | Step::Replace) {
        let p = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
        if p.listed_at.is_some() {
            return Err(Error::Invalid("该结对已列入发布的名单，终止或调整需提交调整申请".into()));
        }
    }
    apply_step(tx, actor, id, step, note, crate::now()).await
}

/// A step without the publication rule (used by publication and adjustments).
pub(crate) async fn apply_step(tx: &mut Tx, actor: &Actor, id: i64, step: Step, note: &str, at: i64) -> Result<Pairing> {
    tx.lock(Locked::Pairing, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
    let from = before.status();
    let to = advance(from, before.consents(), step).map_err(|m| changed(&before, m))?;
    if step == Step::Activate && before.signed_file_id.is_none() {
        return Err(Error::Invalid("尚未上传已签订的结对帮扶协议".into()));
    }
    let who = actor.unit.as_str();
    let set = match step {
        Step::OrgConsent => "org_consent_by = $3, org_consent_at = $4",
        Step::CountyConsent => "county_consent_by = $3, county_consent_at = $4",
        Step::Sign => "signed_by = $3, signed_at = $4",
        Step::Activate => "activated_by = $3, activated_at = $4",
        Step::Decline | Step::Withdraw | Step::End | Step::Replace => "closed_by = $3, closed_at = $4, close_reason = $5",
    };
    let delist = if matches!(step, Step::End | Step::Replace) && before.listed_at.is_some() { ", delisted_at = $4" } else { "" };
    // Compare-and-set on the status and the consent just given (two consents at once must not
    // both leave the pairing waiting for the other).
    let consent = match step {
        Step::OrgConsent => " AND org_consent_at IS NULL",
        Step::CountyConsent => " AND county_consent_at IS NULL",
        _ => "",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE pairings SET status = $1, {set}{delist}, updated_at = $4 WHERE id = $2 AND status = '{}'{consent}",
        from.as_str()
    ));
    let closing = matches!(step, Step::Decline | Step::Withdraw | Step::End | Step::Replace);
    let n = on_tx_exec!(tx, c => {
        let q = sqlx::query(sql).bind(to.as_str()).bind(id).bind(who).bind(at);
        // PostgreSQL refuses unused parameters: the reason is bound only where it is written.
        if closing { q.bind(note.trim()).execute(c).await } else { q.execute(c).await }
    })?;
    if n == 0 {
        let now = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
        return Err(changed(&now, crate::CHANGED_BY_OTHERS.into()));
    }
    event(tx, id, actor, from.as_str(), to.as_str(), if note.trim().is_empty() { step.label() } else { note.trim() }, at).await?;
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action: &format!("pairing.{}", step.key()),
        entity: "pairing",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(after)),
    })
    .await?;
    let org = Recipient::Org(after.org_id);
    let county = Recipient::Unit { region: after.county_code.as_str().into(), role: Some(Role::RuralRevitalization) };
    match (step, to) {
        (_, Status::Consented) if from == Status::Proposed => {
            let title = "双方已同意结对，请在截止日期前签订结对帮扶协议".to_string();
            notice(tx, &org, &after, "pairing.consented", title.clone()).await?;
            notice(tx, &county, &after, "pairing.consented", title).await?;
        }
        (Step::Decline, _) => {
            let title = format!("结对提议被谢绝（{}）", who);
            notice(tx, &org, &after, "pairing.declined", title.clone()).await?;
            notice(tx, &county, &after, "pairing.declined", title).await?;
        }
        (Step::Sign, _) => notice(tx, &county, &after, "pairing.signed", "已上传签订的结对帮扶协议，请确认".into()).await?,
        (Step::Activate, _) => notice(tx, &org, &after, "pairing.active", "结对帮扶协议已确认，结对生效".into()).await?,
        _ => {}
    }
    Ok(after)
}

/// `Changed` with the pairing's current status.
fn changed(p: &Pairing, message: String) -> Error {
    Error::changed(message, p.status().as_str(), p.status().label())
}

/// Stores the signed agreement and takes the `Sign` step.
pub async fn attach_signed(tx: &mut Tx, actor: &Actor, id: i64, file_name: &str, content_type: &str, bytes: &[u8]) -> Result<Pairing> {
    tx.lock(Locked::Pairing, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
    advance(before.status(), before.consents(), Step::Sign).map_err(|m| changed(&before, m))?;
    let file = add_file(tx, actor, Some(id), None, "signed_agreement", file_name, content_type, bytes).await?;
    let sql = "UPDATE pairings SET signed_file_id = $1 WHERE id = $2";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(file).bind(id).execute(c).await)?;
    apply_step(tx, actor, id, Step::Sign, &format!("上传已签协议：{file_name}"), crate::now()).await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn add_file(tx: &mut Tx, actor: &Actor, pairing: Option<i64>, adjustment: Option<i64>, kind: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Result<i64> {
    let sql = "INSERT INTO pairing_files (pairing_id, adjustment_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar(sql).bind(pairing).bind(adjustment).bind(kind).bind(file_name).bind(content_type)
        .bind(bytes).bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?)
}

/// A stored file (signed agreement, adjustment document).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct File {
    pub id: i64,
    pub pairing_id: Option<i64>,
    pub adjustment_id: Option<i64>,
    /// A team's signed agreement (one file for all its pairings).
    pub team_id: Option<i64>,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

pub async fn file(db: &Db, id: i64) -> Result<Option<File>> {
    let sql = "SELECT id, pairing_id, adjustment_id, team_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at FROM pairing_files WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

pub use crate::history::Event;

/// The pairing's history, oldest first.
pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>> {
    crate::history::of(db, crate::history::Of::Pairing, id).await
}

/// Filters of the pairing list; empty means any.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub batch_id: Option<i64>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub kind: String,
    /// Target region subtree (any code form).
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub org_id: Option<i64>,
}

/// Pairings in scope matching the filter, one page and the total.
pub async fn list(db: &Db, scope: &Scope, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Pairing>, i64)> {
    let Some((clause, [low, high], org)) = within(scope, 1) else { return Ok((Vec::new(), 0)) };
    let mut clauses: Vec<String> = vec![clause];
    let mut args: Vec<Arg> = vec![Arg::T(low), Arg::T(high), Arg::I(org)];
    let mut push = |clause: &str, a: Vec<Arg>, args: &mut Vec<Arg>| {
        let mut c = clause.to_string();
        for (i, _) in a.iter().enumerate() {
            c = c.replacen("?", &format!("${}", args.len() + i + 1), 1);
        }
        args.extend(a);
        clauses.push(c);
    };
    if let Some(b) = f.batch_id {
        push("p.batch_id = ?", vec![Arg::I(b)], &mut args);
    }
    if Status::parse(&f.status).is_some() {
        push("p.status = ?", vec![Arg::T(f.status.clone())], &mut args);
    } else if f.status == "open" {
        push("p.status IN ('proposed','consented','signed','active')", vec![], &mut args);
    }
    if Kind::parse(&f.kind).is_some() {
        push("p.kind = ?", vec![Arg::T(f.kind.clone())], &mut args);
    }
    if let Ok(r) = RegionCode::parse(&f.region) {
        let [low, high] = crate::subtree(&r);
        push("(p.region_code >= ? AND p.region_code < ?)", vec![Arg::T(low), Arg::T(high)], &mut args);
    }
    if let Some(o) = f.org_id {
        push("p.org_id = ?", vec![Arg::I(o)], &mut args);
    }
    let filter = clauses.join(" AND ");
    let n = args.len();
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE {filter} ORDER BY p.county_code, p.id LIMIT ${} OFFSET ${}", n + 1, n + 2));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM pairings p WHERE {filter}"));
    let rows: Vec<Pairing> = on_db!(db, p => {
        let mut q = sqlx::query_as(sql);
        for a in &args {
            q = match a { Arg::T(s) => q.bind(s.clone()), Arg::I(i) => q.bind(*i) };
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })?;
    let total: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar(count);
        for a in &args {
            q = match a { Arg::T(s) => q.bind(s.clone()), Arg::I(i) => q.bind(*i) };
        }
        q.fetch_one(p).await
    })?;
    Ok((rows, total))
}

enum Arg {
    T(String),
    I(i64),
}

/// Midnight at the start of a Beijing date, as Unix seconds.
pub fn start_of_day(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp() - 8 * 3600).unwrap_or(0)
}

/// The last second of a Beijing date, as Unix seconds: a list "as of" that
/// date includes everything that happened that day.
pub fn end_of_day(d: NaiveDate) -> i64 {
    start_of_day(d) + 86_399
}

/// The published list of a batch as it stood at `at` (Unix seconds): the
/// pairings listed by then and not yet delisted, by county.
/// Only the pairings `scope` sees.
pub async fn list_as_of(db: &Db, scope: &Scope, batch_id: i64, at: i64) -> Result<Vec<Pairing>> {
    let Some((clause, [low, high], org)) = within(scope, 3) else { return Ok(Vec::new()) };
    let sql = sqlx::AssertSqlSafe(format!(
        // `+p.batch_id`: read the scope through its indexes, not the batch's every pairing.
        "{SELECT} WHERE +p.batch_id = $1 AND p.listed_at IS NOT NULL AND p.listed_at <= $2 \
         AND (p.delisted_at IS NULL OR p.delisted_at > $2) AND {clause} ORDER BY p.county_code, o.name, p.id"
    ));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(batch_id).bind(at).bind(&low).bind(&high).bind(org).fetch_all(p).await)?)
}

/// The condition that a pairing lies in `scope` — its target or the
/// organisation's seat under the scope's region, or it is the scope's
/// organisation's — with its arguments, bound to `$first`, `$first + 1` (the
/// region's range) and `$first + 2` (the organisation); `None` when the scope
/// sees no pairing. Each alternative uses its own index.
pub(crate) fn within(scope: &Scope, first: usize) -> Option<(String, [String; 2], i64)> {
    let (range, org) = match (scope.region(), scope.org_id()) {
        (Some(r), _) => (crate::subtree(r), -1),
        // An empty range: nothing lies in it.
        (None, Some(o)) => ([String::new(), String::new()], o),
        (None, None) => return None,
    };
    let clause = format!("({} OR {} OR p.org_id = ${})", crate::in_subtree("p.region_code", first), crate::in_subtree("p.org_region", first), first + 2);
    Some((clause, range, org))
}

/// How many proposals wait for `org`'s consent.
pub async fn awaiting_org_consent(db: &Db, org: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM pairings WHERE org_id = $1 AND status = 'proposed' AND org_consent_at IS NULL";
    Ok(on_db!(db, p => sqlx::query_scalar(sql).bind(org).fetch_one(p).await)?)
}

/// How many proposals whose target lies in `region`'s subtree wait for the county's consent.
pub async fn awaiting_county_consent(db: &Db, region: &RegionCode) -> Result<i64> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM pairings WHERE status = 'proposed' AND county_consent_at IS NULL AND {}",
        crate::in_subtree("region_code", 1)
    ));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_scalar(sql).bind(&low).bind(&high).fetch_one(p).await)?)
}
