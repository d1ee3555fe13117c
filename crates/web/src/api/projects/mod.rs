//! Projects (帮扶项目) over the API: listed with filters within the caller's
//! scope, recorded and edited by an organisation, shown with their progress and
//! evidence, progress added (evidence as Base64), confirmed by the helped
//! county, and stopped by its organisation with a reason; a province's
//! natures (项目性质) kept by its provincial office; an organisation's filled 附件2 uploaded as a file
//! (`POST /api/v1/projects/import`, multipart).
//!
//! Guarantees: handlers only read the request, call `duijie_app::projects`
//! (access decided there: a project outside the caller's scope is 404) and
//! render; numbers may be sent as JSON numbers or (deprecated) text, and text
//! that is not a number is a 422 naming the field. An import answers 201
//! with the new projects' ids, or 422 in the API's error shape with every
//! bad cell by row and column (`errors`), nothing written; the same file
//! again is a 409.

use super::{ApiJson, ApiUpload, Created, Path, Query, lenient};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::format::wan_or_empty;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use duijie_app::projects::{self as ops, EvidenceFile, ListImport, ListInput, ProgressInput, ProjectEdit, ProjectInput};
use axum::response::{IntoResponse, Response};
use duijie_store::projects::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, edit_project))
        .routes(routes!(add_progress))
        .routes(routes!(confirm_project))
        .routes(routes!(stop_project))
        .routes(routes!(import_projects))
        .routes(routes!(get_natures, put_natures))
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
    /// 所属专项行动的编号与名称（未指定为空）。
    pub action_id: Option<i64>,
    pub action_name: Option<String>,
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
    /// 版本号：每次变更加一；修改项目时须原样带上（`PUT /api/v1/projects/{id}`）。
    pub version: i64,
}

