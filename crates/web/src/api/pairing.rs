//! Pairing (结对帮扶) over the API: batches and their published lists, pairings
//! and their steps, agreements, coverage, organisations' intents and counties'
//! needs, pairing plans, adjustments of published lists, and agreements due.
//!
//! Guarantees: every handler goes through the operations the pages use
//! (`crate::pairing`, `duijie_app::pairing`), so authorisation
//! (`authz::decide`), validation and auditing are the same as on the pages; a
//! pairing, plan or request outside the caller's scope answers 404; problems
//! with what was sent answer 422 with `fields` naming the field in Chinese.
//! Bodies built on the pages' form types (`ProposeInput`, `BatchInput`) accept
//! numbers where the form has text, so `"batch_id": 3` works as `"3"` does.

use super::ApiJson;
use crate::AppState;
use super::EventDto;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use duijie_app::pairing::{self as app_pairing, adjustment_visible, parse_params, parse_preferred, submit_adjustment, targets_label};
use duijie_store::pairing::end_of_day;
use crate::pairing::{self as ops, BatchInput, ProposeInput, may, require};
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::org::FIELDS;
use duijie_domain::pairing::{Kind, Status, Step};
use duijie_domain::{Level, Principal, RegionCode, Role, Uscc};
use duijie_store::pairing::adjust::{self, Adjustment, NewAdjustment, Op, Upload};
use duijie_store::pairing::coverage::Summary;
use duijie_store::pairing::plan as plans;
use duijie_store::pairing::{self, Batch, Filter, Pairing};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_batches, create_batch))
        .routes(routes!(publish_batch))
        .routes(routes!(batch_list))
        .routes(routes!(list_pairings, propose))
        .routes(routes!(get_pairing))
        .routes(routes!(take_step))
        .routes(routes!(agreement))
        .routes(routes!(upload_signed))
        .routes(routes!(coverage_of))
        .routes(routes!(get_intent, put_intent))
        .routes(routes!(get_needs, put_needs))
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(get_plan))
        .routes(routes!(send_plan))
        .routes(routes!(list_adjustments, request_adjustment))
        .routes(routes!(get_adjustment))
        .routes(routes!(decide_adjustment))
        .routes(routes!(due))
}

/// Reads a body into one of the pages' form types (all text), taking numbers as their text.
fn lenient<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    let v = match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| match v {
                    Value::Number(n) => (k, Value::String(n.to_string())),
                    other => (k, other),
                })
                .collect(),
        ),
        other => other,
    };
    serde_json::from_value(v).map_err(|e| AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, format!("请求体字段类型不正确：{e}")).into())
}

/// Decodes an uploaded file sent as Base64 (whitespace and a `data:…;base64,` prefix are ignored).
fn decode_file(field: &str, content: &str) -> Result<Vec<u8>, AppError> {
    let body = match content.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => content,
    };
    let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if clean.is_empty() {
        return Err(AppError::field(field, "请上传文件内容（Base64 编码）"));
    }
    base64::engine::general_purpose::STANDARD.decode(clean.as_bytes()).map_err(|_| AppError::field(field, "文件内容不是有效的 Base64 编码"))
}

fn region_name(state: &AppState, code: &str) -> String {
    match RegionCode::parse(code) {
        Ok(c) if c.level() == Level::National => "全国".into(),
        Ok(c) => state.tree.full_name(&c),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------- batches

/// 结对批次（名单）。
#[derive(Serialize, ToSchema)]
pub struct BatchDto {
    pub id: i64,
    /// 批次名称，例如“第一批”。
    pub name: String,
    /// 印发名单的区划代码：空为全国，53 为云南省。
    pub region_code: String,
    /// 印发单位所在地区（全国、云南省）。
    pub region_name: String,
    /// 名单文号。
    pub doc_no: String,
    /// 协议签订截止日期（ISO 日期）。
    pub sign_deadline: String,
    /// 名单发布时间（Unix 秒）；未发布为 null。
    pub published_at: Option<i64>,
}

fn batch_dto(state: &AppState, b: &Batch) -> BatchDto {
    BatchDto {
        id: b.id,
        name: b.name.clone(),
        region_code: b.region_code.clone(),
        region_name: if b.region_code.is_empty() { "全国".into() } else { state.tree.full_name(&b.region()) },
        doc_no: b.doc_no.clone(),
        sign_deadline: b.sign_deadline.clone(),
        published_at: b.published_at,
    }
}

/// 新建记录的编号。
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// 结对批次列表（全国和各省印发的名单）。
#[utoipa::path(get, path = "/api/v1/pairing/batches", tag = "pairing",
    responses((status = 200, body = [BatchDto]), (status = 401, body = ErrorBody)))]
