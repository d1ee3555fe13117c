//! Demand, supply and matching operations shared by the pages and the API:
//! each asks `authz` first, validates what people typed (naming the field, in
//! Chinese), then calls the store in one transaction.
//!
//! Guarantees: a demand the caller may not see answers 404; organisations see
//! published demands only and never a household's personal data; an officer's
//! full view of that data is audited; nothing is matched without both sides —
//! the organisation takes and the county confirms, or the county orders and the
//! organisation confirms; the matching catalogue is synced before it answers.

use crate::pairing::require;
use crate::{AppError, AppState};
use duijie_domain::authz::{Action, Target, decide, decide_demand_approval};
use duijie_domain::demand::{self as dd, Status, Step};
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_store::Actor;
use duijie_store::demand::catalog::{DemandRecommendation, Recommendation, SuccessRate};
use duijie_store::demand::matching::{self, Match, Proposal};
use duijie_store::demand::supply::{self, NewOffer, Offer};
use duijie_store::demand::{self, Demand, Household, NewDemand};

/// Loads a demand the caller may see (404 otherwise).
pub async fn visible(state: &AppState, who: &Principal, id: i64) -> Result<Demand, AppError> {
    let d = demand::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    require(decide(who, Action::ViewDemand, Target::Demand { region: &d.region(), public: d.status().is_public() }))?;
    Ok(d)
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
    #[schema(schema_with = crate::api::numbers::integer)]
    pub beneficiary_count: String,
    /// Estimated funds in 万元.
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::wan)]
    pub funds_wan: String,
    /// relief (输血) or capacity (造血).
    #[serde(default)]
    pub mode: String,
    /// 1 一般, 2 较急, 3 紧急.
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::integer)]
    pub urgency: String,
    /// 2026-12-31
    #[serde(default)]
    pub deadline: String,
    /// A small household wish (微心愿): "true"/"on"/"1".
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::flag)]
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
pub fn check_demand(state: &AppState, who: &Principal, i: &DemandInput) -> Result<NewDemand, AppError> {
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
        Some(Household { name: i.household_name.trim().to_string(), id_number: id, phone: hp.to_string() }.seal(&state.config.sealer))
    } else {
        None
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (Some(target), Some(region)) = (target, region) else { return Err(AppError::bad("需求信息不完整")) };
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
        unit_region: who.region.clone(),
        provenance: String::new(),
        is_demo: false,
    })
}

/// Villages are not in the in-memory tree (they load with a command): one
/// that is not in the database is a field error, not a broken reference.
async fn check_village(state: &AppState, n: &NewDemand) -> Result<(), AppError> {
    if n.region.level() == Level::Village && duijie_store::regions::village(&state.db, &n.region).await?.is_none() {
        return Err(AppError::field("region", "没有这个村级区划代码（如尚未导入村级区划，请管理员运行 duijie regions load-villages）"));
    }
    Ok(())
}

