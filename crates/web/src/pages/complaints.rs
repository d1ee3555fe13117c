//! Complaints and their investigation (投诉举报与查处): the public filing
//! form and status lookup, the civil-affairs office's list and handling, and
//! the organisation's list and answer.
//!
//! Guarantees:
//! - The public pages take no session. The filing form is CSRF-protected by a
//!   pre-login cookie (`ComplaintUpload`), takes at most
//!   `complaint::FILINGS_PER_HOUR` submissions per client address (429
//!   beyond), a body of at most `MAX_FILES` files of `MAX_FILE_BYTES`; a
//!   refused form comes back with each problem under its field and what was
//!   typed kept (files must be chosen again).
//! - The status page shows only `store::complaints::PublicStatus`: no notes,
//!   no identity; an unknown receipt says so without telling whether any
//!   complaint exists.
//! - Every other handler only reads the request, calls
//!   `duijie_app::complaints` (which decides access: 404 outside the caller's
//!   scope) and renders. The organisation's page is rendered from the same
//!   `Detail` the app filtered for it, and the complainant's contact is shown
//!   only after the handling office asks for it (audited by the app).

use crate::auth::{COMPLAINT_CSRF_COOKIE, ComplaintUpload, CurrentUser, Posted, PostedUpload, set_cookie};
use crate::pages::designations::actor;
use crate::pages::orgs::content_disposition;
use crate::pages::{Layout, Toast, done, fmt_time};
use crate::security::ClientAddr;
use crate::uploads::MultipartForm;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_app::complaints::{self as ops, Detail, FilingInput};
use duijie_app::projects::EvidenceFile;
use duijie_domain::FieldError;
use duijie_domain::complaint::{self, Category, OUTCOME_KINDS, OutcomeInput, Status};
use duijie_store::complaints::Contact;

/// The largest body of a form with files: every file at its largest, and the text.
const BODY_LIMIT: usize = complaint::MAX_FILES * complaint::MAX_FILE_BYTES + 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/complaints/new", get(new_form).post(submit).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/public/complaints/status", get(status_page))
        .route("/complaints", get(list))
        .route("/complaints/{id}", get(detail))
        .route("/complaints/{id}/assign", post(assign))
        .route("/complaints/{id}/step", post(step).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/complaints/{id}/ask", post(ask))
        .route("/complaints/{id}/close", post(close))
        .route("/complaints/{id}/follow-up", post(follow_up).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/complaints/{id}/answer", post(answer).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/complaints/{id}/complainant", post(complainant))
        .route("/complaints/files/{id}", get(download))
}

fn err<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

// ---------------------------------------------------------------------------
// Public: filing and status

#[derive(Template, WebTemplate)]
#[template(path = "complaint_new.html")]
struct NewPage {
    csrf: String,
    form: FilingInput,
    errors: Vec<FieldError>,
    categories: Vec<(&'static str, &'static str)>,
    max_files: usize,
    max_mb: usize,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        err(&self.errors, field)
    }
}

fn new_page(status: StatusCode, form: FilingInput, errors: Vec<FieldError>) -> Response {
    let csrf = duijie_domain::crypto::random_token();
    let page = NewPage {
        csrf: csrf.clone(),
        form,
        errors,
        categories: Category::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        max_files: complaint::MAX_FILES,
        max_mb: complaint::MAX_FILE_BYTES / 1024 / 1024,
    };
    (status, [(header::SET_COOKIE, set_cookie(COMPLAINT_CSRF_COOKIE, &csrf, 7200))], page).into_response()
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    org: String,
}

