//! Pairing pages (结对帮扶): the list, proposing, a pairing's page with its
//! steps and agreement, batches and the published list as of any date.
//!
//! Guarantees: every handler authenticates, goes through `crate::pairing` (so
//! `authz::decide` is asked before anything is shown or changed, and a pairing
//! outside the caller's scope answers 404), and redirects with a toast after a
//! change. Forms show what is wrong under each field and keep what was typed.

pub(crate) mod adjust;
pub(crate) mod plan;
pub(crate) mod team;

use super::actions::xlsx_download;
use super::designations::actor;
use super::{Layout, Toast, done, fmt_date, fmt_time};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use duijie_app::pairing::{self as ops, BatchInput, ProposeInput, may};
use duijie_app::require;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::pairing::{Kind, Status, Step};
use duijie_domain::{FieldError, Role};
use duijie_store::pairing::{self, Batch, Filter, Pairing};
use duijie_store::pairing::end_of_day;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing", get(list))
        .route("/pairing/new", get(new_form).post(new_submit))
        .route("/pairing/{id}", get(detail))
        .route("/pairing/{id}/step", post(step))
        .route("/pairing/{id}/agreement.docx", get(agreement))
        .route("/pairing/{id}/signed", post(upload_signed))
        .route("/pairing/files/{id}", get(file))
        .route("/pairing/batches", post(create_batch))
        .route("/pairing/batches/{id}", get(batch_list))
        .route("/pairing/batches/{id}/publish", post(publish_batch))
        .route("/pairing/batches/{id}/list.xlsx", get(batch_export))
        .route("/pairing/due", get(due))
        .merge(plan::router())
        .merge(adjust::router())
        .merge(team::router())
}

/// A pairing as a table row.
pub struct Row {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: &'static str,
    pub target: String,
    pub target_label: String,
    pub batch: String,
    pub status: &'static str,
    pub status_class: &'static str,
    /// Group pairing: its team and "组团：…（牵头：…）" ("" outside a team).
    pub team_id: Option<i64>,
    pub team: String,
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Proposed | Status::Signed => "tag-warn",
        Status::Consented => "",
        Status::Active => "tag-ok",
        _ => "tag-off",
    }
}

pub fn row(state: &AppState, p: &Pairing) -> Row {
    Row {
        id: p.id,
        org_id: p.org_id,
        org_name: p.org_name.clone(),
        kind: p.kind().label(),
        target: p.place(&state.tree),
        target_label: p.target_label.clone(),
        batch: p.batch_name.clone(),
        status: p.status().label(),
        status_class: status_class(p.status()),
        team_id: p.team_id,
        team: if p.team_name.is_empty() { String::new() } else { pairing::team::label(&p.team_name, &p.team_lead) },
    }
}

/// A batch as the list page shows it.
pub struct BatchRow {
    pub id: i64,
    pub title: String,
    pub doc_no: String,
    pub deadline: String,
    pub published: String,
    pub can_publish: bool,
}

fn batch_title(state: &AppState, b: &Batch) -> String {
    let issuer = if b.region_code.is_empty() { "全国".to_string() } else { state.tree.full_name(&b.region()) };
    format!("{issuer}·{}", b.name)
}

