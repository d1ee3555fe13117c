//! Projects (帮扶项目) over the API: listed with filters within the caller's
//! scope, recorded by an organisation, shown with their progress and
//! evidence, progress added (evidence as Base64), and confirmed by the helped
//! county.
//!
//! Guarantees: handlers only read the request, call `duijie_app::projects`
//! (access decided there: a project outside the caller's scope is 404) and
//! render; numbers may be sent as JSON numbers or (deprecated) text, and text
//! that is not a number is a 422 naming the field.

use super::{ApiJson, Created, Path, Query, lenient};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::format::wan_or_empty;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use duijie_app::projects::{self as ops, EvidenceFile, ListInput, ProgressInput, ProjectInput};
use duijie_store::projects::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project))
        .routes(routes!(add_progress))
        .routes(routes!(confirm_project))
}

/// 帮扶项目。
#[derive(Serialize, ToSchema)]
pub struct ProjectRecordDto {
    pub id: i64,
    /// match（供需对接）、pairing（结对帮扶）、direct（自行录入）。
    pub source: String,
    pub match_id: Option<i64>,
    pub demand_id: Option<i64>,
    pub pairing_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    /// 帮扶地区的区划代码。
    pub region_code: String,
    /// 帮扶地区（省/市/县）。
    pub region_name: String,
    pub title: String,
    /// 项目性质。
    pub nature: String,
    pub field: String,
    /// relief（输血）、capacity（造血）或空。
    pub mode: String,
    /// 计划投入资金（万元，两位小数）；未填为空。
    pub planned_funds_wan: String,
    /// 已投入资金（万元，两位小数）；未填为空。
    pub actual_funds_wan: String,
    pub people: i64,
    pub beneficiaries: i64,
    pub beneficiary_groups: String,
    pub start_date: String,
    pub end_date: String,
    pub description: String,
    /// planned（计划中）、in_progress（实施中）、done（已完成，受益方已确认）、stopped（已终止）。
    pub status: String,
    pub status_label: String,
    pub stop_reason: String,
    /// 确认完成的单位。
    pub confirmed_by: String,
    pub created_by: String,
    pub created_at: i64,
    pub done_at: Option<i64>,
    pub updated_at: i64,
}

