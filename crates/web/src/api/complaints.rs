//! Complaints and their investigation over the API: filing and the status by
//! receipt without a token (`/api/v1/public/complaints`), the lists and
//! details of the civil-affairs offices and the organisations, the handling
//! office's steps and the organisation's answer.
//!
//! Guarantees: handlers only read the request, call `duijie_app::complaints`
//! (which decides access: 404 outside the caller's scope, 403 for an office
//! above the handling one) and render. Public filing counts against the same
//! per-address limit as the page (429 beyond). What an organisation receives
//! never carries the complainant's identity, whether the complaint was
//! anonymous, the handler, or the office's internal steps; the public status
//! carries no notes and no identity.

use super::{ApiJson, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::security::ClientAddr;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use duijie_app::complaints::{self as ops, FilingInput};
use duijie_app::projects::EvidenceFile;
use duijie_domain::complaint::{self, OutcomeInput};
use duijie_store::complaints::{Complaint, PublicStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file_complaint))
        .routes(routes!(public_status))
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(assign))
        .routes(routes!(record_step))
        .routes(routes!(ask_org))
        .routes(routes!(answer))
        .routes(routes!(close))
        .routes(routes!(follow_up))
        .routes(routes!(complainant))
}

/// 一个文件。
#[derive(Deserialize, ToSchema)]
pub struct FileUpload {
    /// 文件名，扩展名须与内容一致（.jpg、.png 或 .pdf）。
    #[serde(default)]
    pub file_name: String,
    /// 文件内容的 Base64 编码。
    #[serde(default)]
    pub content_base64: String,
}

fn decode(files: &[FileUpload]) -> Result<Vec<EvidenceFile>, AppError> {
    if files.len() > complaint::MAX_FILES {
        return Err(AppError::field("files", format!("最多上传 {} 个文件", complaint::MAX_FILES)));
    }
    files
        .iter()
        .enumerate()
        .map(|(i, f)| Ok(EvidenceFile { name: f.file_name.clone(), bytes: super::pairing::decode_file(&format!("files[{i}].content_base64"), &f.content_base64)? }))
        .collect()
}

/// 投诉举报。
#[derive(Deserialize, ToSchema)]
pub struct FilingRequest {
    #[serde(flatten)]
    pub complaint: FilingInput,
    /// 证据材料（照片或 PDF），最多 5 个，每个不超过 3 MB。
    #[serde(default)]
    pub files: Vec<FileUpload>,
}

/// 受理回执。
#[derive(Serialize, ToSchema)]
pub struct FiledDto {
    /// 受理回执号，凭它查询办理进度（`GET /api/v1/public/complaints/{receipt}`）；不会再次提供。
    pub receipt: String,
    /// 办理机关。
    pub office: String,
    /// 办结时限（受理之日起 60 日）。
    pub due_on: String,
}

