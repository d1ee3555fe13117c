//! Organisations over the API: search, profile, create.
//!
//! Guarantees: the same scope, visibility and validation as the pages
//! (both call `duijie_app::registry`): a search only returns organisations in the caller's scope;
//! the public profile is visible to anyone with a token, the full record only
//! to those with `ViewOrganization`; creation is for administrators and
//! civil-affairs officers within their scope.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use duijie_app::registry::find;
use duijie_app::registry::{self as registry, NewOrgForm, ProfileForm, Visibility};
use crate::AppState;
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use duijie_domain::FieldError;
use duijie_store::orgs::{self, Organization};
use duijie_store::actions;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_org))
        .routes(routes!(update_profile))
        .routes(routes!(set_credit_list))
        .routes(routes!(decide_application))
}

/// One organisation in a list (public facts).
#[derive(Serialize, ToSchema)]
pub struct OrgSummary {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    /// social_group, service_institution, foundation
    pub org_type: String,
    /// 社会团体, 社会服务机构, 基金会
    pub org_type_label: String,
    /// Registering region code (natural length; "" for national).
    pub region_code: String,
    pub region_name: String,
    /// `、`-joined fields of work.
    pub fields: String,
    /// 1A–5A, or empty.
    pub rating: String,
    /// active or deregistered
    pub status: String,
    pub status_label: String,
    /// abnormal, serious, or null when on no credit list.
    pub credit_list: Option<String>,
    /// 活动异常名录 / 严重违法失信名单, or null.
    pub credit_list_label: Option<String>,
    /// approved, pending, returned
    pub approval: String,
}