fn project_dto(state: &AppState, p: &Project) -> ProjectRecordDto {
    ProjectRecordDto {
        id: p.id,
        source: p.source.clone(),
        match_id: p.match_id,
        demand_id: p.demand_id,
        pairing_id: p.pairing_id,
        org_id: p.org_id,
        org_name: p.org_name.clone(),
        region_code: p.region_code.as_str().into(),
        region_name: ops::region_label(state, &p.region_code),
        title: p.title.clone(),
        nature: p.nature.clone(),
        field: p.field.clone(),
        mode: p.mode.clone(),
        planned_funds_wan: wan_or_empty(p.funds_fen),
        actual_funds_wan: wan_or_empty(p.actual_funds_fen),
        people: p.people,
        beneficiaries: p.beneficiaries,
        beneficiary_groups: p.beneficiary_groups.clone(),
        start_date: p.start_date.clone(),
        end_date: p.end_date.clone(),
        description: p.description.clone(),
        status: p.status.as_str().into(),
        status_label: p.status().label().into(),
        stop_reason: p.stop_reason.clone(),
        confirmed_by: p.confirmed_by.clone(),
        created_by: p.created_by.clone(),
        created_at: p.created_at,
        done_at: p.done_at,
        updated_at: p.updated_at,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ProjectParams {
    /// 帮扶地区（名称或区划代码）：只看该地区及其下级。
    pub region: Option<String>,
    /// 项目性质。
    pub nature: Option<String>,
    /// 帮扶领域。
    pub field: Option<String>,
    /// planned、in_progress、done、stopped。
    pub status: Option<String>,
    /// 期间开始（如 2026-01-01）：实施期与期间相交的项目。
    pub from: Option<String>,
    /// 期间结束（如 2026-06-30）。
    pub to: Option<String>,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 一页帮扶项目。
#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub total: i64,
    pub items: Vec<ProjectRecordDto>,
}

/// 查询帮扶项目：社会组织看本组织的项目，官员看帮扶地区在辖区内的项目；可按地区、项目性质、领域、状态和期间筛选。
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectParams),
    responses((status = 200, body = ProjectPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_projects(State(state): State<AppState>, user: ApiUser, Query(q): Query<ProjectParams>) -> Result<Json<ProjectPage>, ApiError> {
    let input = ListInput {
        region: q.region.unwrap_or_default(),
        nature: q.nature.unwrap_or_default(),
        field: q.field.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
    };
    let f = input.check(&state, &user.principal).await?;
    let per_page = q.per_page.unwrap_or(20).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = ops::list(&state, &user.principal, &f, per_page, (page - 1) * per_page).await?;
    Ok(Json(ProjectPage { total, items: rows.iter().map(|p| project_dto(&state, p)).collect() }))
}

/// 录入帮扶项目（社会组织为本组织录入；`pairing_id` 为本组织生效中的结对时计为该结对下的项目）。
///
/// 金额以万元计（最多两位小数），人数为整数；数字也可以文字形式发送（已弃用），但“约十万”之类的文字会被拒绝（422，`fields` 指明字段）。
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_project(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: ProjectInput = lenient(body, &[])?;
    let id = ops::create(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 一条进展。
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    pub id: i64,
    /// 进展日期（ISO）。
    pub on: String,
    pub note: String,
    /// 截至本次的累计投入资金（万元）。
    pub funds_wan: String,
    pub people: i64,
    pub beneficiaries: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// 一个佐证材料（下载：页面 `/projects/files/{id}`）。
#[derive(Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub progress_id: i64,
    pub file_name: String,
    pub content_type: String,
}

/// 帮扶项目详情：项目、进展（新的在前）和佐证材料。
#[derive(Serialize, ToSchema)]
pub struct ProjectDetailDto {
    pub project: ProjectRecordDto,
    pub progress: Vec<ProgressDto>,
    pub files: Vec<EvidenceDto>,
}

/// 帮扶项目详情；不在调用者范围内的项目返回 404。
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = i64, Path, description = "项目编号")),
    responses((status = 200, body = ProjectDetailDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_project(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<ProjectDetailDto>, ApiError> {
    let d = ops::detail(&state, &user.principal, id).await?;
    Ok(Json(ProjectDetailDto {
        project: project_dto(&state, &d.project),
        progress: d
            .progress
            .into_iter()
            .map(|g| ProgressDto { id: g.id, on: g.reported_on, note: g.note, funds_wan: wan_or_empty(g.funds_fen), people: g.people, beneficiaries: g.beneficiaries, created_by: g.created_by, created_at: g.created_at })
            .collect(),
        files: d.files.into_iter().map(|f| EvidenceDto { id: f.id, progress_id: f.progress_id, file_name: f.file_name, content_type: f.content_type }).collect(),
    }))
}

/// 一个佐证材料。
#[derive(Deserialize, ToSchema)]
pub struct EvidenceUpload {
    /// 文件名，扩展名须与内容一致（.jpg、.png 或 .pdf）。
    #[serde(default)]
    pub file_name: String,
    /// 文件内容的 Base64 编码。
    #[serde(default)]
    pub content_base64: String,
}

/// 添加进展的请求。
#[derive(Deserialize, ToSchema)]
pub struct ProgressRequest {
    #[serde(flatten)]
    pub progress: ProgressInput,
    /// 佐证材料（现场照片或文件），最多 10 个。
    #[serde(default)]
    pub files: Vec<EvidenceUpload>,
}

/// 添加项目进展（本组织）：日期、本次进展、截至本次的累计资金、人员和受益人数，以及佐证材料；计划中的项目随之进入实施中。
#[utoipa::path(post, path = "/api/v1/projects/{id}/progress", tag = "projects",
    params(("id" = i64, Path, description = "项目编号")), request_body = ProgressRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_progress(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let req: ProgressRequest = lenient(body, &[])?;
    let mut files = Vec::with_capacity(req.files.len());
    for (i, f) in req.files.iter().enumerate() {
        let bytes = super::pairing::decode_file(&format!("files[{i}].content_base64"), &f.content_base64)?;
        files.push(EvidenceFile { name: f.file_name.clone(), bytes });
    }
    let progress = ops::add_progress(&state, &user.principal, &user.actor(), id, &req.progress, &files).await?;
    Ok((StatusCode::CREATED, Json(Created { id: progress })))
}

/// 受益方确认项目完成（帮扶地区所在县的乡村振兴部门）；项目须在实施中。两个确认同时到达时只有一个生效，另一个返回 409。
#[utoipa::path(post, path = "/api/v1/projects/{id}/confirm", tag = "projects",
    params(("id" = i64, Path, description = "项目编号")),
    responses((status = 200, body = ProjectRecordDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm_project(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<ProjectRecordDto>, ApiError> {
    let p = ops::confirm(&state, &user.principal, &user.actor(), id).await?;
    Ok(Json(project_dto(&state, &p)))
}