/// 投诉举报（无需令牌）：类别、被投诉的已登记社会组织（名称或统一社会信用代码）或未登记组织的名称、发生地点、情况描述、证据材料，匿名或留下姓名和电话（加密保存，仅承办机关可见）。
/// 返回受理回执号。同一地址每小时最多提交 10 次，超过返回 429。
#[utoipa::path(post, path = "/api/v1/public/complaints", tag = "complaints", security(()), request_body = FilingRequest,
    responses((status = 201, body = FiledDto), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn file_complaint(State(state): State<AppState>, client: ClientAddr, ApiJson(body): ApiJson<FilingRequest>) -> Result<(StatusCode, Json<FiledDto>), ApiError> {
    if !duijie_store::throttle::allow(&state.db, &format!("complaint:{}", client.0), complaint::FILINGS_PER_HOUR, 3600, duijie_store::now())
        .await
        .map_err(AppError::from)?
    {
        return Err(AppError::BadRequest(StatusCode::TOO_MANY_REQUESTS, "提交过于频繁，请一小时后再试".into()).into());
    }
    let files = decode(&body.files)?;
    let filed = ops::file(&state, &body.complaint, &files).await?;
    Ok((StatusCode::CREATED, Json(FiledDto { receipt: filed.receipt.printed(), office: filed.office, due_on: filed.due_on.format("%Y-%m-%d").to_string() })))
}

/// 投诉举报的公开办理进度。
#[derive(Serialize, ToSchema)]
pub struct PublicStatusDto {
    pub receipt: String,
    pub category: String,
    pub category_label: String,
    /// received、investigating、awaiting_answer、rectifying（已责令整改，待复查）或 closed。
    pub status: String,
    pub status_label: String,
    pub filed_at: i64,
    pub due_on: String,
    /// 办理结果：unfounded、rectification、penalty、transfer、illegal_org；办理中为空。
    pub outcome: String,
    pub outcome_label: String,
    /// 办理机关告知投诉人的结果说明。
    pub outcome_summary: String,
    pub rectify_deadline: String,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
}

fn public_dto(s: &PublicStatus) -> PublicStatusDto {
    PublicStatusDto {
        receipt: complaint::Receipt::parse(&s.receipt).map(|r| r.printed()).unwrap_or_else(|| s.receipt.clone()),
        category: s.category.as_str().into(),
        category_label: s.category.label().into(),
        status: s.status.as_str().into(),
        status_label: s.status.label().into(),
        filed_at: s.filed_at,
        due_on: s.due_on.clone(),
        outcome: s.outcome.clone(),
        outcome_label: complaint::kind_label(&s.outcome).into(),
        outcome_summary: s.outcome_summary.clone(),
        rectify_deadline: s.rectify_deadline.clone(),
        decided_at: s.decided_at,
        closed_at: s.closed_at,
    }
}

/// 凭受理回执号查询办理进度（无需令牌）：状态、结果和日期，不含投诉人信息和办理过程记录。
#[utoipa::path(get, path = "/api/v1/public/complaints/{receipt}", tag = "complaints", security(()),
    params(("receipt" = String, Path, description = "受理回执号，如 TS-7K2M-9QX4-3HNP-8R64")),
    responses((status = 200, body = PublicStatusDto), (status = 404, body = ErrorBody)))]
pub async fn public_status(State(state): State<AppState>, Path(receipt): Path<String>) -> Result<Json<PublicStatusDto>, ApiError> {
    Ok(Json(public_dto(&ops::public_status(&state.db, &receipt).await?)))
}

/// 一件投诉举报。
#[derive(Serialize, ToSchema)]
pub struct ComplaintDto {
    pub id: i64,
    pub category: String,
    pub category_label: String,
    /// 被投诉的已登记社会组织（未登记的为空）。
    pub org_id: Option<i64>,
    pub org_name: String,
    pub place_code: String,
    pub place_name: String,
    /// 办理机关所在地区。
    pub office_code: String,
    pub office_name: String,
    pub description: String,
    pub status: String,
    pub status_label: String,
    pub filed_at: i64,
    pub due_on: String,
    /// 办理中且已超过办结时限。
    pub overdue: bool,
    pub outcome: String,
    pub outcome_label: String,
    pub outcome_summary: String,
    pub rectify_deadline: String,
    pub doc_no: String,
    pub transfer_date: String,
    pub outcome_unit: String,
    /// 办理结果列入的信用名单：abnormal（活动异常名录）、serious（严重违法失信名单）或空。
    pub credit_list: String,
    /// 是否匿名（仅民政部门可见）。
    pub anonymous: Option<bool>,
    /// 承办人（仅民政部门可见）。
    pub handler_name: Option<String>,
}

fn dto(state: &AppState, c: &Complaint, officer: bool) -> ComplaintDto {
    ComplaintDto {
        id: c.id,
        category: c.category.as_str().into(),
        category_label: c.category.label().into(),
        org_id: c.org_id,
        org_name: c.org_name.clone(),
        place_code: c.place_code.to_string(),
        place_name: state.tree.full_name(&c.place_code),
        office_code: c.office_code.to_string(),
        office_name: ops::office_name(state, &c.office_code),
        description: c.description.clone(),
        status: c.status.as_str().into(),
        status_label: c.status.label().into(),
        filed_at: c.filed_at,
        due_on: c.due_on.clone(),
        overdue: c.is_overdue(duijie_app::today()),
        outcome: c.outcome.clone(),
        outcome_label: c.outcome_label().into(),
        outcome_summary: c.outcome_summary.clone(),
        rectify_deadline: c.rectify_deadline.clone(),
        doc_no: c.doc_no.clone(),
        transfer_date: c.transfer_date.clone(),
        outcome_unit: c.outcome_unit.clone(),
        credit_list: c.credit_list.clone(),
        anonymous: officer.then_some(c.anonymous),
        handler_name: officer.then(|| c.handler_name.clone()),
    }
}

