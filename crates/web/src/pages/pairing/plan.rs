//! Coverage (结对覆盖), what counties need and what organisations offer, and
//! the pairing plan (结对方案): ask, review, edit, send.
//!
//! Guarantees: coverage is shown for a target set whose region the caller may
//! see, as a map (server-rendered SVG, nothing loaded from outside) and a table;
//! plans are made, edited and sent only with `PlanPairing` on the plan's region;
//! sending creates proposals that wait for both sides' consent — never a pairing
//! in force.

use super::{BatchRow, batch_rows, require_region};
use crate::auth::{CurrentUser, Posted};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use duijie_app::pairing::{default_targets, targets_for};
use duijie_app::pairing::{parse_params, parse_preferred, targets_label};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::org::FIELDS;
use duijie_domain::pairing::{PlanStatus, Targets};
use duijie_domain::{Level, RegionCode, Role};
use duijie_store::pairing::coverage::{CountyCoverage, Summary};
use duijie_store::pairing::plan::{self as plans, Params};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing/coverage", get(coverage_page))
        .route("/pairing/needs/{code}", get(needs_form).post(needs_submit))
        .route("/pairing/intent", get(intent_form).post(intent_submit))
        .route("/pairing/plans", get(plans_page).post(plan_create))
        .route("/pairing/plans/{id}", get(plan_page))
        .route("/pairing/plans/{id}/items", post(plan_add_item))
        .route("/pairing/plans/{id}/items/{item}/toggle", post(plan_toggle))
        .route("/pairing/plans/{id}/send", post(plan_send))
}

/// The target sets offered in the picker for this person.
fn target_choices(state: &AppState, cu: &CurrentUser) -> Vec<(String, String)> {
    let r = &cu.principal.region();
    let mut v = vec![("national_key".to_string(), "全国·国家乡村振兴重点帮扶县".to_string())];
    let province = match r.level() {
        Level::National => None,
        _ => RegionCode::parse(&r.as_str()[..2]).ok(),
    };
    let provinces: Vec<RegionCode> = match province {
        Some(p) => vec![p],
        None if cu.principal.role() == Role::Organization => vec![],
        None => state.tree.children(&RegionCode::national()).iter().map(|n| n.code.clone()).collect(),
    };
    for p in provinces {
        let name = state.tree.full_name(&p);
        v.push((format!("national_key:{p}"), format!("{name}·国家乡村振兴重点帮扶县")));
        v.push((format!("provincial_key:{p}"), format!("{name}·省级乡村振兴重点帮扶县")));
        v.push((format!("counties:{p}"), format!("{name}·全部县（市、区）")));
    }
    v
}