/// Records a draft demand.
pub async fn create(state: &AppState, who: &Principal, actor: &Actor, input: &DemandInput) -> Result<i64, AppError> {
    let n = check_demand(state, who, input)?;
    check_village(state, &n).await?;
    let mut tx = state.db.begin().await?;
    let id = demand::create(&mut tx, actor, &n).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// The steps `who` may take on `d` now (for the buttons).
pub fn steps_for(state: &AppState, who: &Principal, d: &Demand, confirmed_org: Option<i64>) -> Vec<Step> {
    [Step::Submit, Step::Approve, Step::Return, Step::Start, Step::Finish, Step::Withdraw]
        .into_iter()
        .filter(|s| dd::advance(d.status(), *s).is_ok() && may_step(state, who, d, *s, confirmed_org))
        .collect()
}

fn may_step(state: &AppState, who: &Principal, d: &Demand, step: Step, confirmed_org: Option<i64>) -> bool {
    let edit = decide(who, Action::EditDemand, Target::Region(&d.region())).is_allowed();
    match step {
        Step::Submit | Step::Withdraw | Step::Finish => edit,
        Step::Approve | Step::Return => decide_demand_approval(who, &d.unit_region(), state.config.demand_approval).is_allowed(),
        Step::Start => edit || (who.role == Role::Organization && who.org_id.is_some() && who.org_id == confirmed_org),
        Step::Take | Step::Expire => false,
    }
}

/// Takes a step on a demand on behalf of `who`.
pub async fn step(state: &AppState, who: &Principal, actor: &Actor, id: i64, step: Step, note: &str) -> Result<Demand, AppError> {
    let d = visible(state, who, id).await?;
    let project_org = matching::project_of_demand(&state.db, id).await?.map(|p| p.org_id);
    if !may_step(state, who, &d, step, project_org) {
        return Err(AppError::Forbidden);
    }
    if note.chars().count() > 500 {
        return Err(AppError::field("note", "说明不能超过 500 字"));
    }
    let mut tx = state.db.begin().await?;
    let after = match step {
        Step::Start | Step::Finish => matching::advance_project(&mut tx, actor, id, step).await,
        _ => demand::step(&mut tx, actor, id, step, note, duijie_store::now()).await,
    }
    .map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}

/// Whether `who` is in the demand's county chain and so sees who is behind
/// it: the household (masked) and every organisation's match record.
pub fn sees_parties(who: &Principal, d: &Demand) -> bool {
    decide(who, Action::ViewDemandParties, Target::Demand { region: &d.region(), public: true }).is_allowed()
}

/// The match records of a demand that `who` may read: all of them for the
/// county chain, an organisation's own, none for anyone else.
pub async fn matches_visible(state: &AppState, who: &Principal, d: &Demand) -> Result<Vec<matching::Match>, AppError> {
    let all = matching::of_demand(&state.db, d.id).await?;
    if sees_parties(who, d) {
        return Ok(all);
    }
    let own = who.org_id.filter(|_| who.role == Role::Organization);
    Ok(all.into_iter().filter(|m| own == Some(m.org_id)).collect())
}

/// A household's personal data as `who` may see it: masked, or in full (audited)
/// when `full` is asked by an officer in scope. `None` when the demand has no household.
pub async fn household(state: &AppState, who: &Principal, actor: &Actor, d: &Demand, full: bool) -> Result<Option<(Household, bool)>, AppError> {
    let may_full = decide(who, Action::ViewHousehold, Target::Region(&d.region())).is_allowed();
    if full && may_full {
        let mut tx = state.db.begin().await?;
        let h = demand::household_full(&mut tx, actor, &state.config.sealer, d).await?;
        tx.commit().await?;
        return Ok(h.map(|h| (h, true)));
    }
    if full {
        return Err(AppError::Forbidden);
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
pub async fn list(state: &AppState, scope: &duijie_domain::Scope, f: &demand::Filter, limit: i64, offset: i64) -> Result<(Vec<Demand>, i64), AppError> {
    let Some(q) = duijie_store::demand::catalog::DemandQuery::new(scope, f) else { return Ok((Vec::new(), 0)) };
    let (ids, total) = state.derived.matches().await.list_demands(&q, usize::try_from(offset).unwrap_or(0), usize::try_from(limit).unwrap_or(0));
    Ok((demand::by_ids(&state.db, &ids).await?, total as i64))
}

/// One page of offers (featured first, then newest) and the total: one
/// organisation's from the database, everyone's (or those of organisations
/// registered under `region`) from the matching catalogue, then their rows by
/// id — the same answer as `supply::list` (a storage test holds the two equal).
pub async fn offers(state: &AppState, org_id: Option<i64>, region: Option<&RegionCode>, published_only: bool, limit: i64, offset: i64) -> Result<(Vec<Offer>, i64), AppError> {
    if org_id.is_some() {
        return Ok(supply::list(&state.db, org_id, region, published_only, limit, offset).await?);
    }
    let under = region.map_or("", |r| r.as_str());
    let (ids, total) = state.derived.matches().await.list_offers(under, published_only, usize::try_from(offset).unwrap_or(0), usize::try_from(limit).unwrap_or(0));
    Ok((supply::by_ids(&state.db, &ids).await?, total as i64))
}

/// Recommendations for a demand the caller may see.
pub async fn recommend_for_demand(state: &AppState, d: &Demand, limit: usize) -> Result<(Vec<Recommendation>, Vec<Recommendation>), AppError> {
    let cat = state.derived.matches().await;
    Ok(cat.recommend_for_demand(d, limit))
}

/// An organisation's own fit for a demand and that of its offers (what it may
/// learn of the demand's recommendations).
pub async fn fit_for_org(state: &AppState, d: &Demand, org_id: i64) -> (Option<Recommendation>, Vec<Recommendation>) {
    state.derived.matches().await.fit_for_org(d, org_id)
}

/// Demands recommended to the caller's organisation.
pub async fn recommend_for_org(state: &AppState, who: &Principal, limit: usize) -> Result<Vec<DemandRecommendation>, AppError> {
    let org = who.org_id.filter(|_| who.role == Role::Organization).ok_or(AppError::Forbidden)?;
    let cat = state.derived.matches().await;
    Ok(cat.recommend_for_org(org, limit))
}

/// What a side says when proposing a match.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MatchInput {
    /// The offer the match uses (点单 always names one; 接单 may).
    #[serde(default)]
    pub offer_id: Option<i64>,
    /// Funds committed in 万元.
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::wan)]
    pub funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::integer)]
    pub people: String,
    #[serde(default)]
    pub note: String,
}