fn is_officer(user: &ApiUser) -> bool {
    user.principal.role() == duijie_domain::Role::CivilAffairs
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 为 true 时包括已办结的（默认只列办理中的）。
    #[serde(default)]
    pub all: bool,
    /// 页码，从 1 起（每页 100 件）。
    #[serde(default)]
    pub page: Option<i64>,
}

/// Complaints on one page of the API's list.
const PER_PAGE: i64 = 100;

/// 一页投诉举报。
#[derive(Serialize, ToSchema)]
pub struct ComplaintPage {
    pub items: Vec<ComplaintDto>,
    /// 符合条件的总件数。
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// 投诉举报列表，新的在前，每页 100 件：民政部门为本机关及下级受理的，社会组织为被要求答复的。
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ListParams),
    responses((status = 200, body = ComplaintPage), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Query(q): Query<ListParams>) -> Result<Json<ComplaintPage>, ApiError> {
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = ops::list(&state.db, &user.principal, !q.all, page, PER_PAGE).await?;
    let officer = is_officer(&user);
    Ok(Json(ComplaintPage { items: rows.iter().map(|c| dto(&state, c, officer)).collect(), total, page, per_page: PER_PAGE }))
}

/// 办理记录的一项。
#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    /// assign（分派）、step（调查记录）、ask（要求组织答复）、answer（组织答复）、close（办结）、follow_up（整改复查）。
    pub kind: String,
    pub kind_label: String,
    pub note: String,
    pub unit: String,
    pub at: i64,
    /// 所附文件的编号与名称。
    pub files: Vec<FileDto>,
}

/// 一个文件。
#[derive(Serialize, ToSchema)]
pub struct FileDto {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
}

/// 投诉举报详情。
#[derive(Serialize, ToSchema)]
pub struct DetailDto {
    pub complaint: ComplaintDto,
    /// 投诉人提交的证据材料。
    pub evidence: Vec<FileDto>,
    /// 调用者可见的办理记录（社会组织只见要求答复和本组织的答复）。
    pub entries: Vec<EntryDto>,
    /// 调用者是否承办（分派、调查、要求答复、办结、复查）。
    pub may_handle: bool,
    /// 调用者是否可以答复。
    pub may_answer: bool,
}

/// 一件投诉举报及其办理记录。
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")),
    responses((status = 200, body = DetailDto), (status = 404, body = ErrorBody)))]
pub async fn detail(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<DetailDto>, ApiError> {
    Ok(Json(detail_dto(&state, &user, id).await?))
}

async fn detail_dto(state: &AppState, user: &ApiUser, id: i64) -> Result<DetailDto, ApiError> {
    let d = ops::detail(state, &user.principal, id).await?;
    let file = |f: &duijie_store::complaints::FileInfo| FileDto { id: f.id, file_name: f.file_name.clone(), content_type: f.content_type.clone() };
    let entries = d
        .entries
        .iter()
        .map(|e| EntryDto {
            kind: e.kind.clone(),
            kind_label: e.label().into(),
            note: e.note.clone(),
            unit: e.unit.clone(),
            at: e.at,
            files: d.files.iter().filter(|f| f.entry_id == Some(e.id)).map(file).collect(),
        })
        .collect();
    Ok(DetailDto {
        complaint: dto(state, &d.complaint, is_officer(user)),
        evidence: d.files.iter().filter(|f| f.entry_id.is_none()).map(file).collect(),
        entries,
        may_handle: d.may_handle,
        may_answer: d.may_answer,
    })
}

/// 分派承办人。
#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// 承办人的用户编号（本机关民政部门的账号）。
    pub handler_id: i64,
    #[serde(default)]
    pub note: String,
}

/// 分派（或改派）承办人（承办机关）。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/assign", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = AssignRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<AssignRequest>) -> Result<Json<DetailDto>, ApiError> {
    ops::assign(&state.db, &user.principal, &user.actor(), id, &body.handler_id.to_string(), &body.note).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 一段文字及其材料。
#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    #[serde(default)]
    pub note: String,
    /// 材料（照片或 PDF），最多 5 个。
    #[serde(default)]
    pub files: Vec<FileUpload>,
}

