//! Administration: user accounts and the audit trail.
//!
//! Guarantees: only administrators reach these pages; an administrator sees and
//! manages only users whose unit lies in their region subtree, creates users only
//! there, and sees only audit rows of that subtree. Passwords are checked against
//! the policy and hashed before they reach the store.

use super::{Layout, Toast, done, fmt_time};
use crate::auth::{CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_app::accounts::{NewUserInput, check_new_user};
use duijie_domain::crypto::{hash_password, password_problem};
use duijie_domain::{Decision, FieldError, RegionCode, Role};
use crate::audit_words;
use duijie_store::audit::{self, Verification};
use duijie_store::users::{self, UserChange};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", get(edit_form).post(update))
        .route("/admin/users/{id}/sessions/{session}/revoke", post(revoke_session))
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit/verify", post(audit_verify))
}

fn require_admin(cu: &CurrentUser) -> Result<(), AppError> {
    if cu.principal.role() == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit: String,
    pub active: bool,
    pub locked: bool,
    pub demo: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRow>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

const PAGE_SIZE: i64 = 20;

fn region_label(state: &AppState, code: &str) -> String {
    duijie_app::actions_liaisons::region_label(&state.tree, code)
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<PageQuery>) -> Result<UsersPage, AppError> {
    require_admin(&cu)?;
    let page = q.page.unwrap_or(1).max(1);
    let scope = cu.principal.scope();
    let region = scope.region().ok_or(AppError::Forbidden)?;
    let (users, total) = users::list(&state.db, region, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let rows = users
        .iter()
        .map(|u| {
            let v = u.view();
            UserRow {
                id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: u.role().label(),
                unit: region_label(&state, &u.region_code),
                active: v.active,
                locked: v.locked,
                demo: u.is_demo,
            }
        })
        .collect();
    Ok(UsersPage { layout: Layout::new(&state, &cu, "users", q.ok).await, rows, total, page, pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1) })
}

#[derive(serde::Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "user_new.html")]
struct NewUserPage {
    layout: Layout,
    form: NewUserForm,
    errors: Vec<FieldError>,
    roles: Vec<(&'static str, &'static str)>,
}

impl NewUserPage {
    /// The error for one field, shown under it.
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewUserPage, AppError> {
    require_admin(&cu)?;
    let form = NewUserForm { region: cu.principal.region().to_string(), ..Default::default() };
    Ok(NewUserPage { layout: Layout::new(&state, &cu, "users", None).await, form, errors: Vec::new(), roles: roles() })
}

async fn create(State(state): State<AppState>, p: Posted<NewUserForm>) -> Result<Response, AppError> {
    require_admin(&p.user)?;
    let f = p.form.clone();
    let input = NewUserInput { username: &f.username, display_name: &f.display_name, role: &f.role, region: &f.region, org: &f.org, password: &f.password };
    match check_new_user(&state, &p.user.principal, input).await {
        Ok(new) => {
            let mut tx = state.db.begin().await?;
            match users::create(&mut tx, &super::designations::actor(&p.user), &new).await {
                Ok(_) => {
                    tx.commit().await?;
                    Ok(done("/admin/users", &format!("用户 {} 已创建", new.username)))
                }
                Err(duijie_store::Error::Conflict(m)) => {
                    let errors = vec![FieldError::new("username", m)];
                    let page = NewUserPage { layout: Layout::new(&state, &p.user, "users", None).await, form: NewUserForm { password: String::new(), ..f }, errors, roles: roles() };
                    Ok(axum::response::IntoResponse::into_response((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page)))
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(errors) => {
            let page = NewUserPage { layout: Layout::new(&state, &p.user, "users", None).await, form: NewUserForm { password: String::new(), ..f }, errors, roles: roles() };
            Ok(axum::response::IntoResponse::into_response((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page)))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "user_edit.html")]
struct EditUserPage {
    layout: Layout,
    user: UserRow,
    region: String,
    sessions: Vec<SessionRow>,
}

/// A live session or token on the account page.
struct SessionRow {
    id: String,
    kind: &'static str,
    created: String,
    last_seen: String,
    expires: String,
}

async fn load_in_scope(state: &AppState, cu: &CurrentUser, id: i64) -> Result<users::User, AppError> {
    Ok(duijie_app::accounts::managed(&state.db, &cu.principal, id).await?)
}

fn row_of(state: &AppState, u: &users::User) -> UserRow {
    let v = u.view();
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role().label(),
        unit: region_label(state, &u.region_code),
        active: v.active,
        locked: v.locked,
        demo: u.is_demo,
    }
}

async fn edit_form(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<EditUserPage, AppError> {
    require_admin(&cu)?;
    let (u, live) = duijie_app::accounts::sessions_of(&state.db, &cu.principal, id).await?;
    let sessions = live
        .iter()
        .map(|s| SessionRow {
            id: s.public_id().to_string(),
            kind: if s.kind == "api" { "API 令牌" } else { "网页登录" },
            created: super::fmt_time(s.created_at),
            last_seen: super::fmt_time(s.last_seen),
            expires: super::fmt_time(s.expires_at),
        })
        .collect();
    Ok(EditUserPage { layout: Layout::new(&state, &cu, "users", t.ok).await, user: row_of(&state, &u), region: u.region().to_string(), sessions })
}

#[derive(serde::Deserialize)]
struct UpdateForm {
    #[serde(default)]
    display_name: String,
    /// "1" active, "0" disabled.
    #[serde(default)]
    active: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    unlock: String,
}

async fn update(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<UpdateForm>) -> Result<Response, AppError> {
    require_admin(&p.user)?;
    let u = load_in_scope(&state, &p.user, id).await?;
    let mut change = UserChange { unlock: p.form.unlock == "1", ..Default::default() };
    let name = p.form.display_name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::field("display_name", "请填写姓名（60 字以内）"));
    }
    change.display_name = Some(name.to_string());
    change.active = match p.form.active.as_str() {
        "1" => Some(true),
        "0" if u.id == p.user.user.id => return Err(AppError::field("active", "不能停用自己的账号")),
        "0" => Some(false),
        _ => None,
    };
    if !p.form.new_password.is_empty() {
        if let Some(problem) = password_problem(&p.form.new_password) {
            return Err(AppError::field("new_password", problem));
        }
        let pw = p.form.new_password.clone();
        change.password_hash = Some(tokio::task::spawn_blocking(move || hash_password(&pw)).await.map_err(|e| AppError::Internal(e.to_string()))?);
    }
    let mut tx = state.db.begin().await?;
    users::update(&mut tx, &super::designations::actor(&p.user), id, &change).await?;
    tx.commit().await?;
    Ok(done(&format!("/admin/users/{id}"), "已保存"))
}

pub struct AuditLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub unit: String,
    /// What was done, in words.
    pub action: String,
    /// The record: its kind and number, and its page where it has one.
    pub entity: String,
    pub link: Option<String>,
    pub region: String,
    /// 字段：旧值 → 新值, one per changed field.
    pub changes: Vec<String>,
}

/// The audit page's filters, as typed.
#[derive(serde::Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
}

impl AuditQuery {
    /// The filters as a query string, for the pager's links.
    fn query_string(&self) -> String {
        [("from", &self.from), ("to", &self.to), ("actor", &self.actor), ("action", &self.action), ("entity", &self.entity), ("entity_id", &self.entity_id)]
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}&", super::urlencode(v.trim())))
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    qs: String,
    filter_error: Option<String>,
    actions: Vec<(&'static str, String)>,
    entities: Vec<(&'static str, &'static str)>,
    rows: Vec<AuditLine>,
    total: i64,
    page: i64,
    pages: i64,
    check: Option<(String, bool, String)>,
}

async fn audit_page(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<AuditQuery>) -> Result<AuditPage, AppError> {
    if decide(&cu.principal, Action::ViewAudit, Target::Region(cu.principal.region())) != Decision::Allow {
        return Err(AppError::Forbidden);
    }
    let page = q.page.unwrap_or(1).max(1);
    let scope = cu.principal.scope();
    let region = scope.region().ok_or(AppError::Forbidden)?;
    // Dates are Beijing days; a date that does not parse is said, not ignored silently.
    let mut filter_error = None;
    let mut day = |s: &str, end: bool| -> Option<i64> {
        if s.trim().is_empty() {
            return None;
        }
        match duijie_domain::date::parse_date(s) {
            Some(d) => Some(if end { duijie_store::pairing::end_of_day(d) } else { duijie_store::pairing::start_of_day(d) }),
            None => {
                filter_error = Some(format!("日期“{}”无法识别，请写成 2026-03-01", s.trim()));
                None
            }
        }
    };
    let f = audit::Filter { from: day(&q.from, false), to: day(&q.to, true), actor: q.actor.clone(), action: q.action.clone(), entity: q.entity.clone(), entity_id: q.entity_id.clone() };
    let (rows, total) = audit::search(&state.db, region, &f, 50, (page - 1) * 50).await?;
    // Villages are not in the region tree: the ones these rows mention are read once.
    let mut villages = std::collections::HashMap::new();
    for r in &rows {
        for json in [r.before_json.as_deref(), r.after_json.as_deref()].into_iter().flatten() {
            for code in audit_words::village_codes(json) {
                if !villages.contains_key(code)
                    && let Ok(c) = duijie_domain::RegionCode::parse(code)
                    && let Some(v) = duijie_store::regions::village(&state.db, &c).await?
                {
                    villages.insert(code.to_string(), v.name);
                }
            }
        }
    }
    let places = audit_words::Places { tree: &state.tree, villages: &villages };
    let rows = rows
        .into_iter()
        .map(|r| AuditLine {
            seq: r.seq,
            at: fmt_time(r.at),
            actor: r.actor,
            unit: r.unit,
            action: audit_words::action(&r.action),
            entity: format!("{} {}", audit_words::entity(&r.entity), r.entity_id),
            link: audit_words::link(&r.entity, &r.entity_id),
            region: match duijie_domain::RegionCode::parse(&r.region_code) {
                Ok(c) if villages.contains_key(c.as_str()) => places.name(&c),
                _ => region_label(&state, &r.region_code),
            },
            changes: audit_words::changes(r.before_json.as_deref(), r.after_json.as_deref(), &places),
        })
        .collect();
    let check = state.last_audit_check.read().ok().and_then(|c| c.clone()).map(|(at, v)| match v {
        Verification::Intact { rows } => (fmt_time(at), true, format!("审计链完整，共 {rows} 条记录")),
        Verification::Broken { seq, reason } => (fmt_time(at), false, format!("审计链在第 {seq} 条处断开：{reason}")),
    });
    Ok(AuditPage {
        layout: Layout::new(&state, &cu, "audit", q.ok.clone()).await,
        qs: q.query_string(),
        filter_error,
        actions: audit_words::NAMED_ACTIONS.iter().map(|(c, w)| (*c, (*w).to_string())).collect(),
        entities: audit_words::ENTITIES.iter().map(|e| (*e, audit_words::entity(e))).collect(),
        q,
        rows,
        total,
        page,
        pages: ((total + 49) / 50).max(1),
        check,
    })
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn audit_verify(State(state): State<AppState>, p: Posted<Empty>) -> Result<Response, AppError> {
    if decide(&p.user.principal, Action::ViewAudit, Target::Region(&RegionCode::national())) != Decision::Allow {
        return Err(AppError::Forbidden);
    }
    let v = audit::verify(&state.db).await?;
    if let Ok(mut slot) = state.last_audit_check.write() {
        *slot = Some((duijie_store::now(), v));
    }
    Ok(done("/admin/audit", "校验完成"))
}


/// Ends one session or token of the account (`all`: every one), at once.
async fn revoke_session(State(state): State<AppState>, Path((id, session)): Path<(i64, String)>, p: Posted<Empty>) -> Result<Response, AppError> {
    require_admin(&p.user)?;
    let actor = super::designations::actor(&p.user);
    let which = (session != "all").then_some(session.as_str());
    let n = duijie_app::accounts::revoke(&state.db, &p.user.principal, &actor, id, which).await?;
    Ok(super::done(&format!("/admin/users/{id}"), &format!("已撤销 {n} 个会话或令牌")))
}
