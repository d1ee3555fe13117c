//! Pairing plans over the API: computed, shown and sent as a batch's proposals.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(get_plan))
        .routes(routes!(send_plan))
}

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

pub(super) fn plan_dto(state: &AppState, p: &plans::SavedPlan) -> PlanDto {
    let params: plans::Params = serde_json::from_str(&p.params).unwrap_or_default();
    PlanDto {
        id: p.id,
        region_code: p.region_code.as_str().into(),
        targets: p.targets.clone(),
        label: duijie_domain::pairing::Targets::parse(&p.targets).map(|t| targets_label(&state.tree, &t)).unwrap_or_else(|_| p.targets.clone()),
        min: params.min,
        max: params.max,
        status: p.status.as_str().into(),
        created_by: p.created_by.clone(),
        created_at: p.created_at,
        sent_by: p.sent_by.clone(),
        sent_at: p.sent_at,
        batch_id: p.batch_id,
        summary: serde_json::from_str(&p.summary).unwrap_or_default(),
    }
}

/// A plan the caller may work on (`PlanPairing` on its region; 404 otherwise).
pub(super) async fn plan_in_scope(state: &AppState, who: &Principal, id: i64) -> Result<plans::SavedPlan, AppError> {
    Ok(duijie_app::open(plans::get(&state.db, id).await?, who, Action::PlanPairing)?)
}

/// 本辖区的结对方案（最近 50 个；地市级及以上民政、乡村振兴部门）。
#[utoipa::path(get, path = "/api/v1/pairing/plans", tag = "pairing",
    responses((status = 200, body = [PlanDto]), (status = 403, body = ErrorBody)))]
pub async fn list_plans(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<PlanDto>>, ApiError> {
    let who = &user.principal;
    require(decide(who, Action::PlanPairing, Target::Region(who.region())))?;
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
    let plan = duijie_app::open(plans::get(&state.db, id).await?, who, Action::PlanPairing)?;
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