fn summary(state: &AppState, o: &Organization) -> OrgSummary {
    let list = o.credit_list();
    OrgSummary {
        id: o.id,
        credit_code: o.credit_code.clone(),
        name: o.name.clone(),
        org_type: o.org_type.as_str().into(),
        org_type_label: o.type_label().into(),
        region_code: o.region_code.as_str().into(),
        region_name: state.tree.full_name(o.region()),
        fields: o.fields.clone(),
        rating: o.rating.clone(),
        status: o.status.as_str().into(),
        status_label: o.status.label().into(),
        credit_list: list.map(|l| l.as_str().to_string()),
        credit_list_label: list.map(|l| l.label().to_string()),
        approval: o.approval.as_str().into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgPage {
    pub total: usize,
    pub items: Vec<OrgSummary>,
}

#[derive(Deserialize, IntoParams)]
pub struct OrgSearchParams {
    /// Words of the name (jieba segmentation: 教育 finds 北京理工大学教育基金会) or part of the credit code.
    #[serde(default)]
    pub q: String,
    /// Registering region subtree, any code form.
    #[serde(default)]
    pub region: String,
    /// social_group / service_institution / foundation (or 社会团体 / 社会服务机构 / 基金会).
    #[serde(default, rename = "type")]
    #[param(rename = "type")]
    pub org_type: String,
    /// One field of work, e.g. 教育.
    #[serde(default)]
    pub field: String,
    /// Enrolled in this action (id).
    #[serde(default)]
    pub action: String,
    /// active / deregistered / listed / pending (or 正常 / 已注销 / 信用名单 / 待审核).
    #[serde(default)]
    pub status: String,
    /// 1-based page number.
    pub page: Option<usize>,
    /// Page size, at most 200 (default 20).
    pub size: Option<usize>,
}

/// Search organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrgSearchParams),
    responses((status = 200, body = OrgPage), (status = 422, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Query(p): Query<OrgSearchParams>) -> Result<Json<OrgPage>, ApiError> {
    let filter = registry::filter_of(&p.q, &p.region, &p.org_type, &p.field, &p.action, &p.status);
    if !filter.region.is_empty() {
        duijie_domain::RegionCode::parse(&filter.region).map_err(|e| AppError::field("region", format!("登记地区划代码：{e}")))?;
    }
    let size = p.size.unwrap_or(20).clamp(1, 200);
    let page = p.page.unwrap_or(1).clamp(1, 1_000_000);
    let (found, total) = find(&state, &user.principal, &filter, (page - 1) * size, size).await?;
    Ok(Json(OrgPage { total, items: found.iter().map(|o| summary(&state, o)).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    pub name: String,
    pub credit_code: String,
    pub created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size: usize,
    /// Download (browser session): `/attachments/{id}`.
    pub url: String,
}

/// What only officers in scope and the organisation itself see.
#[derive(Serialize, ToSchema)]
pub struct OrgPrivate {
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub provenance: String,
    pub approval_note: String,
    /// Why it is on a credit list.
    pub credit_list_reason: String,
    pub members: Vec<MemberDto>,
    pub attachments: Vec<AttachmentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub summary: OrgSummary,
    /// national, province, prefecture, county
    pub reg_level: String,
    pub reg_level_label: String,
    pub supervisor: String,
    pub party_org: bool,
    /// Names of the actions it is enrolled in.
    pub actions: Vec<String>,
    /// Present only for callers allowed to see the full record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<OrgPrivate>,
}

async fn detail(state: &AppState, o: &Organization, full: bool) -> Result<OrgDetail, ApiError> {
    let actions = actions::of_org(&state.db, o.id).await?.into_iter().map(|e| e.action_name).collect();
    let private = if full {
        let members = orgs::members_of(&state.db, o.id).await?.into_iter().map(|m| MemberDto { name: m.name, credit_code: m.credit_code, created_at: m.created_at }).collect();
        let attachments = orgs::attachments_of(&state.db, o.id)
            .await?
            .into_iter()
            .map(|a| AttachmentDto { url: format!("/attachments/{}", a.id), id: a.id, kind: a.kind, file_name: a.file_name, size: a.bytes.len() })
            .collect();
        Some(OrgPrivate {
            contact_name: o.contact_name.clone(),
            contact_phone: o.contact_phone.clone(),
            address: o.address.clone(),
            provenance: o.provenance.clone(),
            approval_note: o.approval_note.clone(),
            credit_list_reason: o.credit_list_reason.clone(),
            members,
            attachments,
        })
    } else {
        None
    };
    Ok(OrgDetail {
        summary: summary(state, o),
        reg_level: o.reg_level.clone(),
        reg_level_label: orgs::reg_level_label(&o.reg_level).into(),
        supervisor: o.supervisor.clone(),
        party_org: o.party_org,
        actions,
        private,
    })
}

/// One organisation: the public profile for anyone, with `private` for officers
/// in scope and the organisation itself.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations",
    params(("id" = i64, Path, description = "社会组织编号")),
    responses((status = 200, body = OrgDetail), (status = 404, body = ErrorBody)))]
pub async fn get_org(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<OrgDetail>, ApiError> {
    let (o, vis) = registry::visible(&state.db, &user.principal, id).await?;
    Ok(Json(detail(&state, &o, matches!(vis, Visibility::Full)).await?))
}

/// Register an organisation (administrators and civil-affairs officers, in their scope).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = NewOrgForm,
    responses((status = 201, body = OrgDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, user: ApiUser, ApiJson(form): ApiJson<NewOrgForm>) -> Result<(StatusCode, Json<OrgDetail>), ApiError> {
    if !registry::may_create(&user.principal) {
        return Err(AppError::Forbidden.into());
    }
    let new = registry::check_new_org(&state, &user.principal, &form).await.map_err(AppError::Invalid)?;
    let actor = user.actor();
    let mut tx = state.db.begin().await?;
    let id = match orgs::create(&mut tx, &actor, &new).await {
        Ok(id) => id,
        Err(duijie_store::Error::Conflict(m)) => return Err(AppError::Invalid(vec![FieldError::new("credit_code", m)]).into()),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    let o = duijie_app::open(orgs::get(&state.db, id).await?, &user.principal, duijie_domain::Action::ViewOrganization)?;
    Ok((StatusCode::CREATED, Json(detail(&state, &o, true).await?)))
}

/// Change an organisation's profile (officers in scope; the organisation itself,
/// except name and status).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/profile", tag = "organizations",
    params(("id" = i64, Path, description = "组织编号")), request_body = ProfileForm,
    responses((status = 200, body = OrgDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_profile(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(form): ApiJson<ProfileForm>) -> Result<Json<OrgDetail>, ApiError> {
    registry::save_profile(&state.db, &user.principal, &user.actor(), id, form).await?;
    get_org(State(state), user, Path(id)).await
}

#[derive(Deserialize, ToSchema)]
pub struct CreditListRequest {
    /// "" (take off any list), "abnormal" 活动异常名录 or "serious" 严重违法失信名单.
    pub list: String,
    /// Required when listing: the decision and its document number.
    #[serde(default)]
    pub reason: String,
}

/// Put an organisation on a credit list or take it off (civil affairs in scope).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/credit-list", tag = "organizations",
    params(("id" = i64, Path, description = "组织编号")), request_body = CreditListRequest,
    responses((status = 200, body = OrgDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_credit_list(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<CreditListRequest>) -> Result<Json<OrgDetail>, ApiError> {
    registry::save_credit_list(&state.db, &user.principal, &user.actor(), id, &r.list, &r.reason).await?;
    get_org(State(state), user, Path(id)).await
}

#[derive(Deserialize, ToSchema)]
pub struct ApplicationDecision {
    /// "approve" or "return".
    pub decision: String,
    /// Required when returning.
    #[serde(default)]
    pub reason: String,
}

/// Approve or return an organisation's self-application (civil affairs of its
/// registering region).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/approval", tag = "organizations",
    params(("id" = i64, Path, description = "组织编号")), request_body = ApplicationDecision,
    responses((status = 200, body = OrgDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_application(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<ApplicationDecision>) -> Result<Json<OrgDetail>, ApiError> {
    let approve = match r.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::field("decision", "decision 应为 approve（通过）或 return（退回）").into()),
    };
    registry::decide_application(&state.db, &user.principal, &user.actor(), id, approve, &r.reason).await?;
    get_org(State(state), user, Path(id)).await
}