fn batch_rows(state: &AppState, cu: &CurrentUser, batches: &[Batch]) -> Vec<BatchRow> {
    batches
        .iter()
        .map(|b| BatchRow {
            id: b.id,
            title: batch_title(state, b),
            doc_no: b.doc_no.clone(),
            deadline: b.deadline().map(|d| fmt_date(&d)).unwrap_or_default(),
            published: b.published_at.map(fmt_time).unwrap_or_default(),
            can_publish: !b.is_published() && decide(&cu.principal, Action::ManageBatch, Target::Region(&b.region())).is_allowed(),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    batch_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListQuery,
    batches: Vec<BatchRow>,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    is_org: bool,
    can_propose: bool,
    can_manage_batch: bool,
    can_plan: bool,
    batch_form: BatchInput,
    batch_errors: Vec<FieldError>,
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.batch_errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

const PER_PAGE: i64 = 20;

async fn list_page(state: &AppState, cu: &CurrentUser, q: ListQuery, batch_form: BatchInput, batch_errors: Vec<FieldError>) -> Result<ListPage, AppError> {
    let who = &cu.principal;
    let region = duijie_app::pickers::read_filter(state, Some(who), &q.region).await.unwrap_or_else(|_| q.region.clone());
    let filter = Filter { batch_id: q.batch_id.parse().ok(), status: q.status.clone(), kind: q.kind.clone(), region, org_id: None };
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = pairing::list(&state.db, &who.scope(), &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let batches = pairing::batches(&state.db).await?;
    let own = Target::Region(who.region());
    Ok(ListPage {
        layout: Layout::new(state, cu, "pairing", q.ok.clone()).await,
        rows: items.iter().map(|p| row(state, p)).collect(),
        total,
        page,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        batches: batch_rows(state, cu, &batches),
        statuses: Status::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        is_org: who.role() == Role::Organization,
        can_propose: decide(who, Action::ProposePairing, own).is_allowed(),
        can_manage_batch: decide(who, Action::ManageBatch, own).is_allowed(),
        can_plan: decide(who, Action::PlanPairing, own).is_allowed(),
        q,
        batch_form,
        batch_errors,
    })
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    list_page(&state, &cu, q, BatchInput::default(), Vec::new()).await
}

async fn create_batch(State(state): State<AppState>, p: Posted<BatchInput>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::create_batch(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from) {
        Ok(_) => Ok(done("/pairing", &format!("已创建批次“{}”", p.form.name.trim()))),
        Err(AppError::Invalid(errors)) => {
            let page = list_page(&state, &cu, ListQuery::default(), p.form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn publish_batch(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<Response, AppError> {
    let cu = p.user;
    let (b, n) = ops::publish_batch(&state, &cu.principal, &actor(&cu), id).await?;
    Ok(done("/pairing", &format!("“{}”名单已发布，列入 {n} 个结对", b.name)))
}

#[derive(serde::Deserialize, Default)]
pub struct Empty {}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_new.html")]
struct NewPage {
    layout: Layout,
    form: ProposeInput,
    errors: Vec<FieldError>,
    batches: Vec<BatchRow>,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    is_org: bool,
    members: Vec<(i64, String)>,
    fields_hint: String,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Whether the form shows a field of this name (where its error appears).
    fn shows(&self, field: &str) -> bool {
        match field {
            "credit_code" => !self.is_org,
            "member_id" => !self.members.is_empty(),
            _ => ["batch_id", "kind", "region", "target_label", "fields", "commitments", "funds_wan", "people", "term_start", "term_end"].contains(&field),
        }
    }

    /// Errors about fields the form does not show, and whole-form problems: said at the top.
    fn top_errors(&self) -> Vec<&str> {
        self.errors.iter().filter(|e| !self.shows(&e.field)).map(|e| e.message.as_str()).collect()
    }
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    kind: String,
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: ProposeInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    let who = &cu.principal;
    if who.role() != Role::Organization && !decide(who, Action::ProposePairing, Target::Region(who.region())).is_allowed() {
        return Err(AppError::Forbidden);
    }
    let batches: Vec<Batch> = pairing::batches(&state.db).await?.into_iter().filter(|b| !b.is_published()).collect();
    // The member enterprises of the organisation the form is about: the caller's
    // own, or (an officer) the one named by credit code, once it is typed and
    // the officer may see its record — so that 会员企业—村 can be proposed by both.
    let org = match who.org_id().filter(|_| who.role() == Role::Organization) {
        Some(id) => duijie_store::orgs::get(&state.db, id).await?,
        None => match duijie_domain::Uscc::parse(&form.credit_code) {
            Ok(code) => duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?,
            Err(_) => None,
        },
    };
    let members = match org.and_then(|o| o.check(who, Action::ViewOrganization).ok()) {
        Some(o) => duijie_store::orgs::members_of(&state.db, o.id).await?.into_iter().map(|m| (m.id, m.name)).collect(),
        None => Vec::new(),
    };
    Ok(NewPage {
        layout: Layout::new(state, cu, "pairing", None).await,
        form,
        errors,
        batches: batch_rows(state, cu, &batches),
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label(), k.label_prompt().unwrap_or(""))).collect(),
        is_org: who.role() == Role::Organization,
        members,
        fields_hint: duijie_domain::org::FIELDS.join("、"),
    })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<NewQuery>) -> Result<NewPage, AppError> {
    let form = ProposeInput { region: q.region, kind: if q.kind.is_empty() { "county".into() } else { q.kind }, ..ProposeInput::default() };
    new_page(&state, &cu, form, Vec::new()).await
}

async fn new_submit(State(state): State<AppState>, p: Posted<ProposeInput>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::propose(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from) {
        Ok(id) => Ok(done(&format!("/pairing/{id}"), "结对提议已提交，等待对方同意")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response()),
        Err(e) => Err(e),
    }
}

/// One line of a pairing's history.
pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub change: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_detail.html")]
struct DetailPage {
    layout: Layout,
    p: Pairing,
    r: Row,
    org_region: String,
    funds: String,
    deadline: String,
    events: Vec<EventRow>,
    steps: Vec<(&'static str, &'static str, bool)>,
    can_sign: bool,
    can_download: bool,
    can_adjust: bool,
    is_listed: bool,
    org_consent: String,
    county_consent: String,
    credit_warning: Option<String>,
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    let who = &cu.principal;
    let p = ops::visible(&state.db, who, id).await?;
    let batch = pairing::batch(&state.db, p.batch_id).await?.ok_or(AppError::NotFound)?;
    let label = |s: &str| Status::parse(s).map(|s| s.label()).unwrap_or("—");
    let events = pairing::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventRow { at: fmt_time(e.at), actor: e.actor, change: if e.from_status.is_empty() { format!("提出（{}）", label(&e.to_status)) } else { format!("{} → {}", label(&e.from_status), label(&e.to_status)) }, note: e.note })
        .collect();
    let steps = ops::steps_for(who, &p)
        .into_iter()
        .map(|s| (s.key(), s.label(), matches!(s, Step::Decline | Step::Withdraw | Step::End)))
        .collect();
    let status = p.status();
    let org = duijie_app::open(duijie_store::orgs::get(&state.db, p.org_id).await?, &cu.principal, Action::ViewOrgPublic).ok();
    let consent = |by: &Option<String>, at: Option<i64>| match (by, at) {
        (Some(b), Some(a)) => format!("{b}，{}", fmt_time(a)),
        _ => "待同意".into(),
    };
    Ok(DetailPage {
        layout: Layout::new(&state, &cu, "pairing", t.ok).await,
        r: row(&state, &p),
        org_region: state.tree.full_name(p.org_region()),
        funds: if p.funds_fen > 0 { format!("{} 万元", duijie_domain::pairing::format_wan(p.funds_fen)) } else { "—".into() },
        deadline: batch.deadline().map(|d| fmt_date(&d)).unwrap_or_default(),
        events,
        steps,
        can_sign: may(who, Action::SignAgreement, &p) && matches!(status, Status::Consented | Status::Signed),
        can_download: !matches!(status, Status::Proposed | Status::Declined | Status::Withdrawn),
        can_adjust: p.listed_at.is_some() && !status.is_closed() && adjust::may_request_for(who, &p),
        is_listed: p.listed_at.is_some() && p.delisted_at.is_none(),
        org_consent: consent(&p.org_consent_by, p.org_consent_at),
        county_consent: consent(&p.county_consent_by, p.county_consent_at),
        credit_warning: org.as_ref().and_then(|o| duijie_domain::org::may_take_new_work(o.credit_list()).err()),
        p,
    })
}

#[derive(serde::Deserialize)]
struct StepForm {
    step: Step,
    #[serde(default)]
    note: String,
}

async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StepForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let after = ops::take_step(&state, &cu.principal, &actor(&cu), id, p.form.step, &p.form.note).await?;
    Ok(done(&format!("/pairing/{id}"), &format!("办理完成：{}，当前状态：{}", p.form.step.label(), after.status().label())))
}

async fn agreement(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let p = ops::visible(&state.db, &cu.principal, id).await?;
    let bytes = crate::agreement::agreement_docx(&state, &p).await?;
    Ok(word_file(&format!("agreement-{id}.docx"), &format!("结对帮扶协议书-{}.docx", p.org_name), bytes))
}

/// A Word document to download, named `name` (with `ascii` for old browsers).
pub(super) fn word_file(ascii: &str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", super::urlencode(name));
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

async fn upload_signed(State(state): State<AppState>, Path(id): Path<i64>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let Some((name, bytes)) = form.chosen_file() else {
        return Err(AppError::field("file", "请选择已签订协议的扫描件"));
    };
    ops::upload_signed(&state, &cu.principal, &actor(&cu), id, name, bytes).await?;
    Ok(done(&format!("/pairing/{id}"), "已上传签订的协议，等待确认生效"))
}

async fn file(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = pairing::file(&state.db, id).await?.ok_or(AppError::NotFound)?;
    match (f.pairing_id, f.adjustment_id) {
        (Some(pid), _) => {
            ops::visible(&state.db, &cu.principal, pid).await?;
        }
        (None, Some(aid)) => {
            duijie_app::pairing::adjustment_visible(&state.db, &cu.principal, aid).await?;
        }
        (None, None) if f.team_id.is_some() => {
            duijie_app::pairing::team::visible(&state.db, &cu.principal, f.team_id.unwrap_or_default()).await?;
        }
        _ => return Err(AppError::NotFound),
    }
    let disposition = format!("attachment; filename=\"file-{id}\"; filename*=UTF-8''{}", super::urlencode(&f.file_name));
    Ok(([(header::CONTENT_TYPE, f.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], f.bytes).into_response())
}

#[derive(serde::Deserialize, Default)]
struct AsOf {
    /// 2026-11-23: the list as it stood at the end of that day (Beijing time).
    #[serde(default)]
    date: String,
}

fn as_of(q: &AsOf) -> Result<(i64, String), AppError> {
    if q.date.trim().is_empty() {
        return Ok((duijie_store::now(), String::new()));
    }
    let d = duijie_domain::date::parse_date(&q.date).ok_or_else(|| AppError::field("date", "日期无效，例如 2026-11-23"))?;
    Ok((end_of_day(d), d.format("%Y-%m-%d").to_string()))
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_batch.html")]
struct BatchPage {
    layout: Layout,
    b: BatchRow,
    published: bool,
    date: String,
    rows: Vec<Row>,
}

async fn batch_list(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(q): Query<AsOf>) -> Result<BatchPage, AppError> {
    let b = pairing::batch(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (at, date) = as_of(&q)?;
    let rows = visible_list(&state, &cu, &b, at).await?;
    Ok(BatchPage {
        layout: Layout::new(&state, &cu, "pairing", None).await,
        b: batch_rows(&state, &cu, std::slice::from_ref(&b)).remove(0),
        published: b.is_published(),
        date,
        rows: rows.iter().map(|p| row(&state, p)).collect(),
    })
}

/// The list of a batch at `at` (published) or its open pairings (draft), within the caller's scope.
async fn visible_list(state: &AppState, cu: &CurrentUser, b: &Batch, at: i64) -> Result<Vec<Pairing>, AppError> {
    let all = if b.is_published() { pairing::list_as_of(&state.db, &cu.principal.scope(), b.id, at).await? } else { pairing::list::current_rows(&state.db, &cu.principal.scope(), b).await? };
    Ok(pairing::list::group_teams(all.into_iter().filter(|p| may(&cu.principal, Action::ViewPairing, p)).collect()))
}

async fn batch_export(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(q): Query<AsOf>) -> Result<Response, AppError> {
    let b = pairing::batch(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (at, date) = as_of(&q)?;
    let rows: Vec<_> = visible_list(&state, &cu, &b, at).await?.iter().map(|p| pairing::list::export_row(&state.tree, p)).collect();
    let mut title = format!("{}结对帮扶名单（{}）", if b.region_code.is_empty() { "全国性社会组织".to_string() } else { format!("{}社会组织", state.tree.full_name(&b.region())) }, b.name);
    if !date.is_empty() {
        title.push_str(&format!("（截至{}）", date));
    }
    // A published list is a record: its file carries the batch's log receipt.
    let receipt = if b.is_published() { crate::agreement::receipt(&state, "pairing_batch", b.id).await? } else { None };
    let bytes = duijie_office::pairing_list::write_published_list(&title, &rows, receipt.as_ref()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download(&format!("pairing-list-{id}.xlsx"), &format!("{title}.xlsx"), bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_due.html")]
struct DuePage {
    layout: Layout,
    rows: Vec<(Row, String, i64)>,
}

/// Pairings whose agreement is not yet signed, deadline within 30 days or past.
async fn due(State(state): State<AppState>, cu: CurrentUser) -> Result<DuePage, AppError> {
    let today = super::today();
    let list = pairing::remind::due(&state.db, &cu.principal.scope(), today, 30).await?;
    Ok(DuePage {
        layout: Layout::new(&state, &cu, "pairing", None).await,
        rows: list.iter().map(|d| (row(&state, &d.pairing), fmt_date(&d.deadline), d.days_left)).collect(),
    })
}

/// Refuses an organisation user acting for another organisation, and officers out of scope.
pub fn require_region(cu: &CurrentUser, action: Action, region: &duijie_domain::RegionCode) -> Result<(), AppError> {
    Ok(require(decide(&cu.principal, action, Target::Region(region)))?)
}
