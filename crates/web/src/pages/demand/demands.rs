//! The demand library's pages: the list (with recommendations for an
//! organisation), recording a demand, a demand's page with its steps, the
//! household block, matches, recommendations with their reasons, 接单 and 点单,
//! and the demand's files.
//!
//! Guarantees: everything goes through `crate::demand`; the household's full
//! data appears only in the answer to the POST that asked for it (audited by
//! `crate::demand::household`), never after a redirect; organisations see only
//! their own matches on a demand and never the household.

use super::{DemandRow, PER_PAGE, demand_row, demand_rows, pages, query_string, wan};
use crate::auth::{CurrentUser, Posted};
use crate::demand::{self as ops, DemandInput, MatchInput};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::demand::{GROUPS, MODES, Status, Step, URGENCIES};
use duijie_domain::matching::{Reason, Score};
use duijie_domain::{FieldError, Role};
use duijie_store::demand::matching::{self, Match};
use duijie_store::demand::{self, Demand, Filter, supply};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demands", get(list))
        .route("/demands/new", get(new_form).post(new_submit))
        .route("/demands/{id}", get(detail))
        .route("/demands/{id}/step", post(step))
        .route("/demands/{id}/household", post(household_full))
        .route("/demands/{id}/take", post(take))
        .route("/demands/{id}/order", post(order))
        .route("/demands/{id}/files", post(upload_file))
        .route("/demands/files/{id}", get(file))
        .route("/matches/{id}/decide", post(decide_match))
}

#[derive(serde::Deserialize, Default)]
pub struct Empty {}

// ---------------------------------------------------------------- the list

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub region: String,
    /// "1" small wishes only, "0" none of them, "" all.
    #[serde(default)]
    pub wish: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub ok: Option<String>,
}

/// A recommended demand with its score and why.
pub struct RecDemand {
    pub row: DemandRow,
    pub total: i32,
    pub reasons: Vec<Reason>,
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<DemandRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListQuery,
    qs: String,
    statuses: Vec<(&'static str, &'static str)>,
    fields: &'static [&'static str],
    is_org: bool,
    can_create: bool,
    can_stats: bool,
    recs: Vec<RecDemand>,
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    let who = &cu.principal;
    let is_org = who.role == Role::Organization;
    let wish = match q.wish.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    let filter = Filter { status: q.status.clone(), field: q.field.clone(), region: q.region.clone(), wish };
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = crate::demand::list(&state, &who.scope(), &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let mut recs = Vec::new();
    if is_org && who.org_id.is_some() {
        for r in ops::recommend_for_org(&state, who, 10).await? {
            if let Some(d) = demand::get(&state.db, r.demand_id).await?.filter(|d| d.status() == Status::Published) {
                recs.push(RecDemand { row: demand_row(&state, &d).await, total: r.score.total, reasons: r.score.reasons });
            }
        }
    }
    // Officers see every status of their subtree; organisations only what is public.
    let statuses = Status::ALL.iter().filter(|s| !is_org || s.is_public()).map(|s| (s.as_str(), s.label())).collect();
    Ok(ListPage {
        layout: Layout::new(&state, &cu, "demands", q.ok.clone()).await,
        rows: demand_rows(&state, &items).await,
        total,
        page,
        pages: pages(total),
        qs: query_string(&[("status", &q.status), ("field", &q.field), ("region", &q.region), ("wish", &q.wish)]),
        statuses,
        fields: duijie_domain::org::FIELDS,
        is_org,
        can_create: decide(who, Action::EditDemand, Target::Region(&who.region)).is_allowed(),
        can_stats: decide(who, Action::ViewMatchStats, Target::Region(&who.region)).is_allowed(),
        recs,
        q,
    })
}

// ---------------------------------------------------------------- recording

#[derive(Template, WebTemplate)]
#[template(path = "demand_new.html")]
struct NewPage {
    layout: Layout,
    form: DemandInput,
    errors: Vec<FieldError>,
    fields: &'static [&'static str],
    targets: Vec<(&'static str, &'static str)>,
    modes: &'static [(&'static str, &'static str)],
    urgencies: &'static [(i64, &'static str)],
    groups: String,
    places: Vec<(String, String)>,
    own_region: String,
    wish_checked: bool,
}

