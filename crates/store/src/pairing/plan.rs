//! The pairing plan on live data: what organisations are willing to take
//! (结对意愿), what counties need by field, east–west cooperation ties, the
//! solver instance built from them, and saved plans that officers review, edit
//! and send as proposals.
//!
//! Guarantees:
//! - [`build_instance`] turns the database into a `duijie_solver::Instance`
//!   whose organisation ids are database ids and whose county ids are county
//!   codes: willing organisations (a 结对意愿 with capacity ≥ 1, approved and
//!   active); organisations on a credit list are listed as excluded, so their
//!   existing pairings are released and they get nothing new; existing county
//!   pairings (proposed, agreed, signed or active) are kept and use capacity,
//!   including pairings outside the target set; a county without recorded needs
//!   needs every field at 1.
//! - A plan is a suggestion: [`send`] only creates proposals (status 待双方同意)
//!   that need the organisation's and the county's consent; nothing is assigned.
//! - Every write is audited.

use super::{NewPairing, coverage};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::regions::RegionTree;
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::org::FIELDS;
use duijie_domain::pairing::{Kind, PlanStatus, Targets};
use duijie_domain::{RegionCode, Scope};
use duijie_solver::{County, Instance, Org, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// An organisation's willingness to pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Intent {
    pub org_id: i64,
    pub capacity: i64,
    /// `、`-joined province or prefecture codes; empty means anywhere.
    pub preferred: String,
    pub note: String,
    pub updated_by: String,
    pub updated_at: i64,
}

pub async fn intent(db: &Db, org_id: i64) -> Result<Option<Intent>> {
    let sql = "SELECT org_id, capacity, preferred, note, updated_by, updated_at FROM pairing_intents WHERE org_id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_optional(p).await)?)
}

/// Records how many counties an organisation will pair with and where
/// (`preferred`: province or prefecture codes).
pub async fn set_intent(tx: &mut Tx, actor: &Actor, org_id: i64, capacity: i64, preferred: &[RegionCode], note: &str) -> Result<()> {
    if !(0..=200).contains(&capacity) {
        return Err(Error::Invalid("可结对县数应为 0–200".into()));
    }
    if preferred.iter().any(|r| r.level() > duijie_domain::Level::Prefecture || r.level() == duijie_domain::Level::National) {
        return Err(Error::Invalid("意向地区应为省或地市".into()));
    }
    let before = {
        let sql = "SELECT org_id, capacity, preferred, note, updated_by, updated_at FROM pairing_intents WHERE org_id = $1";
        let r: Option<Intent> = on_tx!(tx, c => sqlx::query_as(sql).bind(org_id).fetch_optional(c).await)?;
        r
    };
    let pref = preferred.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>().join("、");
    let sql = "INSERT INTO pairing_intents (org_id, capacity, preferred, note, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5,$6) \
               ON CONFLICT (org_id) DO UPDATE SET capacity = excluded.capacity, preferred = excluded.preferred, \
               note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(org_id).bind(capacity).bind(&pref).bind(note.trim()).bind(&actor.unit).bind(crate::now()).execute(c).await)?;
    let region: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT region_code FROM organizations WHERE id = $1").bind(org_id).fetch_optional(c).await)?;
    audit::append(tx, actor, Change {
        region: region.as_deref().unwrap_or(""),
        action: "pairing_intent.set",
        entity: "organization",
        entity_id: &org_id.to_string(),
        before: before.map(|b| serde_json::json!(b)),
        after: Some(serde_json::json!({"capacity": capacity, "preferred": pref, "note": note.trim()})),
    })
    .await?;
    Ok(())
}

/// A county's recorded needs by field (0–3); fields not recorded are absent.
pub async fn needs(db: &Db, county: &str) -> Result<HashMap<String, i64>> {
    let sql = "SELECT field, need FROM county_needs WHERE region_code = $1";
    let rows: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(sql).bind(county).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}

