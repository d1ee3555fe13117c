//! Adjustments of published lists over the API: requested with evidence, shown and decided.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_adjustments, request_adjustment))
        .routes(routes!(get_adjustment))
        .routes(routes!(decide_adjustment))
}

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

pub(super) fn adjustment_dto(state: &AppState, a: &Adjustment) -> AdjustmentDto {
    AdjustmentDto {
        id: a.id,
        batch_id: a.batch_id,
        batch_name: a.batch_name.clone(),
        batch_region: a.batch_region.as_str().into(),
        op: a.op.as_str().into(),
        op_label: a.op().label().into(),
        pairing_id: a.pairing_id,
        org_id: a.org_id,
        org_name: a.org_name.clone(),
        kind: a.kind.as_str().into(),
        region_code: a.region_code.as_str().into(),
        region_name: region_name(state, a.region_code.as_str()),
        target_label: a.target_label.clone(),
        fields: a.fields.clone(),
        doc_no: a.doc_no.clone(),
        reason: a.reason.clone(),
        status: a.status.as_str().into(),
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
    } else if who.role() == Role::Organization {
        own_org(who)?
    } else {
        let code = Uscc::parse(&r.credit_code).map_err(|e| AppError::field("credit_code", e.to_string()))?;
        duijie_app::open(duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?, &user.principal, duijie_domain::Action::ViewOrgPublic)
            .map_err(|_| AppError::field("credit_code", "该组织尚未登记"))?
            .id
    };
    let region = if r.region.trim().is_empty() { None } else { Some(RegionCode::parse(&r.region).map_err(|e| AppError::field("region", e.to_string()))?) };
    let mut decoded = Vec::new();
    for (i, f) in r.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let bytes = decode_file(&field, &f.content_base64)?;
        let ct = duijie_app::files::sniff_scan(&bytes).ok_or_else(|| AppError::field(&field, "正式文件请上传 PDF 或 JPG、PNG 扫描件"))?;
        let name = duijie_app::files::clean_file_name(&f.file_name);
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
