//! Liaison officers of prefectures and counties.
//!
//! Guarantees: officers list and export only the liaison officers of their
//! region subtree, and add or remove them only where `authz::decide(ManageLiaison, …)`
//! allows (a record outside the scope answers 404); anyone logged in may look
//! up the liaison officers of one county (the county's and its prefecture's).

use super::actions::{region_label, xlsx_download};
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
use duijie_domain::{Decision, FieldError, Level, Principal, RegionCode, Role};
use duijie_store::liaisons::{self, Liaison, NewLiaison, department_label};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/liaisons", get(list).post(create))
        .route("/liaisons/export.xlsx", get(export))
        .route("/liaisons/{id}/delete", post(delete))
}

pub const DEPARTMENTS: [(&str, &str); 2] = [("civil_affairs", "民政部门"), ("rural_revitalization", "乡村振兴部门")];

/// Checks a new liaison officer for `who`; shared by the page and the API.
pub fn check_new(state: &AppState, who: &Principal, region: &str, department: &str, name: &str, title: &str, phone: &str) -> Result<NewLiaison, Vec<FieldError>> {
    let mut errors = Vec::new();
    let region = match RegionCode::parse(region) {
        Ok(c) if !matches!(c.level(), Level::Prefecture | Level::County) => {
            errors.push(FieldError::new("region", "联络员只登记到市（州）和县（市、区），请填写 4 位或 6 位区划代码"));
            None
        }
        Ok(c) if state.tree.get(&c).is_none() => {
            errors.push(FieldError::new("region", "没有这个区划代码"));
            None
        }
        Ok(c) => {
            if decide(who, Action::ManageLiaison, Target::Region(&c)) != Decision::Allow {
                errors.push(FieldError::new("region", "只能为本单位管辖范围内的市（州）、县（市、区）登记联络员"));
                None
            } else {
                Some(c)
            }
        }
        Err(_) if region.trim().is_empty() => {
            errors.push(FieldError::new("region", "请填写区划代码"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", e.to_string()));
            None
        }
    };
    if !DEPARTMENTS.iter().any(|(k, _)| *k == department) {
        errors.push(FieldError::new("department", "请选择部门：民政部门或乡村振兴部门"));
    }
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "请填写姓名"));
    } else if name.chars().count() > 30 {
        errors.push(FieldError::new("name", "姓名不能超过 30 字"));
    }
    let title = title.trim();
    if title.chars().count() > 30 {
        errors.push(FieldError::new("title", "职务不能超过 30 字"));
    }
    let phone = phone.trim();
    if phone.is_empty() {
        errors.push(FieldError::new("phone", "请填写联系电话"));
    } else if !duijie_domain::org::is_phone(phone) {
        errors.push(FieldError::new("phone", format!("“{phone}”不是有效的电话号码，例如 13800000000 或 0870-1234567")));
    }
    match region {
        Some(region) if errors.is_empty() => Ok(NewLiaison { region, department: department.into(), name: name.into(), title: title.into(), phone: phone.into() }),
        _ => Err(errors),
    }
}

/// The region code an organisation looks up: a prefecture, county or township that exists.
pub fn lookup_code(state: &AppState, raw: &str) -> Result<RegionCode, String> {
    let code = RegionCode::parse(raw).map_err(|e| e.to_string())?;
    if matches!(code.level(), Level::National | Level::Province) {
        return Err("请填写市（州）或县（市、区）的区划代码，如 530628".into());
    }
    if state.tree.get(&code).is_none() {
        return Err("没有这个区划代码".into());
    }
    Ok(code)
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
        region: region_label(state, &l.region_code),
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
    let is_officer = who.role.is_government();
    let rows = match who.scope().region_like().filter(|_| is_officer) {
        Some(like) => liaisons::in_scope(&state.db, &like).await?.iter().map(|l| row_of(state, who, l)).collect(),
        None => Vec::new(),
    };
    let can_manage = is_officer && decide(who, Action::ManageLiaison, Target::Region(&who.region)).is_allowed();
    let department = match who.role {
        Role::RuralRevitalization => "rural_revitalization",
        _ => "civil_affairs",
    };
    let default_region = if matches!(who.region.level(), Level::Prefecture | Level::County) { who.region.to_string() } else { String::new() };
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
        match lookup_code(state, &raw) {
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
    if !who.role.is_government() {
        return Err(AppError::Forbidden);
    }
    let f = p.form.clone();
    match check_new(&state, who, &f.region, &f.department, &f.name, &f.title, &f.phone) {
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
    let l = liaisons::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let code = RegionCode::parse(&l.region_code).map_err(|_| AppError::NotFound)?;
    match decide(&p.user.principal, Action::ManageLiaison, Target::Region(&code)) {
        Decision::Allow => {}
        Decision::Forbidden => return Err(AppError::Forbidden),
        Decision::NotFound => return Err(AppError::NotFound),
    }
    let mut tx = state.db.begin().await?;
    liaisons::remove(&mut tx, &actor(&p.user), &l).await?;
    tx.commit().await?;
    Ok(done("/liaisons", &format!("已删除联络员 {}", l.name)))
}

pub const EXPORT_HEADERS: [&str; 6] = ["序号", "地区", "部门", "姓名", "职务", "联系电话"];

async fn export(State(state): State<AppState>, cu: CurrentUser) -> Result<Response, AppError> {
    let who = &cu.principal;
    let like = who.scope().region_like().filter(|_| who.role.is_government()).ok_or(AppError::Forbidden)?;
    let list = liaisons::in_scope(&state.db, &like).await?;
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