async fn new_form(Query(q): Query<NewQuery>) -> Response {
    new_page(StatusCode::OK, FilingInput { org: q.org, ..FilingInput::default() }, Vec::new())
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint_filed.html")]
struct FiledPage {
    receipt: String,
    office: String,
    due_on: String,
}

/// Files from the multipart form's `file` parts.
fn evidence(form: &MultipartForm) -> Vec<EvidenceFile> {
    form.files.iter().map(|(n, b)| EvidenceFile { name: n.clone(), bytes: b.to_vec() }).collect()
}

async fn submit(State(state): State<AppState>, client: ClientAddr, ComplaintUpload { form: mp }: ComplaintUpload) -> Result<Response, AppError> {
    if !duijie_store::throttle::allow(&state.db, &format!("complaint:{}", client.0), complaint::FILINGS_PER_HOUR, 3600, duijie_store::now()).await? {
        return Err(AppError::BadRequest(StatusCode::TOO_MANY_REQUESTS, "提交过于频繁，请一小时后再试".into()));
    }
    let input = FilingInput {
        category: mp.get("category"),
        org: mp.get("org"),
        unregistered_name: mp.get("unregistered_name"),
        place: mp.get("place"),
        description: mp.get("description"),
        anonymous: !mp.get("anonymous").is_empty(),
        contact_name: mp.get("contact_name"),
        contact_phone: mp.get("contact_phone"),
    };
    match ops::file(&state, &input, &evidence(&mp)).await {
        Ok(filed) => {
            let page = FiledPage { receipt: filed.receipt.printed(), office: filed.office, due_on: filed.due_on.format("%Y-%m-%d").to_string() };
            Ok(([(header::SET_COOKIE, set_cookie(COMPLAINT_CSRF_COOKIE, "", 0))], page).into_response())
        }
        Err(duijie_app::Error::Invalid(errors)) => Ok(new_page(StatusCode::UNPROCESSABLE_ENTITY, input, errors)),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
struct StatusQuery {
    #[serde(default)]
    receipt: String,
}

/// The public status as the page shows it.
struct PublicRow {
    receipt: String,
    category: &'static str,
    status: &'static str,
    closed: bool,
    filed: String,
    due_on: String,
    outcome: &'static str,
    summary: String,
    rectify_deadline: String,
    decided: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint_status.html")]
struct StatusPage {
    receipt: String,
    found: Option<PublicRow>,
    /// A receipt was typed and named nothing.
    missing: bool,
}

async fn status_page(State(state): State<AppState>, Query(q): Query<StatusQuery>) -> Result<StatusPage, AppError> {
    let typed = q.receipt.trim().to_string();
    if typed.is_empty() {
        return Ok(StatusPage { receipt: typed, found: None, missing: false });
    }
    let found = match ops::public_status(&state.db, &typed).await {
        Ok(s) => Some(PublicRow {
            receipt: complaint::Receipt::parse(&s.receipt).map(|r| r.printed()).unwrap_or(s.receipt.clone()),
            category: s.category.label(),
            status: s.status.label(),
            closed: s.status.is_decided(),
            filed: fmt_time(s.filed_at),
            due_on: s.due_on.clone(),
            outcome: complaint::kind_label(&s.outcome),
            summary: s.outcome_summary.clone(),
            rectify_deadline: s.rectify_deadline.clone(),
            decided: s.decided_at.map(fmt_time).unwrap_or_default(),
        }),
        Err(duijie_app::Error::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(StatusPage { receipt: typed, missing: found.is_none(), found })
}

// ---------------------------------------------------------------------------
// Logged in: lists and handling

struct Row {
    id: i64,
    category: &'static str,
    org: String,
    place: String,
    status: &'static str,
    overdue: bool,
    filed: String,
    due_on: String,
    outcome: &'static str,
}

/// Complaints on one page of the list.
const PER_PAGE: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "complaint_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    open_only: bool,
    is_org: bool,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    page: Option<i64>,
    ok: Option<String>,
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    let open_only = q.all.is_none();
    let today = duijie_app::today();
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = ops::list(&state.db, &cu.principal, open_only, page, PER_PAGE).await?;
    let rows = items
        .into_iter()
        .map(|c| Row {
            id: c.id,
            category: c.category.label(),
            place: state.tree.full_name(&c.place_code),
            status: c.status.label(),
            overdue: c.is_overdue(today),
            filed: fmt_time(c.filed_at),
            due_on: c.due_on.clone(),
            outcome: c.outcome_label(),
            org: c.org_name,
        })
        .collect();
    let is_org = cu.principal.org_id().is_some();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    Ok(ListPage { layout: Layout::new(&state, &cu, "complaints", q.ok).await, rows, open_only, is_org, total, page, pages })
}

struct EntryRow {
    label: &'static str,
    note: String,
    by: String,
    at: String,
    files: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint_detail.html")]
struct DetailPage {
    layout: Layout,
    id: i64,
    category: &'static str,
    org: String,
    registered: bool,
    place: String,
    office: String,
    description: String,
    status: Status,
    status_label: &'static str,
    overdue: bool,
    filed: String,
    due_on: String,
    handler: String,
    anonymous: bool,
    /// The complainant's contact, once the handling office opened it.
    contact: Option<Contact>,
    evidence: Vec<(i64, String)>,
    entries: Vec<EntryRow>,
    outcome: &'static str,
    outcome_lines: Vec<(&'static str, String)>,
    may_handle: bool,
    may_answer: bool,
    handlers: Vec<(i64, String)>,
    outcomes: &'static [(&'static str, &'static str)],
    errors: Vec<FieldError>,
    /// What a refused close form held.
    closing: OutcomeInput,
    /// Which form the errors belong to.
    failed: &'static str,
}

impl DetailPage {
    fn err(&self, field: &str) -> Option<&str> {
        err(&self.errors, field)
    }

    fn is(&self, s: &str) -> bool {
        self.status.as_str() == s
    }
}

async fn detail_page(state: &AppState, cu: &CurrentUser, id: i64, toast: Option<String>, contact: Option<Contact>, failed: (&'static str, Vec<FieldError>, OutcomeInput)) -> Result<DetailPage, AppError> {
    let Detail { complaint: c, entries, files, office, may_handle, may_answer, handlers } = ops::detail(state, &cu.principal, id).await?;
    let files_of = |entry: Option<i64>| files.iter().filter(|f| f.entry_id == entry).map(|f| (f.id, f.file_name.clone())).collect::<Vec<_>>();
    let entries = entries
        .iter()
        .map(|e| EntryRow { label: e.label(), note: e.note.clone(), by: e.unit.clone(), at: fmt_time(e.at), files: files_of(Some(e.id)) })
        .collect();
    let mut lines = Vec::new();
    let mut line = |label: &'static str, v: &str| {
        if !v.is_empty() {
            lines.push((label, v.to_string()));
        }
    };
    line("整改期限", &c.rectify_deadline);
    line("文号", &c.doc_no);
    line("移交日期", &c.transfer_date);
    line("接收单位", &c.outcome_unit);
    line("办理情况", &c.outcome_summary);
    if let Ok(Some(list)) = duijie_domain::org::CreditList::parse(&c.credit_list) {
        line("列入信用名单", &format!("{}（{}）", list.label(), c.credit_doc_no));
    }
    let (failed, errors, closing) = failed;
    Ok(DetailPage {
        layout: Layout::new(state, cu, "complaints", toast).await,
        id,
        category: c.category.label(),
        registered: c.org_id.is_some(),
        org: c.org_name.clone(),
        place: state.tree.full_name(&c.place_code),
        office,
        description: c.description.clone(),
        status: c.status,
        status_label: c.status.label(),
        overdue: c.is_overdue(duijie_app::today()),
        filed: fmt_time(c.filed_at),
        due_on: c.due_on.clone(),
        handler: c.handler_name.clone(),
        anonymous: c.anonymous,
        contact,
        evidence: files_of(None),
        entries,
        outcome: c.outcome_label(),
        outcome_lines: lines,
        may_handle,
        may_answer,
        handlers,
        outcomes: &OUTCOME_KINDS,
        errors,
        closing,
        failed,
    })
}

fn no_failure() -> (&'static str, Vec<FieldError>, OutcomeInput) {
    ("", Vec::new(), OutcomeInput::default())
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    detail_page(&state, &cu, id, t.ok, None, no_failure()).await
}

/// After a step: back to the complaint with a message, or the page again with each bad field named.
async fn after(state: &AppState, cu: &CurrentUser, id: i64, form: &'static str, closing: OutcomeInput, r: Result<duijie_store::complaints::Complaint, duijie_app::Error>, ok: &str) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(done(&format!("/complaints/{id}"), ok)),
        Err(duijie_app::Error::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(state, cu, id, None, None, (form, errors, closing)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
struct AssignForm {
    #[serde(default)]
    handler: String,
    #[serde(default)]
    note: String,
}

async fn assign(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<AssignForm>) -> Result<Response, AppError> {
    let r = ops::assign(&state.db, &p.user.principal, &actor(&p.user), id, &p.form.handler, &p.form.note).await;
    after(&state, &p.user, id, "assign", OutcomeInput::default(), r, "已分派承办人").await
}

#[derive(serde::Deserialize, Default)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn ask(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<NoteForm>) -> Result<Response, AppError> {
    let r = ops::ask_org(&state.db, &p.user.principal, &actor(&p.user), id, &p.form.note).await;
    after(&state, &p.user, id, "ask", OutcomeInput::default(), r, "已要求被投诉组织答复").await
}

async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: PostedUpload) -> Result<Response, AppError> {
    let r = ops::record_step(&state.db, &p.user.principal, &actor(&p.user), id, &p.form.get("note"), &evidence(&p.form)).await;
    after(&state, &p.user, id, "step", OutcomeInput::default(), r, "调查记录已保存").await
}

async fn follow_up(State(state): State<AppState>, Path(id): Path<i64>, p: PostedUpload) -> Result<Response, AppError> {
    let r = ops::follow_up(&state.db, &p.user.principal, &actor(&p.user), id, &p.form.get("note"), &evidence(&p.form)).await;
    after(&state, &p.user, id, "follow_up", OutcomeInput::default(), r, "整改复查已记录，投诉已办结").await
}

async fn answer(State(state): State<AppState>, Path(id): Path<i64>, p: PostedUpload) -> Result<Response, AppError> {
    let r = ops::answer(&state.db, &p.user.principal, &actor(&p.user), id, &p.form.get("text"), &evidence(&p.form)).await;
    after(&state, &p.user, id, "answer", OutcomeInput::default(), r, "答复已提交").await
}

async fn close(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<OutcomeInput>) -> Result<Response, AppError> {
    let r = ops::close(&state.db, &p.user.principal, &actor(&p.user), id, &p.form).await;
    after(&state, &p.user, id, "close", p.form, r, "已办结").await
}

#[derive(serde::Deserialize, Default)]
struct Empty {}

async fn complainant(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<DetailPage, AppError> {
    let contact = ops::complainant(&state, &p.user.principal, &actor(&p.user), id).await?;
    detail_page(&state, &p.user, id, None, contact, no_failure()).await
}

async fn download(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = ops::stored_file(&state.db, &cu.principal, id).await?;
    let ct = HeaderValue::from_str(&f.content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let ext = f.file_name.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
    let disposition = content_disposition(&f.file_name, &format!("complaint-file-{id}.{ext}"));
    Ok(([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, disposition)], f.bytes).into_response())
}