/// Replaces a county's needs by field (each 0–3, fields from `FIELDS`).
pub async fn set_needs(tx: &mut Tx, actor: &Actor, county: &RegionCode, needs: &[(String, i64)]) -> Result<()> {
    if county.level() != duijie_domain::Level::County {
        return Err(Error::Invalid("需求领域按县记录".into()));
    }
    for (f, n) in needs {
        if !FIELDS.contains(&f.as_str()) {
            return Err(Error::Invalid(format!("未知的帮扶领域“{f}”")));
        }
        if !(0..=3).contains(n) {
            return Err(Error::Invalid(format!("“{f}”的需求程度应为 0–3")));
        }
    }
    on_tx_exec!(tx, c => sqlx::query("DELETE FROM county_needs WHERE region_code = $1").bind(county.as_str()).execute(c).await)?;
    let sql = "INSERT INTO county_needs (region_code, field, need, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5)";
    for (f, n) in needs {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(county.as_str()).bind(f).bind(*n).bind(&actor.unit).bind(crate::now()).execute(c).await)?;
    }
    audit::append(tx, actor, Change {
        region: county.as_str(),
        action: "county_needs.set",
        entity: "region",
        entity_id: county.as_str(),
        before: None,
        after: Some(serde_json::json!(needs)),
    })
    .await?;
    Ok(())
}

/// An east–west cooperation tie (东西部协作) between two provinces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Tie {
    pub east_code: String,
    pub west_code: String,
    pub source: String,
    pub is_demo: bool,
}

pub async fn ties(db: &Db) -> Result<Vec<Tie>> {
    let sql = "SELECT east_code, west_code, source, is_demo FROM cooperation_ties ORDER BY east_code, west_code";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}

/// Adds (or re-sources) a tie between two provinces.
pub async fn add_tie(tx: &mut Tx, actor: &Actor, east: &RegionCode, west: &RegionCode, source: &str, is_demo: bool) -> Result<()> {
    if east.level() != duijie_domain::Level::Province || west.level() != duijie_domain::Level::Province || east == west {
        return Err(Error::Invalid("协作关系应为两个不同的省份".into()));
    }
    if source.trim().is_empty() {
        return Err(Error::Invalid("请填写协作关系的依据（文件名称或文号）".into()));
    }
    let sql = "INSERT INTO cooperation_ties (east_code, west_code, source, is_demo) VALUES ($1,$2,$3,$4) \
               ON CONFLICT (east_code, west_code) DO UPDATE SET source = excluded.source, is_demo = excluded.is_demo";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(east.as_str()).bind(west.as_str()).bind(source.trim()).bind(is_demo).execute(c).await)?;
    audit::append(tx, actor, Change {
        region: "",
        action: "cooperation_tie.add",
        entity: "cooperation_tie",
        entity_id: &format!("{east}-{west}"),
        before: None,
        after: Some(serde_json::json!({"east": east.as_str(), "west": west.as_str(), "source": source.trim()})),
    })
    .await?;
    Ok(())
}

/// Minimum and maximum organisations per target county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    pub min: u32,
    pub max: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params { min: 1, max: 3 }
    }
}

#[derive(sqlx::FromRow)]
struct WillingRow {
    id: i64,
    region_code: String,
    fields: String,
    credit_list: String,
    capacity: i64,
    preferred: String,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    org_id: i64,
    county_code: String,
}

