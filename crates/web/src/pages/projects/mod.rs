//! Projects' pages (帮扶项目): the list (an organisation's own projects, an
//! officer's projects in scope with filters and the 附件2 export), recording
//! a project and editing it, a project's page with its progress timeline, adding progress
//! with an evidence file, the helped county's confirmation, stopping, and
//! the evidence files themselves and pictures' thumbnails; the 附件2 upload is in [`import`], the
//! province's natures (项目性质) in [`natures`].
//!
//! Guarantees: every handler only reads the request, calls
//! `duijie_app::projects` (which decides access: a project outside the
//! caller's scope is 404) and renders; a refused form comes back with each
//! field's error under the field and what was typed kept.

use crate::auth::{CurrentUser, Posted, PostedUpload};
use crate::pages::designations::actor;
use crate::pages::demand::{pages, query_string};
use crate::pages::{Layout, done, fmt_time, wan};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_app::projects::{self as ops, ProjectEdit, EvidenceFile, ListInput, ProgressInput, ProjectInput};
use duijie_domain::project::{Source, Status};
use duijie_domain::{FieldError, Role};
use duijie_store::projects::Project;

mod import;
mod natures;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(import::router())
        .merge(natures::router())
        .route("/projects", get(list))
        .route("/projects/export.xlsx", get(export))
        .route("/projects/new", get(new_form).post(new_submit))
        .route("/projects/{id}", get(detail))
        .route("/projects/{id}/edit", get(edit_form).post(edit_submit))
        .route("/projects/{id}/progress", post(add_progress))
        .route("/projects/{id}/confirm", post(confirm))
        .route("/projects/{id}/stop", post(stop))
        .route("/projects/files/{id}", get(file))
        .route("/projects/files/{id}/thumb", get(thumbnail))
}

const PER_PAGE: i64 = 20;

/// A project as a table row.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub region: String,
    pub nature: String,
    pub field: String,
    pub funds: String,
    pub actual: String,
    pub people: i64,
    pub beneficiaries: i64,
    pub period: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Planned => "tag-grey",
        Status::InProgress => "tag-warn",
        Status::Done => "tag-ok",
        Status::Stopped => "tag-danger",
    }
}

fn day(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(|d| crate::pages::fmt_date(&d)).unwrap_or_default()
}