pub struct CoverageRow {
    pub code: String,
    pub name: String,
    pub prefecture: String,
    pub count: usize,
    /// (pairing id, organisation, fields, whether the caller may open the
    /// pairing, the team's "组团：…（牵头：…）" on a team's first member).
    pub orgs: Vec<(i64, String, String, bool, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_coverage.html")]
struct CoveragePage {
    layout: Layout,
    spec: String,
    label: String,
    choices: Vec<(String, String)>,
    summary: Summary,
    rows: Vec<CoverageRow>,
    map: String,
    show: String,
    can_plan: bool,
    can_needs: bool,
    can_propose: bool,
}

#[derive(serde::Deserialize, Default)]
struct CoverageQuery {
    #[serde(default)]
    targets: String,
    /// none, one, several: only those rows.
    #[serde(default)]
    show: String,
}

/// The map of a coverage: prefectures shaded by how many of their target counties are covered.
pub fn coverage_map(t: &Targets, rows: &[CountyCoverage]) -> String {
    let view = match t.within().level() {
        Level::National => String::new(),
        _ => t.within().as_str()[..2].to_string(),
    };
    let mut per_area: HashMap<String, (usize, usize, String)> = HashMap::new();
    let area_names: HashMap<&str, &str> = duijie_geo::prefectures().iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
    for r in rows {
        // Province-administered county-level units have their own outline.
        let area = if area_names.contains_key(r.county.code.as_str()) { r.county.code.clone() } else { r.county.code[..4].to_string() };
        let e = per_area.entry(area).or_insert((0, 0, String::new()));
        e.0 += 1;
        if r.count() > 0 {
            e.1 += 1;
        } else {
            e.2.push_str(&format!(" {}", r.county.name));
        }
    }
    let shades = per_area
        .into_iter()
        .map(|(code, (targets, covered, missing))| {
            let fill = if covered == targets { "#67c23a" } else if covered == 0 { "#f56c6c" } else { "#e6a23c" };
            let name = area_names.get(code.as_str()).copied().unwrap_or("");
            let mut title = format!("{name}：目标县 {targets} 个，已结对 {covered} 个");
            if covered < targets {
                title.push_str(&format!("；未结对：{}", missing.trim()));
            }
            (code, duijie_geo::Shade { fill: fill.into(), title, href: None })
        })
        .collect();
    duijie_geo::choropleth(&view, &shades, "#f2f3f5")
}

/// Whether `who` may open the pairing behind a coverage entry (others' are named, not linked).
fn may_open(who: &duijie_domain::Principal, o: &duijie_store::pairing::coverage::Covering) -> bool {
    match (RegionCode::parse(&o.org_region), RegionCode::parse(&o.region_code)) {
        (Ok(org_region), Ok(target)) => decide(who, Action::ViewPairing, Target::Pairing { org_id: o.org_id, org_region: &org_region, target: &target }).is_allowed(),
        _ => false,
    }
}

async fn coverage_page(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<CoverageQuery>) -> Result<CoveragePage, AppError> {
    let spec = if q.targets.trim().is_empty() { default_targets(&cu.principal) } else { q.targets.trim().to_string() };
    let t = targets_for(&cu.principal, &spec)?;
    let all = duijie_app::pairing::coverage(&state, &cu.principal, &t).await?;
    let summary = Summary::of(&all);
    let map = coverage_map(&t, &all);
    let rows = all
        .iter()
        .filter(|r| match q.show.as_str() {
            "none" => r.count() == 0,
            "one" => r.count() == 1,
            "several" => r.count() > 1,
            _ => true,
        })
        .map(|r| CoverageRow {
            code: r.county.code.clone(),
            name: r.county.name.clone(),
            prefecture: RegionCode::parse(&r.county.code[..4]).ok().and_then(|p| state.tree.get(&p)).map(|n| n.name.clone()).unwrap_or_default(),
            count: r.count(),
            orgs: r
                .organizations
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let first_of_team = o.team_id.is_some() && (i == 0 || r.organizations[i - 1].team_id != o.team_id);
                    let team = if first_of_team { duijie_store::pairing::team::label(&o.team_name, &o.team_lead) } else { String::new() };
                    (o.pairing_id, o.org_name.clone(), o.fields.clone(), may_open(&cu.principal, o), team)
                })
                .collect(),
        })
        .collect();
    let who = &cu.principal;
    let mut choices = target_choices(&state, &cu);
    if !choices.iter().any(|(k, _)| *k == t.spec()) {
        choices.push((t.spec(), targets_label(&state.tree, &t)));
    }
    Ok(CoveragePage {
        layout: Layout::new(&state, &cu, "coverage", None).await,
        label: targets_label(&state.tree, &t),
        choices,
        summary,
        rows,
        map,
        show: q.show,
        can_plan: require_region(&cu, Action::PlanPairing, t.within()).is_ok(),
        can_needs: who.role() != Role::Organization && require_region(&cu, Action::ProposePairing, t.within()).is_ok(),
        can_propose: require_region(&cu, Action::ProposePairing, t.within()).is_ok(),
        spec: t.spec(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_needs.html")]
struct NeedsPage {
    layout: Layout,
    code: String,
    name: String,
    needs: Vec<(&'static str, i64)>,
    recorded: bool,
}

fn county_for_needs(state: &AppState, cu: &CurrentUser, code: &str) -> Result<RegionCode, AppError> {
    let c = RegionCode::parse(code).map_err(|_| AppError::NotFound)?;
    if c.level() != Level::County || state.tree.get(&c).is_none() {
        return Err(AppError::NotFound);
    }
    if cu.principal.role() == Role::Organization {
        return Err(AppError::Forbidden);
    }
    require_region(cu, Action::ProposePairing, &c)?;
    Ok(c)
}

async fn needs_form(State(state): State<AppState>, cu: CurrentUser, Path(code): Path<String>, Query(t): Query<Toast>) -> Result<NeedsPage, AppError> {
    let c = county_for_needs(&state, &cu, &code)?;
    let recorded = plans::needs(&state.db, c.as_str()).await?;
    Ok(NeedsPage {
        layout: Layout::new(&state, &cu, "coverage", t.ok).await,
        name: state.tree.full_name(&c),
        needs: FIELDS.iter().map(|f| (*f, recorded.get(*f).copied().unwrap_or(if recorded.is_empty() { 1 } else { 0 }))).collect(),
        recorded: !recorded.is_empty(),
        code: c.to_string(),
    })
}

async fn needs_submit(State(state): State<AppState>, Path(code): Path<String>, p: Posted<HashMap<String, String>>) -> Result<Response, AppError> {
    let cu = p.user;
    let c = county_for_needs(&state, &cu, &code)?;
    let mut needs = Vec::new();
    for f in FIELDS {
        let v = p.form.get(*f).map(String::as_str).unwrap_or("0");
        let n: i64 = v.trim().parse().ok().filter(|n| (0..=3).contains(n)).ok_or_else(|| AppError::field(f, format!("“{f}”的需求程度应为 0–3")))?;
        if n > 0 {
            needs.push((f.to_string(), n));
        }
    }
    let mut tx = state.db.begin().await?;
    plans::set_needs(&mut tx, &actor(&cu), &c, &needs).await?;
    tx.commit().await?;
    Ok(done(&format!("/pairing/needs/{c}"), "已保存需求领域"))
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_intent.html")]
struct IntentPage {
    layout: Layout,
    org_name: String,
    capacity: String,
    preferred: String,
    note: String,
    error: Option<(String, String)>,
    updated: String,
}

#[derive(serde::Deserialize, Default)]
pub struct IntentForm {
    #[serde(default)]
    pub capacity: String,
    /// Provinces or prefectures, by name or code, `、`-separated.
    #[serde(default)]
    pub preferred: String,
    #[serde(default)]
    pub note: String,
}

fn own_org(cu: &CurrentUser) -> Result<i64, AppError> {
    cu.principal.org_id().filter(|_| cu.principal.role() == Role::Organization).ok_or(AppError::Forbidden)
}

async fn intent_page(state: &AppState, cu: &CurrentUser, form: Option<IntentForm>, error: Option<(String, String)>, toast: Option<String>) -> Result<IntentPage, AppError> {
    let org_id = own_org(cu)?;
    let org = duijie_app::open(duijie_store::orgs::get(&state.db, org_id).await?, &cu.principal, Action::ViewOrganization)?;
    let current = plans::intent(&state.db, org_id).await?;
    let names = |pref: &str| pref.split('、').filter_map(|c| RegionCode::parse(c).ok()).map(|c| state.tree.full_name(&c)).collect::<Vec<_>>().join("、");
    let (capacity, preferred, note) = match (form, &current) {
        (Some(f), _) => (f.capacity, f.preferred, f.note),
        (None, Some(i)) => (i.capacity.to_string(), names(&i.preferred), i.note.clone()),
        (None, None) => (String::new(), String::new(), String::new()),
    };
    Ok(IntentPage {
        layout: Layout::new(state, cu, "pairing", toast).await,
        org_name: org.name,
        capacity,
        preferred,
        note,
        error,
        updated: current.map(|i| format!("{}，{}", i.updated_by, fmt_time(i.updated_at))).unwrap_or_default(),
    })
}

async fn intent_form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<IntentPage, AppError> {
    intent_page(&state, &cu, None, None, t.ok).await
}

async fn intent_submit(State(state): State<AppState>, p: Posted<IntentForm>) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let cu = p.user;
    let org_id = own_org(&cu)?;
    let bad = |field: &str, msg: String| (field.to_string(), msg);
    let checked = match p.form.capacity.trim().parse::<i64>() {
        Ok(n) if (0..=200).contains(&n) => parse_preferred(&state.tree, &p.form.preferred).map(|pref| (n, pref)).map_err(|m| bad("preferred", m)),
        _ => Err(bad("capacity", "可结对县数应为 0–200 的整数".into())),
    };
    match checked {
        Ok((n, pref)) => {
            let mut tx = state.db.begin().await?;
            plans::set_intent(&mut tx, &actor(&cu), org_id, n, &pref, &p.form.note).await?;
            tx.commit().await?;
            Ok(done("/pairing/intent", "已保存结对意愿"))
        }
        Err(e) => Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, intent_page(&state, &cu, Some(p.form), Some(e), None).await?).into_response()),
    }
}

pub struct PlanRow {
    pub id: i64,
    pub label: String,
    pub status: &'static str,
    pub created: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_plans.html")]
struct PlansPage {
    layout: Layout,
    plans: Vec<PlanRow>,
    choices: Vec<(String, String)>,
    spec: String,
}

fn summary_text(s: &serde_json::Value) -> String {
    let covered = s["covered"].as_u64().unwrap_or(0);
    let n = s["counties"].as_u64().unwrap_or(0);
    if s["feasible"].as_bool() == Some(true) {
        format!("最优方案：{n} 个目标县全部达到最少组织数，总匹配度 {}", s["total_fit"].as_i64().unwrap_or(0))
    } else {
        format!("无可行方案：{n} 个目标县中 {covered} 个可达到最少组织数，{} 个不能", n.saturating_sub(covered))
    }
}

fn plan_row(state: &AppState, p: &plans::SavedPlan) -> PlanRow {
    let summary: serde_json::Value = serde_json::from_str(&p.summary).unwrap_or_default();
    PlanRow {
        id: p.id,
        label: Targets::parse(&p.targets).map(|t| targets_label(&state.tree, &t)).unwrap_or(p.targets.clone()),
        status: p.status.label(),
        created: format!("{}，{}", p.created_by, fmt_time(p.created_at)),
        summary: summary_text(&summary),
    }
}

async fn plans_page(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<CoverageQuery>) -> Result<PlansPage, AppError> {
    require_region(&cu, Action::PlanPairing, cu.principal.region())?;
    let list = plans::list(&state.db, &cu.principal.scope()).await?;
    Ok(PlansPage {
        layout: Layout::new(&state, &cu, "pairing", None).await,
        plans: list.iter().map(|p| plan_row(&state, p)).collect(),
        choices: target_choices(&state, &cu),
        spec: if q.targets.is_empty() { default_targets(&cu.principal) } else { q.targets },
    })
}

#[derive(serde::Deserialize, Default)]
pub struct PlanForm {
    #[serde(default)]
    pub targets: String,
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
}

async fn plan_create(State(state): State<AppState>, p: Posted<PlanForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let t = targets_for(&cu.principal, &p.form.targets)?;
    require_region(&cu, Action::PlanPairing, t.within())?;
    let params = parse_params(&p.form.min, &p.form.max)?;
    let id = plans::create(&state.db, &state.tree, &actor(&cu), t.within(), &t, params).await?;
    Ok(done(&format!("/pairing/plans/{id}"), "已生成结对方案，请审阅后发送"))
}

pub struct ItemRow {
    pub id: i64,
    pub county: String,
    pub org_name: String,
    pub org_fields: String,
    pub fit: i64,
    pub kind: &'static str,
    pub removed: bool,
    pub listed: bool,
    pub pairing_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_plan.html")]
struct PlanPage {
    layout: Layout,
    plan: PlanRow,
    draft: bool,
    feasible: bool,
    /// Why counties stay uncovered, grouped: the counties named, what would make the plan feasible.
    reasons: Vec<ReasonGroup>,
    items: Vec<ItemRow>,
    new_count: usize,
    batches: Vec<BatchRow>,
    spec: String,
    params: Params,
    seconds: String,
}

/// Counties left uncovered for one reason, and what would cover them.
pub struct ReasonGroup {
    pub counties: String,
    pub count: usize,
    pub why: String,
    pub remedy: String,
}

/// Groups a plan's per-county reasons as a person reads them: every county without a
/// candidate in one row, counties competing for the same organisations in one row per
/// group, with how many more pairing places would make the plan feasible.
fn group_reasons(summary: &serde_json::Value, name: impl Fn(&str) -> String, min: u32) -> Vec<ReasonGroup> {
    let mut groups: Vec<(String, ReasonGroup)> = Vec::new();
    for r in summary["reasons"].as_array().into_iter().flatten() {
        let county = r["county"].as_str().unwrap_or("");
        let kind = r["kind"].as_str().unwrap_or("");
        let mut members: Vec<&str> = r["group"].as_array().into_iter().flatten().filter_map(|g| g.as_str()).collect();
        members.sort_unstable();
        let key = match kind {
            "no_candidate" => kind.to_string(),
            "shared_capacity" => format!("{kind}:{}", members.join(",")),
            _ => format!("{kind}:{county}"),
        };
        if let Some((_, g)) = groups.iter_mut().find(|(k, _)| *k == key) {
            g.counties = format!("{}、{}", g.counties, name(county));
            g.count += 1;
            continue;
        }
        let (need, supply) = (r["need"].as_u64(), r["supply"].as_u64());
        let (why, remedy) = match (kind, need, supply) {
            ("no_candidate", _, _) => (
                "没有任何社会组织把这些县列为意向地区或候选县".to_string(),
                format!("需要愿意结对的社会组织把这些县列入结对意愿：每县至少 {min} 家"),
            ),
            ("shared_capacity", Some(need), Some(supply)) => (
                format!("这些县共用同一批候选社会组织：共需新结对 {need} 个，候选组织的剩余容量最多 {supply} 个"),
                format!("还差 {} 个结对名额：需要更多愿意结对的组织，或现有候选组织提高可结对数量", need.saturating_sub(supply)),
            ),
            _ => (r["reason"].as_str().unwrap_or("").to_string(), format!("需要更多愿意结对的社会组织：每县至少 {min} 家")),
        };
        groups.push((key, ReasonGroup { counties: name(county), count: 1, why, remedy }));
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// A plan the caller may work on (404 otherwise).
pub async fn plan_in_scope(state: &AppState, cu: &CurrentUser, id: i64) -> Result<plans::SavedPlan, AppError> {
    Ok(duijie_app::open(plans::get(&state.db, id).await?, &cu.principal, Action::PlanPairing)?)
}

async fn plan_page(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<PlanPage, AppError> {
    let plan = plan_in_scope(&state, &cu, id).await?;
    let summary: serde_json::Value = serde_json::from_str(&plan.summary).unwrap_or_default();
    let name = |code: &str| RegionCode::parse(code).map(|c| state.tree.full_name(&c)).unwrap_or(code.to_string());
    let params: Params = serde_json::from_str(&plan.params).unwrap_or_default();
    let short = |code: &str| RegionCode::parse(code).ok().and_then(|c| state.tree.get(&c)).map(|n| n.name.clone()).unwrap_or_else(|| name(code));
    let reasons = group_reasons(&summary, short, params.min);
    let items: Vec<ItemRow> = plans::items(&state.db, id)
        .await?
        .into_iter()
        .map(|i| ItemRow {
            id: i.id,
            county: name(&i.county_code),
            org_name: i.org_name,
            org_fields: i.org_fields,
            fit: i.fit,
            kind: if i.existing { "现有结对" } else if i.manual { "人工添加" } else { "建议新结对" },
            removed: i.removed,
            listed: i.existing,
            pairing_id: i.pairing_id,
        })
        .collect();
    let targets = Targets::parse(&plan.targets).ok();
    let batches: Vec<_> = duijie_store::pairing::batches(&state.db)
        .await?
        .into_iter()
        .filter(|b| !b.is_published() && targets.as_ref().is_some_and(|t| b.region().contains(t.within()) || t.within().contains(&b.region())))
        .collect();
    Ok(PlanPage {
        layout: Layout::new(&state, &cu, "pairing", t.ok).await,
        draft: plan.status == PlanStatus::Draft,
        feasible: summary["feasible"].as_bool() == Some(true),
        reasons,
        new_count: items.iter().filter(|i| !i.listed && !i.removed).count(),
        items,
        batches: batch_rows(&state, &cu, &batches),
        spec: plan.targets.clone(),
        params,
        seconds: format!("{:.3}", summary["seconds"].as_f64().unwrap_or(0.0)),
        plan: plan_row(&state, &plan),
    })
}

#[derive(serde::Deserialize)]
struct ToggleForm {
    removed: bool,
}

async fn plan_toggle(State(state): State<AppState>, Path((id, item)): Path<(i64, i64)>, p: Posted<ToggleForm>) -> Result<Response, AppError> {
    let cu = p.user;
    plan_in_scope(&state, &cu, id).await?;
    let mut tx = state.db.begin().await?;
    plans::toggle_item(&mut tx, &actor(&cu), id, item, p.form.removed).await?;
    tx.commit().await?;
    Ok(done(&format!("/pairing/plans/{id}"), if p.form.removed { "已从方案中移除该结对" } else { "已恢复该结对" }))
}

#[derive(serde::Deserialize, Default)]
struct AddItemForm {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    county: String,
}

async fn plan_add_item(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<AddItemForm>) -> Result<Response, AppError> {
    let cu = p.user;
    plan_in_scope(&state, &cu, id).await?;
    let (mut credit_code, mut county) = (p.form.credit_code.clone(), p.form.county.clone());
    duijie_app::pickers::Typed::org(&state, &mut credit_code).await?.over("credit_code", Ok(()))?;
    duijie_app::pickers::Typed::region(&state.db, &state.tree, &mut county, &duijie_app::regions_designations::browse_root(&cu.principal), Level::County)
        .await
        .over("county", Ok(()))?;
    let code = duijie_domain::Uscc::parse(&credit_code).map_err(|e| AppError::field("credit_code", e.to_string()))?;
    let org = duijie_app::open(duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?, &cu.principal, Action::ViewOrgPublic)
        .map_err(|_| AppError::field("credit_code", "该组织尚未登记"))?;
    let county = RegionCode::parse(&county).map_err(|e| AppError::field("county", e.to_string()))?;
    plans::add_item(&state.db, &state.tree, &actor(&cu), id, org.id, county.as_str()).await?;
    Ok(done(&format!("/pairing/plans/{id}"), "已添加到方案"))
}

#[derive(serde::Deserialize, Default)]
struct SendForm {
    #[serde(default)]
    batch_id: String,
}

async fn plan_send(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<SendForm>) -> Result<Response, AppError> {
    let cu = p.user;
    plan_in_scope(&state, &cu, id).await?;
    let batch_id: i64 = p.form.batch_id.trim().parse().map_err(|_| AppError::field("batch_id", "请选择批次"))?;
    let n = duijie_app::pairing::send_plan(&state, &cu.principal, &actor(&cu), id, batch_id).await?;
    Ok(done(&format!("/pairing/plans/{id}"), &format!("已发送 {n} 个结对提议，等待社会组织和县级同意")))
}