impl NewPage {
    /// Every message about `field` (a region can be both outside scope and of the wrong level).
    fn err(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        if all.is_empty() { None } else { Some(all.join("；")) }
    }
}

fn new_page_for(state: &AppState, cu: &CurrentUser, layout: Layout, form: DemandInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    let who = &cu.principal;
    crate::pairing::require(decide(who, Action::EditDemand, Target::Region(&who.region)))?;
    let places = state.tree.children(&who.region).into_iter().map(|n| (n.code.as_str().to_string(), n.name.clone())).collect();
    let wish_checked = matches!(form.is_wish.trim(), "true" | "on" | "1" | "是");
    Ok(NewPage {
        layout,
        errors,
        fields: duijie_domain::org::FIELDS,
        targets: duijie_domain::demand::Target::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        modes: &MODES,
        urgencies: &URGENCIES,
        groups: GROUPS.join("、"),
        places,
        own_region: who.region.as_str().to_string(),
        wish_checked,
        form,
    })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    let layout = Layout::new(&state, &cu, "demands", None).await;
    let form =
        DemandInput { target_kind: "township".into(), region: cu.principal.region.as_str().to_string(), urgency: "1".into(), mode: "capacity".into(), ..DemandInput::default() };
    new_page_for(&state, &cu, layout, form, Vec::new())
}

