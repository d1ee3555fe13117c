//! Liaison officers of prefectures and counties.
//!
//! Guarantees: officers list and export only the liaison officers of their
//! region subtree, and add or remove them only where `authz::decide(ManageLiaison, …)`
//! allows (a record outside the scope answers 404); anyone logged in may look
//! up the liaison officers of one county (the county's and its prefecture's).

use super::actions::xlsx_download;
use duijie_app::actions_liaisons::{DEPARTMENTS, check_new, lookup_code, region_label};
use super::{Layout, done};
use crate::auth::{CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_store::liaisons::{self, Liaison, department_label};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/liaisons", get(list).post(create))
        .route("/liaisons/export.xlsx", get(export))
        .route("/liaisons/{id}/delete", post(delete))
}

pub struct LiaisonRow {
    pub id: i64,
    pub region: String,
    pub department: &'static str,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub can_delete: bool,
}

fn row_of(state: &AppState, who: &Principal, l: &Liaison) -> LiaisonRow {
    let can_delete = RegionCode::parse(&l.region_code).map(|c| decide(who, Action::ManageLiaison, Target::Region(&c)).is_allowed()).unwrap_or(false);
    LiaisonRow {
        id: l.id,
        region: region_label(&state.tree, &l.region_code),
        department: department_label(&l.department),
        name: l.name.clone(),
        title: l.title.clone(),
        phone: l.phone.clone(),
        can_delete,
    }
}

#[derive(serde::Deserialize, Default, Clone)]
struct LiaisonForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    phone: String,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    /// A region code to look up (查看某县联络员).
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "liaisons_list.html")]
struct LiaisonsPage {
    layout: Layout,
    is_officer: bool,
    can_manage: bool,
    rows: Vec<LiaisonRow>,
    form: LiaisonForm,
    errors: Vec<FieldError>,
    departments: [(&'static str, &'static str); 2],
    lookup: String,
    lookup_error: Option<String>,
    /// The looked-up region's full name and its liaison officers.
    found: Option<(String, Vec<LiaisonRow>)>,
}

impl LiaisonsPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn page(state: &AppState, cu: &CurrentUser, toast: Option<String>, lookup: Option<String>) -> Result<LiaisonsPage, AppError> {
    let who = &cu.principal;
    let is_officer = who.role().is_government();
    let scope = who.scope();
    let rows = match scope.region().filter(|_| is_officer) {
        Some(region) => liaisons::in_scope(&state.db, region).await?.iter().map(|l| row_of(state, who, l)).collect(),
        None => Vec::new(),
    };
    let can_manage = is_officer && decide(who, Action::ManageLiaison, Target::Region(who.region())).is_allowed();
    let department = match who.role() {
        Role::RuralRevitalization => "rural_revitalization",
        _ => "civil_affairs",
    };
    // A county office registers its own county: filled in by name. Others type a
    // name or a code into an empty field (a prefilled code was typed after).
    let default_region = if who.region().level() == Level::County { state.tree.full_name(who.region()) } else { String::new() };
    let mut p = LiaisonsPage {
        layout: Layout::new(state, cu, "liaisons", toast).await,
        is_officer,
        can_manage,
        rows,
        form: LiaisonForm { region: default_region, department: department.into(), ..Default::default() },
        errors: Vec::new(),
        departments: DEPARTMENTS,
        lookup: String::new(),
        lookup_error: None,
        found: None,
    };
    if let Some(raw) = lookup.filter(|r| !r.trim().is_empty()) {
        p.lookup = raw.trim().to_string();
        match lookup_code(&state.tree, &raw) {
            Ok(code) => {
                let found = liaisons::for_region(&state.db, &code).await?.iter().map(|l| LiaisonRow { can_delete: false, ..row_of(state, who, l) }).collect();
                p.found = Some((state.tree.full_name(&code), found));
            }
            Err(m) => p.lookup_error = Some(m),
        }
    }
    Ok(p)
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let p = page(&state, &cu, q.ok, q.region).await?;
    let status = if p.lookup_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, p).into_response())
}

fn actor(cu: &CurrentUser) -> duijie_store::Actor {
    super::designations::actor(cu)
}

async fn create(State(state): State<AppState>, p: Posted<LiaisonForm>) -> Result<Response, AppError> {
    let who = &p.user.principal;
    if !who.role().is_government() {
        return Err(AppError::Forbidden);
    }
    let f = p.form.clone();
    match check_new(&state.tree, who, &f.region, &f.department, &f.name, &f.title, &f.phone) {
        Ok(new) => {
            let mut tx = state.db.begin().await?;
            liaisons::add(&mut tx, &actor(&p.user), &new).await?;
            tx.commit().await?;
            Ok(done("/liaisons", &format!("已添加{}联络员 {}", state.tree.full_name(&new.region), new.name)))
        }
        Err(errors) => {
            let mut page = page(&state, &p.user, None, None).await?;
            page.form = f;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn delete(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<Response, AppError> {
    let l = duijie_app::open(liaisons::get(&state.db, id).await?, &p.user.principal, Action::ManageLiaison)?;
    let mut tx = state.db.begin().await?;
    liaisons::remove(&mut tx, &actor(&p.user), &l).await?;
    tx.commit().await?;
    Ok(done("/liaisons", &format!("已删除联络员 {}", l.name)))
}

pub const EXPORT_HEADERS: [&str; 6] = ["序号", "地区", "部门", "姓名", "职务", "联系电话"];

async fn export(State(state): State<AppState>, cu: CurrentUser) -> Result<Response, AppError> {
    let who = &cu.principal;
    let scope = who.scope();
    let region = scope.region().filter(|_| who.role().is_government()).ok_or(AppError::Forbidden)?;
    let list = liaisons::in_scope(&state.db, region).await?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let r = row_of(&state, who, l);
            vec![(i + 1).to_string(), r.region, r.department.to_string(), r.name, r.title, r.phone]
        })
        .collect();
    let bytes = duijie_office::template::table_xlsx("联络员名单", "联络员名单", &EXPORT_HEADERS, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download("liaisons.xlsx", "联络员名单.xlsx", bytes))
}