/// Builds the planning instance for `targets` (see the module header).
pub async fn build_instance(db: &Db, tree: &RegionTree, targets: &Targets, params: Params) -> Result<Instance> {
    if params.min > params.max {
        return Err(Error::Invalid("每县最少组织数不能大于最多组织数".into()));
    }
    let counties = coverage::target_counties(db, tree, targets).await?;
    let county_index: HashMap<&str, u32> = counties.iter().enumerate().map(|(i, c)| (c.code.as_str(), i as u32)).collect();
    let fields: Vec<String> = FIELDS.iter().map(|s| s.to_string()).collect();
    let field_index: HashMap<&str, u32> = FIELDS.iter().enumerate().map(|(i, f)| (*f, i as u32)).collect();

    let willing_sql = "SELECT o.id, o.region_code, o.fields, o.credit_list, i.capacity, i.preferred FROM organizations o \
                       JOIN pairing_intents i ON i.org_id = o.id \
                       WHERE i.capacity > 0 AND o.approval = 'approved' AND o.status = 'active' ORDER BY o.id";
    let willing: Vec<WillingRow> = on_db!(db, p => sqlx::query_as(willing_sql).fetch_all(p).await)?;
    let existing_sql = "SELECT p.org_id, p.county_code FROM pairings p WHERE p.kind = 'county' \
                        AND p.status IN ('proposed','consented','signed','active') ORDER BY p.org_id, p.county_code";
    let existing_all: Vec<ExistingRow> = on_db!(db, p => sqlx::query_as(existing_sql).fetch_all(p).await)?;
    // Organisations with pairings among the targets take part even without a stated intent.
    let extra_ids: BTreeSet<i64> = existing_all.iter().filter(|e| county_index.contains_key(e.county_code.as_str())).map(|e| e.org_id).collect();
    let known: BTreeSet<i64> = willing.iter().map(|w| w.id).collect();
    let extra: Vec<i64> = extra_ids.difference(&known).copied().collect();
    let extra_orgs = crate::orgs::by_ids(db, &extra).await?;

    let mut provinces: Vec<String> = vec![String::new()];
    let mut province_index: HashMap<String, u32> = HashMap::from([(String::new(), 0)]);
    let mut province = |code: &str| -> u32 {
        let p: String = code.chars().take(2).collect();
        let next = provinces.len() as u32;
        *province_index.entry(p.clone()).or_insert_with(|| {
            provinces.push(p);
            next
        })
    };

    let mut inst_counties = Vec::with_capacity(counties.len());
    for c in &counties {
        let recorded = needs(db, &c.code).await?;
        let needs: Vec<u32> = if recorded.is_empty() {
            vec![1; fields.len()]
        } else {
            FIELDS.iter().map(|f| recorded.get(*f).copied().unwrap_or(0) as u32).collect()
        };
        inst_counties.push(County { id: c.code.clone(), province: province(&c.code), min: params.min, max: params.max, needs });
    }

    let mut per_org_existing: HashMap<i64, Vec<&ExistingRow>> = HashMap::new();
    for e in &existing_all {
        per_org_existing.entry(e.org_id).or_default().push(e);
    }
    let mut orgs = Vec::new();
    let mut excluded = Vec::new();
    let mut existing = Vec::new();
    let rows = willing.iter().map(|w| (w.id, w.region_code.clone(), w.fields.clone(), w.credit_list.clone(), w.capacity, w.preferred.clone()));
    let extras = extra_orgs.iter().map(|o| (o.id, o.region_code.as_str().to_string(), o.fields.clone(), o.credit_list.clone(), 0i64, String::new()));
    for (id, region, org_fields, credit_list, capacity, preferred) in rows.chain(extras) {
        let mine = per_org_existing.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let inside: Vec<u32> = mine.iter().filter_map(|e| county_index.get(e.county_code.as_str()).copied()).collect();
        let outside = (mine.len() - inside.len()) as i64;
        let idx = orgs.len() as u32;
        // Capacity left for the targets, never below what the organisation already has there.
        let cap = (capacity - outside).max(inside.len() as i64).max(0) as u32;
        let prefs: Vec<&str> = preferred.split('、').filter(|s| !s.is_empty()).collect();
        let candidates: Vec<u32> = if capacity == 0 {
            Vec::new()
        } else {
            counties.iter().enumerate().filter(|(_, c)| prefs.is_empty() || prefs.iter().any(|p| c.code.starts_with(p))).map(|(i, _)| i as u32).collect()
        };
        let preferred_provinces: Vec<u32> = prefs.iter().map(|p| province(p)).collect::<BTreeSet<_>>().into_iter().collect();
        orgs.push(Org {
            id: id.to_string(),
            province: province(&region),
            capacity: cap,
            fields: org_fields.split('、').filter_map(|f| field_index.get(f).copied()).collect(),
            preferred: preferred_provinces,
            candidates,
        });
        for c in inside {
            existing.push([idx, c]);
        }
        if !credit_list.is_empty() {
            excluded.push(idx);
        }
    }
    let mut inst_ties = Vec::new();
    for t in ties(db).await? {
        if let (Some(&e), Some(&w)) = (province_index.get(&t.east_code), province_index.get(&t.west_code)) {
            inst_ties.push([e, w]);
        }
    }
    // County maxima below what already exists would make the instance invalid: raise them.
    let mut per_county = vec![0u32; inst_counties.len()];
    for (o, e) in existing.iter().map(|e| (e[0] as usize, e[1] as usize)) {
        if !excluded.contains(&(o as u32)) {
            per_county[e] += 1;
        }
    }
    for (c, n) in inst_counties.iter_mut().zip(per_county) {
        c.max = c.max.max(n);
    }
    let inst = Instance { fields, provinces, ties: inst_ties, orgs, counties: inst_counties, existing, excluded };
    inst.validate().map_err(|e| Error::Invalid(format!("结对方案数据不一致：{e}")))?;
    Ok(inst)
}