async fn new_submit(State(state): State<AppState>, p: Posted<DemandInput>) -> Result<Response, AppError> {
    let cu = p.user;
    crate::pairing::require(decide(&cu.principal, Action::EditDemand, Target::Region(&cu.principal.region)))?;
    let result = match unknown_village(&state, &p.form.region).await? {
        // `check_demand` knows the tree above village level only; a village code
        // not in the database would fail its foreign key as a 500.
        Some(missing) => {
            let mut errors = match ops::check_demand(&state, &cu.principal, &p.form) {
                Err(AppError::Invalid(errors)) => errors,
                _ => Vec::new(),
            };
            if !errors.iter().any(|e| e.field == "region") {
                errors.push(missing);
            }
            Err(AppError::Invalid(errors))
        }
        None => ops::create(&state, &cu.principal, &actor(&cu), &p.form).await,
    };
    match result {
        Ok(id) => Ok(done(&format!("/demands/{id}"), "已保存为草稿")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new(&state, &cu, "demands", None).await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page_for(&state, &cu, layout, p.form, errors)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The field error for a well-formed village code that is not in the database.
async fn unknown_village(state: &AppState, region: &str) -> Result<Option<FieldError>, AppError> {
    match duijie_domain::RegionCode::parse(region) {
        Ok(r) if r.level() == duijie_domain::Level::Village && duijie_store::regions::village(&state.db, &r).await?.is_none() => {
            Ok(Some(FieldError::new("region", "没有这个村级区划代码；如本地村级区划尚未导入，请联系系统管理员导入")))
        }
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------- a demand's page

/// What a person typed to take or order (接单 / 点单).
#[derive(serde::Deserialize, Default, Clone)]
pub struct TakeForm {
    #[serde(default)]
    pub offer_id: String,
    #[serde(default)]
    pub funds_wan: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub note: String,
}

impl TakeForm {
    fn input(&self) -> MatchInput {
        MatchInput { offer_id: self.offer_id.trim().parse().ok(), funds_wan: self.funds_wan.clone(), people: self.people.clone(), note: self.note.clone() }
    }
}

/// What the page shows beyond the demand itself, after an action.
#[derive(Default)]
struct Extras {
    toast: Option<String>,
    /// Open the household's data in full (the POST asked for it).
    full_household: bool,
    step_error: Option<String>,
    take_form: TakeForm,
    take_errors: Vec<FieldError>,
    order_error: Option<String>,
    decide_error: Option<String>,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub change: String,
    pub note: String,
}

/// The household block as this caller may see it.
pub struct HouseholdView {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    /// Opened in full for this one answer.
    pub full: bool,
}

pub struct StepButton {
    pub key: &'static str,
    pub label: &'static str,
    pub needs_note: bool,
    pub danger: bool,
    pub confirm: String,
}

pub struct MatchRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: &'static str,
    pub offer_id: Option<i64>,
    pub funds: String,
    pub people: i64,
    pub note: String,
    pub proposed: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub decided: String,
    pub decline_reason: String,
    pub score: i64,
    pub reasons: Vec<Reason>,
    /// The caller is the side that confirms or declines.
    pub can_decide: bool,
    /// The caller proposed it and may withdraw it.
    pub can_cancel: bool,
}

pub struct RecOrg {
    pub org_id: i64,
    pub name: String,
    pub region: String,
    pub fields: String,
    pub score: Score,
}

pub struct RecOffer {
    pub offer_id: i64,
    pub title: String,
    pub org_name: String,
    pub funds: String,
    pub capacity_left: i64,
    pub score: Score,
}

pub struct ProjectView {
    pub org_id: i64,
    pub org_name: String,
    pub funds: String,
    pub people: i64,
    pub beneficiaries: i64,
    pub status: &'static str,
    pub created_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_detail.html")]
struct DetailPage {
    layout: Layout,
    d: Demand,
    r: DemandRow,
    mode: &'static str,
    created_at: String,
    published_at: String,
    matched_at: String,
    closed_at: String,
    events: Vec<EventRow>,
    files: Vec<(i64, String)>,
    can_download: bool,
    can_upload: bool,
    is_org: bool,
    is_household: bool,
    household: Option<HouseholdView>,
    may_full: bool,
    steps: Vec<StepButton>,
    step_error: Option<String>,
    matches: Vec<MatchRow>,
    decide_error: Option<String>,
    show_recs: bool,
    rec_orgs: Vec<RecOrg>,
    rec_offers: Vec<RecOffer>,
    can_order: bool,
    order_error: Option<String>,
    own_score: Option<Score>,
    can_take: bool,
    take_pending: bool,
    take_form: TakeForm,
    take_errors: Vec<FieldError>,
    my_offers: Vec<(i64, String)>,
    project: Option<ProjectView>,
}

impl DetailPage {
    fn take_err(&self, field: &str) -> Option<&str> {
        self.take_errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn step_confirm(s: Step, title: &str) -> String {
    match s {
        Step::Submit => format!("提交后由民政部门审核，审核期间不能修改。确定提交“{title}”吗？"),
        Step::Approve => format!("审核通过后需求将向社会组织和社会公众发布。确定发布“{title}”吗？"),
        Step::Return => "确定退回修改吗？".into(),
        Step::Withdraw => format!("撤回后该需求关闭，不能恢复。确定撤回“{title}”吗？"),
        Step::Start => "确定开始实施吗？".into(),
        Step::Finish => "确认帮扶项目已完成吗？".into(),
        _ => format!("确定{}吗？", s.label()),
    }
}

fn parse_reasons(json: &str) -> Vec<Reason> {
    #[derive(serde::Deserialize)]
    struct R {
        label: String,
        points: i32,
    }
    serde_json::from_str::<Vec<R>>(json).map(|v| v.into_iter().map(|r| Reason { label: r.label, points: r.points }).collect()).unwrap_or_default()
}

fn match_status_class(m: &Match) -> &'static str {
    match m.status.as_str() {
        "pending" => "tag-warn",
        "confirmed" => "tag-ok",
        _ => "tag-grey",
    }
}

async fn detail_page(state: &AppState, cu: &CurrentUser, id: i64, x: Extras) -> Result<DetailPage, AppError> {
    let who = &cu.principal;
    let d = ops::visible(state, who, id).await?;
    let region = d.region();
    let status = d.status();
    let is_org = who.role == Role::Organization;
    let own_org = who.org_id.filter(|_| is_org);
    let is_household = d.target() == duijie_domain::demand::Target::Household;
    let label = |s: &str| Status::parse(s).map(|s| s.label()).unwrap_or("—");
    let events = demand::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: fmt_time(e.at),
            actor: e.actor,
            change: if e.from_status.is_empty() { format!("录入（{}）", label(&e.to_status)) } else { format!("{} → {}", label(&e.from_status), label(&e.to_status)) },
            note: e.note,
        })
        .collect();
    let may_household = decide(who, Action::ViewHousehold, Target::Region(&region)).is_allowed();
    let can_edit = decide(who, Action::EditDemand, Target::Region(&region)).is_allowed();
    // Files of a household demand may show the family: only those who may see the household open them.
    let can_download = !is_household || may_household;
    let files = if can_download { demand::files_of(&state.db, id).await? } else { Vec::new() };
    let household = if is_org {
        None
    } else {
        ops::household(state, who, &actor(cu), &d, x.full_household && may_household).await?.map(|(h, full)| HouseholdView {
            name: h.name,
            id_number: h.id_number,
            phone: h.phone,
            full,
        })
    };
    let project = matching::project_of_demand(&state.db, id).await?;
    let steps = ops::steps_for(state, who, &d, project.as_ref().map(|p| p.org_id))
        .into_iter()
        .map(|s| StepButton {
            key: s.key(),
            label: s.label(),
            needs_note: matches!(s, Step::Return | Step::Withdraw),
            danger: matches!(s, Step::Return | Step::Withdraw),
            confirm: step_confirm(s, &d.title),
        })
        .collect();
    let county_side = decide(who, Action::OrderOffer, Target::Region(&region)).is_allowed();
    let mut matches = Vec::new();
    let mut take_pending = false;
    // The county chain sees every match; an organisation its own; others none.
    for m in ops::matches_visible(state, who, &d).await? {
        let org_side = own_org == Some(m.org_id);
        let pending = m.status == "pending";
        if pending && org_side {
            take_pending = true;
        }
        let proposer = (m.initiated_by == "org" && org_side) || (m.initiated_by == "county" && county_side);
        let other = (m.initiated_by == "org" && county_side) || (m.initiated_by == "county" && org_side);
        matches.push(MatchRow {
            id: m.id,
            org_id: m.org_id,
            org_name: m.org_name.clone(),
            kind: if m.initiated_by == "org" { "接单" } else { "点单" },
            offer_id: m.offer_id,
            funds: wan(m.funds_fen),
            people: m.people,
            note: m.note.clone(),
            proposed: format!("{}，{}", m.proposed_by, fmt_time(m.proposed_at)),
            status: m.status_label(),
            status_class: match_status_class(&m),
            decided: match (&m.decided_by, m.decided_at) {
                (Some(b), Some(a)) => format!("{b}，{}", fmt_time(a)),
                _ => String::new(),
            },
            decline_reason: m.decline_reason.clone(),
            score: m.score,
            reasons: parse_reasons(&m.reasons),
            can_decide: pending && other && status == Status::Published,
            can_cancel: pending && proposer && !other,
        });
    }
    let published = status == Status::Published;
    let (mut rec_orgs, mut rec_offers, mut own_score) = (Vec::new(), Vec::new(), None);
    let show_recs = published && who.role.is_government();
    if show_recs {
        let (orgs, offers) = ops::recommend_for_demand(state, &d, 10).await?;
        let ids: Vec<i64> = orgs.iter().map(|r| r.org_id).collect();
        let mut found: HashMap<i64, duijie_store::orgs::Organization> = duijie_store::orgs::by_ids(&state.db, &ids).await?.into_iter().map(|o| (o.id, o)).collect();
        for r in orgs {
            if let Some(o) = found.remove(&r.org_id) {
                rec_orgs.push(RecOrg { org_id: o.id, region: state.tree.full_name(&o.region()), fields: o.fields.clone(), name: o.name, score: r.score });
            }
        }
        let ids: Vec<i64> = offers.iter().filter_map(|r| r.offer_id).collect();
        let mut found: HashMap<i64, supply::Offer> = supply::by_ids(&state.db, &ids).await?.into_iter().map(|f| (f.id, f)).collect();
        for r in offers {
            if let Some(f) = r.offer_id.and_then(|id| found.remove(&id)) {
                rec_offers.push(RecOffer { offer_id: f.id, capacity_left: f.capacity_left(), funds: wan(f.funds_fen), title: f.title, org_name: f.org_name, score: r.score });
            }
        }
    } else if published && let Some(org) = own_org {
        own_score = ops::fit_for_org(state, &d, org).await.0.map(|r| r.score);
    }
    let mut can_take = false;
    let mut my_offers = Vec::new();
    if let (true, Some(org_id)) = (published, own_org)
        && let Some(org) = duijie_store::orgs::get(&state.db, org_id).await?
    {
        can_take = decide(who, Action::TakeDemand, Target::Organization { id: org.id, region: &org.region() }).is_allowed();
        my_offers = supply::list(&state.db, Some(org_id), None, true, 100, 0)
            .await?
            .0
            .into_iter()
            .filter(|f| f.capacity_left() > 0 && f.fields_list().contains(&d.field))
            .map(|f| (f.id, f.title))
            .collect();
    }
    let project = match project {
        Some(p) => {
            let org_name = duijie_store::orgs::get(&state.db, p.org_id).await?.map(|o| o.name).unwrap_or_default();
            Some(ProjectView {
                org_id: p.org_id,
                org_name,
                funds: wan(p.funds_fen),
                people: p.people,
                beneficiaries: p.beneficiaries,
                status: match p.status.as_str() {
                    "planned" => "待实施",
                    "in_progress" => "实施中",
                    "done" => "已完成",
                    _ => "—",
                },
                created_at: fmt_time(p.created_at),
            })
        }
        None => None,
    };
    let t = |v: Option<i64>| v.map(fmt_time).unwrap_or_default();
    Ok(DetailPage {
        layout: Layout::new(state, cu, "demands", x.toast).await,
        r: demand_row(state, &d).await,
        mode: super::mode_label(&d.mode),
        created_at: fmt_time(d.created_at),
        published_at: t(d.published_at),
        matched_at: t(d.matched_at),
        closed_at: t(d.closed_at),
        events,
        files,
        can_download,
        can_upload: can_edit && !status.is_closed(),
        is_org,
        is_household,
        household,
        may_full: may_household,
        steps,
        step_error: x.step_error,
        matches,
        decide_error: x.decide_error,
        show_recs,
        rec_orgs,
        rec_offers,
        can_order: published && county_side,
        order_error: x.order_error,
        own_score,
        can_take: can_take && !take_pending,
        take_pending,
        take_form: x.take_form,
        take_errors: x.take_errors,
        my_offers,
        project,
        d,
    })
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    detail_page(&state, &cu, id, Extras { toast: t.ok, ..Extras::default() }).await
}

/// The page again with a problem shown where it happened (422).
async fn again(state: &AppState, cu: &CurrentUser, id: i64, x: Extras) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(state, cu, id, x).await?).into_response())
}

fn message(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(_) | AppError::BadRequest(..) | AppError::Conflict(_) => Some(e.message()),
        _ => None,
    }
}

