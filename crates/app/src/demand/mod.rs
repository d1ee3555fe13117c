//! Demand, supply and matching operations shared by the pages and the API:
//! each asks `authz` first, validates what people typed (naming the field, in
//! Chinese), then calls the store in one transaction.
//!
//! Guarantees: a demand the caller may not see answers 404; organisations see
//! published demands only and never a household's personal data; an officer's
//! full view of that data is audited; nothing is matched without both sides —
//! the organisation takes and the county confirms, or the county orders and the
//! organisation confirms; the matching catalogue is synced before it answers.


mod import;
mod matches;
mod offers;

pub use import::*;
pub use matches::*;
pub use offers::*;

use crate::require;
use crate::{Error, Platform};
use crate::pickers::Typed;
use crate::regions_designations::browse_root;
use duijie_domain::authz::{Action, Guarded, Target, decide, decide_demand_approval};
use duijie_domain::demand::{self as dd, Step};
use duijie_domain::matching::{Initiator, OfferStatus};
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_store::Actor;
use duijie_store::demand::catalog::{DemandRecommendation, Recommendation, SuccessRate};
use duijie_store::demand::matching::{self, Match, Proposal};
use duijie_store::demand::supply::{self, NewOffer, Offer};
use duijie_store::demand::{self, Demand, Household, NewDemand};

/// Loads a demand the caller may see (404 otherwise).
pub async fn visible(state: &Platform, who: &Principal, id: i64) -> Result<Demand, Error> {
    crate::open(demand::get(&state.db, id).await?, who, Action::ViewDemand)
}

/// What a person types to record a demand (page form and API body); every value is text as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct DemandInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// One of the fields (产业, 就业, 教育 …).
    #[serde(default)]
    pub field: String,
    /// county, township, village or household.
    #[serde(default)]
    pub target_kind: String,
    /// The county (6), township (9) or village (12) code.
    #[serde(default)]
    pub region: String,
    /// Beneficiary groups, `、`-separated.
    #[serde(default)]
    pub beneficiary_group: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub beneficiary_count: String,
    /// Estimated funds in 万元.
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub funds_wan: String,
    /// relief (输血) or capacity (造血).
    #[serde(default)]
    pub mode: String,
    /// 1 一般, 2 较急, 3 紧急.
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub urgency: String,
    /// 2026-12-31
    #[serde(default)]
    pub deadline: String,
    /// A small household wish (微心愿): "true"/"on"/"1".
    #[serde(default)]
    #[schema(schema_with = crate::schema::flag)]
    pub is_wish: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// Household demands only: the head of household.
    #[serde(default)]
    pub household_name: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub household_phone: String,
}

fn truthy(s: &str) -> bool {
    matches!(s.trim(), "true" | "on" | "1" | "是")
}

