//! A demand's page: its state, history, steps, household (masked, opened once with an audit row), matches, recommendations and projects, and the actions on it.

use super::*;
use duijie_domain::authz::Guarded;
use duijie_domain::matching::{Initiator, MatchStatus};

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
pub(super) struct Extras {
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
pub(super) struct DetailPage {
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

pub(super) fn step_confirm(s: Step, title: &str) -> String {
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

pub(super) fn parse_reasons(json: &str) -> Vec<Reason> {
    #[derive(serde::Deserialize)]
    struct R {
        label: String,
        points: i32,
    }
    serde_json::from_str::<Vec<R>>(json).map(|v| v.into_iter().map(|r| Reason { label: r.label, points: r.points }).collect()).unwrap_or_default()
}

pub(super) fn match_status_class(m: &Match) -> &'static str {
    match m.status {
        MatchStatus::Pending => "tag-warn",
        MatchStatus::Confirmed => "tag-ok",
        MatchStatus::Declined | MatchStatus::Cancelled => "tag-grey",
    }
}

pub(super) async fn detail_page(state: &AppState, cu: &CurrentUser, id: i64, x: Extras) -> Result<DetailPage, AppError> {
    let who = &cu.principal;
    let d = ops::visible(state, who, id).await?;
    let region = d.region();
    let status = d.status();
    let is_org = who.role() == Role::Organization;
    let own_org = who.org_id().filter(|_| is_org);
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
    let may_household = decide(who, Action::ViewHousehold, Target::Region(region)).is_allowed();
    let can_edit = decide(who, Action::EditDemand, Target::Region(region)).is_allowed();
    // Files of a household demand may show the family: only those who may see the household open them.
    let can_download = d.decide(who, Action::OpenDemandFile).is_allowed();
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
    let county_side = decide(who, Action::OrderOffer, Target::Region(region)).is_allowed();
    let mut matches = Vec::new();
    let mut take_pending = false;
    // The county chain sees every match; an organisation its own; others none.
    for m in ops::matches_visible(state, who, &d).await? {
        let org_side = own_org == Some(m.org_id);
        let pending = m.status == MatchStatus::Pending;
        if pending && org_side {
            take_pending = true;
        }
        let (proposer, other) = match m.initiated_by {
            Initiator::Org => (org_side, county_side),
            Initiator::County => (county_side, org_side),
        };
        matches.push(MatchRow {
            id: m.id,
            org_id: m.org_id,
            org_name: m.org_name.clone(),
            kind: m.initiated_by.kind(),
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
    let show_recs = published && who.role().is_government();
    if show_recs {
        let (orgs, offers) = ops::recommend_for_demand(state, &d, 10).await?;
        let ids: Vec<i64> = orgs.iter().map(|r| r.org_id).collect();
        let mut found: HashMap<i64, duijie_store::orgs::Organization> = duijie_store::orgs::by_ids(&state.db, &ids).await?.into_iter().map(|o| (o.id, o)).collect();
        for r in orgs {
            if let Some(o) = found.remove(&r.org_id) {
                rec_orgs.push(RecOrg { org_id: o.id, region: state.tree.full_name(o.region()), fields: o.fields.clone(), name: o.name, score: r.score });
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
        can_take = org.decision(who, Action::TakeDemand).is_allowed();
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
            let org_name = duijie_store::orgs::name(&state.db, p.org_id).await?.unwrap_or_default();
            Some(ProjectView {
                org_id: p.org_id,
                org_name,
                funds: wan(p.funds_fen),
                people: p.people,
                beneficiaries: p.beneficiaries,
                status: p.status.label(),
                created_at: fmt_time(p.created_at),
            })
        }
        None => None,
    };
    let t = |v: Option<i64>| v.map(fmt_time).unwrap_or_default();
    Ok(DetailPage {
        layout: Layout::new(state, cu, "demands", x.toast).await,
        r: demand_row(state, &d).await,
        mode: super::super::mode_label(&d.mode),
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

pub(super) async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    detail_page(&state, &cu, id, Extras { toast: t.ok, ..Extras::default() }).await
}

/// The page again with a problem shown where it happened (422).
pub(super) async fn again(state: &AppState, cu: &CurrentUser, id: i64, x: Extras) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(state, cu, id, x).await?).into_response())
}

pub(super) fn message(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(_) | AppError::BadRequest(..) | AppError::Conflict(_) => Some(e.message()),
        _ => None,
    }
}

/// The full household data, once, on the page that answers this POST (audited).
pub(super) async fn household_full(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<DetailPage, AppError> {
    let cu = p.user;
    let d = ops::visible(&state, &cu.principal, id).await?;
    duijie_app::require(decide(&cu.principal, Action::ViewHousehold, Target::Region(d.region())))?;
    detail_page(&state, &cu, id, Extras { full_household: true, toast: Some("本次查看已记入审计日志".into()), ..Extras::default() }).await
}

#[derive(serde::Deserialize)]
pub(super) struct StepForm {
    step: Step,
    #[serde(default)]
    note: String,
}

pub(super) async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StepForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let s = p.form.step;
    if p.form.note.trim().is_empty() && matches!(s, Step::Return | Step::Withdraw) {
        ops::visible(&state, &cu.principal, id).await?;
        let why = if s == Step::Return { "请写明退回修改的原因" } else { "请写明撤回的原因" };
        return again(&state, &cu, id, Extras { step_error: Some(why.into()), ..Extras::default() }).await;
    }
    match ops::step(&state, &cu.principal, &actor(&cu), id, s, p.form.note.trim()).await.map_err(AppError::from) {
        Ok(after) => Ok(done(&format!("/demands/{id}"), &format!("办理完成：{}，当前状态：{}", s.label(), after.status().label()))),
        Err(e) => match message(&e) {
            Some(m) => again(&state, &cu, id, Extras { step_error: Some(m), ..Extras::default() }).await,
            None => Err(e),
        },
    }
}

pub(super) async fn take(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<TakeForm>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::take(&state, &cu.principal, &actor(&cu), id, &p.form.input()).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/demands/{id}"), "已申请承接，等待县级乡村振兴部门确认")),
        Err(AppError::Invalid(errors)) => again(&state, &cu, id, Extras { take_form: p.form, take_errors: errors, ..Extras::default() }).await,
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_))) => {
            let errors = vec![FieldError::new("form", e.message())];
            again(&state, &cu, id, Extras { take_form: p.form, take_errors: errors, ..Extras::default() }).await
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn order(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<TakeForm>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::order(&state, &cu.principal, &actor(&cu), id, &p.form.input()).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/demands/{id}"), "已点单，等待社会组织确认")),
        Err(e) => match message(&e) {
            Some(m) => again(&state, &cu, id, Extras { order_error: Some(m), ..Extras::default() }).await,
            None => Err(e),
        },
    }
}

#[derive(serde::Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn decide_match(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<DecideForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let confirm = p.form.confirm.trim() == "true";
    match ops::decide_match(&state, &cu.principal, &actor(&cu), id, confirm, &p.form.reason).await.map_err(AppError::from) {
        Ok(m) => {
            let msg = match m.status {
                MatchStatus::Confirmed => format!("对接成功：{} 承接该需求", m.org_name),
                MatchStatus::Cancelled => "已撤回对接申请".to_string(),
                MatchStatus::Pending | MatchStatus::Declined => "已答复不同意对接".to_string(),
            };
            Ok(done(&format!("/demands/{}", m.demand_id), &msg))
        }
        Err(e) => match message(&e) {
            Some(msg) => {
                // `decide_match` has already checked that the caller may see the demand.
                let m = duijie_app::open(matching::get(&state.db, id).await?, &cu.principal, Action::DecideMatch)?;
                again(&state, &cu, m.demand_id, Extras { decide_error: Some(msg), ..Extras::default() }).await
            }
            None => Err(e),
        },
    }
}