/// The full household data, once, on the page that answers this POST (audited).
async fn household_full(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<DetailPage, AppError> {
    let cu = p.user;
    let d = ops::visible(&state, &cu.principal, id).await?;
    crate::pairing::require(decide(&cu.principal, Action::ViewHousehold, Target::Region(&d.region())))?;
    detail_page(&state, &cu, id, Extras { full_household: true, toast: Some("本次查看已记入审计日志".into()), ..Extras::default() }).await
}

#[derive(serde::Deserialize)]
struct StepForm {
    step: Step,
    #[serde(default)]
    note: String,
}

async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StepForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let s = p.form.step;
    if p.form.note.trim().is_empty() && matches!(s, Step::Return | Step::Withdraw) {
        ops::visible(&state, &cu.principal, id).await?;
        let why = if s == Step::Return { "请写明退回修改的原因" } else { "请写明撤回的原因" };
        return again(&state, &cu, id, Extras { step_error: Some(why.into()), ..Extras::default() }).await;
    }
    match ops::step(&state, &cu.principal, &actor(&cu), id, s, p.form.note.trim()).await {
        Ok(after) => Ok(done(&format!("/demands/{id}"), &format!("办理完成：{}，当前状态：{}", s.label(), after.status().label()))),
        Err(e) => match message(&e) {
            Some(m) => again(&state, &cu, id, Extras { step_error: Some(m), ..Extras::default() }).await,
            None => Err(e),
        },
    }
}