fn proposal(d: &Demand, org_id: i64, i: &MatchInput) -> Result<Proposal, AppError> {
    let funds_fen = duijie_domain::pairing::parse_wan(&i.funds_wan).map_err(|m| AppError::field("funds_wan", m))?;
    let people = match i.people.trim() {
        "" => 0,
        p => p.parse::<i64>().ok().filter(|n| (0..=100_000).contains(n)).ok_or_else(|| AppError::field("people", "派出人数应为整数"))?,
    };
    if i.note.chars().count() > 1000 {
        return Err(AppError::field("note", "说明不能超过 1000 字"));
    }
    Ok(Proposal { demand_id: d.id, org_id, offer_id: i.offer_id, funds_fen, people, note: i.note.clone(), ..Proposal::default() })
}

/// The caller's organisation takes a published demand (接单); the county confirms.
pub async fn take(state: &AppState, who: &Principal, actor: &Actor, demand_id: i64, i: &MatchInput) -> Result<i64, AppError> {
    let d = visible(state, who, demand_id).await?;
    let org_id = who.org_id.filter(|_| who.role == Role::Organization).ok_or(AppError::Forbidden)?;
    let org = duijie_store::orgs::get(&state.db, org_id).await?.ok_or(AppError::NotFound)?;
    require(decide(who, Action::TakeDemand, Target::Organization { id: org.id, region: &org.region() }))?;
    let mut p = proposal(&d, org_id, i)?;
    if let (Some(r), _) = fit_for_org(state, &d, org_id).await {
        p.score = i64::from(r.score.total);
        p.reasons = serde_json::to_string(&r.score.reasons).unwrap_or_default();
    }
    let mut tx = state.db.begin().await?;
    let id = matching::propose(&mut tx, actor, Role::Organization, &p).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// A county orders from an offer for one of its demands (点单); the organisation confirms.
pub async fn order(state: &AppState, who: &Principal, actor: &Actor, demand_id: i64, i: &MatchInput) -> Result<i64, AppError> {
    let d = visible(state, who, demand_id).await?;
    require(decide(who, Action::OrderOffer, Target::Region(&d.region())))?;
    let offer_id = i.offer_id.ok_or_else(|| AppError::field("offer_id", "请选择供给项目"))?;
    let offer = supply::get(&state.db, offer_id).await?.ok_or_else(|| AppError::field("offer_id", "供给项目不存在"))?;
    let p = proposal(&d, offer.org_id, i)?;
    let mut tx = state.db.begin().await?;
    let id = matching::propose(&mut tx, actor, Role::RuralRevitalization, &p).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// The side that did not propose confirms or declines; the proposer may cancel.
pub async fn decide_match(state: &AppState, who: &Principal, actor: &Actor, match_id: i64, confirm: bool, reason: &str) -> Result<Match, AppError> {
    let m = matching::get(&state.db, match_id).await?.ok_or(AppError::NotFound)?;
    let d = visible(state, who, m.demand_id).await?;
    let county_side = decide(who, Action::OrderOffer, Target::Region(&d.region())).is_allowed();
    let org_side = who.role == Role::Organization && who.org_id == Some(m.org_id);
    if !county_side && !org_side {
        return Err(AppError::NotFound);
    }
    let proposer = (m.initiated_by == "org" && org_side) || (m.initiated_by == "county" && county_side);
    let mut tx = state.db.begin().await?;
    let after = if proposer {
        if confirm {
            return Err(AppError::bad("对接须由另一方确认"));
        }
        matching::decline(&mut tx, actor, match_id, true, reason).await
    } else if confirm {
        matching::confirm(&mut tx, actor, match_id).await
    } else {
        if reason.trim().is_empty() {
            return Err(AppError::field("reason", "请写明不能对接的原因"));
        }
        matching::decline(&mut tx, actor, match_id, false, reason).await
    }
    .map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}

/// What an organisation types to publish an offer.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OfferInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Fields, `、`-separated.
    #[serde(default)]
    pub fields: String,
    /// Provinces, prefectures or counties by name or code, `、`-separated; empty: anywhere.
    #[serde(default)]
    pub target_regions: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::wan)]
    pub funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::integer)]
    pub people: String,
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    /// How many demands it can take.
    #[serde(default)]
    #[schema(schema_with = crate::api::numbers::integer)]
    pub capacity: String,
}

