//! Self-application by organisations and its approval by civil affairs; registry import with preview.
//!
//! Guarantees:
//! - The public application form (`/apply`) is CSRF-protected by a pre-login
//!   cookie, takes at most [`APPLY_PER_HOUR`] submissions per client address
//!   and a certificate of at most 5 MB, and never says whether a username
//!   exists before an application is in (a taken name gets a numbered one);
//!   every field is checked and each problem is shown under its field;
//!   a good application writes the organisation (approval `pending`), its user
//!   and its registration certificate in one transaction, and nothing otherwise.
//! - The approval queue shows only applications in the officer's scope; approving
//!   or returning asks `authz::decide` (out of scope: 404, no right: 403); a
//!   return needs a reason.
//! - A registry import is read within the registry's import limits, checked row
//!   by row (at most 1,000 errors listed, the rest counted and downloadable) and
//!   previewed without writing; only
//!   a preview without errors can be committed, by the same user, once; the
//!   commit runs in the background as one transaction and its job page is shown
//!   only to the user who started it.

use super::designations::actor;
use super::{Layout, Toast, done, fmt_time};
use crate::auth::{CurrentUser, Posted, set_cookie};
use crate::security::ClientAddr;
use axum::extract::DefaultBodyLimit;
use duijie_store::throttle;
use crate::uploads::{clean_file_name, read_multipart, sniff_scan};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, FieldError, Level, OrgType, RegionCode, Role, Uscc};
use duijie_office::RowError;
use duijie_store::orgs::{self, NewOrganization, OrgProfile, Organization};
use duijie_store::users::{self, NewUser};
use duijie_store::{Actor, imports};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply_form).post(apply_submit).layer(DefaultBodyLimit::max(MAX_CERTIFICATE + 256 * 1024)))
        .route("/orgs/pending", get(pending_list))
        .route("/orgs/pending/{id}/approve", post(approve))
        .route("/orgs/pending/{id}/return", post(return_application))
        .route("/orgs/import", get(import_form).post(import_upload))
        .route("/orgs/import/template.xlsx", get(import_template))
        .route("/orgs/import/commit", post(import_commit))
        .route("/orgs/import/jobs/{id}", get(job_page))
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The pre-login CSRF cookie of the application form.
pub const APPLY_CSRF_COOKIE: &str = "duijie_apply_csrf";
/// Largest registration certificate (anyone may upload one, so it is small).
const MAX_CERTIFICATE: usize = 5 * 1024 * 1024;
use crate::previews::KEEP_SECONDS;

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn cookie_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

// ---------------------------------------------------------------------------
// A. Self-application
// ---------------------------------------------------------------------------