fn row(state: &AppState, p: &Project) -> Row {
    Row {
        id: p.id,
        title: p.title.clone(),
        org_name: p.org_name.clone(),
        region: ops::region_label(state, &p.region_code),
        nature: p.nature.clone(),
        field: if p.field.is_empty() { "—".into() } else { p.field.clone() },
        funds: wan(&p.funds_fen),
        actual: wan(&p.actual_funds_fen),
        people: p.people,
        beneficiaries: p.beneficiaries,
        period: match (day(&p.start_date), day(&p.end_date)) {
            (a, b) if a.is_empty() && b.is_empty() => "—".into(),
            (a, b) => format!("{a} 至 {}", if b.is_empty() { "—".to_string() } else { b }),
        },
        status: p.status().label(),
        status_class: status_class(p.status()),
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(flatten)]
    filter: ListInput,
    /// Text, as flattened query strings are read (a number would not parse).
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "project_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListInput,
    qs: String,
    is_org: bool,
    /// Whether the caller keeps its province's natures (a link to that page).
    may_manage_natures: bool,
    natures: Vec<String>,
    fields: Vec<&'static str>,
    actions: Vec<(i64, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn filter_pairs(q: &ListInput) -> Vec<(&'static str, String)> {
    vec![
        ("region", q.region.clone()),
        ("nature", q.nature.clone()),
        ("field", q.field.clone()),
        ("action", q.action.clone()),
        ("status", q.status.clone()),
        ("from", q.from.clone()),
        ("to", q.to.clone()),
        ("started", q.started.clone()),
    ]
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let who = &cu.principal;
    let page = q.page.as_deref().and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).clamp(1, 100_000);
    let (rows, total, errors) = match q.filter.check(&state, who).await {
        Ok(f) => {
            let (items, total) = ops::list(&state, who, &f, PER_PAGE, (page - 1) * PER_PAGE).await?;
            (items.iter().map(|p| row(&state, p)).collect(), total, Vec::new())
        }
        Err(duijie_app::Error::Invalid(errors)) => (Vec::new(), 0, errors),
        Err(e) => return Err(e.into()),
    };
    let pairs = filter_pairs(&q.filter);
    let qs = query_string(&pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = ListPage {
        layout: Layout::new(&state, &cu, "projects", q.ok.clone()).await,
        rows,
        total,
        page,
        pages: pages(total),
        qs,
        is_org: who.role() == Role::Organization,
        may_manage_natures: ops::may_manage_natures(who),
        natures: ops::natures(&state, who).await?,
        fields: duijie_domain::org::FIELDS.to_vec(),
        actions: ops::actions(&state, None).await?,
        statuses: Status::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        errors,
        q: q.filter,
    };
    Ok((status, body).into_response())
}

async fn export(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListInput>) -> Result<Response, AppError> {
    let f = q.check(&state, &cu.principal).await?;
    let unit = crate::pages::unit_of(&state, &cu).await;
    let bytes = ops::export(&state, &cu.principal, &f, &unit).await?;
    Ok(crate::xlsx_download("社会组织开展乡村振兴项目明细表.xlsx", bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "project_new.html")]
struct NewPage {
    layout: Layout,
    heading: &'static str,
    /// The project being edited (its id), or none when recording a new one.
    editing: Option<i64>,
    /// The version the edit form was read at.
    version: String,
    form: ProjectInput,
    errors: Vec<FieldError>,
    natures: Vec<String>,
    fields: Vec<&'static str>,
    groups: String,
    pairings: Vec<(i64, String)>,
    /// The special actions the project may name: (id, label).
    actions: Vec<(i64, String)>,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: ProjectInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    if cu.principal.role() != Role::Organization || cu.principal.org_id().is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(NewPage {
        layout: Layout::new(state, cu, "projects", None).await,
        heading: "录入帮扶项目",
        editing: None,
        version: String::new(),
        form,
        errors,
        natures: ops::natures(state, &cu.principal).await?,
        fields: duijie_domain::org::FIELDS.to_vec(),
        groups: duijie_domain::demand::GROUPS.join("、"),
        pairings: ops::active_pairings(state, &cu.principal).await?,
        actions: ops::actions(state, None).await?,
    })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    new_page(&state, &cu, ProjectInput::default(), Vec::new()).await
}

async fn new_submit(State(state): State<AppState>, p: Posted<ProjectInput>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::create(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from) {
        Ok(id) => Ok(done(&format!("/projects/{id}"), "帮扶项目已录入")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response()),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The edit form of project `id`: `form` as typed (or the project as it stands).
async fn edit_page(state: &AppState, cu: &CurrentUser, id: i64, form: Option<ProjectEdit>, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    let d = ops::detail(state, &cu.principal, id).await?;
    if !d.may_edit {
        return Err(if d.project.status().is_closed() { AppError::Conflict(format!("该项目{}，不能再修改", d.project.status().label())) } else { AppError::Forbidden });
    }
    let form = form.unwrap_or_else(|| ProjectEdit::of(&d.project));
    let province: String = d.project.region_code.as_str().chars().take(2).collect();
    Ok(NewPage {
        layout: Layout::new(state, cu, "projects", None).await,
        heading: "修改帮扶项目",
        editing: Some(id),
        version: form.version,
        form: form.project,
        errors,
        natures: ops::natures(state, &cu.principal).await?,
        fields: duijie_domain::org::FIELDS.to_vec(),
        groups: duijie_domain::demand::GROUPS.join("、"),
        pairings: Vec::new(),
        actions: ops::actions(state, Some(&province)).await?,
    })
}

async fn edit_form(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<NewPage, AppError> {
    edit_page(&state, &cu, id, None, Vec::new()).await
}

async fn edit_submit(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ProjectEdit>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::edit(&state, &cu.principal, &actor(&cu), id, &p.form).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/projects/{id}"), "项目信息已修改")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, edit_page(&state, &cu, id, Some(p.form), errors).await?).into_response()),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::CONFLICT, edit_page(&state, &cu, id, Some(p.form), errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// An evidence file on the timeline.
pub struct StepFile {
    pub id: i64,
    pub name: String,
    /// A picture with a thumbnail: shown small, linked to the full picture
    /// (a picture without one — too large, unreadable — is a link like a PDF).
    pub thumbnail: bool,
}

/// One progress update on the timeline.
pub struct Step {
    pub on: String,
    pub note: String,
    pub funds: String,
    pub people: i64,
    pub beneficiaries: i64,
    pub by: String,
    pub files: Vec<StepFile>,
}

#[derive(Template, WebTemplate)]
#[template(path = "project_detail.html")]
struct DetailPage {
    layout: Layout,
    p: Project,
    r: Row,
    source: &'static str,
    mode: String,
    created_at: String,
    done_at: String,
    steps: Vec<Step>,
    may_edit: bool,
    may_confirm: bool,
    form: ProgressInput,
    errors: Vec<FieldError>,
}

impl DetailPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn detail_page(state: &AppState, cu: &CurrentUser, id: i64, toast: Option<String>, form: ProgressInput, errors: Vec<FieldError>) -> Result<DetailPage, AppError> {
    let d = ops::detail(state, &cu.principal, id).await?;
    let steps = d
        .progress
        .iter()
        .map(|g| Step {
            on: day(&g.reported_on),
            note: g.note.clone(),
            funds: wan(&g.funds_fen),
            people: g.people,
            beneficiaries: g.beneficiaries,
            by: g.created_by.clone(),
            files: d.files.iter().filter(|f| f.progress_id == g.id).map(|f| StepFile { id: f.id, name: f.file_name.clone(), thumbnail: f.has_thumbnail }).collect(),
        })
        .collect();
    let mode = duijie_domain::demand::MODES.iter().find(|(k, _)| *k == d.project.mode).map(|(_, l)| l.to_string()).unwrap_or_else(|| "—".into());
    let form = if form.on.is_empty() { ProgressInput { on: duijie_app::today().format("%Y-%m-%d").to_string(), ..form } } else { form };
    Ok(DetailPage {
        layout: Layout::new(state, cu, "projects", toast).await,
        r: row(state, &d.project),
        source: Source::label_of(&d.project.source),
        mode,
        created_at: fmt_time(d.project.created_at),
        done_at: d.project.done_at.map(fmt_time).unwrap_or_default(),
        steps,
        may_edit: d.may_edit,
        may_confirm: d.may_confirm,
        form,
        errors,
        p: d.project,
    })
}

#[derive(serde::Deserialize, Default)]
struct Toast {
    #[serde(default)]
    ok: Option<String>,
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    detail_page(&state, &cu, id, t.ok, ProgressInput::default(), Vec::new()).await
}

async fn add_progress(State(state): State<AppState>, Path(id): Path<i64>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let input = ProgressInput { on: form.get("on"), note: form.get("note"), funds_wan: form.get("funds_wan"), people: form.get("people"), beneficiaries: form.get("beneficiaries") };
    let files: Vec<EvidenceFile> = form.chosen_file().map(|(n, b)| EvidenceFile { name: n.clone(), bytes: b.to_vec() }).into_iter().collect();
    match ops::add_progress(&state, &cu.principal, &actor(&cu), id, &input, &files).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/projects/{id}"), "进展已添加")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &cu, id, None, input, errors).await?).into_response()),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &cu, id, None, input, errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn confirm(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Toast>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::confirm(&state, &cu.principal, &actor(&cu), id).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/projects/{id}"), "已确认项目完成")),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::CONFLICT, detail_page(&state, &cu, id, None, ProgressInput::default(), errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize, Default)]
struct StopForm {
    #[serde(default)]
    reason: String,
}

async fn stop(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StopForm>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::stop(&state, &cu.principal, &actor(&cu), id, &p.form.reason).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/projects/{id}"), "项目已终止")),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &cu, id, None, ProgressInput::default(), errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// An evidence file: pictures shown in the page, PDFs downloaded.
async fn file(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = ops::evidence(&state, &cu.principal, id).await?;
    let how = if f.content_type.starts_with("image/") { "inline" } else { "attachment" };
    let disposition = format!("{how}; filename=\"file-{id}\"; filename*=UTF-8''{}", super::urlencode(&f.file_name));
    Ok(([(header::CONTENT_TYPE, f.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], f.bytes).into_response())
}

/// A picture's thumbnail (240 px), for the timeline; 404 for a file without one.
async fn thumbnail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let t = ops::evidence_thumbnail(&state, &cu.principal, id).await?;
    let disposition = format!("inline; filename=\"thumb-{id}.jpg\"");
    Ok(([(header::CONTENT_TYPE, t.content_type.clone()), (header::CONTENT_DISPOSITION, disposition), (header::CACHE_CONTROL, "private, max-age=86400".into())], t.bytes).into_response())
}