/// Publishes an offer for the caller's organisation.
pub async fn create_offer(state: &AppState, who: &Principal, actor: &Actor, i: &OfferInput) -> Result<i64, AppError> {
    let org_id = who.org_id.filter(|_| who.role == Role::Organization).ok_or(AppError::Forbidden)?;
    let org = duijie_store::orgs::get(&state.db, org_id).await?.ok_or(AppError::NotFound)?;
    require(decide(who, Action::ManageOffer, Target::Organization { id: org.id, region: &org.region() }))?;
    let mut errors = Vec::new();
    if i.title.trim().is_empty() || i.title.chars().count() > 80 {
        errors.push(FieldError::new("title", "请填写项目名称（80 字以内）"));
    }
    let fields = match duijie_domain::org::parse_fields(&i.fields) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            errors.push(FieldError::new("fields", "请填写帮扶领域"));
            String::new()
        }
        Err(m) => {
            errors.push(FieldError::new("fields", m));
            String::new()
        }
    };
    let regions = match crate::pairing::parse_regions(state, &i.target_regions, Level::County) {
        Ok(r) => r.into_iter().map(|c| c.as_str().to_string()).collect(),
        Err(m) => {
            errors.push(FieldError::new("target_regions", m));
            Vec::new()
        }
    };
    let funds_fen = duijie_domain::pairing::parse_wan(&i.funds_wan).unwrap_or_else(|m| {
        errors.push(FieldError::new("funds_wan", m));
        0
    });
    let int = |errors: &mut Vec<FieldError>, field: &str, v: &str, dflt: i64, max: i64| -> i64 {
        match v.trim() {
            "" => dflt,
            s => s.parse::<i64>().ok().filter(|n| (0..=max).contains(n)).unwrap_or_else(|| {
                errors.push(FieldError::new(field, format!("应为 0–{max} 的整数")));
                dflt
            }),
        }
    };
    let people = int(&mut errors, "people", &i.people, 0, 100_000);
    let capacity = int(&mut errors, "capacity", &i.capacity, 1, 10_000).max(1);
    let date = |errors: &mut Vec<FieldError>, field: &str, v: &str| -> String {
        if v.trim().is_empty() {
            return String::new();
        }
        match duijie_store::imports::parse_date(v) {
            Some(d) => d.format("%Y-%m-%d").to_string(),
            None => {
                errors.push(FieldError::new(field, "日期无效，例如 2026-12-31"));
                String::new()
            }
        }
    };
    let period_start = date(&mut errors, "period_start", &i.period_start);
    let period_end = date(&mut errors, "period_end", &i.period_end);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let n = NewOffer { org_id, title: i.title.trim().into(), description: i.description.trim().into(), fields, target_regions: regions, funds_fen, people, period_start, period_end, capacity, is_demo: false };
    let mut tx = state.db.begin().await?;
    let id = supply::create(&mut tx, actor, &n).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// Closes or republishes (the organisation), hides or features (an officer in scope).
