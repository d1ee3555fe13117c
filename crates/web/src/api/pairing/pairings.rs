//! Pairings over the API: the list, proposing, one pairing, its steps, the agreement (.docx) and the signed copy.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_pairings, propose))
        .routes(routes!(get_pairing))
        .routes(routes!(take_step))
        .routes(routes!(agreement))
        .routes(routes!(upload_signed))
}

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
    /// 组团式帮扶：所属帮扶团编号（`GET /api/v1/pairing/teams/{id}`）；不属于帮扶团为 null。
    pub team_id: Option<i64>,
    /// 该成员在帮扶团中的分工；不属于帮扶团为空。
    pub team_role: String,
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

pub(super) fn pairing_dto(state: &AppState, p: &Pairing) -> PairingDto {
    PairingDto {
        id: p.id,
        batch_id: p.batch_id,
        batch_name: p.batch_name.clone(),
        kind: p.kind.as_str().into(),
        kind_label: p.kind().label().into(),
        org_id: p.org_id,
        org_name: p.org_name.clone(),
        org_credit_code: p.org_credit_code.clone(),
        org_region: p.org_region.as_str().into(),
        region_code: p.region_code.as_str().into(),
        region_name: p.place(&state.tree),
        county_code: p.county_code.as_str().into(),
        target_label: p.target_label.clone(),
        member_id: p.member_id,
        team_id: p.team_id,
        team_role: p.team_role.clone(),
        fields: p.fields.clone(),
        commitments: p.commitments.clone(),
        funds_wan: crate::format::wan_or_empty(p.funds_fen),
        people: p.people,
        term_start: p.term_start.clone(),
        term_end: p.term_end.clone(),
        status: p.status.as_str().into(),
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
    let input: ProposeInput = lenient(body, &[])?;
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

pub(super) async fn detail(state: &AppState, who: &Principal, p: Pairing) -> Result<PairingDetail, ApiError> {
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
    let p = ops::visible(&state.db, &user.principal, id).await?;
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

pub(super) fn parse_step(s: &str) -> Result<Step, AppError> {
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

pub(super) const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// 下载结对帮扶协议书（Word .docx，已填好双方信息，打印签章后上传扫描件）。
#[utoipa::path(get, path = "/api/v1/pairings/{id}/agreement", tag = "pairing",
    params(("id" = i64, Path, description = "结对编号")),
    responses((status = 200, description = "协议书（.docx）", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn agreement(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let p = ops::visible(&state.db, &user.principal, id).await?;
    let bytes = crate::agreement::agreement_docx(&state, &p).await?;
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
    ops::visible(&state.db, &user.principal, id).await?;
    let bytes = decode_file("content_base64", &f.content_base64)?;
    let after = ops::upload_signed(&state, &user.principal, &user.actor(), id, &f.file_name, &bytes).await?;
    Ok(Json(detail(&state, &user.principal, after).await?))
}