/// A saved plan.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SavedPlan {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    pub targets: String,
    pub params: String,
    /// JSON: feasible, objective, covered, uncovered with reasons, seconds.
    pub summary: String,
    #[sqlx(try_from = "String")]
    pub status: PlanStatus,
    pub created_by: String,
    pub created_at: i64,
    pub sent_by: Option<String>,
    pub sent_at: Option<i64>,
    pub batch_id: Option<i64>,
}

impl Guarded for SavedPlan {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, authz::Target::Region(&self.region_code))
    }
}

/// One proposed (or kept) pair of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub plan_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_fields: String,
    pub org_credit_list: String,
    pub county_code: String,
    pub fit: i64,
    pub existing: bool,
    pub removed: bool,
    pub manual: bool,
    pub pairing_id: Option<i64>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.plan_id, i.org_id, o.name AS org_name, o.fields AS org_fields, \
    o.credit_list AS org_credit_list, i.county_code, i.fit, i.existing, i.removed, i.manual, i.pairing_id \
    FROM pairing_plan_items i JOIN organizations o ON o.id = i.org_id";

/// Solves the instance for `targets` and saves the result as a draft plan.
pub async fn create(db: &Db, tree: &RegionTree, actor: &Actor, owner: &RegionCode, targets: &Targets, params: Params) -> Result<i64> {
    let inst = build_instance(db, tree, targets, params).await?;
    let started = std::time::Instant::now();
    let outcome = duijie_solver::solve(&inst).map_err(|e| Error::Invalid(e.to_string()))?;
    let seconds = started.elapsed().as_secs_f64();
    let (plan, summary) = match outcome {
        Outcome::Feasible(plan) => {
            let s = serde_json::json!({"feasible": true, "objective": plan.objective, "total_fit": plan.total_fit(),
                "covered": inst.counties.len(), "uncovered": [], "reasons": [], "seconds": seconds,
                "orgs": inst.orgs.len(), "counties": inst.counties.len(),
                "released": plan.released.iter().map(|&(o, c)| serde_json::json!({"org": inst.orgs[o as usize].id, "county": inst.counties[c as usize].id})).collect::<Vec<_>>()});
            (plan, s)
        }
        Outcome::Infeasible(inf) => {
            let reasons: Vec<serde_json::Value> = inf.uncovered.iter().map(|u| serde_json::json!({
                "county": inst.counties[u.county as usize].id, "kind": u.kind.code(), "reason": u.reason,
                "need": u.group_need, "supply": u.group_supply,
                "group": u.group.iter().map(|&g| inst.counties[g as usize].id.clone()).collect::<Vec<_>>(),
            })).collect();
            let s = serde_json::json!({"feasible": false, "objective": null, "best_effort_objective": inf.best_effort.objective,
                "covered": inst.counties.len() - inf.uncovered.len(),
                "uncovered": inf.uncovered.iter().map(|u| inst.counties[u.county as usize].id.clone()).collect::<Vec<_>>(),
                "reasons": reasons, "shortfall": inf.shortfall, "seconds": seconds,
                "orgs": inst.orgs.len(), "counties": inst.counties.len(), "released": []});
            (inf.best_effort, s)
        }
    };
    let mut tx = db.begin().await?;
    let sql = "INSERT INTO pairing_plans (region_code, targets, params, summary, status, created_by, created_at) \
               VALUES ($1,$2,$3,$4,'draft',$5,$6) RETURNING id";
    let params_json = serde_json::to_string(&params).unwrap_or_default();
    let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(sql).bind(owner.as_str()).bind(targets.spec()).bind(&params_json)
        .bind(summary.to_string()).bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?;
    let item_sql = "INSERT INTO pairing_plan_items (plan_id, org_id, county_code, fit, existing) VALUES ($1,$2,$3,$4,$5)";
    for p in &plan.pairs {
        let org_id: i64 = inst.orgs[p.org as usize].id.parse().map_err(|_| Error::Invalid("组织编号无效".into()))?;
        let county = &inst.counties[p.county as usize].id;
        on_tx_exec!(&mut tx, c => sqlx::query(item_sql).bind(id).bind(org_id).bind(county).bind(p.fit).bind(p.existing).execute(c).await)?;
    }
    audit::append(&mut tx, actor, Change {
        region: owner.as_str(),
        action: "pairing_plan.create",
        entity: "pairing_plan",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"targets": targets.spec(), "params": params, "summary": summary})),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One saved plan by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<SavedPlan>>> {
    let sql = "SELECT id, region_code, targets, params, summary, status, created_by, created_at, sent_by, sent_at, batch_id \
               FROM pairing_plans WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// Plans made by units within `scope`, newest first.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<SavedPlan>> {
    let Some([low, high]) = scope.region().map(crate::subtree) else { return Ok(Vec::new()) };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, region_code, targets, params, summary, status, created_by, created_at, sent_by, sent_at, batch_id \
         FROM pairing_plans WHERE {} ORDER BY id DESC LIMIT 50",
        crate::in_subtree("region_code", 1)
    ));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}