pub async fn set_offer_status(state: &AppState, who: &Principal, actor: &Actor, id: i64, status: &str, reason: &str, featured: Option<bool>) -> Result<Offer, AppError> {
    let offer = supply::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::try_from(offer.org_region.clone()).unwrap_or_else(|_| RegionCode::national());
    require(decide(who, Action::ManageOffer, Target::Organization { id: offer.org_id, region: &region }))?;
    let own = who.role == Role::Organization;
    if own && (status == "hidden" || featured.is_some()) {
        return Err(AppError::Forbidden);
    }
    if own && offer.status == "hidden" {
        return Err(AppError::bad(format!("该项目已被管理部门下架（{}），请联系管理部门", offer.hidden_reason)));
    }
    if !own && status == "closed" {
        return Err(AppError::bad("供给项目由社会组织自行关闭；管理部门可以下架"));
    }
    let mut tx = state.db.begin().await?;
    let after = supply::set_status(&mut tx, actor, id, status, reason, featured).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}

/// The success rate of `region` (within the caller's scope) for a period of Beijing dates.
pub async fn success_rate(state: &AppState, who: &Principal, region: &RegionCode, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<SuccessRate, AppError> {
    require(decide(who, Action::ViewMatchStats, Target::Region(region)))?;
    if to < from {
        return Err(AppError::field("to", "结束日期不能早于开始日期"));
    }
    let child_len = region.level().child().map(|l| l.code_len()).unwrap_or(region.as_str().len());
    Ok(state.derived.success_rate(region.as_str(), child_len, duijie_store::pairing::start_of_day(from), duijie_store::pairing::end_of_day(to)).await)
}

/// Whether `d` is shown to the public (published, without personal data).
pub fn is_public(d: &Demand) -> bool {
    d.status().is_public()
}

/// Labels for the status of a demand.
pub fn status_label(d: &Demand) -> &'static str {
    Status::parse(&d.status).map(|s| s.label()).unwrap_or("")
}

/// The county demand list layout (需求清单), as the import template and the import read it.
pub const IMPORT_HEADERS: &[(&str, bool)] = &[
    ("需求名称", true),
    ("帮扶领域", true),
    ("需求对象", true),
    ("区划代码", true),
    ("受益群体", false),
    ("受益人数", false),
    ("预计资金（万元）", false),
    ("帮扶方式", false),
    ("紧急程度", false),
    ("截止日期", false),
    ("是否微心愿", false),
    ("需求说明", false),
    ("联系人", false),
    ("联系电话", false),
    ("户主姓名", false),
    ("户主身份证号", false),
    ("户主电话", false),
];

/// The form field each column fills (same order as `IMPORT_HEADERS`).
const IMPORT_FIELDS: &[&str] = &[
    "title", "field", "target_kind", "region", "beneficiary_group", "beneficiary_count", "funds_wan", "mode", "urgency", "deadline", "is_wish",
    "description", "contact_name", "contact_phone", "household_name", "household_id", "household_phone",
];