/// Checks a demand for `who` (a county bureau records for its own subtree).
pub fn check_demand(state: &Platform, who: &Principal, i: &DemandInput) -> Result<NewDemand, Error> {
    let mut errors = Vec::new();
    let title = i.title.trim();
    if title.is_empty() {
        errors.push(FieldError::new("title", "请填写需求名称"));
    } else if title.chars().count() > 80 {
        errors.push(FieldError::new("title", "需求名称不能超过 80 字"));
    }
    if i.description.chars().count() > 3000 {
        errors.push(FieldError::new("description", "需求说明不能超过 3000 字"));
    }
    if !duijie_domain::org::FIELDS.contains(&i.field.trim()) {
        errors.push(FieldError::new("field", format!("请选择帮扶领域：{}", duijie_domain::org::FIELDS.join("、"))));
    }
    let target = dd::Target::parse(&i.target_kind);
    if target.is_none() {
        errors.push(FieldError::new("target_kind", "请选择需求对象：县、乡镇、村或户"));
    }
    let region = match RegionCode::parse(&i.region) {
        Ok(r) => {
            if let Some(t) = target
                && r.level() != t.level()
            {
                errors.push(FieldError::new("region", format!("需求对象为{}时，请填写{}区划代码（{} 位）", t.label(), t.level().label(), t.level().code_len())));
            }
            if decide(who, Action::EditDemand, Target::Region(&r)) != duijie_domain::Decision::Allow {
                errors.push(FieldError::new("region", "只能为本单位管辖范围内的地区录入需求"));
            } else if r.level() <= Level::Township && state.tree.get(&r).is_none() {
                errors.push(FieldError::new("region", "没有这个区划代码"));
            }
            Some(r)
        }
        Err(_) if i.region.trim().is_empty() => {
            errors.push(FieldError::new("region", "请填写需求所在地区的区划代码"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", e.to_string()));
            None
        }
    };
    let groups: Vec<&str> = i.beneficiary_group.split(['、', ',', '，', ' ']).map(str::trim).filter(|s| !s.is_empty()).collect();
    if let Some(bad) = groups.iter().find(|g| !dd::GROUPS.contains(g)) {
        errors.push(FieldError::new("beneficiary_group", format!("未知的受益群体“{bad}”，可选：{}", dd::GROUPS.join("、"))));
    }
    let count = match i.beneficiary_count.trim() {
        "" => 0,
        c => c.parse::<i64>().ok().filter(|n| (0..=10_000_000).contains(n)).unwrap_or_else(|| {
            errors.push(FieldError::new("beneficiary_count", "受益人数应为整数"));
            0
        }),
    };
    let funds_fen = duijie_domain::pairing::parse_wan(&i.funds_wan).unwrap_or_else(|m| {
        errors.push(FieldError::new("funds_wan", m));
        0
    });
    let mode = if i.mode.trim().is_empty() { "relief" } else { i.mode.trim() };
    if !dd::MODES.iter().any(|(k, _)| *k == mode) {
        errors.push(FieldError::new("mode", "帮扶方式应为输血或造血"));
    }
    let urgency = match i.urgency.trim() {
        "" => 1,
        u => u.parse::<i64>().ok().filter(|n| (1..=3).contains(n)).unwrap_or_else(|| {
            errors.push(FieldError::new("urgency", "紧急程度应为 1（一般）、2（较急）或 3（紧急）"));
            1
        }),
    };
    let deadline = if i.deadline.trim().is_empty() {
        None
    } else {
        let d = duijie_store::imports::parse_date(&i.deadline);
        if d.is_none() {
            errors.push(FieldError::new("deadline", "截止日期无效，例如 2026-12-31"));
        }
        d
    };
    let phone = i.contact_phone.trim();
    if !phone.is_empty() && !duijie_domain::org::is_phone(phone) {
        errors.push(FieldError::new("contact_phone", format!("“{phone}”不是有效的电话号码")));
    }
    let is_wish = truthy(&i.is_wish);
    if is_wish && funds_fen > dd::WISH_LIMIT_FEN {
        errors.push(FieldError::new("funds_wan", "微心愿的预计金额不超过 0.5 万元"));
    }
    let household = if target == Some(dd::Target::Household) {
        if i.household_name.trim().is_empty() {
            errors.push(FieldError::new("household_name", "请填写户主姓名"));
        }
        let id = dd::check_id_number(&i.household_id).unwrap_or_else(|m| {
            errors.push(FieldError::new("household_id", m));
            String::new()
        });
        let hp = i.household_phone.trim();
        if !hp.is_empty() && !duijie_domain::org::is_phone(hp) {
            errors.push(FieldError::new("household_phone", format!("“{hp}”不是有效的电话号码")));
        }
        Some(Household { name: i.household_name.trim().to_string(), id_number: id, phone: hp.to_string() }.seal(&state.sealer))
    } else {
        None
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (Some(target), Some(region)) = (target, region) else { return Err(Error::rejected("需求信息不完整")) };
    Ok(NewDemand {
        title: title.to_string(),
        description: i.description.trim().to_string(),
        field: i.field.trim().to_string(),
        target,
        region,
        beneficiary_group: groups.join("、"),
        beneficiary_count: count,
        funds_fen,
        mode: mode.to_string(),
        urgency,
        deadline,
        is_wish,
        contact_name: i.contact_name.trim().to_string(),
        contact_phone: phone.to_string(),
        household,
        unit_region: who.region().clone(),
        provenance: String::new(),
        is_demo: false,
    })
}

/// Villages are not in the in-memory tree (they load with a command): one
/// that is not in the database is a field error, not a broken reference.
async fn check_village(state: &Platform, n: &NewDemand) -> Result<(), Error> {
    if n.region.level() == Level::Village && duijie_store::regions::village(&state.db, &n.region).await?.is_none() {
        return Err(Error::field("region", "没有这个村级区划代码（如尚未导入村级区划，请联系平台运维人员导入）"));
    }
    Ok(())
}

/// Records a draft demand.
pub async fn create(state: &Platform, who: &Principal, actor: &Actor, input: &DemandInput) -> Result<i64, Error> {
    let mut input = input.clone();
    let typed = Typed::region(&state.db, &state.tree, &mut input.region, &browse_root(who), Level::Village).await;
    let n = typed.over("region", check_demand(state, who, &input))?;
    check_village(state, &n).await?;
    let mut tx = state.db.begin().await?;
    let id = demand::create(&mut tx, actor, &n).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// The steps `who` may take on `d` now (for the buttons).
pub fn steps_for(state: &Platform, who: &Principal, d: &Demand, confirmed_org: Option<i64>) -> Vec<Step> {
    [Step::Submit, Step::Approve, Step::Return, Step::Start, Step::Finish, Step::Withdraw]
        .into_iter()
        .filter(|s| dd::advance(d.status(), *s).is_ok() && may_step(state, who, d, *s, confirmed_org))
        .collect()
}

fn may_step(state: &Platform, who: &Principal, d: &Demand, step: Step, confirmed_org: Option<i64>) -> bool {
    let edit = decide(who, Action::EditDemand, Target::Region(d.region())).is_allowed();
    match step {
        Step::Submit | Step::Withdraw | Step::Finish => edit,
        Step::Approve | Step::Return => decide_demand_approval(who, d.unit_region(), state.demand_approval).is_allowed(),
        Step::Start => edit || (who.role() == Role::Organization && who.org_id().is_some() && who.org_id() == confirmed_org),
        Step::Take | Step::Expire | Step::Reopen => false,
    }
}

/// Takes a step on a demand on behalf of `who`.
pub async fn step(state: &Platform, who: &Principal, actor: &Actor, id: i64, step: Step, note: &str) -> Result<Demand, Error> {
    let d = visible(state, who, id).await?;
    let project_org = matching::project_of_demand(&state.db, id).await?.map(|p| p.org_id);
    if !may_step(state, who, &d, step, project_org) {
        return Err(Error::Forbidden);
    }
    if note.chars().count() > 500 {
        return Err(Error::field("note", "说明不能超过 500 字"));
    }
    let mut tx = state.db.begin().await?;
    let after = match step {
        Step::Start | Step::Finish => matching::advance_project(&mut tx, actor, id, step).await,
        _ => demand::step(&mut tx, actor, id, step, note, duijie_store::now()).await,
    }
    .map_err(crate::pairing::form_error)?;
    if step == Step::Submit {
        tell_approvers(&mut tx, state.demand_approval, &after).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Tells the office that approves a submitted demand (the configured rule:
/// the recording unit's civil-affairs office, or the rural-revitalisation
/// office one level up) that it waits for them.
async fn tell_approvers(tx: &mut duijie_store::db::Tx, rule: duijie_domain::authz::DemandApproval, d: &Demand) -> Result<(), Error> {
    use duijie_domain::authz::DemandApproval;
    use duijie_store::inbox::{self, Notice, Recipient};
    let unit = d.unit_region();
    let to = match rule {
        DemandApproval::CivilAffairs => Recipient::Unit { region: unit.to_string(), role: Some(Role::CivilAffairs) },
        DemandApproval::Superior => Recipient::Unit { region: unit.parent().map(|p| p.to_string()).unwrap_or_default(), role: Some(Role::RuralRevitalization) },
    };
    let n = Notice {
        kind: "demand.submitted".into(),
        title: format!("待审核需求：{}", d.title),
        body: "县级乡村振兴部门提交了一条需求，请审核后发布或退回修改。".into(),
        link: format!("/demands/{}", d.id),
        dedup_key: Some(format!("demand.submitted:{}:{}", d.id, d.submitted_at.unwrap_or_default())),
    };
    inbox::notify(tx, &to, &n).await?;
    Ok(())
}

/// Whether `who` is in the demand's county chain and so sees who is behind
/// it: the household (masked) and every organisation's match record.
pub fn sees_parties(who: &Principal, d: &Demand) -> bool {
    d.decide(who, Action::ViewDemandParties).is_allowed()
}

/// The match records of a demand that `who` may read: all of them for the
/// county chain, an organisation's own, none for anyone else.
pub async fn matches_visible(state: &Platform, who: &Principal, d: &Demand) -> Result<Vec<matching::Match>, Error> {
    let all = matching::of_demand(&state.db, d.id).await?;
    if sees_parties(who, d) {
        return Ok(all);
    }
    let own = who.org_id().filter(|_| who.role() == Role::Organization);
    Ok(all.into_iter().filter(|m| own == Some(m.org_id)).collect())
}

/// A household's personal data as `who` may see it: masked, or in full (audited)
/// when `full` is asked by an officer in scope. `None` when the demand has no household.
pub async fn household(state: &Platform, who: &Principal, actor: &Actor, d: &Demand, full: bool) -> Result<Option<(Household, bool)>, Error> {
    let may_full = decide(who, Action::ViewHousehold, Target::Region(d.region())).is_allowed();
    if full && may_full {
        let mut tx = state.db.begin().await?;
        let h = demand::household_full(&mut tx, actor, &state.sealer, d).await?;
        tx.commit().await?;
        return Ok(h.map(|h| (h, true)));
    }
    if full {
        return Err(Error::Forbidden);
    }
    if !sees_parties(who, d) {
        // Organisations and officers outside the county chain learn that there
        // is a household, never who (masked data is still personal data).
        return Ok(demand::household_masked(&state.db, d.id).await?.map(|_| (Household { name: "（帮扶户）".into(), id_number: String::new(), phone: String::new() }, false)));
    }
    Ok(demand::household_masked(&state.db, d.id).await?.map(|h| (h, false)))
}

/// One page of the demands `scope` may list with filter `f`, newest first,
/// and how many there are: which ones from the matching catalogue (a page
/// costs the same at any scale), their rows from the database. The same
/// answer as `duijie_store::demand::list` (a storage test holds the two equal).
pub async fn list(state: &Platform, scope: &duijie_domain::Scope, f: &demand::Filter, limit: i64, offset: i64) -> Result<(Vec<Demand>, i64), Error> {
    let Some(q) = duijie_store::demand::catalog::DemandQuery::new(scope, f) else { return Ok((Vec::new(), 0)) };
    let (ids, total) = state.derived.matches().await.list_demands(&q, usize::try_from(offset).unwrap_or(0), usize::try_from(limit).unwrap_or(0));
    Ok((demand::by_ids(&state.db, &ids).await?, total as i64))
}

/// The success rate of `region` (within the caller's scope) for a period of Beijing dates.
pub async fn success_rate(state: &Platform, who: &Principal, region: &RegionCode, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<SuccessRate, Error> {
    require(decide(who, Action::ViewMatchStats, Target::Region(region)))?;
    if to < from {
        return Err(Error::field("to", "结束日期不能早于开始日期"));
    }
    let child_len = region.level().child().map(|l| l.code_len()).unwrap_or(region.as_str().len());
    Ok(state.derived.success_rate(region.as_str(), child_len, duijie_store::pairing::start_of_day(from), duijie_store::pairing::end_of_day(to)).await)
}

/// Whether `d` is shown to the public (published, without personal data).
pub fn is_public(d: &Demand) -> bool {
    d.status().is_public()
}