/// 记录调查情况及材料（承办机关）。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/steps", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = NoteRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_step(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<NoteRequest>) -> Result<Json<DetailDto>, ApiError> {
    ops::record_step(&state.db, &user.principal, &user.actor(), id, &body.note, &decode(&body.files)?).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 要求被投诉组织答复（承办机关）：组织从此可以看到投诉的类别、描述和证据，看不到投诉人。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/ask", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = NoteRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask_org(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<NoteRequest>) -> Result<Json<DetailDto>, ApiError> {
    ops::ask_org(&state.db, &user.principal, &user.actor(), id, &body.note).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 组织的答复。
#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    #[serde(default)]
    pub text: String,
    /// 证明材料（照片或 PDF），最多 5 个。
    #[serde(default)]
    pub files: Vec<FileUpload>,
}

/// 答复投诉（被要求答复的社会组织）。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/answer", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = AnswerRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<AnswerRequest>) -> Result<Json<DetailDto>, ApiError> {
    ops::answer(&state.db, &user.principal, &user.actor(), id, &body.text, &decode(&body.files)?).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 办结。
#[derive(Deserialize, ToSchema)]
pub struct CloseRequest {
    /// unfounded（不成立）、rectification（责令整改）、penalty（行政处罚）、transfer（移交公安机关）、illegal_org（非法社会组织处置）。
    #[serde(default)]
    pub outcome: String,
    /// 整改期限（责令整改时），如 2026-12-31。
    #[serde(default)]
    pub rectify_deadline: String,
    /// 行政处罚决定书文号（行政处罚时）。
    #[serde(default)]
    pub doc_no: String,
    /// 移交日期（移交公安机关时）。
    #[serde(default)]
    pub transfer_date: String,
    /// 接收单位（移交公安机关或非法社会组织处置时）。
    #[serde(default)]
    pub unit: String,
    /// 办理情况说明，将告知投诉人。
    #[serde(default)]
    pub summary: String,
    /// 列入信用名单：abnormal（活动异常名录）、serious（严重违法失信名单），不列入为空。
    #[serde(default)]
    pub credit_list: String,
    #[serde(default)]
    pub credit_reason: String,
    /// 列入决定文号。
    #[serde(default)]
    pub credit_doc_no: String,
}

/// 以办理结果办结（承办机关）；可同时将组织列入活动异常名录或严重违法失信名单，此后该组织不能报名、承接需求或结对。两个办结同时到达时只有一个生效，另一个返回 409。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/close", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = CloseRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(b): ApiJson<CloseRequest>) -> Result<Json<DetailDto>, ApiError> {
    let input = OutcomeInput {
        outcome: b.outcome,
        rectify_deadline: b.rectify_deadline,
        doc_no: b.doc_no,
        transfer_date: b.transfer_date,
        unit: b.unit,
        summary: b.summary,
        credit_list: b.credit_list,
        credit_reason: b.credit_reason,
        credit_doc_no: b.credit_doc_no,
    };
    ops::close(&state.db, &user.principal, &user.actor(), id, &input).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 记录整改复查情况，投诉随之办结（承办机关，责令整改的投诉）。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/follow-up", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")), request_body = NoteRequest,
    responses((status = 200, body = DetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<NoteRequest>) -> Result<Json<DetailDto>, ApiError> {
    ops::follow_up(&state.db, &user.principal, &user.actor(), id, &body.note, &decode(&body.files)?).await?;
    Ok(Json(detail_dto(&state, &user, id).await?))
}

/// 投诉人。
#[derive(Serialize, ToSchema)]
pub struct ComplainantDto {
    pub anonymous: bool,
    pub name: String,
    pub phone: String,
}

/// 查看投诉人的姓名和电话（仅承办机关；每次查看记入审计日志）。
#[utoipa::path(post, path = "/api/v1/complaints/{id}/complainant", tag = "complaints", params(("id" = i64, Path, description = "投诉编号")),
    responses((status = 200, body = ComplainantDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn complainant(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<ComplainantDto>, ApiError> {
    let c = ops::complainant(&state, &user.principal, &user.actor(), id).await?;
    Ok(Json(match c {
        Some(c) => ComplainantDto { anonymous: false, name: c.name, phone: c.phone },
        None => ComplainantDto { anonymous: true, name: String::new(), phone: String::new() },
    }))
}