pub async fn items(db: &Db, plan_id: i64) -> Result<Vec<Item>> {
    let sql = sqlx::AssertSqlSafe(format!("{ITEM_SELECT} WHERE i.plan_id = $1 ORDER BY i.county_code, i.existing DESC, i.fit DESC, i.id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(plan_id).fetch_all(p).await)?)
}

async fn draft(tx: &mut Tx, plan_id: i64) -> Result<SavedPlan> {
    let sql = "SELECT id, region_code, targets, params, summary, status, created_by, created_at, sent_by, sent_at, batch_id \
               FROM pairing_plans WHERE id = $1";
    let plan: SavedPlan = on_tx!(tx, c => sqlx::query_as(sql).bind(plan_id).fetch_optional(c).await)?.ok_or_else(|| Error::Invalid("方案不存在".into()))?;
    if plan.status != PlanStatus::Draft {
        return Err(Error::Conflict("方案已发送，不能再修改".into()));
    }
    Ok(plan)
}

/// Removes a proposed pair from a draft plan, or puts it back.
pub async fn toggle_item(tx: &mut Tx, actor: &Actor, plan_id: i64, item_id: i64, removed: bool) -> Result<()> {
    let plan = draft(tx, plan_id).await?;
    let sql = "UPDATE pairing_plan_items SET removed = $1 WHERE id = $2 AND plan_id = $3 AND existing = FALSE";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(removed).bind(item_id).bind(plan_id).execute(c).await)?;
    if n == 0 {
        return Err(Error::Invalid("只能删改方案中新建议的结对".into()));
    }
    audit::append(tx, actor, Change {
        region: plan.region_code.as_str(),
        action: if removed { "pairing_plan.remove_item" } else { "pairing_plan.restore_item" },
        entity: "pairing_plan",
        entity_id: &plan_id.to_string(),
        before: None,
        after: Some(serde_json::json!({"item": item_id})),
    })
    .await?;
    Ok(())
}

/// Adds a pair chosen by the officer to a draft plan (fit computed as the solver would).
pub async fn add_item(db: &Db, tree: &RegionTree, actor: &Actor, plan_id: i64, org_id: i64, county: &str) -> Result<i64> {
    // The caller (`app`) has already opened the plan for the officer.
    let plan = get(db, plan_id).await?.ok_or_else(|| Error::Invalid("方案不存在".into()))?.unscoped();
    let targets = Targets::parse(&plan.targets).map_err(Error::Invalid)?;
    let params: Params = serde_json::from_str(&plan.params).unwrap_or_default();
    let inst = build_instance(db, tree, &targets, params).await?;
    let c = inst.counties.iter().position(|c| c.id == county).ok_or_else(|| Error::Invalid("该县不在本方案的目标范围内".into()))?;
    let o = inst.orgs.iter().position(|o| o.id == org_id.to_string()).ok_or_else(|| Error::Invalid("该组织未填报结对意愿或不能结对".into()))?;
    if inst.excluded.contains(&(o as u32)) {
        return Err(Error::Invalid("该组织已被列入信用名单，不能结对".into()));
    }
    let fit = inst.fit(o, c);
    let mut tx = db.begin().await?;
    draft(&mut tx, plan_id).await?;
    let dup = "SELECT COUNT(*) FROM pairing_plan_items WHERE plan_id = $1 AND org_id = $2 AND county_code = $3";
    let k: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(dup).bind(plan_id).bind(org_id).bind(county).fetch_one(t).await)?;
    if k > 0 {
        return Err(Error::Conflict("方案中已有该结对".into()));
    }
    let sql = "INSERT INTO pairing_plan_items (plan_id, org_id, county_code, fit, existing, manual) VALUES ($1,$2,$3,$4,FALSE,TRUE) RETURNING id";
    let id: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(sql).bind(plan_id).bind(org_id).bind(county).bind(fit).fetch_one(t).await)?;
    audit::append(&mut tx, actor, Change {
        region: plan.region_code.as_str(),
        action: "pairing_plan.add_item",
        entity: "pairing_plan",
        entity_id: &plan_id.to_string(),
        before: None,
        after: Some(serde_json::json!({"org": org_id, "county": county, "fit": fit})),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sends the plan: every new, kept pair becomes a proposal in `batch_id`
/// (waiting for both sides' consent). Returns the number of proposals.
pub async fn send(tx: &mut Tx, actor: &Actor, plan_id: i64, batch_id: i64) -> Result<usize> {
    let plan = draft(tx, plan_id).await?;
    let sql = sqlx::AssertSqlSafe(format!("{ITEM_SELECT} WHERE i.plan_id = $1 AND i.existing = FALSE AND i.removed = FALSE ORDER BY i.id"));
    let items: Vec<Item> = on_tx!(tx, c => sqlx::query_as(sql).bind(plan_id).fetch_all(c).await)?;
    let mut sent = 0;
    for it in &items {
        let region = RegionCode::try_from(it.county_code.clone()).map_err(|_| Error::Invalid("县代码无效".into()))?;
        let n = NewPairing {
            batch_id,
            kind: Some(Kind::County),
            org_id: it.org_id,
            region: Some(region),
            plan_id: Some(plan_id),
            provenance: format!("结对方案 {plan_id}"),
            ..NewPairing::default()
        };
        let pid = super::propose(tx, actor, &n).await?;
        on_tx_exec!(tx, c => sqlx::query("UPDATE pairing_plan_items SET pairing_id = $1 WHERE id = $2").bind(pid).bind(it.id).execute(c).await)?;
        sent += 1;
    }
    let sql = "UPDATE pairing_plans SET status = 'sent', sent_by = $1, sent_at = $2, batch_id = $3 WHERE id = $4";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.unit).bind(crate::now()).bind(batch_id).bind(plan_id).execute(c).await)?;
    audit::append(tx, actor, Change {
        region: plan.region_code.as_str(),
        action: "pairing_plan.send",
        entity: "pairing_plan",
        entity_id: &plan_id.to_string(),
        before: None,
        after: Some(serde_json::json!({"batch": batch_id, "proposals": sent})),
    })
    .await?;
    Ok(sent)
}