pub async fn list_batches(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<BatchDto>>, ApiError> {
    Ok(Json(pairing::batches(&state.db).await?.iter().map(|b| batch_dto(&state, b)).collect()))
}

/// 新建结对批次（省级或国家级民政、乡村振兴部门）。
///
/// `region` 为空时取本单位所在地区；`sign_deadline` 为协议签订截止日期。
#[utoipa::path(post, path = "/api/v1/pairing/batches", tag = "pairing", request_body = BatchInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_batch(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: BatchInput = lenient(body)?;
    let id = ops::create_batch(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 发布结果。
#[derive(Serialize, ToSchema)]
pub struct Published {
    /// 列入名单的结对数（双方已同意、已签协议或已生效的结对）。
    pub listed: usize,
}

/// 发布批次名单：已同意的结对列入名单，尚未双方同意的提议撤回；发布后只能通过调整申请变更。
#[utoipa::path(post, path = "/api/v1/pairing/batches/{id}/publish", tag = "pairing",
    params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, body = Published), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish_batch(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<Published>, ApiError> {
    let (_, listed) = ops::publish_batch(&state, &user.principal, &user.actor(), id).await?;
    Ok(Json(Published { listed }))
}

#[derive(Deserialize, IntoParams)]
pub struct AsOfParams {
    /// 日期，例如 2026-11-23：返回该日结束时（北京时间）的名单；不填为当前名单。
    #[serde(default)]
    pub date: String,
}

/// 某批次的名单。
#[derive(Serialize, ToSchema)]
pub struct BatchListDto {
    pub batch: BatchDto,
    /// 名单是否已发布；未发布时 `items` 为该批次中未结束的结对。
    pub published: bool,
    /// 名单所截至的日期（ISO 日期）；空为当前。
    pub date: String,
    pub items: Vec<PairingDto>,
}

/// 批次名单（可查询任一日期的历史名单），只含调用者可查看的结对。
#[utoipa::path(get, path = "/api/v1/pairing/batches/{id}/list", tag = "pairing",
    params(("id" = i64, Path, description = "批次编号"), AsOfParams),
    responses((status = 200, body = BatchListDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<AsOfParams>,
) -> Result<Json<BatchListDto>, ApiError> {
    let b = pairing::batch(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (at, date) = if q.date.trim().is_empty() {
        (duijie_store::now(), String::new())
    } else {
        let d = duijie_domain::date::parse_date(&q.date).ok_or_else(|| AppError::field("date", "日期无效，例如 2026-11-23"))?;
        (end_of_day(d), d.format("%Y-%m-%d").to_string())
    };
    let all = if b.is_published() { pairing::list_as_of(&state.db, &user.principal.scope(), b.id, at).await? } else { pairing::list::current_rows(&state.db, &user.principal.scope(), &b).await? };
    let items = all.iter().filter(|p| may(&user.principal, Action::ViewPairing, p)).map(|p| pairing_dto(&state, p)).collect();
    Ok(Json(BatchListDto { batch: batch_dto(&state, &b), published: b.is_published(), date, items }))
}

// ---------------------------------------------------------------- pairings

/// 一个结对。
#[derive(Serialize, ToSchema)]
pub struct PairingDto {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    /// county、village、household、party_branch、enterprise_village。
    pub kind: String,
    /// 结对类型的中文名，例如“社会组织—县（市、区）”。
    pub kind_label: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_credit_code: String,
    /// 社会组织登记地区划代码。
    pub org_region: String,
    /// 结对的县（6 位）或村（12 位）区划代码。
    pub region_code: String,
    /// 结对地区全称。
    pub region_name: String,
    /// 结对地区所在县的代码。
    pub county_code: String,
    /// 帮扶户、村党支部或会员企业的名称（视结对类型）。
    pub target_label: String,
    pub member_id: Option<i64>,
    /// 帮扶领域，以“、”分隔。
    pub fields: String,
    /// 帮扶内容与承诺。
    pub commitments: String,
    /// 计划投入资金（万元，两位小数）；未填为空。
    pub funds_wan: String,
    /// 派出人数。
    pub people: i64,
    /// 结对期限开始（ISO 日期），可为空。
    pub term_start: String,
    pub term_end: String,
    /// proposed、consented、signed、active、adjusted、ended、declined、withdrawn。
    pub status: String,
    /// 状态的中文名，例如“待签协议”。
    pub status_label: String,
    /// 来自哪个结对方案。
    pub plan_id: Option<i64>,
    pub proposed_by: String,
    /// 提出时间（Unix 秒，下同）。
    pub proposed_at: i64,
    pub org_consent_by: Option<String>,
    pub org_consent_at: Option<i64>,
    pub county_consent_by: Option<String>,
    pub county_consent_at: Option<i64>,
    /// 已签协议扫描件的文件编号；未上传为 null。
    pub signed_file_id: Option<i64>,
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
    pub activated_by: Option<String>,
    pub activated_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub close_reason: String,
    /// 列入已发布名单的时间；未列入为 null。
    pub listed_at: Option<i64>,
    /// 移出名单的时间（经批准的调整）。
    pub delisted_at: Option<i64>,
    /// 数据来源（导入文件及行号、调整申请等）。
    pub provenance: String,
}

fn pairing_dto(state: &AppState, p: &Pairing) -> PairingDto {
    PairingDto {
        id: p.id,
        batch_id: p.batch_id,
        batch_name: p.batch_name.clone(),
        kind: p.kind.clone(),
        kind_label: p.kind().label().into(),
        org_id: p.org_id,
        org_name: p.org_name.clone(),
        org_credit_code: p.org_credit_code.clone(),
        org_region: p.org_region.clone(),
        region_code: p.region_code.clone(),
        region_name: state.tree.full_name(&p.target()),
        county_code: p.county_code.clone(),
        target_label: p.target_label.clone(),
        member_id: p.member_id,
        fields: p.fields.clone(),
        commitments: p.commitments.clone(),
        funds_wan: crate::format::wan_or_empty(p.funds_fen),
        people: p.people,
        term_start: p.term_start.clone(),
        term_end: p.term_end.clone(),
        status: p.status.clone(),
        status_label: p.status().label().into(),
        plan_id: p.plan_id,
        proposed_by: p.proposed_by.clone(),
        proposed_at: p.proposed_at,
        org_consent_by: p.org_consent_by.clone(),
        org_consent_at: p.org_consent_at,
        county_consent_by: p.county_consent_by.clone(),
        county_consent_at: p.county_consent_at,
        signed_file_id: p.signed_file_id,
        signed_by: p.signed_by.clone(),
        signed_at: p.signed_at,
        activated_by: p.activated_by.clone(),
        activated_at: p.activated_at,
        closed_by: p.closed_by.clone(),
        closed_at: p.closed_at,
        close_reason: p.close_reason.clone(),
        listed_at: p.listed_at,
        delisted_at: p.delisted_at,
        provenance: p.provenance.clone(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PairingParams {
    /// 批次编号。
    pub batch_id: Option<i64>,
    /// 状态：proposed、consented、signed、active、adjusted、ended、declined、withdrawn，或 open（未结束的）。
    #[serde(default)]
    pub status: String,
    /// 结对类型：county、village、household、party_branch、enterprise_village。
    #[serde(default)]
    pub kind: String,
    /// 结对地区（任意级别的区划代码，含下级）。
    #[serde(default)]
    pub region: String,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 一页结对。
#[derive(Serialize, ToSchema)]
pub struct PairingPage {
    pub total: i64,
    pub items: Vec<PairingDto>,
}

/// 查询结对：官员看到结对地区或组织登记地在本辖区内的结对，社会组织看到本组织的结对。
#[utoipa::path(get, path = "/api/v1/pairings", tag = "pairing", params(PairingParams),
    responses((status = 200, body = PairingPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_pairings(State(state): State<AppState>, user: ApiUser, Query(q): Query<PairingParams>) -> Result<Json<PairingPage>, ApiError> {
    if !q.region.trim().is_empty() {
        RegionCode::parse(&q.region).map_err(|e| AppError::field("region", format!("结对地区：{e}")))?;
    }
    if !q.status.is_empty() && q.status != "open" && Status::parse(&q.status).is_none() {
        return Err(AppError::field("status", format!("无法识别的状态“{}”", q.status)).into());
    }
    if !q.kind.is_empty() && Kind::parse(&q.kind).is_none() {
        return Err(AppError::field("kind", format!("无法识别的结对类型“{}”", q.kind)).into());
    }
    let kind = Kind::parse(&q.kind).map(|k| k.as_str().to_string()).unwrap_or_default();
    let filter = Filter { batch_id: q.batch_id, status: q.status, kind, region: q.region.trim().to_string(), org_id: None };
    let per_page = q.per_page.unwrap_or(20).clamp(1, 200);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = pairing::list(&state.db, &user.principal.scope(), &filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(PairingPage { total, items: items.iter().map(|p| pairing_dto(&state, p)).collect() }))
}

/// 提出结对（未发布的批次）。社会组织为本组织提出（视为本组织已同意）；官员在辖区内为已登记的组织提出，县级乡村振兴部门提出时视为县级已同意。
///
/// 列入信用名单、未审核通过或已注销的组织不能结对；字段问题返回 422 及 `fields`。
#[utoipa::path(post, path = "/api/v1/pairings", tag = "pairing", request_body = ProposeInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: ProposeInput = lenient(body)?;
    let id = ops::propose(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}


/// 结对详情：结对、经过与调用者现在可以进行的操作。
#[derive(Serialize, ToSchema)]
pub struct PairingDetail {
    #[serde(flatten)]
    pub pairing: PairingDto,
    pub events: Vec<EventDto>,
    /// 调用者现在可进行的操作：org_consent、county_consent、decline、withdraw、activate、end
    /// （用 `POST /api/v1/pairings/{id}/steps`）。
    pub steps: Vec<String>,
    /// 调用者现在能否上传已签协议（`POST /api/v1/pairings/{id}/signed-agreement`）。
    pub may_sign: bool,
}

async fn detail(state: &AppState, who: &Principal, p: Pairing) -> Result<PairingDetail, ApiError> {
    let events = pairing::events(&state.db, p.id)
        .await?
        .into_iter()
        .map(EventDto::from)
        .collect();
    let steps = ops::steps_for(who, &p).into_iter().map(|s| s.key().to_string()).collect();
    let may_sign = may(who, Action::SignAgreement, &p) && matches!(p.status(), Status::Consented | Status::Signed);
    Ok(PairingDetail { pairing: pairing_dto(state, &p), events, steps, may_sign })
}

/// 结对详情，含经过和调用者可进行的操作；不在调用者范围内的结对返回 404。
#[utoipa::path(get, path = "/api/v1/pairings/{id}", tag = "pairing",
    params(("id" = i64, Path, description = "结对编号")),
    responses((status = 200, body = PairingDetail), (status = 404, body = ErrorBody)))]
pub async fn get_pairing(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<PairingDetail>, ApiError> {
    let p = ops::visible(&state, &user.principal, id).await?;
    Ok(Json(detail(&state, &user.principal, p).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    /// org_consent（社会组织同意）、county_consent（县级同意）、decline（谢绝）、withdraw（撤回提议）、
    /// activate（确认协议生效）、end（终止，仅限未列入已发布名单的结对）。
    pub step: String,
    /// 说明（谢绝、撤回、终止的理由），最多 500 字。
    #[serde(default)]
    pub note: String,
}

fn parse_step(s: &str) -> Result<Step, AppError> {
    match s.trim() {
        "org_consent" => Ok(Step::OrgConsent),
        "county_consent" => Ok(Step::CountyConsent),
        "decline" => Ok(Step::Decline),
        "withdraw" => Ok(Step::Withdraw),
        "activate" => Ok(Step::Activate),
        "end" => Ok(Step::End),
        "sign" => Err(AppError::field("step", "上传已签协议请用 POST /api/v1/pairings/{id}/signed-agreement")),
        "replace" => Err(AppError::field("step", "调整已发布名单中的结对请提交调整申请")),
        other => Err(AppError::field("step", format!("无法识别的操作“{other}”，应为 org_consent、county_consent、decline、withdraw、activate 或 end"))),
    }
}

/// 对结对进行一步操作（同意、谢绝、撤回、确认生效、终止），返回操作后的结对。
///
/// 当前状态不允许该操作（例如已被他人处理）时返回 409，`current` 为当前状态。
#[utoipa::path(post, path = "/api/v1/pairings/{id}/steps", tag = "pairing",
    params(("id" = i64, Path, description = "结对编号")), request_body = StepRequest,
    responses((status = 200, body = PairingDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_step(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<StepRequest>,
) -> Result<Json<PairingDetail>, ApiError> {
    let step = parse_step(&r.step)?;
    let after = ops::take_step(&state, &user.principal, &user.actor(), id, step, &r.note).await?;
    Ok(Json(detail(&state, &user.principal, after).await?))
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// 下载结对帮扶协议书（Word .docx，已填好双方信息，打印签章后上传扫描件）。
#[utoipa::path(get, path = "/api/v1/pairings/{id}/agreement", tag = "pairing",
    params(("id" = i64, Path, description = "结对编号")),
    responses((status = 200, description = "协议书（.docx）", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn agreement(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let p = ops::visible(&state, &user.principal, id).await?;
    let bytes = ops::agreement_docx(&state, &p).await?;
    let disposition = format!("attachment; filename=\"agreement-{id}.docx\"");
    Ok(([(header::CONTENT_TYPE, DOCX.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct FileUpload {
    /// 文件名，例如“结对协议（盖章）.pdf”。
    #[serde(default)]
    pub file_name: String,
    /// 文件内容的 Base64 编码（PDF、JPG 或 PNG 扫描件）。
    #[serde(default)]
    pub content_base64: String,
}

/// 上传已签订的结对帮扶协议扫描件（PDF、JPG、PNG），结对进入“协议已签待确认”，返回上传后的结对。
#[utoipa::path(post, path = "/api/v1/pairings/{id}/signed-agreement", tag = "pairing",
    params(("id" = i64, Path, description = "结对编号")), request_body = FileUpload,
    responses((status = 200, body = PairingDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_signed(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(f): ApiJson<FileUpload>,
) -> Result<Json<PairingDetail>, ApiError> {
    // Scope first: a pairing the caller may not see answers 404 whatever was sent.
    ops::visible(&state, &user.principal, id).await?;
    let bytes = decode_file("content_base64", &f.content_base64)?;
    let after = ops::upload_signed(&state, &user.principal, &user.actor(), id, &f.file_name, &bytes).await?;
    Ok(Json(detail(&state, &user.principal, after).await?))
}

// ---------------------------------------------------------------- coverage

#[derive(Deserialize, IntoParams)]
pub struct CoverageParams {
    /// 目标县范围：national_key、national_key:53、provincial_key:53、counties:53、counties:5306；不填为本单位默认范围。
    #[serde(default)]
    pub targets: String,
    /// 只返回某类县：none（未结对）、one（一家组织）、several（多家组织）。
    #[serde(default)]
    pub show: String,
}

/// 覆盖情况汇总。
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    /// 目标县数。
    pub targets: usize,
    /// 未结对的县数。
    pub none: usize,
    /// 一家组织结对的县数。
    pub one: usize,
    /// 多家组织结对的县数。
    pub several: usize,
}

impl From<Summary> for SummaryDto {
    fn from(s: Summary) -> Self {
        SummaryDto { targets: s.targets, none: s.none, one: s.one, several: s.several }
    }
}

/// 结对某县的一家组织。
#[derive(Serialize, ToSchema)]
pub struct CoveringDto {
    pub pairing_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub fields: String,
    /// consented、signed 或 active。
    pub status: String,
}

/// 一个目标县及结对它的组织。
#[derive(Serialize, ToSchema)]
pub struct CountyCoverageDto {
    pub code: String,
    pub name: String,
    pub full_name: String,
    pub organizations: Vec<CoveringDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageDto {
    /// 规范化后的目标范围。
    pub targets: String,
    /// 目标范围的中文名，例如“云南省国家乡村振兴重点帮扶县”。
    pub label: String,
    /// 全部目标县的汇总（不受 `show` 影响）。
    pub summary: SummaryDto,
    pub counties: Vec<CountyCoverageDto>,
}

/// 结对覆盖：目标县中哪些已有组织结对（双方同意、已签协议或已生效的县级结对）。
#[utoipa::path(get, path = "/api/v1/pairing/coverage", tag = "pairing", params(CoverageParams),
    responses((status = 200, body = CoverageDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn coverage_of(State(state): State<AppState>, user: ApiUser, Query(q): Query<CoverageParams>) -> Result<Json<CoverageDto>, ApiError> {
    let spec = if q.targets.trim().is_empty() { ops::default_targets(&user.principal) } else { q.targets.trim().to_string() };
    let t = ops::targets_for(&user.principal, &spec)?;
    let all = crate::pairing::coverage(&state, &user.principal, &t).await?;
    let summary = Summary::of(&all).into();
    let counties = all
        .into_iter()
        .filter(|r| match q.show.as_str() {
            "none" => r.count() == 0,
            "one" => r.count() == 1,
            "several" => r.count() > 1,
            _ => true,
        })
        .map(|r| CountyCoverageDto {
            code: r.county.code,
            name: r.county.name,
            full_name: r.county.full_name,
            organizations: r
                .organizations
                .into_iter()
                .map(|o| CoveringDto { pairing_id: o.pairing_id, org_id: o.org_id, org_name: o.org_name, fields: o.fields, status: o.status })
                .collect(),
        })
        .collect();
    Ok(Json(CoverageDto { targets: t.spec(), label: targets_label(&state.tree, &t), summary, counties }))
}

// ---------------------------------------------------------------- intent and needs

/// 意向地区。
#[derive(Serialize, ToSchema)]
pub struct RegionRef {
    pub code: String,
    pub name: String,
}

/// 社会组织的结对意愿。
#[derive(Serialize, ToSchema)]
pub struct IntentDto {
    pub org_id: i64,
    /// 愿意结对的县数（0–200）；0 表示暂不结对。
    pub capacity: i64,
    /// 意向省份或地市；空表示不限。
    pub preferred: Vec<RegionRef>,
    pub note: String,
    /// 最近填写的单位；从未填写为 null。
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

fn own_org(who: &Principal) -> Result<i64, AppError> {
    who.org_id.filter(|_| who.role == Role::Organization).ok_or(AppError::Forbidden)
}

async fn intent_dto(state: &AppState, org_id: i64) -> Result<IntentDto, ApiError> {
    Ok(match plans::intent(&state.db, org_id).await? {
        Some(i) => IntentDto {
            org_id,
            capacity: i.capacity,
            preferred: i.preferred.split('、').filter(|c| !c.is_empty()).map(|c| RegionRef { code: c.to_string(), name: region_name(state, c) }).collect(),
            note: i.note,
            updated_by: Some(i.updated_by),
            updated_at: Some(i.updated_at),
        },
        None => IntentDto { org_id, capacity: 0, preferred: Vec::new(), note: String::new(), updated_by: None, updated_at: None },
    })
}

/// 本组织的结对意愿（仅社会组织用户）。
#[utoipa::path(get, path = "/api/v1/pairing/intent", tag = "pairing",
    responses((status = 200, body = IntentDto), (status = 403, body = ErrorBody)))]
pub async fn get_intent(State(state): State<AppState>, user: ApiUser) -> Result<Json<IntentDto>, ApiError> {
    let org_id = own_org(&user.principal)?;
    Ok(Json(intent_dto(&state, org_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IntentRequest {
    /// 愿意结对的县数，0–200。
    pub capacity: Option<i64>,
    /// 意向省份或地市，写代码（53、5306）或名称（云南省、昭通市）；空表示不限。
    #[serde(default)]
    pub preferred: Vec<String>,
    /// 说明。
    #[serde(default)]
    pub note: String,
}

/// 填写本组织的结对意愿（仅社会组织用户），结对方案据此为组织推荐县。
#[utoipa::path(put, path = "/api/v1/pairing/intent", tag = "pairing", request_body = IntentRequest,
    responses((status = 200, body = IntentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_intent(State(state): State<AppState>, user: ApiUser, ApiJson(r): ApiJson<IntentRequest>) -> Result<Json<IntentDto>, ApiError> {
    let org_id = own_org(&user.principal)?;
    let capacity = r.capacity.filter(|n| (0..=200).contains(n)).ok_or_else(|| AppError::field("capacity", "可结对县数应为 0–200 的整数"))?;
    if r.note.chars().count() > 500 {
        return Err(AppError::field("note", "说明不能超过 500 字").into());
    }
    let preferred = parse_preferred(&state.tree, &r.preferred.join("、")).map_err(|m| AppError::field("preferred", m))?;
    let mut tx = state.db.begin().await?;
    plans::set_intent(&mut tx, &user.actor(), org_id, capacity, &preferred, &r.note).await?;
    tx.commit().await?;
    Ok(Json(intent_dto(&state, org_id).await?))
}

/// A county whose needs `who` may record: officers with `ProposePairing` there, never organisations.
fn county_for_needs(state: &AppState, who: &Principal, code: &str) -> Result<RegionCode, AppError> {
    let c = RegionCode::parse(code).map_err(|_| AppError::NotFound)?;
    if c.level() != Level::County || state.tree.get(&c).is_none() {
        return Err(AppError::NotFound);
    }
    if who.role == Role::Organization {
        return Err(AppError::Forbidden);
    }
    require(decide(who, Action::ProposePairing, Target::Region(&c)))?;
    Ok(c)
}

/// 某县各帮扶领域的需求程度。
#[derive(Serialize, ToSchema)]
pub struct NeedsDto {
    pub county: String,
    pub name: String,
    /// 是否已填写；未填写时结对方案按每个领域需求 1 计算。
    pub recorded: bool,
    /// 领域 → 需求程度（0–3），只含已填写且大于 0 的领域。
    pub needs: BTreeMap<String, i64>,
}

async fn needs_dto(state: &AppState, c: &RegionCode) -> Result<NeedsDto, ApiError> {
    let recorded = plans::needs(&state.db, c.as_str()).await?;
    Ok(NeedsDto { county: c.to_string(), name: state.tree.full_name(c), recorded: !recorded.is_empty(), needs: recorded.into_iter().collect() })
}

/// 某县的帮扶需求领域（辖区内的民政、乡村振兴部门）。
#[utoipa::path(get, path = "/api/v1/pairing/needs/{county}", tag = "pairing",
    params(("county" = String, Path, description = "县级区划代码，例如 530628")),
    responses((status = 200, body = NeedsDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_needs(State(state): State<AppState>, user: ApiUser, Path(county): Path<String>) -> Result<Json<NeedsDto>, ApiError> {
    let c = county_for_needs(&state, &user.principal, &county)?;
    Ok(Json(needs_dto(&state, &c).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NeedsRequest {
    /// 领域 → 需求程度（0–3），例如 {"教育": 2, "产业": 3}；未列出的领域为 0。
    #[serde(default)]
    pub needs: BTreeMap<String, i64>,
}

/// 填写某县的帮扶需求领域（辖区内的民政、乡村振兴部门；社会组织不能填写），替换原有记录。
#[utoipa::path(put, path = "/api/v1/pairing/needs/{county}", tag = "pairing",
    params(("county" = String, Path, description = "县级区划代码，例如 530628")), request_body = NeedsRequest,
    responses((status = 204, description = "已保存"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_needs(
    State(state): State<AppState>,
    user: ApiUser,
    Path(county): Path<String>,
    ApiJson(r): ApiJson<NeedsRequest>,
) -> Result<StatusCode, ApiError> {
    let c = county_for_needs(&state, &user.principal, &county)?;
    let mut needs = Vec::new();
    for (field, n) in &r.needs {
        if !FIELDS.contains(&field.as_str()) {
            return Err(AppError::field("needs", format!("“{field}”不是帮扶领域，应为：{}", FIELDS.join("、"))).into());
        }
        if !(0..=3).contains(n) {
            return Err(AppError::field("needs", format!("“{field}”的需求程度应为 0–3")).into());
        }
        if *n > 0 {
            needs.push((field.clone(), *n));
        }
    }
    let mut tx = state.db.begin().await?;
    plans::set_needs(&mut tx, &user.actor(), &c, &needs).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- plans

/// 结对方案。
#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    /// 方案所属地区代码。
    pub region_code: String,
    /// 目标范围，例如 national_key:53。
    pub targets: String,
    pub label: String,
    /// 每县最少、最多组织数。
    pub min: u32,
    pub max: u32,
    /// draft（草稿）或 sent（已发送）。
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub sent_by: Option<String>,
    pub sent_at: Option<i64>,
    /// 发送到的批次。
    pub batch_id: Option<i64>,
    /// 求解结果：feasible、covered、counties、uncovered、reasons（未能覆盖的县及原因）、seconds 等。
    #[schema(value_type = Object)]
    pub summary: Value,
}

fn plan_dto(state: &AppState, p: &plans::SavedPlan) -> PlanDto {
    let params: plans::Params = serde_json::from_str(&p.params).unwrap_or_default();
    PlanDto {
        id: p.id,
        region_code: p.region_code.clone(),
        targets: p.targets.clone(),
        label: duijie_domain::pairing::Targets::parse(&p.targets).map(|t| targets_label(&state.tree, &t)).unwrap_or_else(|_| p.targets.clone()),
        min: params.min,
        max: params.max,
        status: p.status.clone(),
        created_by: p.created_by.clone(),
        created_at: p.created_at,
        sent_by: p.sent_by.clone(),
        sent_at: p.sent_at,
        batch_id: p.batch_id,
        summary: serde_json::from_str(&p.summary).unwrap_or_default(),
    }
}

/// A plan the caller may work on (`PlanPairing` on its region; 404 otherwise).
async fn plan_in_scope(state: &AppState, who: &Principal, id: i64) -> Result<plans::SavedPlan, AppError> {
    let plan = plans::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::try_from(plan.region_code.clone()).map_err(|_| AppError::NotFound)?;
    require(decide(who, Action::PlanPairing, Target::Region(&region)))?;
    Ok(plan)
}

/// 本辖区的结对方案（最近 50 个；地市级及以上民政、乡村振兴部门）。
#[utoipa::path(get, path = "/api/v1/pairing/plans", tag = "pairing",
    responses((status = 200, body = [PlanDto]), (status = 403, body = ErrorBody)))]
pub async fn list_plans(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<PlanDto>>, ApiError> {
    let who = &user.principal;
    require(decide(who, Action::PlanPairing, Target::Region(&who.region)))?;
    Ok(Json(plans::list(&state.db, &who.scope()).await?.iter().map(|p| plan_dto(&state, p)).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanRequest {
    /// 目标范围，例如 national_key:53、counties:5306。
    #[serde(default)]
    pub targets: String,
    /// 每县最少组织数（默认 1）。
    pub min: Option<u32>,
    /// 每县最多组织数（默认 3）。
    pub max: Option<u32>,
}

/// 新方案。
#[derive(Serialize, ToSchema)]
pub struct PlanCreated {
    pub id: i64,
    #[schema(value_type = Object)]
    pub summary: Value,
}

/// 生成结对方案（草稿）：依据组织的结对意愿、县的需求领域和现有结对求最优方案；方案只是建议，发送后仍需双方同意。
#[utoipa::path(post, path = "/api/v1/pairing/plans", tag = "pairing", request_body = PlanRequest,
    responses((status = 201, body = PlanCreated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_plan(State(state): State<AppState>, user: ApiUser, ApiJson(r): ApiJson<PlanRequest>) -> Result<(StatusCode, Json<PlanCreated>), ApiError> {
    let who = &user.principal;
    if r.targets.trim().is_empty() {
        return Err(AppError::field("targets", "请填写目标范围，例如 national_key:53").into());
    }
    let t = ops::targets_for(who, &r.targets)?;
    require(decide(who, Action::PlanPairing, Target::Region(t.within())))?;
    let num = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let params = parse_params(&num(r.min), &num(r.max))?;
    let id = plans::create(&state.db, &state.tree, &user.actor(), t.within(), &t, params).await?;
    let plan = plans::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(PlanCreated { id, summary: serde_json::from_str(&plan.summary).unwrap_or_default() })))
}

/// 方案中的一个结对。
#[derive(Serialize, ToSchema)]
pub struct PlanItemDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_fields: String,
    pub county_code: String,
    pub county_name: String,
    /// 匹配度。
    pub fit: i64,
    /// 现有结对（保留）。
    pub existing: bool,
    /// 已从方案中移除。
    pub removed: bool,
    /// 人工添加。
    pub manual: bool,
    /// 发送后生成的结对提议。
    pub pairing_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDetail {
    pub plan: PlanDto,
    #[schema(value_type = Object)]
    pub summary: Value,
    pub items: Vec<PlanItemDto>,
}

/// 结对方案详情：求解结果和方案中的每个结对。
#[utoipa::path(get, path = "/api/v1/pairing/plans/{id}", tag = "pairing",
    params(("id" = i64, Path, description = "方案编号")),
    responses((status = 200, body = PlanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_plan(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<PlanDetail>, ApiError> {
    let plan = plan_in_scope(&state, &user.principal, id).await?;
    let items = plans::items(&state.db, id)
        .await?
        .into_iter()
        .map(|i| PlanItemDto {
            county_name: region_name(&state, &i.county_code),
            id: i.id,
            org_id: i.org_id,
            org_name: i.org_name,
            org_fields: i.org_fields,
            county_code: i.county_code,
            fit: i.fit,
            existing: i.existing,
            removed: i.removed,
            manual: i.manual,
            pairing_id: i.pairing_id,
        })
        .collect();
    let dto = plan_dto(&state, &plan);
    Ok(Json(PlanDetail { summary: dto.summary.clone(), plan: dto, items }))
}

#[derive(Deserialize, ToSchema)]
pub struct SendRequest {
    /// 未发布的批次编号。
    pub batch_id: Option<i64>,
}

/// 发送结果。
#[derive(Serialize, ToSchema)]
pub struct Sent {
    /// 生成的结对提议数（等待社会组织和县级同意）。
    pub proposals: usize,
}

/// 发送方案：方案中新的结对作为提议进入未发布的批次，等待社会组织和县级同意。
#[utoipa::path(post, path = "/api/v1/pairing/plans/{id}/send", tag = "pairing",
    params(("id" = i64, Path, description = "方案编号")), request_body = SendRequest,
    responses((status = 200, body = Sent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_plan(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<SendRequest>) -> Result<Json<Sent>, ApiError> {
    plan_in_scope(&state, &user.principal, id).await?;
    let batch_id = r.batch_id.ok_or_else(|| AppError::field("batch_id", "请选择批次"))?;
    let proposals = ops::send_plan(&state, &user.principal, &user.actor(), id, batch_id).await?;
    Ok(Json(Sent { proposals }))
}

// ---------------------------------------------------------------- adjustments

/// 名单调整申请。
#[derive(Serialize, ToSchema)]
pub struct AdjustmentDto {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    /// 印发名单的区划代码（其民政、乡村振兴部门审批）。
    pub batch_region: String,
    /// add（新增结对）、change（调整结对对象）、end（终止结对）。
    pub op: String,
    pub op_label: String,
    /// 被调整或终止的结对。
    pub pairing_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    /// 结对地区（新增、调整后的地区，或被终止结对的地区）。
    pub region_code: String,
    pub region_name: String,
    pub target_label: String,
    pub fields: String,
    /// 正式文件文号。
    pub doc_no: String,
    pub reason: String,
    /// pending、approved、rejected。
    pub status: String,
    /// 例如“民政已同意，待乡村振兴部门审批”。
    pub status_label: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub civil_by: Option<String>,
    pub civil_at: Option<i64>,
    pub rural_by: Option<String>,
    pub rural_at: Option<i64>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<i64>,
    pub reject_reason: String,
    /// 批准后新列入名单的结对。
    pub result_pairing_id: Option<i64>,
}

fn adjustment_dto(state: &AppState, a: &Adjustment) -> AdjustmentDto {
    AdjustmentDto {
        id: a.id,
        batch_id: a.batch_id,
        batch_name: a.batch_name.clone(),
        batch_region: a.batch_region.clone(),
        op: a.op.clone(),
        op_label: a.op().label().into(),
        pairing_id: a.pairing_id,
        org_id: a.org_id,
        org_name: a.org_name.clone(),
        kind: a.kind.clone(),
        region_code: a.region_code.clone(),
        region_name: region_name(state, &a.region_code),
        target_label: a.target_label.clone(),
        fields: a.fields.clone(),
        doc_no: a.doc_no.clone(),
        reason: a.reason.clone(),
        status: a.status.clone(),
        status_label: a.status_label().into(),
        requested_by: a.requested_by.clone(),
        requested_at: a.requested_at,
        civil_by: a.civil_by.clone(),
        civil_at: a.civil_at,
        rural_by: a.rural_by.clone(),
        rural_at: a.rural_at,
        rejected_by: a.rejected_by.clone(),
        rejected_at: a.rejected_at,
        reject_reason: a.reject_reason.clone(),
        result_pairing_id: a.result_pairing_id,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AdjustmentParams {
    /// pending（待审批）、approved（已批准）、rejected（已驳回）；不填为全部。
    #[serde(default)]
    pub status: String,
}

/// 调整申请列表：社会组织看到本组织的；官员看到本级印发名单的（待审批）和辖区内的。
#[utoipa::path(get, path = "/api/v1/pairing/adjustments", tag = "pairing", params(AdjustmentParams),
    responses((status = 200, body = [AdjustmentDto]), (status = 401, body = ErrorBody)))]
pub async fn list_adjustments(State(state): State<AppState>, user: ApiUser, Query(q): Query<AdjustmentParams>) -> Result<Json<Vec<AdjustmentDto>>, ApiError> {
    let all = adjust::list(&state.db, &user.principal, q.status.trim()).await?;
    Ok(Json(all.iter().map(|a| adjustment_dto(&state, a)).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct AdjustmentRequest {
    /// 已发布名单的批次编号。
    pub batch_id: Option<i64>,
    /// add（新增结对）、change（调整结对对象）、end（终止结对）。
    #[serde(default)]
    pub op: String,
    /// 要调整或终止的结对（change、end）。
    pub pairing_id: Option<i64>,
    /// 新增结对的社会组织统一社会信用代码（官员申请时填写；社会组织为本组织申请）。
    #[serde(default)]
    pub credit_code: String,
    /// 新增结对的类型（默认 county）。
    #[serde(default)]
    pub kind: String,
    /// 新增或调整后的结对地区代码。
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub target_label: String,
    #[serde(default)]
    pub fields: String,
    /// 正式文件文号（必填）。
    #[serde(default)]
    pub doc_no: String,
    /// 调整理由（至少 5 个字）。
    #[serde(default)]
    pub reason: String,
    /// 正式文件（盖章扫描件，PDF、JPG 或 PNG），至少一个。
    #[serde(default)]
    pub files: Vec<FileUpload>,
}

/// 提交名单调整申请（新增、调整或终止已发布名单中的结对），附正式文件；由印发名单一级的民政和乡村振兴部门分别审批。
#[utoipa::path(post, path = "/api/v1/pairing/adjustments", tag = "pairing", request_body = AdjustmentRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_adjustment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(r): ApiJson<AdjustmentRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let who = &user.principal;
    let op = Op::parse(r.op.trim()).ok_or_else(|| AppError::field("op", "申请事项应为 add（新增结对）、change（调整结对对象）或 end（终止结对）"))?;
    let batch_id = r.batch_id.ok_or_else(|| AppError::field("batch_id", "请选择批次"))?;
    let kind = if r.kind.trim().is_empty() {
        Kind::County
    } else {
        Kind::parse(&r.kind).ok_or_else(|| AppError::field("kind", format!("无法识别的结对类型“{}”", r.kind)))?
    };
    let org_id = if op != Op::Add {
        0
    } else if who.role == Role::Organization {
        own_org(who)?
    } else {
        let code = Uscc::parse(&r.credit_code).map_err(|e| AppError::field("credit_code", e.to_string()))?;
        duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?.ok_or_else(|| AppError::field("credit_code", "该组织尚未登记"))?.id
    };
    let region = if r.region.trim().is_empty() { None } else { Some(RegionCode::parse(&r.region).map_err(|e| AppError::field("region", e.to_string()))?) };
    let mut decoded = Vec::new();
    for (i, f) in r.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let bytes = decode_file(&field, &f.content_base64)?;
        let ct = crate::uploads::sniff_scan(&bytes).ok_or_else(|| AppError::field(&field, "正式文件请上传 PDF 或 JPG、PNG 扫描件"))?;
        let name = crate::uploads::clean_file_name(&f.file_name);
        decoded.push((if name.is_empty() { "正式文件".to_string() } else { name }, ct, bytes));
    }
    let files: Vec<Upload> = decoded.iter().map(|(n, ct, b)| Upload { file_name: n, content_type: ct, bytes: b }).collect();
    let n = NewAdjustment {
        batch_id,
        op,
        pairing_id: r.pairing_id,
        org_id,
        kind,
        region,
        target_label: r.target_label,
        fields: r.fields,
        doc_no: r.doc_no,
        reason: r.reason,
    };
    let id = submit_adjustment(&state.db, who, &user.actor(), n, &files).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 申请的附件。
#[derive(Serialize, ToSchema)]
pub struct FileRef {
    pub id: i64,
    pub file_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AdjustmentDetail {
    #[serde(flatten)]
    pub adjustment: AdjustmentDto,
    pub files: Vec<FileRef>,
}

/// 调整申请详情（申请的组织、审批部门和辖区内的官员可见）。
#[utoipa::path(get, path = "/api/v1/pairing/adjustments/{id}", tag = "pairing",
    params(("id" = i64, Path, description = "调整申请编号")),
    responses((status = 200, body = AdjustmentDetail), (status = 404, body = ErrorBody)))]
pub async fn get_adjustment(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<AdjustmentDetail>, ApiError> {
    let a = adjustment_visible(&state.db, &user.principal, id).await?;
    let files = adjust::files_of(&state.db, id).await?.into_iter().map(|(id, file_name)| FileRef { id, file_name }).collect();
    Ok(Json(AdjustmentDetail { adjustment: adjustment_dto(&state, &a), files }))
}

#[derive(Deserialize, ToSchema)]
pub struct AdjustmentDecision {
    /// true 同意（本部门），false 驳回。
    pub approve: bool,
    /// 驳回理由（驳回时必填）。
    #[serde(default)]
    pub reason: String,
}

/// 审批调整申请：印发名单一级的民政、乡村振兴部门各同意一次后生效；任一部门驳回即办结。返回审批后的申请。
#[utoipa::path(post, path = "/api/v1/pairing/adjustments/{id}/decision", tag = "pairing",
    params(("id" = i64, Path, description = "调整申请编号")), request_body = AdjustmentDecision,
    responses((status = 200, body = AdjustmentDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_adjustment(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<AdjustmentDecision>,
) -> Result<Json<AdjustmentDto>, ApiError> {
    let a = app_pairing::decide_adjustment(&state.db, &user.principal, &user.actor(), id, r.approve, &r.reason).await?;
    Ok(Json(adjustment_dto(&state, &a)))
}

// ---------------------------------------------------------------- due

/// 未签协议的结对及剩余天数。
#[derive(Serialize, ToSchema)]
pub struct DueDto {
    #[serde(flatten)]
    pub pairing: PairingDto,
    /// 协议签订截止日期（ISO 日期）。
    pub deadline: String,
    /// 距截止的天数；负数为已逾期。
    pub days_left: i64,
}

/// 催签：调用者范围内双方已同意但尚未上传已签协议、30 天内到期或已逾期的结对，最急的在前。
#[utoipa::path(get, path = "/api/v1/pairing/due", tag = "pairing",
    responses((status = 200, body = [DueDto]), (status = 401, body = ErrorBody)))]
pub async fn due(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<DueDto>>, ApiError> {
    let list = pairing::remind::due(&state.db, &user.principal.scope(), duijie_app::today(), 30).await?;
    Ok(Json(
        list.iter()
            .map(|d| DueDto { pairing: pairing_dto(&state, &d.pairing), deadline: d.deadline.format("%Y-%m-%d").to_string(), days_left: d.days_left })
            .collect(),
    ))
}