fn project_dto(state: &AppState, p: &Project) -> ProjectRecordDto {
    ProjectRecordDto {
        id: p.id,
        source: p.source.clone(),
        match_id: p.match_id,
        demand_id: p.demand_id,
        pairing_id: p.pairing_id,
        action_id: p.action_id,
        action_name: p.action_name.clone(),
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
        version: p.version,
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
    /// 专项行动的编号：只看该行动下的项目。
    pub action: Option<i64>,
    /// planned、in_progress、done、stopped。
    pub status: Option<String>,
    /// 期间开始（如 2026-01-01）：实施期与期间相交的项目。
    pub from: Option<String>,
    /// 期间结束（如 2026-06-30）。
    pub to: Option<String>,
    /// 开始月份（如 2026-03）：只看该月开始的项目。
    pub started: Option<String>,
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

/// 查询帮扶项目：社会组织看本组织的项目，官员看帮扶地区在辖区内的项目；可按地区、项目性质、领域、专项行动、状态和期间筛选。
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectParams),
    responses((status = 200, body = ProjectPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_projects(State(state): State<AppState>, user: ApiUser, Query(q): Query<ProjectParams>) -> Result<Json<ProjectPage>, ApiError> {
    let input = ListInput {
        region: q.region.unwrap_or_default(),
        nature: q.nature.unwrap_or_default(),
        field: q.field.unwrap_or_default(),
        action: q.action.map(|a| a.to_string()).unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        started: q.started.unwrap_or_default(),
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
    /// 图片是否有缩略图（最长边 240 像素，页面 `/projects/files/{id}/thumb`）；PDF、过大或无法读取的图片没有。
    pub has_thumbnail: bool,
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
        files: d.files.into_iter().map(|f| EvidenceDto { id: f.id, progress_id: f.progress_id, file_name: f.file_name, content_type: f.content_type, has_thumbnail: f.has_thumbnail }).collect(),
    }))
}

/// 修改帮扶项目（本组织；计划中或实施中的项目）：字段与录入时相同，按同样的规则检查（422 逐字段说明）；所属结对不能修改，供需对接形成的项目不能修改帮扶地区。
///
/// 须带上读取项目时得到的 `version`：项目在此之后被他人修改或有了新进展的，不写入并返回 409（`current` 为项目当前状态），请重新读取后再改；同时到达的两个修改只有一个生效。
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = i64, Path, description = "项目编号")), request_body = ProjectEdit,
    responses((status = 200, body = ProjectRecordDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_project(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<Json<ProjectRecordDto>, ApiError> {
    let input: ProjectEdit = lenient(body, &[])?;
    let p = ops::edit(&state, &user.principal, &user.actor(), id, &input).await?;
    Ok(Json(project_dto(&state, &p)))
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

/// 终止项目的请求。
#[derive(Deserialize, ToSchema)]
pub struct ProjectStopRequest {
    /// 终止的原因（必填，500 字以内）。
    #[serde(default)]
    pub reason: String,
}

/// 终止帮扶项目（本组织）：计划中或实施中的项目可终止，须写明原因；已完成或已终止的项目返回 409。
///
/// 由供需对接形成的项目终止后，对接随之解除（记为已取消，原因即终止原因，供给项目的可承接名额恢复），需求重新发布，其他社会组织可以承接，录入需求的县级乡村振兴部门会收到通知。
#[utoipa::path(post, path = "/api/v1/projects/{id}/stop", tag = "projects",
    params(("id" = i64, Path, description = "项目编号")), request_body = ProjectStopRequest,
    responses((status = 200, body = ProjectRecordDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stop_project(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<ProjectStopRequest>) -> Result<Json<ProjectRecordDto>, ApiError> {
    let p = ops::stop(&state, &user.principal, &user.actor(), id, &r.reason).await?;
    Ok(Json(project_dto(&state, &p)))
}

// Describes the multipart body for the OpenAPI document; the handler reads the parts itself.
/// 上传的项目明细表（附件2）。
#[derive(ToSchema)]
pub struct ProjectListUpload {
    /// 填好的《社会组织开展乡村振兴项目明细表》（.xlsx 或 .csv），版式同导出的附件2。
    #[schema(value_type = String, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// 导入成功：新录入的项目编号（按表中行的顺序）。
#[derive(Serialize, ToSchema)]
pub struct ProjectListImported {
    pub count: usize,
    pub ids: Vec<i64>,
}

/// 导入项目明细表（附件2，社会组织填报）：社会组织上传本组织离线填好的表（multipart，字段 `file`）。
///
/// 每一格都按录入项目的规则检查：社会组织名称须为本组织全称；帮扶地区写“省/市/县”名称（如 陕西省汉中市略阳县 或 陕西省/汉中市/略阳县）或区划代码；项目性质须在本省的列表中；投入资金（万元）最多两位小数；人数为非负整数。
/// 有任何错误时不写入任何项目，返回 422，`errors` 按行和列列出每一处错误；全部无误时在一个事务中录入全部项目，返回 201。
/// 同一个文件（按内容）只导入一次，再次上传返回 409。
#[utoipa::path(post, path = "/api/v1/projects/import", tag = "projects",
    request_body(content = inline(ProjectListUpload), content_type = "multipart/form-data"),
    responses((status = 201, body = ProjectListImported), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, description = "请求体须为 multipart/form-data，文件放在字段 file 中", body = ErrorBody),
        (status = 422, description = "表中有错误（`errors` 逐格列出），或文件无法读取（`fields` 中的 file）；未写入任何项目", body = super::sheet::SheetRefusal)))]
pub async fn import_projects(State(state): State<AppState>, user: ApiUser, ApiUpload(form): ApiUpload) -> Result<Response, ApiError> {
    let Some((name, bytes)) = form.named_file() else {
        return Ok(super::sheet::no_file("请在字段 file 中上传填好的项目明细表（.xlsx 或 .csv）"));
    };
    let limits = state.config.import_limits.projects();
    match ops::import_list(&state, &user.principal, &user.actor(), name, bytes, &limits).await {
        Ok(ListImport::Recorded(ids)) => Ok((StatusCode::CREATED, Json(ProjectListImported { count: ids.len(), ids })).into_response()),
        Ok(ListImport::Refused { errors, more }) => {
            Ok(super::sheet::cells(format!("项目明细表中有 {} 处错误，未写入任何项目；请按 errors 逐格修改后重新上传", errors.len() + more), errors, more))
        }
        Err(e) => super::sheet::failed(e),
    }
}

/// 一个省的项目性质列表。
#[derive(Serialize, ToSchema)]
pub struct ProjectNatureList {
    /// 省级区划代码（两位）。
    pub province: String,
    pub province_name: String,
    /// 项目性质，按顺序。
    pub natures: Vec<String>,
    /// true：本省自己的列表；false：使用平台默认列表。
    pub own: bool,
}

fn nature_list_dto(l: duijie_app::projects::NatureList) -> ProjectNatureList {
    ProjectNatureList { province: l.province, province_name: l.province_name, natures: l.natures, own: l.own }
}

/// 修改本省项目性质列表的请求。
#[derive(Deserialize, ToSchema)]
pub struct ProjectNaturesUpdate {
    /// 新的项目性质列表，按顺序：每项不能为空、不超过 20 个字、不能重复，至少一项。
    #[serde(default)]
    pub natures: Vec<String>,
}

/// 本省的项目性质列表（省级民政或乡村振兴部门）；其他账号返回 403。
#[utoipa::path(get, path = "/api/v1/projects/natures", tag = "projects",
    responses((status = 200, body = ProjectNatureList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_natures(State(state): State<AppState>, user: ApiUser) -> Result<Json<ProjectNatureList>, ApiError> {
    Ok(Json(nature_list_dto(ops::nature_list(&state, &user.principal).await?)))
}

/// 修改本省的项目性质列表（省级民政或乡村振兴部门）：整体替换；录入和导入项目时项目性质须从列表中选择，已录入的项目保留原来的项目性质。
#[utoipa::path(put, path = "/api/v1/projects/natures", tag = "projects", request_body = ProjectNaturesUpdate,
    responses((status = 200, body = ProjectNatureList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_natures(State(state): State<AppState>, user: ApiUser, ApiJson(r): ApiJson<ProjectNaturesUpdate>) -> Result<Json<ProjectNatureList>, ApiError> {
    Ok(Json(nature_list_dto(ops::set_natures(&state, &user.principal, &user.actor(), &r.natures).await?)))
}
