//! Special actions and enrolment; the liaison list (联络清单) export.
//!
//! Guarantees: an organisation user enrols only its own organisation, through
//! `authz::decide(Enrol, …)`; the store refuses credit-listed, unapproved or
//! deregistered organisations and second enrolments, and the refusal is shown
//! in Chinese with nothing written. Officers see (and export) only enrolments of
//! organisations registered in their region subtree.

use super::{Layout, Toast, done, fmt_time};
use crate::auth::{CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duijie_app::actions_liaisons::{check_enrolment, enrol_own, province_label, region_label, visible_enrolments};
use duijie_domain::authz::{Action as AuthzAction, Target, decide};
use duijie_domain::{FieldError, Role};
use duijie_store::actions::{self, Action, Enrolment};
use duijie_store::orgs;
use std::collections::HashSet;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/actions", get(catalogue))
        .route("/actions/{id}/enrol", get(enrol_form).post(enrol))
        .route("/actions/enrolments", get(enrolments))
        .route("/actions/enrolments/liaison-list.xlsx", get(liaison_list))
}

pub struct ActionRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub enrolled: bool,
}

pub struct ActionGroup {
    pub name: String,
    pub actions: Vec<ActionRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "actions_list.html")]
struct CataloguePage {
    layout: Layout,
    groups: Vec<ActionGroup>,
    is_org: bool,
    can_view_enrolments: bool,
    /// Why the caller's organisation cannot enrol now, if it cannot.
    blocked: Option<String>,
}