/// An example row for the template (a township demand of 彝良县).
pub const IMPORT_EXAMPLE: &[&str] =
    &["洛泽河镇留守儿童课后托管", "教育", "乡镇", "530628102", "三留守人员", "120", "8", "造血", "较急", "2026-12-31", "否", "示例行，导入前请删除", "张三", "0870-1234567", "", "", ""];

/// A checked import: the drafts to write and every problem by row and column.
#[derive(Debug, Clone, Default)]
pub struct DemandImport {
    pub file_name: String,
    pub rows: Vec<(usize, NewDemand)>,
    /// The first errors found (at most the `keep` the plan was made with).
    pub errors: Vec<duijie_office::RowError>,
    /// Errors found beyond those kept.
    pub more_errors: usize,
}

/// Checks every row of an uploaded demand list with the same rules as the form
/// (`check_demand`), keeping at most `keep` errors; writes nothing.
pub fn plan_import(state: &AppState, who: &Principal, file_name: &str, table: &duijie_office::Table, keep: usize) -> DemandImport {
    let cols: Vec<Option<usize>> = IMPORT_HEADERS.iter().map(|(h, _)| table.col(&[h])).collect();
    let mut out = DemandImport { file_name: file_name.to_string(), ..DemandImport::default() };
    for row in &table.rows {
        let get = |i: usize| row.get(cols[i]).to_string();
        let mode = match get(7).as_str() {
            "输血" => "relief".to_string(),
            "造血" => "capacity".to_string(),
            other => other.to_string(),
        };
        let urgency = match get(8).as_str() {
            "一般" => "1".to_string(),
            "较急" => "2".to_string(),
            "紧急" => "3".to_string(),
            other => other.to_string(),
        };
        let input = DemandInput {
            title: get(0),
            field: get(1),
            target_kind: get(2),
            region: get(3),
            beneficiary_group: get(4),
            beneficiary_count: get(5),
            funds_wan: get(6),
            mode,
            urgency,
            deadline: get(9),
            is_wish: get(10),
            description: get(11),
            contact_name: get(12),
            contact_phone: get(13),
            household_name: get(14),
            household_id: get(15),
            household_phone: get(16),
        };
        match check_demand(state, who, &input) {
            Ok(mut n) => {
                n.provenance = format!("{file_name} {} 第{}行", table.sheet, row.row);
                out.rows.push((row.row, n));
            }
            Err(AppError::Invalid(fs)) => {
                for f in fs {
                    let column = IMPORT_FIELDS.iter().position(|x| *x == f.field).map(|i| IMPORT_HEADERS[i].0).unwrap_or("");
                    let e = duijie_office::RowError { row: row.row, column: column.to_string(), message: f.message };
                    duijie_office::keep_error(&mut out.errors, &mut out.more_errors, keep, e);
                }
            }
            Err(e) => {
                let e = duijie_office::RowError { row: row.row, column: String::new(), message: e.message() };
                duijie_office::keep_error(&mut out.errors, &mut out.more_errors, keep, e);
            }
        }
    }
    out
}

/// Writes a checked import as drafts in one transaction; nothing is written if any row is bad.
pub async fn commit_import(state: &AppState, actor: &Actor, plan: &DemandImport) -> Result<usize, AppError> {
    if !plan.errors.is_empty() {
        return Err(AppError::bad("清单中还有错误，请修改后重新上传"));
    }
    for (row, n) in &plan.rows {
        check_village(state, n).await.map_err(|e| AppError::bad(format!("第 {row} 行：{}", e.message())))?;
    }
    let mut tx = state.db.begin().await?;
    for (_, n) in &plan.rows {
        demand::create(&mut tx, actor, n).await?;
    }
    tx.commit().await?;
    Ok(plan.rows.len())
}