async fn take(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<TakeForm>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::take(&state, &cu.principal, &actor(&cu), id, &p.form.input()).await {
        Ok(_) => Ok(done(&format!("/demands/{id}"), "已申请承接，等待县级乡村振兴部门确认")),
        Err(AppError::Invalid(errors)) => again(&state, &cu, id, Extras { take_form: p.form, take_errors: errors, ..Extras::default() }).await,
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_))) => {
            let errors = vec![FieldError::new("form", e.message())];
            again(&state, &cu, id, Extras { take_form: p.form, take_errors: errors, ..Extras::default() }).await
        }
        Err(e) => Err(e),
    }
}

async fn order(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<TakeForm>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::order(&state, &cu.principal, &actor(&cu), id, &p.form.input()).await {
        Ok(_) => Ok(done(&format!("/demands/{id}"), "已点单，等待社会组织确认")),
        Err(e) => match message(&e) {
            Some(m) => again(&state, &cu, id, Extras { order_error: Some(m), ..Extras::default() }).await,
            None => Err(e),
        },
    }
}

#[derive(serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

async fn decide_match(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<DecideForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let confirm = p.form.confirm.trim() == "true";
    match ops::decide_match(&state, &cu.principal, &actor(&cu), id, confirm, &p.form.reason).await {
        Ok(m) => {
            let msg = match m.status.as_str() {
                "confirmed" => format!("对接成功：{} 承接该需求", m.org_name),
                "cancelled" => "已撤回对接申请".to_string(),
                _ => "已答复不同意对接".to_string(),
            };
            Ok(done(&format!("/demands/{}", m.demand_id), &msg))
        }
        Err(e) => match message(&e) {
            Some(msg) => {
                // `decide_match` has already checked that the caller may see the demand.
                let m = matching::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
                again(&state, &cu, m.demand_id, Extras { decide_error: Some(msg), ..Extras::default() }).await
            }
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------- files

async fn upload_file(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, mut mp: Multipart) -> Result<Response, AppError> {
    let form = crate::uploads::read_multipart(&mut mp).await?;
    if !duijie_domain::crypto::constant_time_eq(form.get("_csrf").as_bytes(), cu.csrf.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let d = ops::visible(&state, &cu.principal, id).await?;
    crate::pairing::require(decide(&cu.principal, Action::EditDemand, Target::Region(&d.region())))?;
    let Some((name, bytes)) = form.chosen_file() else {
        return Err(AppError::field("file", "请选择要上传的照片或文件"));
    };
    let Some(content_type) = crate::uploads::sniff_scan(bytes) else {
        return Err(AppError::field("file", "只能上传 PDF、JPG、PNG 或 WebP 文件"));
    };
    let name = crate::uploads::clean_file_name(name);
    let mut tx = state.db.begin().await?;
    demand::add_file(&mut tx, &actor(&cu), &d, &name, content_type, bytes).await?;
    tx.commit().await?;
    Ok(done(&format!("/demands/{id}"), &format!("已上传附件“{name}”")))
}

async fn file(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = demand::file(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let d = ops::visible(&state, &cu.principal, f.demand_id).await?;
    if d.target() == duijie_domain::demand::Target::Household && !decide(&cu.principal, Action::ViewHousehold, Target::Region(&d.region())).is_allowed() {
        return Err(AppError::NotFound);
    }
    let disposition = format!("attachment; filename=\"file-{id}\"; filename*=UTF-8''{}", crate::pages::urlencode(&f.file_name));
    Ok(([(header::CONTENT_TYPE, f.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], f.bytes).into_response())
}