/// The catalogue grouped by province, national first.
pub fn group_actions(state: &AppState, all: Vec<Action>, enrolled: &HashSet<i64>) -> Vec<ActionGroup> {
    let mut groups: Vec<(String, ActionGroup)> = Vec::new();
    for a in all {
        let row = ActionRow { id: a.id, name: a.name, description: a.description, enrolled: enrolled.contains(&a.id) };
        match groups.iter_mut().find(|(p, _)| *p == a.province_code) {
            Some((_, g)) => g.actions.push(row),
            None => groups.push((a.province_code.clone(), ActionGroup { name: province_label(&state.tree, &a.province_code), actions: vec![row] })),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Why an organisation may not enrol now, in Chinese.
fn blocked_reason(org: &orgs::Organization) -> Option<String> {
    if let Err(m) = duijie_domain::org::may_take_new_work(org.credit_list()) {
        return Some(m);
    }
    if org.approval != duijie_domain::org::Approval::Approved {
        return Some("组织登记尚未审核通过，暂不能报名".into());
    }
    if org.status != duijie_domain::org::OrgStatus::Active {
        return Some("组织已注销，不能报名".into());
    }
    None
}

fn own_org_id(cu: &CurrentUser) -> Option<i64> {
    cu.principal.org_id().filter(|_| cu.principal.role() == Role::Organization)
}

async fn catalogue(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<CataloguePage, AppError> {
    let all = actions::all(&state.db).await?;
    let mut enrolled = HashSet::new();
    let mut blocked = None;
    let is_org = own_org_id(&cu).is_some();
    if let Some(org_id) = own_org_id(&cu) {
        enrolled = actions::of_org(&state.db, org_id).await?.into_iter().map(|e| e.action_id).collect();
        if let Ok(org) = duijie_app::open(orgs::get(&state.db, org_id).await?, &cu.principal, AuthzAction::ViewOrganization) {
            blocked = blocked_reason(&org);
        }
    }
    let can_view_enrolments = decide(&cu.principal, AuthzAction::ViewEnrolments, Target::Region(cu.principal.region())).is_allowed();
    Ok(CataloguePage { layout: Layout::new(&state, &cu, "actions", t.ok).await, groups: group_actions(&state, all, &enrolled), is_org, can_view_enrolments, blocked })
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct EnrolInput {
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_title: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    target_regions: String,
    #[serde(default)]
    plan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "actions_enrol.html")]
struct EnrolPage {
    layout: Layout,
    action: Action,
    province: String,
    org_name: String,
    form: EnrolInput,
    errors: Vec<FieldError>,
    /// A refusal of the whole enrolment (credit list, approval, already enrolled).
    refusal: Option<String>,
    enrolled: bool,
}

impl EnrolPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn load_action(state: &AppState, id: i64) -> Result<Action, AppError> {
    actions::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

async fn enrol_page(state: &AppState, cu: &CurrentUser, action: Action, form: Option<EnrolInput>) -> Result<EnrolPage, AppError> {
    let org_id = own_org_id(cu).ok_or(AppError::Forbidden)?;
    let org = duijie_app::open(orgs::get(&state.db, org_id).await?, &cu.principal, AuthzAction::ViewOrganization)?;
    let enrolled = actions::of_org(&state.db, org_id).await?.iter().any(|e| e.action_id == action.id);
    let form = form.unwrap_or_else(|| EnrolInput { contact_name: org.contact_name.clone(), contact_phone: org.contact_phone.clone(), ..Default::default() });
    Ok(EnrolPage {
        layout: Layout::new(state, cu, "actions", None).await,
        province: province_label(&state.tree, &action.province_code),
        action,
        org_name: org.name.clone(),
        form,
        errors: Vec::new(),
        refusal: if enrolled { None } else { blocked_reason(&org) },
        enrolled,
    })
}

async fn enrol_form(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<EnrolPage, AppError> {
    let action = load_action(&state, id).await?;
    enrol_page(&state, &cu, action, None).await
}

async fn enrol(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<EnrolInput>) -> Result<Response, AppError> {
    let action = load_action(&state, id).await?;
    let f = p.form.clone();
    let checked = check_enrolment(&f.contact_name, &f.contact_title, &f.contact_phone, &f.target_regions, &f.plan);
    let form = match checked {
        Ok(form) => form,
        Err(errors) => {
            let mut page = enrol_page(&state, &p.user, action, Some(f)).await?;
            page.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let name = action.name.clone();
    match enrol_own(&state.db, &p.user.principal, &super::designations::actor(&p.user), &action, &form).await? {
        Ok(_) => Ok(done("/actions", &format!("已报名“{name}”"))),
        Err(e) => {
            let (status, message) = match e {
                duijie_store::Error::Conflict(m) => (StatusCode::CONFLICT, m),
                duijie_store::Error::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
                other => return Err(other.into()),
            };
            let mut page = enrol_page(&state, &p.user, action, Some(f)).await?;
            page.refusal = Some(message);
            Ok((status, page).into_response())
        }
    }
}

/// The columns of the enrolment list and of the liaison list (联络清单).
pub const LIAISON_LIST_HEADERS: [&str; 10] = ["序号", "社会组织名称", "统一社会信用代码", "登记地", "参与行动", "联系人", "职务", "联系电话", "拟帮扶地区", "报名时间"];

pub struct EnrolmentRow {
    pub org_name: String,
    pub credit_code: String,
    pub org_region: String,
    pub action_name: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    pub target_regions: String,
    pub created: String,
}

fn enrolment_row(state: &AppState, e: &Enrolment) -> EnrolmentRow {
    EnrolmentRow {
        org_name: e.org_name.clone(),
        credit_code: e.credit_code.clone(),
        org_region: region_label(&state.tree, &e.org_region),
        action_name: e.action_name.clone(),
        contact_name: e.contact_name.clone(),
        contact_title: e.contact_title.clone(),
        contact_phone: e.contact_phone.clone(),
        target_regions: e.target_regions.clone(),
        created: fmt_time(e.created_at),
    }
}

#[derive(serde::Deserialize, Default)]
struct EnrolmentQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ok: Option<String>,
}

impl EnrolmentQuery {
    fn action_id(&self) -> Option<i64> {
        self.action.trim().parse().ok().filter(|id| *id > 0)
    }
}

pub struct ActionOption {
    pub id: i64,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "actions_enrolments.html")]
struct EnrolmentsPage {
    layout: Layout,
    rows: Vec<EnrolmentRow>,
    options: Vec<ActionOption>,
    selected: i64,
    export_href: String,
}

async fn enrolments(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<EnrolmentQuery>) -> Result<EnrolmentsPage, AppError> {
    let action = q.action_id();
    let list = visible_enrolments(&state.db, &cu.principal, action).await?;
    let options = actions::all(&state.db)
        .await?
        .into_iter()
        .map(|a| ActionOption { id: a.id, label: format!("{}·{}", province_label(&state.tree, &a.province_code), a.name) })
        .collect();
    let export_href = match action {
        Some(id) => format!("/actions/enrolments/liaison-list.xlsx?action={id}"),
        None => "/actions/enrolments/liaison-list.xlsx".into(),
    };
    Ok(EnrolmentsPage {
        layout: Layout::new(&state, &cu, "actions", q.ok).await,
        rows: list.iter().map(|e| enrolment_row(&state, e)).collect(),
        options,
        selected: action.unwrap_or(0),
        export_href,
    })
}

/// `attachment` headers for an xlsx download with a Chinese file name.
pub fn xlsx_download(ascii_name: &str, chinese_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}", super::urlencode(chinese_name));
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

async fn liaison_list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<EnrolmentQuery>) -> Result<Response, AppError> {
    let list = visible_enrolments(&state.db, &cu.principal, q.action_id()).await?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = enrolment_row(&state, e);
            vec![(i + 1).to_string(), r.org_name, r.credit_code, r.org_region, r.action_name, r.contact_name, r.contact_title, r.contact_phone, r.target_regions, r.created]
        })
        .collect();
    let bytes = duijie_office::template::table_xlsx("联络清单", "社会组织参与乡村振兴行动联络清单", &LIAISON_LIST_HEADERS, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download("liaison-list.xlsx", "联络清单.xlsx", bytes))
}