/// What the applicant typed (the password is never echoed back).
#[derive(Debug, Clone, Default)]
struct ApplyForm {
    credit_code: String,
    name: String,
    org_type: String,
    region: String,
    supervisor: String,
    fields: String,
    contact_name: String,
    contact_phone: String,
    username: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_form.html")]
struct ApplyPage {
    csrf: String,
    form: ApplyForm,
    errors: Vec<FieldError>,
    types: Vec<(&'static str, &'static str)>,
    all_fields: String,
    demo: bool,
}

impl ApplyPage {
    /// The error for one field, shown under it.
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_done.html")]
struct ApplyDonePage {
    org_name: String,
    authority: String,
    username: String,
    /// The name asked for was taken: `username` is the one given instead.
    renamed: bool,
}

fn apply_response(state: &AppState, status: StatusCode, form: ApplyForm, errors: Vec<FieldError>) -> Response {
    let csrf = duijie_domain::crypto::random_token();
    let page = ApplyPage {
        csrf: csrf.clone(),
        form,
        errors,
        types: OrgType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        all_fields: duijie_domain::org::FIELDS.join("、"),
        demo: state.demo,
    };
    (status, [(header::SET_COOKIE, set_cookie(APPLY_CSRF_COOKIE, &csrf, 7200))], page).into_response()
}

async fn apply_form(State(state): State<AppState>) -> Response {
    apply_response(&state, StatusCode::OK, ApplyForm::default(), Vec::new())
}

/// A checked application, ready to write.
struct Application {
    org: NewOrganization,
    username: String,
    password: String,
    certificate: (String, &'static str, Bytes),
}

/// Checks every field; returns the application or every problem found.
async fn validate_application(
    state: &AppState,
    form: &ApplyForm,
    password: &str,
    file: Option<(String, Bytes)>,
) -> Result<Result<Application, Vec<FieldError>>, AppError> {
    let mut errors = Vec::new();
    let mut err = |f: &str, m: String| errors.push(FieldError::new(f, m));

    let org_type = OrgType::parse(form.org_type.trim());
    if org_type.is_none() {
        err("org_type", "请选择社会组织类型".into());
    }
    let code = if form.credit_code.trim().is_empty() {
        err("credit_code", "请填写统一社会信用代码".into());
        None
    } else {
        match Uscc::parse(&form.credit_code) {
            Ok(c) => {
                if let Some(t) = org_type
                    && let Err(m) = orgs::check_type(&c, t)
                {
                    err("credit_code", format!("类型为{}，{m}", t.label()));
                    None
                } else if orgs::by_credit_code(&state.db, c.as_str()).await?.is_some() {
                    err("credit_code", format!("统一社会信用代码 {c} 已登记或已提交过申请，如有疑问请联系登记管理机关"));
                    None
                } else {
                    Some(c)
                }
            }
            Err(e) => {
                err("credit_code", e.to_string());
                None
            }
        }
    };
    let name = form.name.trim();
    if name.is_empty() {
        err("name", "请填写组织名称".into());
    } else if name.chars().count() > 100 {
        err("name", "组织名称不能超过 100 字".into());
    }
    let region_raw = form.region.trim();
    let region = if region_raw.is_empty() {
        err("region", "请填写登记管理机关区划代码（如 530628；民政部登记的填 000000）".into());
        None
    } else {
        match RegionCode::parse(region_raw) {
            Ok(c) if c.level() == Level::National => Some(c),
            Ok(c) if c.level() > Level::County => {
                err("region", format!("{region_raw} 是乡镇或村级区划，登记管理机关应为县级及以上民政部门"));
                None
            }
            Ok(c) if state.tree.get(&c).is_some() => Some(c),
            Ok(_) => {
                err("region", format!("没有区划代码 {region_raw}（2023 年统计用区划代码）"));
                None
            }
            Err(e) => {
                err("region", format!("{region_raw}：{e}"));
                None
            }
        }
    };
    let supervisor = form.supervisor.trim();
    if supervisor.chars().count() > 100 {
        err("supervisor", "业务主管单位不能超过 100 字".into());
    }
    let fields = duijie_domain::org::parse_fields(&form.fields).unwrap_or_else(|m| {
        err("fields", m);
        String::new()
    });
    let contact_name = form.contact_name.trim();
    if contact_name.is_empty() {
        err("contact_name", "请填写联系人".into());
    } else if contact_name.chars().count() > 30 {
        err("contact_name", "联系人不能超过 30 字".into());
    }
    let phone = form.contact_phone.trim();
    if phone.is_empty() {
        err("contact_phone", "请填写联系电话".into());
    } else if !duijie_domain::org::is_phone(phone) {
        err("contact_phone", format!("“{phone}”不是电话号码，请填写手机号或带区号的座机号"));
    }
    let username = form.username.trim();
    if username.is_empty() {
        err("username", "请填写用户名".into());
    } else if let Some(p) = users::username_problem(username) {
        err("username", p.into());
    }
    if password.is_empty() {
        err("password", "请设置密码".into());
    } else if let Some(p) = duijie_domain::crypto::password_problem(password) {
        err("password", p.into());
    }
    let certificate = match file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) {
        None => {
            err("file", "请上传登记证书（图片或 PDF）".into());
            None
        }
        Some((_, b)) if b.is_empty() => {
            err("file", "上传的登记证书是空文件".into());
            None
        }
        Some((_, b)) if b.len() > MAX_CERTIFICATE => {
            err("file", "登记证书文件不能超过 5 MB".into());
            None
        }
        Some((n, b)) => match sniff_scan(&b) {
            Some(ct) => Some((clean_file_name(&n), ct, b)),
            None => {
                err("file", "登记证书须为 JPG、PNG、WebP 图片或 PDF 文件".into());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (Some(credit_code), Some(org_type), Some(region), Some(certificate)) = (code, org_type, region, certificate) else {
        return Err(AppError::Internal("application validated without values".into()));
    };
    let org = NewOrganization {
        credit_code,
        org_type,
        region,
        profile: OrgProfile {
            name: name.to_string(),
            supervisor: supervisor.to_string(),
            fields,
            rating: String::new(),
            party_org: false,
            contact_name: contact_name.to_string(),
            contact_phone: phone.to_string(),
            address: String::new(),
            status: "active".into(),
        },
        approval: "pending",
        is_demo: false,
        provenance: "注册申请".into(),
    };
    Ok(Ok(Application { org, username: username.to_string(), password: password.to_string(), certificate }))
}

/// The first of `name`, `name-2`, `name-3` … that no account has.
async fn free_username(state: &AppState, name: &str) -> Result<String, AppError> {
    for n in 1..1000 {
        let candidate = if n == 1 { name.to_string() } else { format!("{}-{n}", name.chars().take(28).collect::<String>()) };
        if users::by_username(&state.db, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(AppError::Internal(format!("no free username like {name}")))
}

/// Self-applications accepted from one client address per hour.
const APPLY_PER_HOUR: i64 = 10;

async fn apply_submit(State(state): State<AppState>, client: ClientAddr, headers: HeaderMap, mut mp: Multipart) -> Result<Response, AppError> {
    if !throttle::allow(&state.db, &format!("apply:{}", client.0), APPLY_PER_HOUR, 3600, duijie_store::now()).await? {
        return Err(AppError::BadRequest(StatusCode::TOO_MANY_REQUESTS, "提交过于频繁，请一小时后再试".into()));
    }
    let mp = read_multipart(&mut mp).await?;
    let expected = cookie_of(&headers, APPLY_CSRF_COOKIE).unwrap_or_default();
    let token = mp.get("_csrf");
    if expected.is_empty() || !duijie_domain::crypto::constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let form = ApplyForm {
        credit_code: mp.get("credit_code").trim().to_string(),
        name: mp.get("name"),
        org_type: mp.get("org_type"),
        region: mp.get("region").trim().to_string(),
        supervisor: mp.get("supervisor"),
        fields: mp.get("fields"),
        contact_name: mp.get("contact_name"),
        contact_phone: mp.get("contact_phone"),
        username: mp.get("username").trim().to_string(),
    };
    let password = mp.get("password");
    let app = match validate_application(&state, &form, &password, mp.file).await? {
        Ok(a) => a,
        Err(errors) => return Ok(apply_response(&state, StatusCode::UNPROCESSABLE_ENTITY, form, errors)),
    };
    let pw = app.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || duijie_domain::crypto::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let actor = Actor { user_id: None, name: app.username.clone(), unit: format!("{}（注册申请）", app.org.profile.name) };
    let mut tx = state.db.begin().await?;
    let org_id = match orgs::create(&mut tx, &actor, &app.org).await {
        Ok(id) => id,
        Err(duijie_store::Error::Conflict(m)) => {
            return Ok(apply_response(&state, StatusCode::UNPROCESSABLE_ENTITY, form, vec![FieldError::new("credit_code", m)]));
        }
        Err(e) => return Err(e.into()),
    };
    let new_user = NewUser {
        username: app.username.clone(),
        display_name: format!("{}·{}", app.org.profile.name, app.org.profile.contact_name),
        role: Role::Organization,
        region: app.org.region.clone(),
        org_id: Some(org_id),
        password_hash,
        is_demo: false,
    };
    // Whether a username exists is said only once an application is in: a
    // taken name gets the first free "name-2", "name-3" … instead.
    let username = free_username(&state, &app.username).await?;
    let new_user = NewUser { username: username.clone(), ..new_user };
    users::create(&mut tx, &actor, &new_user).await?;
    // The record just inserted, as far as the attachment needs it (the store
    // reads only its id and region).
    let now = duijie_store::now();
    let org = Organization {
        id: org_id,
        credit_code: app.org.credit_code.to_string(),
        name: app.org.profile.name.clone(),
        org_type: app.org.org_type.as_str().into(),
        reg_level: orgs::reg_level_of(&app.org.region).into(),
        region_code: app.org.region.as_str().into(),
        status: "active".into(),
        is_demo: false,
        created_at: now,
        supervisor: app.org.profile.supervisor.clone(),
        fields: app.org.profile.fields.clone(),
        rating: String::new(),
        party_org: false,
        contact_name: app.org.profile.contact_name.clone(),
        contact_phone: app.org.profile.contact_phone.clone(),
        address: String::new(),
        credit_list: String::new(),
        credit_list_reason: String::new(),
        approval: "pending".into(),
        approval_note: String::new(),
        provenance: app.org.provenance.clone(),
        updated_at: now,
    };
    let (file_name, content_type, bytes) = &app.certificate;
    orgs::add_attachment(&mut tx, &actor, &org, "registration_certificate", file_name, content_type, bytes).await?;
    tx.commit().await?;
    let authority = if app.org.region.level() == Level::National {
        "民政部".to_string()
    } else {
        format!("{}民政部门", state.tree.full_name(&app.org.region))
    };
    let page = ApplyDonePage { org_name: app.org.profile.name.clone(), authority, renamed: username != app.username, username };
    Ok(([(header::SET_COOKIE, set_cookie(APPLY_CSRF_COOKIE, "", 0))], page).into_response())
}

// ---------------------------------------------------------------------------
// B. Approval queue
// ---------------------------------------------------------------------------

struct PendingRow {
    id: i64,
    name: String,
    credit_code: String,
    type_label: &'static str,
    region_name: String,
    supervisor: String,
    fields: String,
    contact_name: String,
    contact_phone: String,
    created: String,
    returned: bool,
    note: String,
    certificates: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_pending.html")]
struct PendingPage {
    layout: Layout,
    rows: Vec<PendingRow>,
}

/// Whether the user approves applications at all (admin, civil affairs).
fn may_approve(cu: &CurrentUser) -> Result<(), AppError> {
    let region = cu.principal.region.clone();
    match decide(&cu.principal, Action::ApproveOrganization, Target::Organization { id: 0, region: &region }) {
        Decision::Allow if cu.principal.role.is_government() => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

async fn pending_list(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<PendingPage, AppError> {
    may_approve(&cu)?;
    let mut rows = Vec::new();
    for o in orgs::in_region(&state.db, &cu.principal.region).await? {
        if o.approval == "approved" {
            continue;
        }
        let region = o.region();
        if !decide(&cu.principal, Action::ApproveOrganization, Target::Organization { id: o.id, region: &region }).is_allowed() {
            continue;
        }
        let certificates = orgs::attachments_of(&state.db, o.id)
            .await?
            .into_iter()
            .filter(|a| a.kind == "registration_certificate")
            .map(|a| (a.id, a.file_name))
            .collect();
        rows.push(PendingRow {
            id: o.id,
            type_label: o.type_label(),
            region_name: state.tree.full_name(&region),
            credit_code: o.credit_code,
            name: o.name,
            supervisor: o.supervisor,
            fields: o.fields,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone,
            created: fmt_time(o.created_at),
            returned: o.approval == "returned",
            note: o.approval_note,
            certificates,
        });
    }
    rows.sort_by_key(|r| (r.returned, r.id));
    Ok(PendingPage { layout: Layout::new(&state, &cu, "orgs", t.ok).await, rows })
}

#[derive(serde::Deserialize)]
struct ApproveForm {}

async fn approve(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ApproveForm>) -> Result<Response, AppError> {
    let org = duijie_app::registry::decide_application(&state.db, &p.user.principal, &actor(&p.user), id, true, "").await?;
    Ok(done("/orgs/pending", &format!("已通过 {} 的注册申请", org.name)))
}

#[derive(serde::Deserialize)]
struct ReturnForm {
    #[serde(default)]
    reason: String,
}

async fn return_application(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ReturnForm>) -> Result<Response, AppError> {
    let org = duijie_app::registry::decide_application(&state.db, &p.user.principal, &actor(&p.user), id, false, &p.form.reason).await?;
    Ok(done("/orgs/pending", &format!("已退回 {} 的注册申请", org.name)))
}

// ---------------------------------------------------------------------------
// C. Registry import
// ---------------------------------------------------------------------------

/// A commit running (or finished) in the background.
struct ImportJob {
    user_id: i64,
    created: i64,
    file: String,
    done: usize,
    total: usize,
    /// `None` while running; then (created, updated) or the error.
    outcome: Option<Result<(usize, usize), String>>,
}

fn import_jobs() -> &'static Mutex<HashMap<String, ImportJob>> {
    static JOBS: OnceLock<Mutex<HashMap<String, ImportJob>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

struct ImportPreviewRow {
    row: usize,
    action: &'static str,
    code: String,
    name: String,
    type_label: &'static str,
    region_name: String,
}

/// Rows of the preview table shown at most.
const PREVIEW_LIMIT: usize = 200;

#[derive(Template, WebTemplate)]
#[template(path = "orgimport_form.html")]
struct OrgImportPage {
    layout: Layout,
    file_name: String,
    total_rows: usize,
    create: usize,
    update: usize,
    unchanged: usize,
    errors: Vec<RowError>,
    more_errors: usize,
    /// The full error list's download token, when the upload has errors.
    errors_token: String,
    preview: Vec<ImportPreviewRow>,
    token: String,
    form_error: Option<String>,
}

impl OrgImportPage {
    fn more_rows(&self) -> usize {
        (self.create + self.update).saturating_sub(self.preview.len())
    }
}

fn may_import(cu: &CurrentUser) -> Result<(), AppError> {
    match cu.principal.role {
        Role::Admin | Role::CivilAffairs => may_approve(cu),
        _ => Err(AppError::Forbidden),
    }
}

async fn import_page(state: &AppState, cu: &CurrentUser, toast: Option<String>) -> OrgImportPage {
    OrgImportPage {
        layout: Layout::new(state, cu, "orgs", toast).await,
        file_name: String::new(),
        total_rows: 0,
        create: 0,
        update: 0,
        unchanged: 0,
        errors: Vec::new(),
        more_errors: 0,
        errors_token: String::new(),
        preview: Vec::new(),
        token: String::new(),
        form_error: None,
    }
}

async fn import_form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<OrgImportPage, AppError> {
    may_import(&cu)?;
    Ok(import_page(&state, &cu, t.ok).await)
}

async fn import_upload(State(state): State<AppState>, cu: CurrentUser, mut mp: Multipart) -> Result<Response, AppError> {
    may_import(&cu)?;
    let mp = read_multipart(&mut mp).await?;
    if !duijie_domain::crypto::constant_time_eq(mp.get("_csrf").as_bytes(), cu.csrf.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let mut page = import_page(&state, &cu, None).await;
    // An empty file goes on to the reader, which says that it is empty.
    let Some((file_name, bytes)) = mp.file.filter(|(n, _)| !n.is_empty()) else {
        page.form_error = Some("请选择要上传的文件".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let file_name = clean_file_name(&file_name);
    page.file_name = file_name.clone();
    let table = match duijie_office::read_table_limited(&file_name, &bytes, imports::ORG_REQUIRED, &state.config.import_limits.registry()) {
        Ok(t) => t,
        Err(e) => {
            page.form_error = Some(e.to_string());
            page.file_name.clear();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let existing: HashMap<String, Organization> = orgs::all(&state.db).await?.into_iter().map(|o| (o.credit_code.clone(), o)).collect();
    let plan = imports::plan_organizations(&table, &state.tree, &cu.principal.region, &existing, duijie_office::MAX_SHOWN_ERRORS);
    page.total_rows = plan.rows;
    page.create = plan.create.len();
    page.update = plan.update.len();
    page.unchanged = plan.unchanged;
    let row = |action: &'static str, r: &imports::OrgRow| ImportPreviewRow {
        row: r.row,
        action,
        code: r.credit_code.to_string(),
        name: r.profile.name.clone(),
        type_label: r.org_type.label(),
        region_name: state.tree.full_name(&r.region),
    };
    page.preview = plan
        .create
        .iter()
        .map(|r| row("新增", r))
        .chain(plan.update.iter().map(|(_, r)| row("更新", r)))
        .take(PREVIEW_LIMIT)
        .collect();
    page.preview.sort_by_key(|r| r.row);
    page.errors = plan.errors.clone();
    page.more_errors = plan.more_errors;
    if page.errors.is_empty() {
        page.token = state.org_previews.put(cu.user.id, (file_name, plan));
    } else {
        page.errors_token = super::import_errors::keep(&state, &cu, &file_name, &bytes, super::import_errors::ImportKind::Registry);
    }
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page).into_response())
}

#[derive(serde::Deserialize)]
struct CommitForm {
    #[serde(default)]
    token: String,
}

async fn import_commit(State(state): State<AppState>, p: Posted<CommitForm>) -> Result<Response, AppError> {
    may_import(&p.user)?;
    let now = duijie_store::now();
    let Some((file, plan)) = state.org_previews.take(&p.form.token, p.user.user.id) else {
        return Err(AppError::bad("导入预览已失效（超过 30 分钟或已提交），请重新上传文件"));
    };
    let job_id = duijie_domain::crypto::random_token();
    {
        let mut jobs = lock(import_jobs());
        jobs.retain(|_, j| j.outcome.is_none() || now - j.created < KEEP_SECONDS);
        jobs.insert(job_id.clone(), ImportJob {
            user_id: p.user.user.id,
            created: now,
            file: file.clone(),
            done: 0,
            total: plan.create.len() + plan.update.len(),
            outcome: None,
        });
    }
    let db = state.db.clone();
    let who = actor(&p.user);
    let id = job_id.clone();
    tokio::spawn(async move {
        let progress_id = id.clone();
        let result = imports::commit_organizations(&db, &who, &file, &plan, move |done, total| {
            if let Some(j) = lock(import_jobs()).get_mut(&progress_id) {
                j.done = done;
                j.total = total;
            }
        })
        .await;
        if let Err(e) = &result {
            tracing::error!(job = %id, "registry import failed: {e}");
        }
        if let Some(j) = lock(import_jobs()).get_mut(&id) {
            j.outcome = Some(result.map_err(|e| match e {
                duijie_store::Error::Conflict(m) | duijie_store::Error::Invalid(m) => m,
                _ => "写入数据库时出错，没有写入任何数据；请稍后重试或联系管理员".into(),
            }));
        }
    });
    Ok(axum::response::Redirect::to(&format!("/orgs/import/jobs/{job_id}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "orgimport_job.html")]
struct JobPage {
    layout: Layout,
    file: String,
    running: bool,
    done: usize,
    total: usize,
    created: usize,
    updated: usize,
    error: Option<String>,
}

async fn job_page(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let (file, running, done, total, created, updated, error) = {
        let jobs = lock(import_jobs());
        let job = jobs.get(&id).filter(|j| j.user_id == cu.user.id).ok_or(AppError::NotFound)?;
        match &job.outcome {
            None => (job.file.clone(), true, job.done, job.total, 0, 0, None),
            Some(Ok((c, u))) => (job.file.clone(), false, job.total, job.total, *c, *u, None),
            Some(Err(e)) => (job.file.clone(), false, job.done, job.total, 0, 0, Some(e.clone())),
        }
    };
    let page = JobPage { layout: Layout::new(&state, &cu, "orgs", None).await, file, running, done, total, created, updated, error };
    if running {
        // The page also carries `<meta http-equiv="refresh">`; the header covers browsers that ignore it outside <head>.
        Ok(([(header::REFRESH, "1")], page).into_response())
    } else {
        Ok(page.into_response())
    }
}

async fn import_template(cu: CurrentUser) -> Result<Response, AppError> {
    may_import(&cu)?;
    let required = ["统一社会信用代码", "名称", "类型", "登记管理机关区划代码"];
    let headers: Vec<(&str, bool)> = imports::ORG_HEADERS.iter().map(|h| (*h, required.contains(h))).collect();
    let example_code = Uscc::complete("52530628MA6K0001").map(|c| c.to_string()).unwrap_or_default();
    let example: Vec<&str> = vec![
        &example_code, "彝良县乡村发展促进会", "社会服务机构", "530628", "彝良县农业农村局", "产业、教育", "3A", "是",
        "张三", "0870-1234567", "云南省昭通市彝良县角奎镇", "正常", "",
    ];
    let bytes = duijie_office::template::template_xlsx("社会组织登记信息导入模板", &headers, &example).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"org-registry-template.xlsx\"; filename*=UTF-8''%E7%A4%BE%E4%BC%9A%E7%BB%84%E7%BB%87%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}
