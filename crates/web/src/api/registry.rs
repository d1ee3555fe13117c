//! Actions, enrolments and liaison officers over the API.

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use duijie_app::actions_liaisons::{check_enrolment, check_new, enrol_own, lookup_code, province_label, region_label, visible_enrolments};
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use duijie_domain::Role;
use duijie_store::actions::{self, Enrolment};
use duijie_store::liaisons::{self, Liaison, department_label};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_actions))
        .routes(routes!(enrol))
        .routes(routes!(list_enrolments))
        .routes(routes!(list_liaisons, add_liaison))
}

#[derive(Serialize, ToSchema)]
pub struct ActionDto {
    pub id: i64,
    /// Province code; empty for the national actions.
    pub province_code: String,
    /// 全国性行动, or the province's name.
    pub province_name: String,
    pub key: String,
    pub name: String,
    pub description: String,
    /// Whether the caller's organisation has enrolled (always false for officers).
    pub enrolled: bool,
}

/// The catalogue of special actions (专项行动), national first, then by province.
#[utoipa::path(get, path = "/api/v1/actions", tag = "registry", responses((status = 200, body = [ActionDto]), (status = 401, body = ErrorBody)))]
pub async fn list_actions(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<ActionDto>>, ApiError> {
    let enrolled: HashSet<i64> = match user.principal.org_id().filter(|_| user.principal.role() == Role::Organization) {
        Some(org_id) => actions::of_org(&state.db, org_id).await?.into_iter().map(|e| e.action_id).collect(),
        None => HashSet::new(),
    };
    Ok(Json(
        actions::all(&state.db)
            .await?
            .into_iter()
            .map(|a| ActionDto {
                id: a.id,
                province_name: province_label(&state.tree, &a.province_code),
                province_code: a.province_code,
                key: a.key,
                name: a.name,
                description: a.description,
                enrolled: enrolled.contains(&a.id),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct EnrolmentRequest {
    /// 联系人
    pub contact_name: String,
    /// 职务
    #[serde(default)]
    pub contact_title: String,
    /// 联系电话
    pub contact_phone: String,
    /// 拟帮扶地区
    #[serde(default)]
    pub target_regions: String,
    /// 参与计划
    #[serde(default)]
    pub plan: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub credit_code: String,
    pub org_region: String,
    /// 登记地 (full name).
    pub org_region_name: String,
    pub action_id: i64,
    pub action_name: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    pub target_regions: String,
    pub plan: String,
    /// Unix seconds.
    pub created_at: i64,
}

fn enrolment_dto(state: &AppState, e: Enrolment) -> EnrolmentDto {
    EnrolmentDto {
        id: e.id,
        org_id: e.org_id,
        org_region_name: region_label(&state.tree, &e.org_region),
        org_name: e.org_name,
        credit_code: e.credit_code,
        org_region: e.org_region,
        action_id: e.action_id,
        action_name: e.action_name,
        contact_name: e.contact_name,
        contact_title: e.contact_title,
        contact_phone: e.contact_phone,
        target_regions: e.target_regions,
        plan: e.plan,
        created_at: e.created_at,
    }
}

/// Enrol the caller's own organisation in an action (organisation users).
///
/// An organisation on a credit list, not yet approved or deregistered is refused
/// with 422 and a Chinese message; a second enrolment answers 409.
#[utoipa::path(post, path = "/api/v1/actions/{id}/enrolments", tag = "registry",
    params(("id" = i64, Path, description = "行动编号")),
    request_body = EnrolmentRequest,
    responses((status = 201, body = EnrolmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<EnrolmentRequest>,
) -> Result<(StatusCode, Json<EnrolmentDto>), ApiError> {
    let action = actions::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if user.principal.role() != Role::Organization {
        return Err(AppError::Forbidden.into());
    }
    let form = check_enrolment(&req.contact_name, &req.contact_title, &req.contact_phone, &req.target_regions, &req.plan).map_err(AppError::Invalid)?;
    let enrolment_id = match enrol_own(&state.db, &user.principal, &user.actor(), &action, &form).await? {
        Ok(id) => id,
        Err(duijie_store::Error::Invalid(m)) => return Err(AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, m).into()),
        Err(e) => return Err(e.into()),
    };
    let org_id = user.principal.org_id().ok_or(AppError::Forbidden)?;
    let e = actions::of_org(&state.db, org_id).await?.into_iter().find(|e| e.id == enrolment_id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(enrolment_dto(&state, e))))
}

#[derive(Deserialize, IntoParams)]
pub struct EnrolmentParams {
    /// Only enrolments in this action.
    pub action: Option<i64>,
}

/// Enrolments of organisations registered in the caller's region (officers).
#[utoipa::path(get, path = "/api/v1/enrolments", tag = "registry", params(EnrolmentParams),
    responses((status = 200, body = [EnrolmentDto]), (status = 403, body = ErrorBody)))]
pub async fn list_enrolments(State(state): State<AppState>, user: ApiUser, Query(p): Query<EnrolmentParams>) -> Result<Json<Vec<EnrolmentDto>>, ApiError> {
    let list = visible_enrolments(&state.db, &user.principal, p.action.filter(|id| *id > 0)).await?;
    Ok(Json(list.into_iter().map(|e| enrolment_dto(&state, e)).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct LiaisonDto {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    /// civil_affairs or rural_revitalization
    pub department: String,
    /// 民政部门 or 乡村振兴部门
    pub department_name: String,
    pub name: String,
    pub title: String,
    pub phone: String,
}

fn liaison_dto(state: &AppState, l: Liaison) -> LiaisonDto {
    LiaisonDto {
        id: l.id,
        region_name: region_label(&state.tree, &l.region_code),
        region_code: l.region_code,
        department_name: department_label(&l.department).into(),
        department: l.department,
        name: l.name,
        title: l.title,
        phone: l.phone,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct LiaisonParams {
    /// A prefecture or county code, e.g. 530628.
    pub region: String,
}

/// The liaison officers to call about a county: the county's and its prefecture's.
#[utoipa::path(get, path = "/api/v1/liaisons", tag = "registry", params(LiaisonParams),
    responses((status = 200, body = [LiaisonDto]), (status = 422, body = ErrorBody)))]
pub async fn list_liaisons(State(state): State<AppState>, _user: ApiUser, Query(p): Query<LiaisonParams>) -> Result<Json<Vec<LiaisonDto>>, ApiError> {
    let code = lookup_code(&state.tree, &p.region).map_err(|m| AppError::field("region", m))?;
    Ok(Json(liaisons::for_region(&state.db, &code).await?.into_iter().map(|l| liaison_dto(&state, l)).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewLiaisonRequest {
    /// A prefecture or county code in the caller's scope.
    pub region: String,
    /// civil_affairs or rural_revitalization
    pub department: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    pub phone: String,
}

/// Add a liaison officer of a prefecture or county in the caller's scope (officers).
#[utoipa::path(post, path = "/api/v1/liaisons", tag = "registry", request_body = NewLiaisonRequest,
    responses((status = 201, body = LiaisonDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_liaison(State(state): State<AppState>, user: ApiUser, ApiJson(req): ApiJson<NewLiaisonRequest>) -> Result<(StatusCode, Json<LiaisonDto>), ApiError> {
    if !user.principal.role().is_government() {
        return Err(AppError::Forbidden.into());
    }
    let new = check_new(&state.tree, &user.principal, &req.region, &req.department, &req.name, &req.title, &req.phone).map_err(AppError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let id = liaisons::add(&mut tx, &user.actor(), &new).await?;
    tx.commit().await?;
    let l = duijie_app::open(liaisons::get(&state.db, id).await?, &user.principal, duijie_domain::Action::ManageLiaison)?;
    Ok((StatusCode::CREATED, Json(liaison_dto(&state, l))))
}
